/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_conv.c - runtime answers (Docker Engine API inspect, OCI
 * config.json, containers/storage's containers.json) into the container JSON
 * document (see container_conv.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/xalloc.h"
#include "state/container.h"
#include "state/container_conv.h"

/* ------------------------------------------------------------------------
 * Small JSON helpers
 * ------------------------------------------------------------------------ */

static struct json_object *parse(const char *s, size_t n)
{
	if (!s)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	json_tokener_free(tok);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member, or "" (borrowed). */
static const char *gets(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static bool getb(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return v && json_object_get_boolean(v);
}

/* ------------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------------ */

/* A document with every key present and Falco's defaults, for the full id. */
static struct json_object *doc_new(const char *full_id, const char *type, struct json_object **c)
{
	char id12[13];
	struct json_object *root = json_object_new_object();
	*c = json_object_new_object();
	json_object_object_add(root, "container", *c);
	snprintf(id12, sizeof(id12), "%.12s", full_id);
	int code = container_type_code(type);
	static const char *const strs[] = { "name", "image", "imageid", "imagerepo", "imagetag", "imagedigest",
					    "ip", "User", "cni_json", "pod_sandbox_id" };
	json_object_object_add(*c, "id", json_object_new_string(id12));
	json_object_object_add(*c, "full_id", json_object_new_string(full_id));
	json_object_object_add(*c, "type", json_object_new_int(code < 0 ? 0 : code));
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		json_object_object_add(*c, strs[i], json_object_new_string(""));
	static const char *const flags[] = { "privileged", "host_pid", "host_network", "host_ipc", "is_pod_sandbox" };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		json_object_object_add(*c, flags[i], json_object_new_boolean(0));
	json_object_object_add(*c, "created_time", json_object_new_int64(0));
	json_object_object_add(*c, "cpu_period", json_object_new_int64(100000));
	json_object_object_add(*c, "cpu_quota", json_object_new_int64(0));
	json_object_object_add(*c, "cpu_shares", json_object_new_int64(1024));
	json_object_object_add(*c, "cpuset_cpu_count", json_object_new_int64(0));
	json_object_object_add(*c, "memory_limit", json_object_new_int64(0));
	json_object_object_add(*c, "swap_limit", json_object_new_int64(0));
	json_object_object_add(*c, "labels", json_object_new_object());
	json_object_object_add(*c, "pod_sandbox_labels", json_object_new_object());
	json_object_object_add(*c, "port_mappings", json_object_new_array());
	json_object_object_add(*c, "Mounts", json_object_new_array());
	json_object_object_add(*c, "env", json_object_new_array());
	json_object_object_add(*c, "lookup_state", json_object_new_int(1));
	return root;
}

static void set_str(struct json_object *c, const char *key, const char *v)
{
	json_object_object_add(c, key, json_object_new_string(v ? v : ""));
}

static void set_bool(struct json_object *c, const char *key, bool v)
{
	json_object_object_add(c, key, json_object_new_boolean(v));
}

static void set_i64(struct json_object *c, const char *key, int64_t v)
{
	json_object_object_add(c, key, json_object_new_int64(v));
}

/* Copy the string members of `from` into the document's map `key`, leaving
 * out values longer than `max` (label_max_len). */
static void set_map(struct json_object *c, const char *key, struct json_object *from, unsigned max)
{
	struct json_object *m = get(c, key);
	if (!m || !from || !json_object_is_type(from, json_type_object))
		return;
	json_object_object_foreach(from, k, v) {
		if (!v || !json_object_is_type(v, json_type_string) || strlen(json_object_get_string(v)) > max)
			continue;
		json_object_object_add(m, k, json_object_new_string(json_object_get_string(v)));
	}
}

static void add_mount(struct json_object *c, const char *src, const char *dst, const char *mode, bool rw,
		      const char *prop)
{
	struct json_object *m = json_object_new_object();
	set_str(m, "Source", src);
	set_str(m, "Destination", dst);
	set_str(m, "Mode", mode);
	set_bool(m, "RW", rw);
	set_str(m, "Propagation", prop);
	json_object_array_add(get(c, "Mounts"), m);
}

static char *doc_finish(struct json_object *root)
{
	char *s = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return s;
}

/* ------------------------------------------------------------------------
 * Images and times
 * ------------------------------------------------------------------------ */

void container_image_split(const char *image, char **repo, char **tag)
{
	size_t n = strcspn(image, "@");
	const char *slash = NULL;
	for (size_t i = 0; i < n; i++)
		if (image[i] == '/')
			slash = image + i;
	const char *colon = NULL;
	for (const char *p = slash ? slash : image; p < image + n; p++)
		if (*p == ':')
			colon = p;
	if (!colon) {
		*repo = xstrndup(image, n);
		*tag = xstrdup("");
		return;
	}
	*repo = xstrndup(image, (size_t)(colon - image));
	*tag = xstrndup(colon + 1, (size_t)(image + n - colon - 1));
}

int64_t container_parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return 0;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	int64_t t = (int64_t)timegm(&tm);
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) < 1)
			return 0;
		int64_t off = (int64_t)hh * 3600 + mm * 60;
		t += *p == '+' ? -off : off;
	} else if (*p != 'Z' && *p != 0) {
		return 0;
	}
	return t < 0 ? 0 : t;
}

