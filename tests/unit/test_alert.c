/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alert.c - unit tests for alert rendering (src/output/alert.c and the
 * output formats of src/rules/format.c): the text line
 * `<time>: <Priority> <output>` passed through JSON string escaping,
 * json_escape() itself (quotes, backslashes, control characters, U+FFFD for
 * invalid UTF-8), the JSON alert with its sorted keys and typed output_fields
 * (numbers unquoted, null for missing values, evt.time as an integer),
 * %width tokens, <NA> for missing values, and priority names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "capture/scap.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "event/event.h"
#include "output/alert.h"
#include "rules/compile.h"
#include "rules/format.h"
#include "rules/ruleset.h"
#include "state/state.h"

/* 2026-07-31T11:53:31.726060287Z, the spec's example time */
#define TS 1785498811726060287ull

static struct state st;
static struct arena A;
static struct filter_ctx fc;
static struct fctx fx;
static struct alert_opts opts;
static struct strbuf out;

/* ===== Fixture ===== */

#define SCAP_STR(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })

static void add_proc(uint64_t tid, uint64_t ptid, struct scap_str comm, struct scap_str args)
{
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = e.pid = tid;
	e.ptid = ptid;
	e.comm = comm;
	e.exe = comm;
	e.args = args;
	e.cwd = SCAP_STR("/root/");
	e.tty = 34816;
	e.has_tty = true;
	e.loginuid = 1000;
	e.has_loginuid = true;
	assert_int_equal(state_add_proc(&st, &e), 0);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	state_init(&st);
	arena_init(&A);
	filter_ctx_init(&fc, &A);
	fctx_init(&fx, &st);
	strbuf_init(&out);
	alert_opts_init(&opts);
	opts.hostname = "node-1";
	add_proc(1, 0, SCAP_STR("systemd"), SCAP_STR(""));
	add_proc(100, 1, SCAP_STR("sshd"), SCAP_STR(""));
	add_proc(200, 100, SCAP_STR("bash"), SCAP_STR(""));
	add_proc(300, 200, SCAP_STR("cat"), SCAP_STR("/etc/shadow\0"));
	struct scap_user_entry u;
	memset(&u, 0, sizeof(u));
	u.uid = 0;
	u.name = SCAP_STR("root");
	u.home = SCAP_STR("/root");
	u.shell = SCAP_STR("/bin/bash");
	assert_int_equal(state_add_user(&st, &u), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	strbuf_fini(&out);
	fctx_fini(&fx);
	filter_ctx_fini(&fc);
	arena_fini(&A);
	state_fini(&st);
	return 0;
}

/* ===== Events: openat exit (fd, dirfd, name, flags, mode, dev) ===== */

struct evb {
	uint8_t buf[4096];
	struct event ev;
};

static struct evb *ev_openat(int64_t tid, const char *name)
{
	struct evb *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	int64_t fd = 3, dirfd = -100;
	uint32_t flags = VG_O_RDONLY, mode = 0, dev = 0;
	uint16_t lens[6] = { 8, 8, (uint16_t)(strlen(name) + 1), 4, 4, 4 };
	uint32_t np = 6, total = VG_EVT_HDR_SIZE + 2 * np;
	for (int i = 0; i < 6; i++)
		total += lens[i];
	uint64_t ts = TS;
	uint16_t type = VG_EV_OPENAT_2_X;
	uint8_t *p = b->buf;
	memcpy(p, &ts, 8);
	memcpy(p + 8, &tid, 8);
	memcpy(p + 16, &total, 4);
	memcpy(p + 20, &type, 2);
	memcpy(p + 22, &np, 4);
	memcpy(p + 26, lens, sizeof(lens));
	p += 26 + sizeof(lens);
	memcpy(p, &fd, 8);
	memcpy(p + 8, &dirfd, 8);
	memcpy(p + 16, name, lens[2]);
	p += 16 + lens[2];
	memcpy(p, &flags, 4);
	memcpy(p + 4, &mode, 4);
	memcpy(p + 8, &dev, 4);
	const char *why = NULL;
	assert_int_equal(event_decode(&b->ev, b->buf, total, VG_EVT_HDR_SIZE, &why), 0);
	b->ev.num = 7;
	state_event_pre(&st, &b->ev);
	fx.ev = &b->ev;
	return b;
}

/* ===== Rules ===== */

static struct rule *mkrule(const char *name, int prio, const char *fmt, const char **tags, size_t ntags)
{
	struct rule *r = arena_alloc(&A, sizeof(*r));
	struct format *f = arena_alloc(&A, sizeof(*f));
	struct compile_error ce;
	if (format_compile(&fc, fmt, f, &ce))
		fail_msg("format <%s> failed at %u: %s", fmt, ce.pos, ce.msg);
	r->name = name;
	r->desc = "";
	r->output = fmt;
	r->source = "syscall";
	r->condition = "";
	r->priority = prio;
	r->tags = tags;
	r->ntags = ntags;
	r->enabled = r->enabled_in_file = true;
	r->fmt = f;
	return r;
}

static const char *render(const struct rule *r)
{
	strbuf_reset(&out);
	alert_format(&opts, &fx, r, &out);
	return out.buf ? out.buf : "";
}

static void expect_text(const char *fmt, const char *want)
{
	struct rule *r = mkrule("r", PRIO_WARNING, fmt, NULL, 0);
	opts.json = false;
	const char *got = render(r);
	if (strcmp(got, want))
		fail_msg("format <%s>\n  got:  <%s>\n  want: <%s>", fmt, got, want);
}

static const char *escaped(const char *s, size_t n)
{
	strbuf_reset(&out);
	json_escape(&out, s, n);
	return out.buf ? out.buf : "";
}

/* ===== Tests ===== */

static void test_text_line(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	expect_text("Sensitive file opened | file=%fd.name user=%user.name user_uid=%user.uid "
		    "user_loginuid=%user.loginuid process=%proc.name parent=%proc.pname gparent=%proc.aname[2] "
		    "gggparent=%proc.aname[4] command=%proc.cmdline terminal=%proc.tty evt_type=%evt.type",
		    "11:53:31.726060287: Warning Sensitive file opened | file=/etc/shadow user=root user_uid=0 "
		    "user_loginuid=1000 process=cat parent=bash gparent=sshd gggparent=<NA> "
		    "command=cat /etc/shadow terminal=34816 evt_type=openat");
	/* no trailing newline: callers add it */
	assert_null(strchr(out.buf, '\n'));
	/* the time prefix is %evt.time, local time */
	expect_text("%evt.time", "11:53:31.726060287: Warning 11:53:31.726060287");
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	expect_text("x", "13:53:31.726060287: Warning x");
	setenv("TZ", "UTC", 1);
	tzset();
	free(b);
}

static void test_text_escaping(void **state)
{
	(void)state;
	/* a file name with a newline, a tab, a control character, invalid UTF-8,
	 * a quote and a backslash */
	struct evb *b = ev_openat(300, "/tmp/a\nb\tc\x01" "d\xff" "e\"f\\g");
	expect_text("say \"hi\" \\ %fd.name",
		    "11:53:31.726060287: Warning say \\\"hi\\\" \\\\ /tmp/a\\nb\\tc\\u0001d\xef\xbf\xbd" "e\\\"f\\\\g");
	assert_null(strchr(out.buf, '\n'));
	assert_null(strchr(out.buf, '\t'));
	free(b);
}

static void test_json_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "a\"b", 3, "a\\\"b" },
		{ "a\\b", 3, "a\\\\b" },
		{ "/x/", 3, "/x/" },
		{ "\b\f\n\r\t", 5, "\\b\\f\\n\\r\\t" },
		{ "\x01\x1f", 2, "\\u0001\\u001f" },
		{ "a\0b", 3, "a\\u0000b" },
		{ "\x7f", 1, "\x7f" },
		{ "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e", 15, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e" },
		{ "\xff", 1, "\xef\xbf\xbd" },
		{ "a\xfe" "b", 3, "a\xef\xbf\xbd" "b" },
		{ "\xc3(", 2, "\xef\xbf\xbd(" },
		{ "\xc3", 1, "\xef\xbf\xbd" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },			/* overlong */
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4,						/* > U+10FFFF */
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\x80x", 2, "\xef\xbf\xbdx" },
		{ "abcdef", 3, "abc" },
		{ "", 0, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = escaped(cases[i].in, cases[i].n);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: got <%s>, want <%s>", i, got, cases[i].want);
	}
	/* json_escape appends */
	strbuf_reset(&out);
	strbuf_adds(&out, "x=");
	json_escape(&out, "\"", 1);
	assert_string_equal(out.buf, "x=\\\"");
}

