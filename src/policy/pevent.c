/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pevent.c - the probe's policy events (VG_EV_POLICY_E) as Tetragon's JSON
 * events: `process_kprobe` for kprobe hooks (function_name
 * "__x64_sys_<name>") and `process_tracepoint` for raw_syscalls hooks, with
 * the `process` and `parent` objects built from vigil's process table
 * (exec_id = base64("<node>:<ktime>:<pid>"), binary, arguments, cwd, uid,
 * start_time, auid, container), the arguments typed as the hook declares
 * them, the last action run and the policy name. The encoding follows
 * protojson with proto names: zero values omitted, 64-bit integers as
 * strings, bytes in base64, RFC 3339 times with nanoseconds.
 *
 * vigil adds one object Tetragon does not have, `vigil`, when a signal
 * action matched: whether it was sent, and why not (monitor mode, pid 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>
#include "common/strbuf.h"
#include "event/event.h"
#include "policy/policy_kernel.h"
#include "policy/pevent.h"
#include "state/state.h"

static void json_str(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_adds(sb, "\\\""); break;
		case '\\': strbuf_adds(sb, "\\\\"); break;
		case '\n': strbuf_adds(sb, "\\n"); break;
		case '\r': strbuf_adds(sb, "\\r"); break;
		case '\t': strbuf_adds(sb, "\\t"); break;
		default:
			if (c < 0x20) {
				char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
				strbuf_adds(sb, u);
			} else {
				strbuf_addc(sb, (char)c);
			}
		}
	}
	strbuf_addc(sb, '"');
}

static void json_cstr(struct strbuf *sb, const char *s)
{
	json_str(sb, s, strlen(s));
}

static void base64(struct strbuf *sb, const uint8_t *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		strbuf_addc(sb, t[(v >> 18) & 63]);
		strbuf_addc(sb, t[(v >> 12) & 63]);
		strbuf_addc(sb, i + 1 < n ? t[(v >> 6) & 63] : '=');
		strbuf_addc(sb, i + 2 < n ? t[v & 63] : '=');
	}
}

/* RFC 3339 in UTC with nanoseconds, as protojson prints a Timestamp with
 * nanoseconds (it trims to 0, 3, 6 or 9 digits). */
static void rfc3339(struct strbuf *sb, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	uint32_t frac = (uint32_t)(ns % 1000000000ull);
	struct tm tm;
	char buf[64];
	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "\"%s", buf);
	if (frac % 1000000000u == 0)
		strbuf_adds(sb, "Z\"");
	else if (frac % 1000000u == 0)
		strbuf_addf(sb, ".%03uZ\"", frac / 1000000u);
	else if (frac % 1000u == 0)
		strbuf_addf(sb, ".%06uZ\"", frac / 1000u);
	else
		strbuf_addf(sb, ".%09uZ\"", frac);
}

/* Boot-relative ns of an epoch time (Tetragon's ktime). */
static uint64_t ktime_of(const struct state *st, uint64_t epoch_ns)
{
	return st->boot_ts && epoch_ns > st->boot_ts ? epoch_ns - st->boot_ts : epoch_ns;
}

static void exec_id(struct strbuf *sb, const char *node, uint64_t ktime, int64_t pid)
{
	char raw[256];
	int n = snprintf(raw, sizeof(raw), "%s:%llu:%lld", node, (unsigned long long)ktime, (long long)pid);
	strbuf_addc(sb, '"');
	base64(sb, (const uint8_t *)raw, (size_t)(n < (int)sizeof(raw) ? n : (int)sizeof(raw) - 1));
	strbuf_addc(sb, '"');
}

static uint64_t start_of(const struct thread *t)
{
	return t->lastexec_ts ? t->lastexec_ts : t->clone_ts;
}

/* argv[1..] joined by spaces; an argument with a space is quoted, with a
 * leading space even when first (pkg/process/args.go). */