/* "sha256:<hex>" into "<hex>"; other forms as they are. */
static const char *strip_sha(const char *s)
{
	return strncmp(s, "sha256:", 7) ? s : s + 7;
}

/* The repository, tag and digest of an image as docker's plugin engine
 * derives them from the image's RepoDigests and RepoTags. */
static void docker_repo_tag(struct json_object *img, char **repo, char **tag, char **digest)
{
	struct json_object *rd = get(img, "RepoDigests"), *rt = get(img, "RepoTags");
	const char *only = NULL;
	size_t ndigests = 0;
	*repo = *tag = *digest = NULL;
	for (size_t i = 0; rd && json_object_is_type(rd, json_type_array) && i < json_object_array_length(rd); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(rd, i));
		const char *at = s ? strchr(s, '@') : NULL;
		if (!at || strchr(at + 1, '@'))
			continue;
		if (!*repo)
			*repo = xstrndup(s, (size_t)(at - s));
		ndigests++;
		only = at + 1;
		if (strstr(s, *repo)) {
			*digest = xstrdup(at + 1);
			break;
		}
	}
	if (!*digest && ndigests == 1)
		*digest = xstrdup(only);
	for (size_t i = 0; rt && json_object_is_type(rt, json_type_array) && i < json_object_array_length(rt); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(rt, i));
		const char *colon = s ? strchr(s, ':') : NULL;
		if (!colon || strchr(colon + 1, ':'))
			continue; /* "registry:port/app:tag" is skipped, as the plugin does */
		if (!*repo)
			*repo = xstrndup(s, (size_t)(colon - s));
		if (strstr(s, *repo)) {
			*tag = xstrdup(colon + 1);
			break;
		}
	}
}

/* The first digest of RepoDigests whose repository is `repo` (else the first). */
static char *digest_of(struct json_object *img, const char *repo)
{
	struct json_object *rd = get(img, "RepoDigests");
	const char *first = NULL;
	for (size_t i = 0; rd && json_object_is_type(rd, json_type_array) && i < json_object_array_length(rd); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(rd, i));
		const char *at = s ? strchr(s, '@') : NULL;
		if (!at)
			continue;
		if (!first)
			first = at + 1;
		if ((size_t)(at - s) == strlen(repo) && !strncmp(s, repo, (size_t)(at - s)))
			return xstrdup(at + 1);
	}
	return first ? xstrdup(first) : NULL;
}

static void set_image(struct json_object *c, const char *image, const char *repo, const char *tag,
		      const char *digest)
{
	char *r = NULL, *t = NULL;
	set_str(c, "image", image);
	if (!repo || !*repo) {
		container_image_split(image, &r, &t);
		repo = r;
		if (!tag || !*tag)
			tag = t;
	}
	set_str(c, "imagerepo", repo);
	set_str(c, "imagetag", tag);
	if (digest)
		set_str(c, "imagedigest", digest);
	free(r);
	free(t);
}

/* ------------------------------------------------------------------------
 * Docker Engine API
 * ------------------------------------------------------------------------ */

char *container_doc_image_ref(const char *inspect, size_t len)
{
	struct json_object *in = parse(inspect, len);
	const char *ref = gets(in, "Image");
	if (!*ref)
		ref = gets(get(in, "Config"), "Image");
	char *r = *ref ? xstrdup(ref) : NULL;
	json_object_put(in);
	return r;
}