static void test_json_alert(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	const char *tags[] = { "T1555", "container", "filesystem" };
	struct rule *r = mkrule("Read sensitive file", PRIO_WARNING,
				"File %fd.name opened by %proc.name (pid=%proc.pid tty=%proc.tty failed=%evt.failed "
				"sip=%fd.sip gp=%proc.aname[2] up=%toupper(user.name) \"q\")",
				tags, 3);
	opts.json = true;
	const char *got = render(r);
	const char *want =
		"{\"hostname\":\"node-1\","
		"\"output\":\"11:53:31.726060287: Warning File /etc/shadow opened by cat (pid=300 tty=34816 "
		"failed=false sip=<NA> gp=sshd up=ROOT \\\"q\\\")\","
		"\"output_fields\":{\"evt.failed\":false,\"evt.time\":1785498811726060287,\"fd.name\":\"/etc/shadow\","
		"\"fd.sip\":null,\"proc.aname[2]\":\"sshd\",\"proc.name\":\"cat\",\"proc.pid\":300,\"proc.tty\":34816,"
		"\"user.name\":\"root\"},"
		"\"priority\":\"Warning\","
		"\"rule\":\"Read sensitive file\","
		"\"source\":\"syscall\","
		"\"tags\":[\"T1555\",\"container\",\"filesystem\"],"
		"\"time\":\"2026-07-31T11:53:31.726060287Z\"}";
	if (strcmp(got, want))
		fail_msg("\n  got:  %s\n  want: %s", got, want);
	free(b);
}

