/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - container ids from cgroup paths and container metadata from
 * the JSON documents container events carry.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "state/container.h"

void container_table_init(struct container_table *ct)
{
	memset(ct, 0, sizeof(*ct));
}

static void ci_free(struct container_info *ci)
{
	free(ci->full_id);
	free(ci->type);
	free(ci->name);
	free(ci->image);
	free(ci->image_id);
	free(ci->image_repo);
	free(ci->image_tag);
	free(ci->image_digest);
	free(ci->ip);
	for (size_t i = 0; i < ci->nlabels; i++) {
		free(ci->labels[i].key);
		free(ci->labels[i].value);
	}
	free(ci->labels);
	for (size_t i = 0; i < ci->nmounts; i++) {
		free(ci->mounts[i].source);
		free(ci->mounts[i].dest);
		free(ci->mounts[i].mode);
		free(ci->mounts[i].propagation);
	}
	free(ci->mounts);
	free(ci->pod_name);
	free(ci->pod_ns);
	free(ci->pod_uid);
	free(ci->pod_sandbox_id);
	free(ci);
}

void container_table_fini(struct container_table *ct)
{
	for (size_t i = 0; i < ct->n; i++)
		ci_free(ct->v[i]);
	free(ct->v);
	container_table_init(ct);
}

struct container_info *container_find(const struct container_table *ct, const char *id12)
{
	for (size_t i = 0; i < ct->n; i++)
		if (!strncmp(ct->v[i]->id, id12, 12))
			return ct->v[i];
	return NULL;
}

struct container_info *container_get(struct container_table *ct, const char *id, const char *type)
{
	struct container_info *ci = container_find(ct, id);
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
	if (ct->n == ct->cap) {
		ct->cap = ct->cap ? ct->cap * 2 : 16;
		ct->v = xrealloc(ct->v, ct->cap * sizeof(*ct->v));
	}
	ct->v[ct->n++] = ci;
	return ci;
}

static size_t hexrun(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isxdigit((unsigned char)s[i]) && !isupper((unsigned char)s[i]))
		i++;
	return i;
}

/* Look for a 64-hex id in one cgroup path, with the runtime's marker. */
static bool id_in_path(const char *p, size_t n, char *id, size_t idlen, const char **type)
{
	static const struct {
		const char *prefix;
		const char *type;
	} markers[] = {
		{ "docker-", "docker" }, { "docker/", "docker" }, { "libpod-", "podman" },
		{ "cri-containerd-", "containerd" }, { "crio-", "cri-o" }, { "containerd-", "containerd" },
	};
	for (size_t i = 0; i + 64 <= n; i++) {
		if (i > 0 && p[i - 1] != '/' && p[i - 1] != '-' && p[i - 1] != ':')
			continue;
		if (hexrun(p + i, n - i) < 64)
			continue;
		size_t end = i + 64;
		if (end < n && p[end] != '.' && p[end] != '/')
			continue;
		*type = "docker";
		for (size_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++) {
			size_t ml = strlen(markers[m].prefix);
			if (i >= ml && !memcmp(p + i - ml, markers[m].prefix, ml)) {
				*type = markers[m].type;
				break;
			}
		}
		/* bare ids under kubepods belong to a CRI runtime */
		if (!strcmp(*type, "docker") && memmem(p, i, "kubepods", 8) && !memmem(p, i, "docker", 6))
			*type = "cri";
		if (idlen < 65)
			return false;
		memcpy(id, p + i, 64);
		id[64] = 0;
		return true;
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

const char *container_label(const struct container_info *ci, const char *key)
{
	for (size_t i = 0; i < ci->nlabels; i++)
		if (!strcmp(ci->labels[i].key, key))
			return ci->labels[i].value;
	return NULL;
}

int container_apply_json(struct container_table *ct, const char *json, size_t len)
{
	static const char *const types[] = { "docker", "lxc", "libvirt-lxc", "mesos", "rkt", "custom",
					     "cri", "containerd", "cri-o", "bpm", "static", "podman" };
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
	if (!id)
		goto out;
	const char *type = NULL;
	if (json_object_object_get_ex(c, "type", &v)) {
		int t = json_object_get_int(v);
		if (t >= 0 && (size_t)t < sizeof(types) / sizeof(types[0]))
			type = types[t];
	}
	struct container_info *ci = container_get(ct, id, type);
	free(id);
	if (type) {
		free(ci->type);
		ci->type = xstrdup(type);
	}
	set_owned(&ci->full_id, jstr(c, "full_id"));
	set_owned(&ci->name, jstr(c, "name"));
	set_owned(&ci->image, jstr(c, "image"));
	set_owned(&ci->image_id, jstr(c, "imageid"));
	set_owned(&ci->image_repo, jstr(c, "imagerepo"));
	set_owned(&ci->image_tag, jstr(c, "imagetag"));
	set_owned(&ci->image_digest, jstr(c, "imagedigest"));
	set_owned(&ci->ip, jstr(c, "ip"));
	ci->privileged = jbool(c, "privileged");
	ci->host_pid = jbool(c, "host_pid");
	ci->host_network = jbool(c, "host_network");
	ci->host_ipc = jbool(c, "host_ipc");
	if (json_object_object_get_ex(c, "created_time", &v))
		ci->start_ts = (uint64_t)json_object_get_int64(v) * 1000000000ull;
	if (json_object_object_get_ex(c, "labels", &v) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			ci->labels = xrealloc(ci->labels, (ci->nlabels + 1) * sizeof(*ci->labels));
			ci->labels[ci->nlabels].key = xstrdup(key);
			ci->labels[ci->nlabels].value = xstrdup(json_object_get_string(val));
			ci->nlabels++;
		}
	}
	if (json_object_object_get_ex(c, "Mounts", &v) && json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			struct json_object *m = json_object_array_get_idx(v, i);
			struct container_mount cm = { 0 };
			cm.source = jstr(m, "Source");
			cm.dest = jstr(m, "Destination");
			cm.mode = jstr(m, "Mode");
			cm.propagation = jstr(m, "Propagation");
			cm.rdwr = jbool(m, "RW");
			if (!cm.source)
				cm.source = xstrdup("");
			if (!cm.dest)
				cm.dest = xstrdup("");
			if (!cm.mode)
				cm.mode = xstrdup("");
			if (!cm.propagation)
				cm.propagation = xstrdup("");
			ci->mounts = xrealloc(ci->mounts, (ci->nmounts + 1) * sizeof(*ci->mounts));
			ci->mounts[ci->nmounts++] = cm;
		}
	}
	const char *l;
	if ((l = container_label(ci, "io.kubernetes.pod.name")))
		set_owned(&ci->pod_name, xstrdup(l));
	if ((l = container_label(ci, "io.kubernetes.pod.namespace")))
		set_owned(&ci->pod_ns, xstrdup(l));
	if ((l = container_label(ci, "io.kubernetes.pod.uid")))
		set_owned(&ci->pod_uid, xstrdup(l));
	if ((l = container_label(ci, "io.kubernetes.sandbox.id")))
		set_owned(&ci->pod_sandbox_id, xstrdup(l));
	ci->has_metadata = true;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