static void arguments(struct strbuf *sb, const struct thread *t)
{
	struct strbuf a;
	strbuf_init(&a);
	uint32_t i = 0;
	bool first = true;
	while (t->args && i < t->args_len) {
		const char *arg = t->args + i;
		size_t l = strnlen(arg, t->args_len - i);
		if (strchr(arg, ' ')) {
			strbuf_adds(&a, " \"");
			strbuf_add(&a, arg, l);
			strbuf_addc(&a, '"');
		} else {
			if (!first)
				strbuf_addc(&a, ' ');
			strbuf_add(&a, arg, l);
		}
		first = false;
		i += (uint32_t)l + 1;
	}
	if (a.len) {
		strbuf_adds(sb, ",\"arguments\":");
		json_str(sb, a.buf, a.len);
	}
	strbuf_fini(&a);
}

static void process_obj(struct strbuf *sb, struct state *st, struct thread *t, int64_t tid, const char *node,
			bool with_parent_id)
{
	struct thread *m = state_main_thread(st, t);
	strbuf_adds(sb, "{\"exec_id\":");
	exec_id(sb, node, ktime_of(st, start_of(m)), m->pid);
	strbuf_addf(sb, ",\"pid\":%lld,\"uid\":%u", (long long)m->pid, m->uid);
	if (m->cwd && *m->cwd) {
		size_t l = strlen(m->cwd);
		if (l > 1 && m->cwd[l - 1] == '/')
			l--;
		strbuf_adds(sb, ",\"cwd\":");
		json_str(sb, m->cwd, l);
	}
	const char *bin = m->exepath && *m->exepath ? m->exepath : m->exe;
	if (bin && *bin) {
		strbuf_adds(sb, ",\"binary\":");
		json_cstr(sb, bin);
	}
	arguments(sb, m);
	strbuf_adds(sb, ",\"flags\":");
	json_cstr(sb, m->lastexec_ts ? "execve" : m->clone_ts ? "clone" : "procFS");
	if (start_of(m)) {
		strbuf_adds(sb, ",\"start_time\":");
		rfc3339(sb, start_of(m));
	}
	strbuf_addf(sb, ",\"auid\":%u", m->loginuid);
	struct container_info *ci = state_container(st, m);
	if (ci) {
		const char *full = ci->full_id ? ci->full_id : ci->id;
		strbuf_adds(sb, ",\"pod\":{");
		bool comma = false;
		const char *pod_ns = container_label(ci, "io.kubernetes.pod.namespace");
		const char *pod_name = container_label(ci, "io.kubernetes.pod.name");
		if (pod_ns) {
			strbuf_adds(sb, "\"namespace\":");
			json_cstr(sb, pod_ns);
			comma = true;
		}
		if (pod_name) {
			strbuf_adds(sb, comma ? ",\"name\":" : "\"name\":");
			json_cstr(sb, pod_name);
			comma = true;
		}
		strbuf_adds(sb, comma ? ",\"container\":{\"id\":" : "\"container\":{\"id\":");
		json_cstr(sb, full);
		if (ci->name) {
			strbuf_adds(sb, ",\"name\":");
			json_cstr(sb, ci->name);
		}
		if (ci->image || ci->image_id) {
			strbuf_adds(sb, ",\"image\":{");
			if (ci->image_id) {
				strbuf_adds(sb, "\"id\":");
				json_cstr(sb, ci->image_id);
			}
			if (ci->image) {
				strbuf_adds(sb, ci->image_id ? ",\"name\":" : "\"name\":");
				json_cstr(sb, ci->image);
			}
			strbuf_addc(sb, '}');
		}
		if (ci->created_time) {
			strbuf_adds(sb, ",\"start_time\":");
			rfc3339(sb, (uint64_t)ci->created_time * 1000000000ull);
		}
		strbuf_adds(sb, "}}");
		strbuf_adds(sb, ",\"docker\":");
		json_str(sb, full, strlen(full) > 31 ? 31 : strlen(full));
	}
	if (with_parent_id) {
		struct thread *p = state_parent(st, m);
		strbuf_adds(sb, ",\"parent_exec_id\":");
		if (p) {
			struct thread *pm = state_main_thread(st, p);
			exec_id(sb, node, ktime_of(st, start_of(pm)), pm->pid);
		} else {
			exec_id(sb, node, 1, 0);
		}
	}
	strbuf_addf(sb, ",\"tid\":%lld}", (long long)tid);
}

