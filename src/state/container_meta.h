/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_meta.h - container metadata fetched from the runtimes in the
 * background, for live runs. The engine's thread asks (container_meta_request,
 * when the state first sees a container id) and later collects the answers
 * (container_meta_drain), each a container JSON document (container.h) to
 * apply and to write into a capture; worker threads do the slow part.
 *
 * Threads: the caller's thread (the engine's) and a pool of four workers, so
 * that one slow container does not hold the others up. They share two queues
 * under one mutex that no worker holds across I/O, so asking and draining
 * never wait for a runtime: a request is a queue append, a drain with nothing
 * ready is one atomic load.
 *
 * Sources, tried in this order for the runtime the cgroups name:
 *   docker      the Docker Engine API (GET /containers/ID/json and the image)
 *               on the docker sockets; then containerd's bundles (docker
 *               running on containerd)
 *   podman      the podman sockets (the Docker-compatible API of `podman
 *               system service`), then the docker sockets (podman-docker),
 *               then podman's storage (config.json and containers.json)
 *   containerd  containerd's bundles (<state_dir>/<namespace>/<id>/config.json),
 *   cri         then CRI-O's storage, then the docker sockets (cri-dockerd)
 *   cri-o       CRI-O's storage (<dir>/overlay-containers/<id>/userdata/config.json)
 * A socket that does not exist is skipped silently; one that times out is
 * skipped for 30 s. Each API request is bounded by `timeout` (connection
 * included). A container no source knows is asked again after 125, 250,
 * 500, 1000 and 2000 ms, then reported as failed (and not asked again: the
 * caller remembers it). A socket that timed out is skipped by every worker.
 *
 * Ownership: the worker owns the requests and the documents until a drain
 * hands a document to the callback, which borrows it for the call only.
 */
#ifndef VIGIL_CONTAINER_META_H
#define VIGIL_CONTAINER_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMETA_MAX_PATHS 4
#define CMETA_PATH_LEN 256

/* One runtime: whether to ask it, its API sockets, its state directories. */
struct cmeta_engine_cfg {
	bool enabled;
	char sockets[CMETA_MAX_PATHS][CMETA_PATH_LEN];
	int nsockets;
	char dirs[CMETA_MAX_PATHS][CMETA_PATH_LEN];
	int ndirs;
};

/* The options, named after Falco's container plugin init_config
 * (`-o container.engines.docker.sockets=...`, see cli/options.c). */
struct cmeta_cfg {
	struct cmeta_engine_cfg docker, podman, containerd, cri;
	double timeout;			/* s, each API request (engine_timeout) */
	unsigned label_max_len;		/* longer label values are left out */
	unsigned retry_ms[8];		/* delays before the retries of a miss */
	int nretries;
};

/* Defaults: docker /var/run/docker.sock; podman /run/podman/podman.sock and
 * storage /var/lib/containers/storage, /run/containers/storage; containerd
 * /run/containerd/io.containerd.runtime.v2.task (and .v1.linux); CRI-O
 * /run/containers/storage, /var/lib/containers/storage; timeout 2 s; labels
 * up to 100 characters; retries after 125, 250, 500, 1000, 2000 ms. */
void cmeta_cfg_init(struct cmeta_cfg *cfg);
/* True if any runtime is enabled. */
bool cmeta_cfg_any(const struct cmeta_cfg *cfg);

/* What a drain hands to its callback. */
struct cmeta_result {
	const char *id;		/* the full id asked for */
	const char *json;	/* the document, NULL when the lookup failed */
	size_t len;
	const char *source;	/* "docker API /var/run/docker.sock", "podman storage ..." */
	unsigned attempts;	/* lookups made (1 = found at the first) */
	uint64_t elapsed_ns;	/* from the request to the answer */
};

typedef void (*cmeta_result_cb)(void *ud, const struct cmeta_result *r);

struct cmeta_stats {
	uint64_t requested, found, failed, retries, pending;
	uint64_t api_timeouts;	/* API requests that hit the timeout */
};

struct cmeta;

/* Start the worker with a copy of `cfg`. NULL with errno on failure. */
struct cmeta *container_meta__new(const struct cmeta_cfg *cfg);

/* Stop the worker (an API request under way is aborted) and free
 * everything; NULL is a no-op. */
void container_meta__free(struct cmeta *cm);

/* Ask for the metadata of container `id` (full id) of runtime `type`.
 * Never waits for I/O. Returns 0, or -ENOMEM. */
int container_meta_request(struct cmeta *cm, const char *id, const char *type);

/* Hand every answer ready so far to `cb`, on the caller's thread. Returns
 * how many there were. */
size_t container_meta_drain(struct cmeta *cm, cmeta_result_cb cb, void *ud);

void container_meta_stats(struct cmeta *cm, struct cmeta_stats *out);

/* One lookup on the caller's thread, without retries: what the worker does
 * for one attempt (for `vigil container` and the tests). Returns a malloc'd
 * document, or NULL with errno ENOENT (no source knows the container). */
char *container_meta_lookup(const struct cmeta_cfg *cfg, const char *id, const char *type, char *source,
			    size_t sourcelen);

#endif