/* Top-level keys of a one-line JSON object, in order (no nesting beyond
 * output_fields and tags, which are skipped). */
static size_t top_keys(const char *js, char keys[][32], size_t max)
{
	size_t n = 0;
	int depth = 0;
	bool in_str = false, is_key = false;
	const char *ks = NULL;
	for (const char *p = js; *p; p++) {
		if (in_str) {
			if (*p == '\\') {
				p++;
				continue;
			}
			if (*p == '"') {
				in_str = false;
				if (is_key && n < max) {
					snprintf(keys[n], 32, "%.*s", (int)(p - ks), ks);
					n++;
				}
			}
			continue;
		}
		if (*p == '"') {
			in_str = true;
			ks = p + 1;
			is_key = depth == 1 && (p[-1] == '{' || p[-1] == ',');
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	return n;
}

static void test_json_keys_sorted(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	struct rule *r = mkrule("r", PRIO_NOTICE, "%proc.name", NULL, 0);
	char keys[16][32];
	opts.json = true;
	opts.json_include_message = true;
	size_t n = top_keys(render(r), keys, 16);
	static const char *const want[] = { "hostname", "message", "output", "output_fields", "priority",
					    "rule", "source", "tags", "time" };
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(keys[i], want[i]);
	assert_non_null(strstr(out.buf, "\"message\":\"cat\""));
	assert_non_null(strstr(out.buf, "\"output\":\"11:53:31.726060287: Notice cat\""));
	assert_non_null(strstr(out.buf, "\"tags\":[]"));

	/* the json_include_* options drop their keys */
	opts.json_include_message = false;
	opts.json_include_output = false;
	opts.json_include_tags = false;
	opts.json_include_output_fields = false;
	n = top_keys(render(r), keys, 16);
	static const char *const want2[] = { "hostname", "priority", "rule", "source", "time" };
	assert_int_equal(n, sizeof(want2) / sizeof(want2[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(keys[i], want2[i]);
	free(b);
}

static void test_output_fields(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	opts.json = true;
	/* %evt.time in the format: one integer key, the text shows the time */
	struct rule *r = mkrule("r", PRIO_ERROR, "t=%evt.time n=%evt.num", NULL, 0);
	render(r);
	assert_non_null(strstr(out.buf, "\"output_fields\":{\"evt.num\":7,\"evt.time\":1785498811726060287}"));
	assert_non_null(strstr(out.buf, "t=11:53:31.726060287 n=7"));
	/* ancestors without index: every ancestor, space separated; signed and
	 * missing values; fields inside transformers listed, the transformer not */
	r = mkrule("r", PRIO_ERROR,
		   "%proc.aname %user.loginuid %fd.num %fd.cport %concat(proc.name, proc.pname) %evt.arg.flags", NULL, 0);
	render(r);
	const char *want = "\"output_fields\":{\"evt.arg.flags\":\"O_RDONLY\",\"evt.time\":1785498811726060287,"
			   "\"fd.cport\":null,\"fd.num\":3,\"proc.aname\":\"bash sshd systemd\",\"proc.name\":\"cat\","
			   "\"proc.pname\":\"bash\",\"user.loginuid\":1000}";
	if (!strstr(out.buf, want))
		fail_msg("\n  got:  %s\n  want: %s", out.buf, want);
	assert_non_null(strstr(out.buf, "Error bash sshd systemd 1000 3 <NA> catbash O_RDONLY\""));
	/* a field used twice is listed once */
	r = mkrule("r", PRIO_ERROR, "%proc.name %proc.name %toupper(proc.name)", NULL, 0);
	render(r);
	assert_non_null(strstr(out.buf, "\"output_fields\":{\"evt.time\":1785498811726060287,\"proc.name\":\"cat\"}"));
	/* no fields at all: still evt.time */
	r = mkrule("r", PRIO_ERROR, "static text", NULL, 0);
	render(r);
	assert_non_null(strstr(out.buf, "\"output_fields\":{\"evt.time\":1785498811726060287}"));
	free(b);
}

static void test_missing_values(void **state)
{
	(void)state;
	/* an unknown thread: proc.* and user.* are missing */
	struct evb *b = ev_openat(999, "/tmp/x");
	expect_text("p=%proc.name pp=%proc.pname u=%user.name f=%fd.name a=%proc.aname",
		    "11:53:31.726060287: Warning p=<NA> pp=<NA> u=<NA> f=/tmp/x a=<NA>");
	struct rule *r = mkrule("r", PRIO_WARNING, "%proc.name %fd.name %proc.aname", NULL, 0);
	opts.json = true;
	render(r);
	assert_non_null(strstr(out.buf, "\"output_fields\":{\"evt.time\":1785498811726060287,\"fd.name\":\"/tmp/x\","
					"\"proc.aname\":null,\"proc.name\":null}"));
	free(b);
}

static void test_width(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	/* pads to the width, truncates beyond it; <NA> too */
	expect_text("[%10proc.name][%2proc.pname][%6fd.sip][%3proc.name][%1user.uid]",
		    "11:53:31.726060287: Warning [cat       ][ba][<NA>  ][cat][0]");
	expect_text("%20fd.name|", "11:53:31.726060287: Warning /etc/shadow         |");
	expect_text("%5toupper(proc.pname)|", "11:53:31.726060287: Warning BASH |");
	free(b);
}

static void test_format_tokens(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, "/etc/shadow");
	/* the longest valid field: text after it is literal */
	expect_text("(file=%fd.name) x=%proc.name.", "11:53:31.726060287: Warning (file=/etc/shadow) x=cat.");
	expect_text("%proc.name%proc.pname", "11:53:31.726060287: Warning catbash");
	/* evt.arg prints the resolved form when there is one (the fd's name) */
	expect_text("%evt.arg.name %evt.arg[0] %evt.arg.flags", "11:53:31.726060287: Warning /etc/shadow <f>/etc/shadow O_RDONLY");
	/* Falco's leading '*' (render even if values are missing) is not printed */
	expect_text("*%proc.name", "11:53:31.726060287: Warning cat");
	/* %container.info is blanked */
	expect_text("a %container.info b", "11:53:31.726060287: Warning a  b");
	/* errors */
	struct format f;
	struct compile_error ce;
	assert_int_not_equal(format_compile(&fc, "trailing %", &f, &ce), 0);
	assert_true(ce.msg[0] != 0);
	assert_int_not_equal(format_compile(&fc, "x %nosuch.field y", &f, &ce), 0);
	assert_non_null(strstr(ce.msg, "nosuch.field"));
	assert_int_equal(ce.pos, 3);
	assert_int_not_equal(format_compile(&fc, "%proc.nmae", &f, &ce), 0);
	assert_non_null(strstr(ce.msg, "proc.name"));
	free(b);
}

static void test_priorities(void **state)
{
	(void)state;
	static const char *const names[] = { "Emergency", "Alert",  "Critical",	     "Error",
					     "Warning",	  "Notice", "Informational", "Debug" };
	assert_int_equal(PRIO__COUNT, 8);
	for (int p = 0; p < PRIO__COUNT; p++) {
		assert_string_equal(priority_name(p), names[p]);
		assert_int_equal(priority_parse(names[p]), p);
	}
	assert_int_equal(PRIO_EMERGENCY, 0);
	assert_int_equal(PRIO_DEBUG, 7);
	assert_int_equal(priority_parse("WARNING"), PRIO_WARNING);
	assert_int_equal(priority_parse("warning"), PRIO_WARNING);
	assert_int_equal(priority_parse("info"), PRIO_INFORMATIONAL);
	assert_int_equal(priority_parse("INFO"), PRIO_INFORMATIONAL);
	assert_int_equal(priority_parse("informational"), PRIO_INFORMATIONAL);
	assert_int_equal(priority_parse("crit"), -1);
	assert_int_equal(priority_parse("warn"), -1);
	assert_int_equal(priority_parse(""), -1);

	/* alerts print the long name */
	struct evb *b = ev_openat(300, "/etc/shadow");
	char want[128];
	for (int p = 0; p < PRIO__COUNT; p++) {
		struct rule *r = mkrule("r", p, "m", NULL, 0);
		opts.json = false;
		snprintf(want, sizeof(want), "11:53:31.726060287: %s m", names[p]);
		assert_string_equal(render(r), want);
		opts.json = true;
		snprintf(want, sizeof(want), "\"priority\":\"%s\"", names[p]);
		assert_non_null(strstr(render(r), want));
	}
	free(b);
}

static void test_internal_alert(void **state)
{
	(void)state;
	opts.json = false;
	strbuf_reset(&out);
	const struct alert_field f[] = { { "n_evts", 100 }, { "n_drops", 5 }, { "ebpf_enabled", 1 } };
	alert_format_internal(&opts, TS, PRIO_DEBUG, "Falco internal: syscall event drop",
			      "Falco internal: syscall event drop. 5 system calls dropped in last second.", f, 3, &out);
	assert_string_equal(out.buf, "11:53:31.726060287: Debug Falco internal: syscall event drop. 5 system "
				     "calls dropped in last second.");
	opts.json = true;
	strbuf_reset(&out);
	alert_format_internal(&opts, TS, PRIO_DEBUG, "Falco internal: syscall event drop", "drop", f, 3, &out);
	/* sorted by name, values as strings (Falco's map<string,string>) */
	assert_non_null(strstr(out.buf, "\"output_fields\":{\"ebpf_enabled\":\"1\",\"n_drops\":\"5\",\"n_evts\":\"100\"}"));
	assert_non_null(strstr(out.buf, "\"priority\":\"Debug\""));
	assert_non_null(strstr(out.buf, "\"rule\":\"Falco internal: syscall event drop\""));
	assert_non_null(strstr(out.buf, "\"source\":\"internal\""));
	assert_non_null(strstr(out.buf, "\"time\":\"2026-07-31T11:53:31.726060287Z\"}"));
	assert_true(strncmp(out.buf, "{\"hostname\":\"node-1\",", 21) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_keys_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_width, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priorities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_internal_alert, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