static void arg_json(struct strbuf *sb, const struct pol_arg *a, const struct ev_param *p, bool tracepoint)
{
	strbuf_addc(sb, '{');
	bool comma = true;
	uint64_t v = 0;
	if (p->val && p->len == 8)
		memcpy(&v, p->val, 8);
	switch (a->type) {
	case PT_INT: case PT_INT8: case PT_INT16:
		if ((int64_t)v)
			strbuf_addf(sb, "\"int_arg\":%lld", (long long)(int64_t)v);
		else
			comma = false;
		break;
	case PT_UINT32: case PT_UINT8: case PT_UINT16:
		if (v)
			strbuf_addf(sb, "\"uint_arg\":%llu", (unsigned long long)v);
		else
			comma = false;
		break;
	case PT_LONG:
		if (v)
			strbuf_addf(sb, "\"long_arg\":\"%lld\"", (long long)(int64_t)v);
		else
			comma = false;
		break;
	case PT_ULONG: case PT_AUTO:
		if (v)
			strbuf_addf(sb, "\"size_arg\":\"%llu\"", (unsigned long long)v);
		else
			comma = false;
		break;
	case PT_SYSCALL64:
		strbuf_addf(sb, "\"syscall_id\":{\"id\":%llu,\"abi\":\"x64\"}", (unsigned long long)v);
		break;
	case PT_STRING: {
		size_t n = p->val && p->len ? strnlen((const char *)p->val, p->len) : 0;
		if (n) {
			strbuf_adds(sb, "\"string_arg\":");
			json_str(sb, (const char *)p->val, n);
		} else {
			comma = false;
		}
		break;
	}
	case PT_FD: {
		size_t n = p->val && p->len ? strnlen((const char *)p->val, p->len) : 0;
		strbuf_adds(sb, "\"file_arg\":{");
		if (n) {
			strbuf_adds(sb, "\"path\":");
			json_str(sb, (const char *)p->val, n);
		}
		strbuf_addc(sb, '}');
		break;
	}
	case PT_SOCK: case PT_SOCKADDR: {
		/* the user's sockaddr bytes: family, port, address (PT_SOCK: the
		 * destination of connect, tcp_connect translated) */
		const uint8_t *b = p->val;
		uint16_t fam = 0;
		if (b && p->len >= 2)
			memcpy(&fam, b, 2);
		char addr[INET6_ADDRSTRLEN] = "";
		if (fam == AF_INET && p->len >= 8)
			inet_ntop(AF_INET, b + 4, addr, sizeof(addr));
		else if (fam == AF_INET6 && p->len >= 24)
			inet_ntop(AF_INET6, b + 8, addr, sizeof(addr));
		unsigned port = *addr ? (unsigned)((b[2] << 8) | b[3]) : 0;
		const char *fname = fam == AF_INET ? "AF_INET" : fam == AF_INET6 ? "AF_INET6" : fam == AF_UNIX ? "AF_UNIX"
												     : "AF_UNSPEC";
		if (a->type == PT_SOCK) {
			strbuf_addf(sb, "\"sock_arg\":{\"family\":\"%s\",\"type\":\"SOCK_STREAM\",\"protocol\":\"IPPROTO_TCP\"",
				    fname);
			if (*addr)
				strbuf_addf(sb, ",\"daddr\":\"%s\",\"dport\":%u", addr, port);
		} else {
			strbuf_addf(sb, "\"sockaddr_arg\":{\"family\":\"%s\"", fname);
			if (*addr)
				strbuf_addf(sb, ",\"addr\":\"%s\",\"port\":%u", addr, port);
		}
		strbuf_addc(sb, '}');
		break;
	}
	case PT_CHAR_BUF:
		if (p->val && p->len) {
			strbuf_adds(sb, "\"bytes_arg\":\"");
			base64(sb, p->val, p->len);
			strbuf_addc(sb, '"');
		} else {
			comma = false;
		}
		break;
	default:
		comma = false;
		break;
	}
	/* tracepoint events do not carry labels (upstream) */
	if (a->label && *a->label && !tracepoint) {
		strbuf_adds(sb, comma ? ",\"label\":" : "\"label\":");
		json_cstr(sb, a->label);
	}
	strbuf_addc(sb, '}');
}

