/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - container identity and metadata. The id and runtime come
 * from a thread's cgroup paths (docker, podman/libpod, containerd,
 * cri-containerd, CRI-O, kubepods layouts, systemd scopes, cgroup v1 and
 * v2); metadata (name, image, labels, mounts, privileged, pod) comes from the
 * container JSON document that captures carry in container events, and that
 * a live run builds from the runtimes (container_meta.h). Host processes
 * have no entry: the fields show them as "host".
 *
 * The document is the one libsinsp and Falco's container plugin write:
 *   {"container": {"id": "<12>", "full_id": "<64>", "type": <int>,
 *    "name", "image", "imageid", "imagerepo", "imagetag", "imagedigest",
 *    "ip", "User", "cni_json", "privileged", "host_pid", "host_network",
 *    "host_ipc", "is_pod_sandbox", "pod_sandbox_id", "created_time" (s),
 *    "labels": {...}, "pod_sandbox_labels": {...},
 *    "Mounts": [{"Source", "Destination", "Mode", "RW", "Propagation"}]}}
 *
 * Ownership: the table owns its entries and their strings; entries are never
 * removed before container_table_fini(), so pointers to them stay valid.
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/hashmap.h"

struct container_kv {
	char *key, *value;
};

struct container_mount {
	char *source, *dest, *mode, *propagation;
	bool rdwr;
};

/* What is known of a container's metadata. */
enum container_lookup {
	CLOOKUP_NONE = 0,	/* nothing asked (a capture, or no runtime configured) */
	CLOOKUP_PENDING,	/* a live lookup is under way */
	CLOOKUP_DONE,		/* a document was applied */
	CLOOKUP_FAILED,		/* no runtime knew it: given up, not asked again */
};

struct container_info {
	char id[13];		/* 12-char id */
	char *full_id;
	char *type;		/* docker, podman, containerd, cri-o, cri... */
	char *name, *image, *image_id, *image_repo, *image_tag, *image_digest, *ip;
	char *user, *cni_json, *pod_sandbox_id;
	bool privileged, host_pid, host_network, host_ipc, is_pod_sandbox;
	bool has_metadata;	/* a document was applied (name/image... known) */
	int64_t created_time;	/* s since the epoch, 0 if unknown */
	struct container_kv *labels;	/* sorted by key */
	size_t nlabels;
	struct container_kv *pod_labels;	/* pod_sandbox_labels, sorted by key */
	size_t npod_labels;
	struct container_mount *mounts;
	size_t nmounts;
	uint8_t lookup;		/* enum container_lookup */
	/* users and groups of the container's own /etc/passwd and /etc/group
	 * (live), or of a capture's lists for this container id:
	 * uid/gid -> struct user_info / struct group_info (state.h) */
	struct u64map users, groups;
	bool has_users;		/* the lists were loaded (even if empty) */
	uint64_t users_retry_ns;	/* live: no new load attempt before (monotonic ns) */
};

struct container_table {
	struct container_info **v;
	size_t n, cap;
	struct strmap by_id;	/* 12-char id -> entry */
};

void container_table_init(struct container_table *ct);
void container_table_fini(struct container_table *ct);
/* The entry of a container id (full or 12-char), or NULL. */
struct container_info *container_find(const struct container_table *ct, const char *id);
/* Find or create the entry for a container id (full or 12-char); `type`
 * names the runtime of a new entry (NULL: "docker"). *created (may be NULL)
 * tells whether the entry is new. */
struct container_info *container_get(struct container_table *ct, const char *id, const char *type, bool *created);

/* Parse the container id out of NUL-separated "subsys=/path" cgroup lines
 * (or bare paths). Writes the 64-hex id into id (idlen >= 65) and the runtime
 * into *type; returns false for host processes. Only the last component of a
 * path (a ".scope" unit, or a "container" sub-cgroup of one) can name the
 * container, and conmon's own scopes (libpod-conmon-, crio-conmon-) are the
 * host's. */
bool container_id_from_cgroups(const char *cgroups, size_t len, char *id, size_t idlen, const char **type);

/* The runtime name of a container JSON "type" code (0 docker, 6 cri,
 * 7 containerd, 8 cri-o, 11 podman...), NULL if unknown; and the reverse
 * (-1 if unknown). */
const char *container_type_name(int code);
int container_type_code(const char *name);

/* Apply a container JSON document: the entry of its id is created or its
 * metadata replaced by the document's (as Falco replaces a container's info
 * on a new container event). *out (may be NULL) gets the entry. Returns 0 or
 * -EINVAL (not a container document). */
int container_apply_json(struct container_table *ct, const char *json, size_t len, struct container_info **out);

/* A container label or pod (sandbox) label value, NULL if absent. */
const char *container_label(const struct container_info *ci, const char *key);
const char *container_pod_label(const struct container_info *ci, const char *key);

#endif