char *container_doc_from_docker(const char *inspect, size_t len, const char *image, size_t ilen, const char *type,
				unsigned label_max_len)
{
	struct json_object *in = parse(inspect, len), *img = parse(image, ilen), *c;
	const char *id = gets(in, "Id");
	char *doc = NULL;

	if (strlen(id) < 12) {
		errno = EINVAL;
		goto out;
	}
	struct json_object *root = doc_new(id, type, &c);
	struct json_object *cfg = get(in, "Config"), *hc = get(in, "HostConfig"), *net = get(in, "NetworkSettings");
	const char *name = gets(in, "Name");
	if (*name == '/')
		name++;
	set_str(c, "name", name);
	set_bool(c, "is_pod_sandbox", strstr(name, "k8s_POD") != NULL);

	/* image: docker derives repository and tag from the image, podman from
	 * the name the container was created with */
	const char *iname = gets(cfg, "Image");
	const char *iref = gets(in, "Image");
	if (!strchr(iref, '/') && strchr(iref, ':'))
		set_str(c, "imageid", strchr(iref, ':') + 1);
	else if (*iref && !strchr(iref, '/'))
		set_str(c, "imageid", iref);
	if (!strcmp(type, "docker")) {
		char *repo, *tag, *digest;
		docker_repo_tag(img, &repo, &tag, &digest);
		set_image(c, iname, repo, tag, digest);
		free(repo);
		free(tag);
		free(digest);
	} else {
		char *repo, *tag;
		container_image_split(iname, &repo, &tag);
		char *digest = digest_of(img, repo);
		set_image(c, iname, repo, tag, digest);
		free(repo);
		free(tag);
		free(digest);
	}

	set_str(c, "User", gets(cfg, "User"));
	set_map(c, "labels", get(cfg, "Labels"), label_max_len);
	struct json_object *labels = get(cfg, "Labels");
	set_str(c, "pod_sandbox_id", gets(labels, "io.kubernetes.sandbox.id"));
	set_bool(c, "privileged", getb(hc, "Privileged"));
	set_bool(c, "host_pid", !strcmp(gets(hc, "PidMode"), "host"));
	set_bool(c, "host_network", !strcmp(gets(hc, "NetworkMode"), "host"));
	set_bool(c, "host_ipc", !strcmp(gets(hc, "IpcMode"), "host"));
	set_str(c, "ip", gets(net, "IPAddress"));
	set_i64(c, "created_time", container_parse_time(gets(in, "Created")));
	struct json_object *v;
	if ((v = get(hc, "Memory")))
		set_i64(c, "memory_limit", json_object_get_int64(v));
	if ((v = get(hc, "MemorySwap")))
		set_i64(c, "swap_limit", json_object_get_int64(v));
	if ((v = get(hc, "CpuShares")) && json_object_get_int64(v) > 0)
		set_i64(c, "cpu_shares", json_object_get_int64(v));
	if ((v = get(hc, "CpuPeriod")) && json_object_get_int64(v) > 0)
		set_i64(c, "cpu_period", json_object_get_int64(v));
	if ((v = get(hc, "CpuQuota")))
		set_i64(c, "cpu_quota", json_object_get_int64(v));
	struct json_object *mounts = get(in, "Mounts");
	for (size_t i = 0; mounts && json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
	     i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		add_mount(c, gets(m, "Source"), gets(m, "Destination"), gets(m, "Mode"), getb(m, "RW"),
			  gets(m, "Propagation"));
	}
	doc = doc_finish(root);
out:
	json_object_put(in);
	json_object_put(img);
	return doc;
}

/* ------------------------------------------------------------------------
 * OCI runtime bundles
 * ------------------------------------------------------------------------ */

static bool has_string(struct json_object *arr, const char *s)
{
	for (size_t i = 0; arr && json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)) ?: "", s))
			return true;
	return false;
}

static const char *const g_propagations[] = { "rprivate", "private", "rshared", "shared", "rslave", "slave" };

/* Bind mounts the container asked for; the runtime's own files of this
 * container or its sandbox (hosts, resolv.conf, hostname, shm...) left out,
 * as the runtimes' APIs leave them out. */