static const char *sig_name(uint32_t s)
{
	static const char *const n[] = { "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
					 "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
					 "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP" };
	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "";
}

int pol_event_json(const struct pol_kernel *k, struct state *st, const struct event *ev, const char *node,
		   struct strbuf *out, struct pol_event_info *info)
{
	uint32_t hook, sel, action, flags, sig, nr;
	int64_t pid;
	if (ev->type != VG_EV_POLICY_E || ev->nparams < VG_POL_EV_NPARAMS || !ev_param_u32(&ev->params[0], &hook) ||
	    !ev_param_u32(&ev->params[1], &sel) || !ev_param_u32(&ev->params[2], &action) ||
	    !ev_param_u32(&ev->params[3], &flags) || !ev_param_u32(&ev->params[4], &sig) ||
	    !ev_param_u32(&ev->params[5], &nr) || !ev_param_s64(&ev->params[6], &pid))
		return -1;
	if (hook < k->hook_base || hook - k->hook_base >= k->nhooks)
		return -1;	/* not of this generation of tables */
	hook -= k->hook_base;
	const struct policy *p = k->info[hook].p;
	const struct pol_hook *h = k->info[hook].h;
	bool tp = h->kind == PH_TRACEPOINT;
	if (info) {
		info->hook = hook;
		info->action = action;
		info->flags = flags;
		info->sig = sig;
		info->pid = pid;
		info->policy = p->name;
	}
	struct thread *t = state_thread(st, ev->tid);
	if (!t && st->missing_thread && st->missing_thread(st->missing_ud, st, ev->tid) == 0)
		t = state_thread(st, ev->tid);
	strbuf_adds(out, tp ? "{\"process_tracepoint\":{\"process\":" : "{\"process_kprobe\":{\"process\":");
	if (t) {
		process_obj(out, st, t, ev->tid, node, true);
		struct thread *par = state_parent(st, state_main_thread(st, t));
		if (par) {
			strbuf_adds(out, ",\"parent\":");
			process_obj(out, st, par, state_main_thread(st, par)->pid, node, true);
		}
	} else {
		/* not in the process cache: Tetragon's "unknown" process */
		strbuf_addf(out, "{\"pid\":%lld,\"flags\":\"unknown\",\"tid\":%lld}", (long long)pid, (long long)ev->tid);
	}
	char fn[96];
	if (tp) {
		strbuf_adds(out, ",\"subsys\":");
		json_cstr(out, h->subsystem);
		strbuf_adds(out, ",\"event\":");
		json_cstr(out, h->event);
	} else {
		strbuf_adds(out, ",\"function_name\":");
		json_cstr(out, h->xlate_tcp_connect ? "tcp_connect" : pol_function_name((int)nr, fn, sizeof(fn)));
	}
	strbuf_adds(out, ",\"args\":[");
	bool first = true;
	for (size_t i = 0; i < h->args.n && i < VG_POL_ARGS; i++) {
		if (h->args.v[i].type == PT_NOP)
			continue;
		if (!first)
			strbuf_addc(out, ',');
		first = false;
		arg_json(out, &h->args.v[i], &ev->params[8 + i], tp);
	}
	strbuf_addc(out, ']');
	const char *act = pol_action_enum((enum pol_action)(action == VG_POL_A_NONE ? PA_POST : action));
	if (tp) {
		strbuf_adds(out, ",\"policy_name\":");
		json_cstr(out, p->name);
		strbuf_adds(out, ",\"action\":");
		json_cstr(out, act);
	} else {
		strbuf_adds(out, ",\"action\":");
		json_cstr(out, act);
		strbuf_adds(out, ",\"policy_name\":");
		json_cstr(out, p->name);
	}
	if (h->message) {
		strbuf_adds(out, ",\"message\":");
		json_cstr(out, h->message);
	}
	if (h->tags.n) {
		strbuf_adds(out, ",\"tags\":[");
		for (size_t i = 0; i < h->tags.n; i++) {
			if (i)
				strbuf_addc(out, ',');
			json_cstr(out, h->tags.v[i]);
		}
		strbuf_addc(out, ']');
	}
	strbuf_adds(out, "},\"node_name\":");
	json_cstr(out, node);
	strbuf_adds(out, ",\"time\":");
	rfc3339(out, ev->ts);
	if (action == VG_POL_A_OVERRIDE) {
		/* where the call is denied and with what (spec §5.3) */
		int32_t e = -1;
		if (sel < h->sels.n)
			for (size_t i = 0; i < h->sels.v[sel].actions.n; i++)
				if (h->sels.v[sel].actions.v[i].type == PA_OVERRIDE)
					e = h->sels.v[sel].actions.v[i].arg_error;
		unsigned route = pol_route_of((int)nr);
		bool fan = route == POL_ROUTE_OPEN || route == POL_ROUTE_EXEC;
		const char *dp = route == POL_ROUTE_CONNECT ? "cgroup/connect4/6" : route == POL_ROUTE_BIND ? "cgroup/bind4/6"
				 : route == POL_ROUTE_SENDMSG ? "cgroup/sendmsg4/6" : route == POL_ROUTE_SOCKET ? "cgroup/sock_create"
				 : route == POL_ROUTE_OPEN ? "fanotify FAN_OPEN_PERM" : "fanotify FAN_OPEN_EXEC_PERM";
		int en = fan ? EPERM : -e;
		strbuf_adds(out, ",\"vigil\":{\"override\":{\"deny_point\":");
		json_cstr(out, dp);
		strbuf_addf(out, ",\"errno\":%d,\"errno_name\":", -en);
		json_cstr(out, strerrorname_np(en) ? strerrorname_np(en) : "?");
		if (flags & VG_POL_EF_ADDR_CHANGED)
			strbuf_adds(out, ",\"denied\":true,\"denied_because\":\"the sockaddr changed after syscall entry, "
					 "or syscall entry could not read it (fail closed)\"");
		else
			strbuf_addf(out, ",\"armed\":%s", (flags & VG_POL_EF_ARMED) ? "true" : "false");
		if (flags & VG_POL_EF_MONITOR)
			strbuf_adds(out, ",\"not_armed_because\":\"policy-mode monitor\"");
		else if (flags & VG_POL_EF_PROTECTED)
			strbuf_adds(out, ",\"not_armed_because\":\"pid 1 is never denied\"");
		strbuf_adds(out, "}}");
	} else if (sig) {
		strbuf_addf(out, ",\"vigil\":{\"signal\":\"%s\",\"signal_sent\":%s", sig_name(sig),
			    (flags & VG_POL_EF_SIGNALED) ? "true" : "false");
		if (flags & VG_POL_EF_MONITOR)
			strbuf_adds(out, ",\"not_sent_because\":\"policy-mode monitor\"");
		else if (flags & VG_POL_EF_PROTECTED)
			strbuf_adds(out, ",\"not_sent_because\":\"pid 1 is never signalled\"");
		strbuf_addc(out, '}');
	}
	strbuf_addc(out, '}');
	return 0;
}
