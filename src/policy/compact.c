/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compact.c - Tetragon's compact one-line event format (`tetra getevents
 * -o compact`, pkg/encoder/encoder.go) from the JSON of an event: an emoji
 * and a name padded to 7 columns, the source (pod namespace/name, else the
 * node), the binary, then what the event is about (exec arguments, exit
 * signal or status, the path of open/read/write, the syscall of any other
 * kprobe, the syscall of a raw_syscalls tracepoint). No colours.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/pevent.h"
#include "policy/policy.h"

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jobj(struct json_object *o, const char *k)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Go's maybeQuote: quote strings with a space or a non-printable byte. */
static void maybe_quote(struct strbuf *sb, const char *s)
{
	bool q = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == ' ' || *p < 0x20 || *p == 0x7f)
			q = true;
	if (!q) {
		strbuf_adds(sb, s);
		return;
	}
	strbuf_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\x%02x", *p);
		else
			strbuf_addc(sb, (char)*p);
	}
	strbuf_addc(sb, '"');
}

static void head(struct strbuf *sb, const char *emoji, const char *name, struct json_object *root,
		 struct json_object *proc)
{
	struct json_object *pod = jobj(proc, "pod");
	const char *pns = jstr(pod, "namespace"), *pname = jstr(pod, "name");
	const char *node = jstr(root, "node_name");
	const char *bin = jstr(proc, "binary");
	strbuf_addf(sb, "%s %-7s ", emoji, name);
	if (pname && *pname)
		strbuf_addf(sb, "%s/%s", pns ? pns : "", pname);
	else
		strbuf_adds(sb, node ? node : "");
	strbuf_addc(sb, ' ');
	strbuf_adds(sb, bin ? bin : "");
}

static struct json_object *arg_at(struct json_object *ev, size_t i)
{
	struct json_object *args = jobj(ev, "args");
	if (!args || !json_object_is_type(args, json_type_array) || i >= json_object_array_length(args))
		return NULL;
	return json_object_array_get_idx(args, i);
}

static const char *file_path(struct json_object *a)
{
	return jstr(jobj(a, "file_arg"), "path");
}

static void kprobe(struct strbuf *sb, struct json_object *root, struct json_object *ev)
{
	struct json_object *proc = jobj(ev, "process");
	const char *fn = jstr(ev, "function_name");
	const char *name = fn ? fn : "";
	/* arch.CutSyscallPrefix */
	if (!strncmp(name, "__x64_", 6) || !strncmp(name, "__arm64_", 8))
		name = strchr(name + 2, '_') + 1;
	if (!strcmp(name, "sys_write") || !strcmp(name, "sys_read")) {
		bool w = !strcmp(name, "sys_write");
		head(sb, w ? "📝" : "📚", w ? "write" : "read", root, proc);
		const char *path = file_path(arg_at(ev, 0));
		const char *size = jstr(arg_at(ev, 2), "size_arg");
		strbuf_addf(sb, " %s %s bytes", path ? path : "", size ? size : "0");
	} else if (!strcmp(name, "sys_openat") || !strcmp(name, "sys_open")) {
		head(sb, "📬\xef\xb8\x8f", !strcmp(name, "sys_openat") ? "openat" : "open", root, proc);
		const char *path = jstr(arg_at(ev, 1), "string_arg");
		strbuf_addf(sb, " %s", path ? path : "");
	} else if (!strcmp(name, "sys_close")) {
		head(sb, "📪", "close", root, proc);
		const char *path = file_path(arg_at(ev, 0));
		strbuf_addf(sb, " %s", path ? path : "");
	} else if (!strcmp(name, "sys_mount") || !strcmp(name, "sys_pivot_root")) {
		head(sb, "💾", !strcmp(name, "sys_mount") ? "mount" : "pivot_root", root, proc);
		const char *a = jstr(arg_at(ev, 0), "string_arg"), *b = jstr(arg_at(ev, 1), "string_arg");
		strbuf_addf(sb, " %s %s", a ? a : "", b ? b : "");
	} else if (!strcmp(name, "sys_setuid")) {
		head(sb, "🔑", "setuid", root, proc);
		const char *a = jstr(arg_at(ev, 0), "int_arg");
		strbuf_addf(sb, " %s", a ? a : "0");
	} else if (!strcmp(name, "sys_clock_settime")) {
		head(sb, "⏰", "clock_settime", root, proc);
	} else if (!strcmp(name, "tcp_connect") || !strcmp(name, "tcp_close") || !strcmp(name, "tcp_sendmsg")) {
		bool conn = !strcmp(name, "tcp_connect"), cl = !strcmp(name, "tcp_close");
		head(sb, conn ? "🔌" : cl ? "🧹" : "📤", conn ? "connect" : cl ? "close" : "sendmsg", root, proc);
		struct json_object *sa = jobj(arg_at(ev, 0), "sock_arg");
		const char *s = jstr(sa, "saddr"), *d = jstr(sa, "daddr"), *sp = jstr(sa, "sport"), *dp = jstr(sa, "dport");
		strbuf_addf(sb, " tcp %s:%s -> %s:%s", s ? s : "", sp ? sp : "0", d ? d : "", dp ? dp : "0");
		if (!conn && !cl) {
			const char *n = jstr(arg_at(ev, 1), "int_arg");
			strbuf_addf(sb, " bytes %s", n ? n : "0");
		}
	} else {
		head(sb, "❓", "syscall", root, proc);
		strbuf_addf(sb, " %s", fn ? fn : "");
	}
}

int pol_event_compact(const char *json, struct strbuf *out)
{
	struct json_object *root = json_tokener_parse(json);
	if (!root)
		return -1;
	int rc = 0;
	struct json_object *ev;
	if ((ev = jobj(root, "process_exec"))) {
		struct json_object *proc = jobj(ev, "process");
		head(out, "🚀", "process", root, proc);
		const char *args = jstr(proc, "arguments");
		strbuf_addc(out, ' ');
		if (args)
			strbuf_adds(out, args);
	} else if ((ev = jobj(root, "process_exit"))) {
		struct json_object *proc = jobj(ev, "process");
		head(out, "💥", "exit", root, proc);
		const char *args = jstr(proc, "arguments"), *sig = jstr(ev, "signal"), *st = jstr(ev, "status");
		strbuf_addf(out, " %s %s", args ? args : "", sig && *sig ? sig : st ? st : "0");
	} else if ((ev = jobj(root, "process_kprobe"))) {
		kprobe(out, root, ev);
	} else if ((ev = jobj(root, "process_tracepoint"))) {
		struct json_object *proc = jobj(ev, "process");
		const char *sub = jstr(ev, "subsys"), *e = jstr(ev, "event");
		if (sub && e && !strcmp(sub, "raw_syscalls") && !strcmp(e, "sys_enter")) {
			head(out, "☎ ", "syscall", root, proc);
			struct json_object *a0 = arg_at(ev, 0), *sid = jobj(a0, "syscall_id");
			const char *id = sid ? jstr(sid, "id") : jstr(a0, "size_arg") ? jstr(a0, "size_arg") : jstr(a0, "long_arg");
			const char *abi = jstr(sid, "abi");
			long nr = id ? strtol(id, NULL, 10) : -1;
			const char *sc = nr >= 0 && nr < POLICY_NSYSCALLS ? policy_syscall_names[nr] : NULL;
			strbuf_adds(out, " ");
			if (abi && strcmp(abi, "x64"))
				strbuf_addf(out, "%s/", abi);
			if (sc)
				strbuf_addf(out, "%s()", sc);
			else
				strbuf_addf(out, "syscall_%ld()", nr);
		} else {
			head(out, "⁉️", "tracepoint", root, proc);
			strbuf_addf(out, " %s %s", sub ? sub : "", e ? e : "");
		}
	} else if ((ev = jobj(root, "process_lsm"))) {
		head(out, "🔒", "LSM", root, jobj(ev, "process"));
		const char *fn = jstr(ev, "function_name");
		strbuf_addf(out, " %s", fn ? fn : "");
	} else {
		rc = -1;
	}
	(void)maybe_quote;
	json_object_put(root);
	return rc;
}