static void oci_mounts(struct json_object *c, struct json_object *spec, const char *id, const char *sandbox)
{
	struct json_object *mounts = get(spec, "mounts");
	for (size_t i = 0; mounts && json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
	     i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		struct json_object *opts = get(m, "options");
		const char *src = gets(m, "source");
		if (strcmp(gets(m, "type"), "bind") && !has_string(opts, "bind") && !has_string(opts, "rbind"))
			continue;
		if (strstr(src, id) || (*sandbox && strstr(src, sandbox)))
			continue;
		const char *prop = "";
		for (size_t k = 0; k < sizeof(g_propagations) / sizeof(g_propagations[0]); k++)
			if (has_string(opts, g_propagations[k])) {
				prop = g_propagations[k];
				break;
			}
		bool ro = has_string(opts, "ro");
		add_mount(c, src, gets(m, "destination"), ro ? "ro" : "", !ro, prop);
	}
}

/* Namespaces the spec does not unshare are the host's. */
static void oci_namespaces(struct json_object *c, struct json_object *spec)
{
	struct json_object *ns = get(get(spec, "linux"), "namespaces");
	bool pid = false, net = false, ipc = false;
	for (size_t i = 0; ns && json_object_is_type(ns, json_type_array) && i < json_object_array_length(ns); i++) {
		const char *t = gets(json_object_array_get_idx(ns, i), "type");
		pid |= !strcmp(t, "pid");
		net |= !strcmp(t, "network");
		ipc |= !strcmp(t, "ipc");
	}
	set_bool(c, "host_pid", !pid);
	set_bool(c, "host_network", !net);
	set_bool(c, "host_ipc", !ipc);
}

/* Privileged: podman says so in an annotation; otherwise a privileged
 * container is one with nothing masked or read-only and CAP_SYS_ADMIN in
 * its bounding set, which is what every runtime makes of --privileged. */
static bool oci_privileged(struct json_object *spec, struct json_object *ann)
{
	const char *p = gets(ann, "io.podman.annotations.privileged");
	if (*p)
		return !strcasecmp(p, "TRUE");
	struct json_object *lx = get(spec, "linux");
	struct json_object *masked = get(lx, "maskedPaths"), *ro = get(lx, "readonlyPaths");
	if ((masked && json_object_array_length(masked)) || (ro && json_object_array_length(ro)))
		return false;
	return has_string(get(get(get(spec, "process"), "capabilities"), "bounding"), "CAP_SYS_ADMIN");
}

/* The entry of containers/storage's containers.json for `id`. */
static struct json_object *storage_entry(struct json_object *list, const char *id)
{
	for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list);
	     i++) {
		struct json_object *e = json_object_array_get_idx(list, i);
		if (!strcmp(gets(e, "id"), id))
			return e;
	}
	return NULL;
}

