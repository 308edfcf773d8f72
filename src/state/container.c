/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - container ids from cgroup paths, the container table, and
 * container metadata from the JSON documents container events carry.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "state/container.h"
#include "state/state.h"
#include "state/state_int.h"

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

void container_table_init(struct container_table *ct)
{
	memset(ct, 0, sizeof(*ct));
	strmap_init(&ct->by_id);
}

static void kv_free(struct container_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* Drop everything a document sets (not the id, type, users, lookup state). */
static void ci_clear_metadata(struct container_info *ci)
{
	char **strs[] = { &ci->name, &ci->image, &ci->image_id, &ci->image_repo, &ci->image_tag,
			  &ci->image_digest, &ci->ip, &ci->user, &ci->cni_json, &ci->pod_sandbox_id };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	kv_free(ci->labels, ci->nlabels);
	kv_free(ci->pod_labels, ci->npod_labels);
	ci->labels = ci->pod_labels = NULL;
	ci->nlabels = ci->npod_labels = 0;
	for (size_t i = 0; i < ci->nmounts; i++) {
		free(ci->mounts[i].source);
		free(ci->mounts[i].dest);
		free(ci->mounts[i].mode);
		free(ci->mounts[i].propagation);
	}
	free(ci->mounts);
	ci->mounts = NULL;
	ci->nmounts = 0;
	ci->privileged = ci->host_pid = ci->host_network = ci->host_ipc = ci->is_pod_sandbox = false;
	ci->created_time = 0;
	ci->has_metadata = false;
}

static void ci_free(struct container_info *ci)
{
	ci_clear_metadata(ci);
	free(ci->full_id);
	free(ci->type);
	for (size_t i = 0; i < ci->users.cap; i++)
		user_info_free(ci->users.vals[i]);
	for (size_t i = 0; i < ci->groups.cap; i++)
		group_info_free(ci->groups.vals[i]);
	u64map_fini(&ci->users);
	u64map_fini(&ci->groups);
	free(ci);
}

void container_table_fini(struct container_table *ct)
{
	for (size_t i = 0; i < ct->n; i++)
		ci_free(ct->v[i]);
	free(ct->v);
	strmap_fini(&ct->by_id);
	container_table_init(ct);
}

struct container_info *container_find(const struct container_table *ct, const char *id)
{
	char id12[13];
	snprintf(id12, sizeof(id12), "%.12s", id);
	return strmap_get(&ct->by_id, id12);
}

struct container_info *container_get(struct container_table *ct, const char *id, const char *type, bool *created)
{
	struct container_info *ci = container_find(ct, id);
	if (created)
		*created = !ci;
	if (ci) {
		if (strlen(id) > strlen(ci->full_id)) {
			free(ci->full_id);
			ci->full_id = xstrdup(id);
		}
		return ci;
	}
	ci = xcalloc(1, sizeof(*ci));
	snprintf(ci->id, sizeof(ci->id), "%.12s", id);
	ci->full_id = xstrdup(id);
	ci->type = xstrdup(type ? type : "docker");
	u64map_init(&ci->users);
	u64map_init(&ci->groups);
	if (ct->n == ct->cap) {
		ct->cap = ct->cap ? ct->cap * 2 : 16;
		ct->v = xrealloc(ct->v, ct->cap * sizeof(*ct->v));
	}
	ct->v[ct->n++] = ci;
	strmap_put(&ct->by_id, ci->id, ci);
	return ci;
}

/* ------------------------------------------------------------------------
 * Container ids from cgroup paths
 * ------------------------------------------------------------------------ */

static bool is_id64(const char *p, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

static bool has_prefix(const char *p, size_t n, const char *pfx, size_t *pl)
{
	*pl = strlen(pfx);
	return n >= *pl && !memcmp(p, pfx, *pl);
}

/* Does one path component name a container? The forms, by runtime:
 *   <id>                              docker (/docker/<id>), containerd and
 *                                     CRI runtimes with the cgroupfs driver
 *                                     (/kubepods/<qos>/pod<uid>/<id>)
 *   docker-<id>.scope                 docker with systemd (also cri-dockerd)
 *   libpod-<id>[.scope]               podman (libpod-conmon-<id> is conmon)
 *   cri-containerd-<id>.scope         containerd's CRI plugin with systemd
 *   crio-<id>[.scope]                 CRI-O (crio-conmon-<id> is conmon)
 *   nerdctl-<id>.scope                containerd through nerdctl with systemd
 *   <slice>:cri-containerd:<id>       containerd without SystemdCgroup
 *   <slice>:crio:<id>, <slice>:docker:<id>   the same form for CRI-O, docker
 * `*bare` tells the runtime is to be guessed from the path. */
static bool id_in_component(const char *c, size_t n, const char **idp, const char **type, bool *bare)
{
	static const struct {
		const char *prefix, *type;
	} prefixed[] = {
		{ "docker-", "docker" }, { "libpod-", "podman" }, { "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" }, { "nerdctl-", "containerd" },
	};
	static const struct {
		const char *infix, *type;
	} infixed[] = {
		{ ":cri-containerd:", "containerd" }, { ":crio:", "cri-o" }, { ":docker:", "docker" },
	};
	size_t pl;

	*bare = false;
	if (is_id64(c, n)) {
		*idp = c;
		*bare = true;
		return true;
	}
	/* strip a systemd unit suffix */
	size_t body = n;
	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		body = n - 6;
	for (size_t i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		if (has_prefix(c, body, prefixed[i].prefix, &pl) && is_id64(c + pl, body - pl)) {
			*idp = c + pl;
			*type = prefixed[i].type;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(infixed) / sizeof(infixed[0]); i++) {
		size_t il = strlen(infixed[i].infix);
		if (n > 64 + il && !memcmp(c + n - 64 - il, infixed[i].infix, il) && is_id64(c + n - 64, 64)) {
			*idp = c + n - 64;
			*type = infixed[i].type;
			return true;
		}
	}
	return false;
}

/* The container named by one cgroup path: the component nearest to the leaf
 * that names one (a container's own sub-cgroups, such as podman's
 * libpod-<id>.scope/container or a systemd inside the container, stay in it). */
static bool id_in_path(const char *p, size_t n, char *id, size_t idlen, const char **type)
{
	size_t end = n;
	while (end > 0) {
		while (end > 0 && p[end - 1] == '/')
			end--;
		size_t start = end;
		while (start > 0 && p[start - 1] != '/')
			start--;
		if (start == end)
			break;
		const char *idp;
		bool bare;
		if (id_in_component(p + start, end - start, &idp, type, &bare)) {
			if (bare) {
				/* bare ids under kubepods belong to a CRI runtime (the
				 * metadata names the real one); docker otherwise */
				*type = memmem(p, start, "kubepods", 8) && !memmem(p, start, "/docker", 7) ? "cri"
													   : "docker";
			}
			if (idlen < 65)
				return false;
			memcpy(id, idp, 64);
			id[64] = 0;
			return true;
		}
		end = start;
	}
	return false;
}

bool container_id_from_cgroups(const char *cgroups, size_t len, char *id, size_t idlen, const char **type)
{
	const char *p = cgroups, *end = cgroups + len;
	while (p < end) {
		const char *e = memchr(p, 0, (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
		const char *eq = memchr(p, '=', n);
		const char *path = eq ? eq + 1 : p;
		size_t pl = n - (size_t)(path - p);
		if (id_in_path(path, pl, id, idlen, type))
			return true;
		p += n + 1;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Container JSON documents
 * ------------------------------------------------------------------------ */

/* The container type codes of libsinsp / Falco's container plugin. */
static const char *const g_types[] = { "docker", "lxc",	       "libvirt-lxc", "mesos",	"rkt",	  "custom",
				       "cri",	 "containerd", "cri-o",	      "bpm",	"static", "podman" };

const char *container_type_name(int code)
{
	if (code < 0 || (size_t)code >= sizeof(g_types) / sizeof(g_types[0]))
		return NULL;
	return g_types[code];
}

int container_type_code(const char *name)
{
	for (size_t i = 0; name && i < sizeof(g_types) / sizeof(g_types[0]); i++)
		if (!strcmp(g_types[i], name))
			return (int)i;
	return -1;
}

static char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_get_type(v) != json_type_string)
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static void set_owned(char **dst, char *v)
{
	if (!v)
		return;
	free(*dst);
	*dst = v;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct container_kv *)a)->key, ((const struct container_kv *)b)->key);
}

/* A JSON object of strings into a key-sorted array (other values as JSON). */
static void load_map(struct json_object *c, const char *key, struct container_kv **out, size_t *n)
{
	struct json_object *v;
	if (!json_object_object_get_ex(c, key, &v) || !json_object_is_type(v, json_type_object))
		return;
	*out = xcalloc((size_t)json_object_object_length(v) + 1, sizeof(**out));
	json_object_object_foreach(v, k, val) {
		(*out)[*n].key = xstrdup(k);
		(*out)[*n].value = xstrdup(val ? json_object_get_string(val) : "");
		(*n)++;
	}
	qsort(*out, *n, sizeof(**out), kv_cmp);
}

static const char *kv_find(const struct container_kv *kv, size_t n, const char *key)
{
	struct container_kv k = { (char *)key, NULL };
	const struct container_kv *r = n ? bsearch(&k, kv, n, sizeof(*kv), kv_cmp) : NULL;
	return r ? r->value : NULL;
}

const char *container_label(const struct container_info *ci, const char *key)
{
	return kv_find(ci->labels, ci->nlabels, key);
}

const char *container_pod_label(const struct container_info *ci, const char *key)
{
	return kv_find(ci->pod_labels, ci->npod_labels, key);
}

static void load_mounts(struct container_info *ci, struct json_object *c)
{
	struct json_object *v;
	if (!json_object_object_get_ex(c, "Mounts", &v) || !json_object_is_type(v, json_type_array))
		return;
	size_t n = json_object_array_length(v);
	ci->mounts = xcalloc(n + 1, sizeof(*ci->mounts));
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(v, i);
		if (!json_object_is_type(m, json_type_object))
			continue;
		struct container_mount *cm = &ci->mounts[ci->nmounts++];
		char **strs[] = { &cm->source, &cm->dest, &cm->mode, &cm->propagation };
		const char *keys[] = { "Source", "Destination", "Mode", "Propagation" };
		for (size_t k = 0; k < 4; k++) {
			*strs[k] = jstr(m, keys[k]);
			if (!*strs[k])
				*strs[k] = xstrdup("");
		}
		cm->rdwr = jbool(m, "RW");
	}
}

int container_apply_json(struct container_table *ct, const char *json, size_t len, struct container_info **out)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	struct json_object *c, *v;
	int rc = -EINVAL;

	json_tokener_free(tok);
	if (!root)
		return -EINVAL;
	if (!json_object_object_get_ex(root, "container", &c) || !json_object_is_type(c, json_type_object))
		goto out;
	char *id = jstr(c, "id");
	if (!id || !*id) {
		free(id);
		goto out;
	}
	const char *type = NULL;
	if (json_object_object_get_ex(c, "type", &v) && json_object_is_type(v, json_type_int))
		type = container_type_name(json_object_get_int(v));
	struct container_info *ci = container_get(ct, id, type, NULL);
	free(id);
	if (type) {
		free(ci->type);
		ci->type = xstrdup(type);
	}
	ci_clear_metadata(ci);
	char *full = jstr(c, "full_id");
	if (full && *full)
		set_owned(&ci->full_id, full);
	else
		free(full);
	struct {
		const char *key;
		char **dst;
	} strs[] = {
		{ "name", &ci->name },		{ "image", &ci->image },	     { "imageid", &ci->image_id },
		{ "imagerepo", &ci->image_repo }, { "imagetag", &ci->image_tag },  { "imagedigest", &ci->image_digest },
		{ "ip", &ci->ip },		{ "User", &ci->user },	     { "cni_json", &ci->cni_json },
		{ "pod_sandbox_id", &ci->pod_sandbox_id },
	};
	/* a key the document lacks reads as "" (Falco's value("key", "")) */
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		*strs[i].dst = jstr(c, strs[i].key);
		if (!*strs[i].dst)
			*strs[i].dst = xstrdup("");
	}
	ci->privileged = jbool(c, "privileged");
	ci->host_pid = jbool(c, "host_pid");
	ci->host_network = jbool(c, "host_network");
	ci->host_ipc = jbool(c, "host_ipc");
	ci->is_pod_sandbox = jbool(c, "is_pod_sandbox");
	if (json_object_object_get_ex(c, "created_time", &v))
		ci->created_time = json_object_get_int64(v);
	load_map(c, "labels", &ci->labels, &ci->nlabels);
	load_map(c, "pod_sandbox_labels", &ci->pod_labels, &ci->npod_labels);
	load_mounts(ci, c);
	ci->has_metadata = true;
	ci->lookup = CLOOKUP_DONE;
	if (out)
		*out = ci;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
