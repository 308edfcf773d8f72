/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - container identity and metadata. The id and runtime come
 * from a thread's cgroup paths (docker, podman/libpod, containerd,
 * cri-containerd, CRI-O, kubepods layouts, cgroup v1 and v2); metadata
 * (name, image, labels, mounts, privileged, pod) comes from container JSON
 * events in captures and, live, from the runtimes. Host processes are "host".
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct container_kv {
	char *key, *value;
};

struct container_mount {
	char *source, *dest, *mode, *propagation;
	bool rdwr;
};

struct container_info {
	char id[13];		/* 12-char id */
	char *full_id;
	char *type;		/* docker, podman, containerd, cri-o... */
	char *name, *image, *image_id, *image_repo, *image_tag, *image_digest, *ip;
	bool privileged, host_pid, host_network, host_ipc;
	bool has_metadata;	/* name/image known (not just the id) */
	uint64_t start_ts;	/* ns, 0 if unknown */
	struct container_kv *labels;
	size_t nlabels;
	struct container_mount *mounts;
	size_t nmounts;
	/* Kubernetes, from the runtime's pod labels/annotations */
	char *pod_name, *pod_ns, *pod_uid, *pod_sandbox_id;
};

struct container_table {
	struct container_info **v;
	size_t n, cap;
};

void container_table_init(struct container_table *ct);
void container_table_fini(struct container_table *ct);
struct container_info *container_find(const struct container_table *ct, const char *id12);
/* Find or create the entry for a container id (full or 12-char). */
struct container_info *container_get(struct container_table *ct, const char *id, const char *type);

/* Parse the container id out of NUL-separated "subsys=/path" cgroup lines.
 * Writes the full id (64 hex) or a shorter id into id (size >= 65) and the
 * runtime into *type; returns false for host processes. */
bool container_id_from_cgroups(const char *cgroups, size_t len, char *id, size_t idlen, const char **type);

/* Apply a container JSON document (the payload of container events in
 * captures). Returns 0 or -EINVAL. */
int container_apply_json(struct container_table *ct, const char *json, size_t len);

/* A label value or NULL. */
const char *container_label(const struct container_info *ci, const char *key);

#endif