/* containerd's CRI plugin: io.kubernetes.cri.* annotations. */
static void oci_cri_containerd(struct json_object *c, struct json_object *ann)
{
	bool sandbox = !strcmp(gets(ann, "io.kubernetes.cri.container-type"), "sandbox");
	set_bool(c, "is_pod_sandbox", sandbox);
	set_str(c, "name", gets(ann, sandbox ? "io.kubernetes.cri.sandbox-name" : "io.kubernetes.cri.container-name"));
	set_str(c, "pod_sandbox_id", gets(ann, "io.kubernetes.cri.sandbox-id"));
	if (*gets(ann, "io.kubernetes.cri.image-name"))
		set_image(c, gets(ann, "io.kubernetes.cri.image-name"), NULL, NULL, NULL);
	/* the labels the kubelet gives every container */
	struct json_object *l = get(c, "labels");
	static const char *const map[][2] = {
		{ "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name" },
		{ "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace" },
		{ "io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid" },
		{ "io.kubernetes.cri.container-name", "io.kubernetes.container.name" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (*gets(ann, map[i][0]))
			set_str(l, map[i][1], gets(ann, map[i][0]));
}

/* CRI-O: io.kubernetes.cri-o.* annotations (JSON-valued ones included). */
static void oci_crio(struct json_object *c, struct json_object *ann, unsigned label_max_len)
{
	bool sandbox = !strcmp(gets(ann, "io.kubernetes.cri-o.ContainerType"), "sandbox");
	const char *s;
	set_bool(c, "is_pod_sandbox", sandbox);
	s = gets(ann, "io.kubernetes.cri-o.Labels");
	struct json_object *labels = parse(s, strlen(s));
	s = gets(ann, "io.kubernetes.cri-o.Metadata");
	struct json_object *meta = parse(s, strlen(s));
	const char *name = gets(meta, "name");
	if (!*name)
		name = gets(labels, "io.kubernetes.container.name");
	if (!*name)
		name = gets(ann, "io.kubernetes.cri-o.ContainerName");
	set_str(c, "name", name);
	set_map(c, "labels", labels, label_max_len);
	if (sandbox)
		set_map(c, "pod_sandbox_labels", labels, label_max_len);
	set_str(c, "pod_sandbox_id", gets(ann, "io.kubernetes.cri-o.SandboxID"));
	const char *iname = gets(ann, "io.kubernetes.cri-o.ImageName");
	if (!*iname)
		iname = gets(ann, "io.kubernetes.cri-o.Image");
	const char *ref = gets(ann, "io.kubernetes.cri-o.ImageRef");
	const char *at = strchr(ref, '@');
	set_image(c, iname, NULL, NULL, at ? at + 1 : NULL);
	if (*ref && !at)
		set_str(c, "imageid", strip_sha(ref));
	s = gets(ann, "io.kubernetes.cri-o.IP.0");
	set_str(c, "ip", *s ? s : gets(ann, "io.kubernetes.cri-o.IP"));
	set_str(c, "cni_json", gets(ann, "io.kubernetes.cri-o.CNIResult"));
	json_object_put(labels);
	json_object_put(meta);
}

/* podman (and CRI-O) keep the name and image in containers/storage. */
static void oci_storage(struct json_object *c, struct json_object *entry)
{
	if (!entry)
		return;
	const char *s = gets(entry, "metadata");
	struct json_object *meta = parse(s, strlen(s));
	struct json_object *names = get(entry, "names");
	const char *name = gets(meta, "name");
	if (!*name && names && json_object_is_type(names, json_type_array) && json_object_array_length(names))
		name = json_object_get_string(json_object_array_get_idx(names, 0)) ?: "";
	if (!*gets(c, "name"))
		set_str(c, "name", name);
	const char *iname = gets(meta, "image-name");
	if (*iname && !*gets(c, "image"))
		set_image(c, iname, NULL, NULL, NULL);
	const char *iid = gets(meta, "image-id");
	if (!*iid)
		iid = gets(entry, "image");
	if (!*gets(c, "imageid"))
		set_str(c, "imageid", iid);
	struct json_object *v = get(meta, "created-at");
	if (v && json_object_get_int64(v) > 0 && !json_object_get_int64(get(c, "created_time")))
		set_i64(c, "created_time", json_object_get_int64(v));
	json_object_put(meta);
}

char *container_doc_from_oci(const char *id, const char *type, const char *config, size_t len, const char *storage,
			     size_t slen, int64_t mtime, unsigned label_max_len)
{
	struct json_object *spec = parse(config, len), *list = parse(storage, slen), *c;
	char *doc = NULL;

	if (!spec || !json_object_is_type(spec, json_type_object) || !get(spec, "ociVersion") || strlen(id) < 12) {
		errno = EINVAL;
		goto out;
	}
	struct json_object *root = doc_new(id, type, &c);
	struct json_object *ann = get(spec, "annotations");
	if (*gets(ann, "io.kubernetes.cri.container-type") || *gets(ann, "io.kubernetes.cri.sandbox-id"))
		oci_cri_containerd(c, ann);
	else if (*gets(ann, "io.kubernetes.cri-o.ContainerType") || *gets(ann, "io.kubernetes.cri-o.SandboxID"))
		oci_crio(c, ann, label_max_len);
	oci_storage(c, storage_entry(list, id));
	oci_mounts(c, spec, id, gets(c, "pod_sandbox_id"));
	oci_namespaces(c, spec);
	set_bool(c, "privileged", oci_privileged(spec, ann));
	int64_t created = container_parse_time(gets(ann, "io.kubernetes.cri-o.Created"));
	if (!created)
		created = json_object_get_int64(get(c, "created_time"));
	set_i64(c, "created_time", created ? created : mtime);
	doc = doc_finish(root);
out:
	json_object_put(spec);
	json_object_put(list);
	return doc;
}
