/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_conv.h - what a container runtime says about a container, turned
 * into the container JSON document of container.h (the one captures carry
 * and container_apply_json() reads), the way Falco's container plugin fills
 * it:
 * - the Docker Engine API's GET /containers/ID/json (docker, and podman's
 *   compatible service), with GET /images/IMAGE/json for the repository,
 *   tag and digest;
 * - an OCI runtime bundle's config.json: the annotations of containerd's CRI
 *   plugin (io.kubernetes.cri.*), of CRI-O (io.kubernetes.cri-o.*) and of
 *   podman (io.podman.annotations.*), its bind mounts, namespaces and
 *   capabilities; for podman and CRI-O, the storage's containers.json adds
 *   the name and image.
 * Pure functions: no I/O, usable from any thread.
 *
 * Ownership: the inputs are borrowed; the returned document is the caller's
 * to free().
 */
#ifndef VIGIL_CONTAINER_CONV_H
#define VIGIL_CONTAINER_CONV_H

#include <stddef.h>
#include <stdint.h>

/* Labels whose value is longer than this are left out, as the plugin's
 * label_max_len does. */
#define CONTAINER_LABEL_MAX_LEN 100

/* The document for a Docker Engine API inspect answer (`inspect`, len),
 * with the image inspect answer (`image`, ilen; NULL if there is none).
 * `type` is the runtime that answered ("docker" or "podman"): docker takes
 * the repository and tag from the image's RepoDigests/RepoTags, podman from
 * the image name the container was created with. Returns a malloc'd document,
 * or NULL with errno EINVAL when the answer is not a container's. */
char *container_doc_from_docker(const char *inspect, size_t len, const char *image, size_t ilen, const char *type,
				unsigned label_max_len);

/* The image a Docker Engine API inspect answer names (its id, else the
 * configured image name), to ask GET /images/IMAGE/json; malloc'd, or NULL. */
char *container_doc_image_ref(const char *inspect, size_t len);

/* The document for container `id` (full id) of runtime `type` ("containerd",
 * "cri-o", "podman"...) from its OCI bundle config.json (`config`, len), and
 * the storage's containers.json (`storage`, slen; NULL if none) that names
 * podman's and CRI-O's containers and their images. `mtime` (s) stands in for
 * the creation time when the annotations give none. Returns a malloc'd
 * document, or NULL with errno EINVAL when config.json is not an OCI spec. */
char *container_doc_from_oci(const char *id, const char *type, const char *config, size_t len, const char *storage,
			     size_t slen, int64_t mtime, unsigned label_max_len);

/* Split an image reference ("registry:5000/ns/app:1.2@sha256:...") into its
 * repository and tag (the digest is dropped; no tag gives ""). Both are
 * malloc'd. */
void container_image_split(const char *image, char **repo, char **tag);

/* Seconds since the epoch of an RFC 3339 time ("2026-11-28T06:02:05.83Z",
 * "...+01:00"), 0 if it does not parse. */
int64_t container_parse_time(const char *s);

#endif
