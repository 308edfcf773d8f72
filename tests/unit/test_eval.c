/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_eval.c - unit tests for condition compilation and evaluation
 * (src/rules/compile.c, eval.c, fields.c): every operator and list modifier,
 * Falco's missing-field semantics (false for every operator, so `not` of it is
 * true), ancestor fields, the client-or-server fd.ip/net/port fields, CIDR
 * networks, ports by service name, typed literal parsing and its load-time
 * errors, every transformer, val() field-to-field comparison, and the
 * event-type analysis behind the rule index. Events are encoded as scap bytes
 * here, decoded with event_decode() and run through the state engine, so the
 * fields see what they would see in a capture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <cmocka.h>

#include "capture/scap.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "event/event.h"
#include "rules/ast.h"
#include "rules/compile.h"
#include "rules/fields.h"
#include "state/state.h"

/* ===== Fixture: a state with a process tree ===== */

/*
 * tid 1   systemd  (no parent)
 * tid 100 sshd     parent 1
 * tid 200 bash     parent 100
 * tid 300 cat      parent 200   <- most events come from here
 */
static struct state st;
static struct arena A;
static struct filter_ctx fc;
static struct fctx fx;

#define SCAP_STR(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })

static void add_proc(uint64_t tid, uint64_t ptid, struct scap_str comm, struct scap_str exe,
		     struct scap_str exepath, struct scap_str args, struct scap_str env, uint32_t uid,
		     uint32_t tty)
{
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = tid;
	e.pid = tid;
	e.ptid = ptid;
	e.comm = comm;
	e.exe = exe;
	e.exepath = exepath;
	e.has_exepath = true;
	e.args = args;
	e.env = env;
	e.has_env = true;
	e.cwd = SCAP_STR("/home/user/");
	e.uid = uid;
	e.gid = uid;
	e.tty = tty;
	e.has_tty = true;
	assert_int_equal(state_add_proc(&st, &e), 0);
}

static int setup(void **state)
{
	(void)state;
	state_init(&st);
	arena_init(&A);
	filter_ctx_init(&fc, &A);
	fctx_init(&fx, &st);
	add_proc(1, 0, SCAP_STR("systemd"), SCAP_STR("/sbin/init"), SCAP_STR("/usr/lib/systemd/systemd"),
		 SCAP_STR(""), SCAP_STR(""), 0, 0);
	add_proc(100, 1, SCAP_STR("sshd"), SCAP_STR("/usr/sbin/sshd"), SCAP_STR("/usr/sbin/sshd"),
		 SCAP_STR("-D\0"), SCAP_STR(""), 0, 0);
	add_proc(200, 100, SCAP_STR("bash"), SCAP_STR("-bash"), SCAP_STR("/usr/bin/bash"), SCAP_STR(""),
		 SCAP_STR("HOME=/root\0"), 0, 34816);
	add_proc(300, 200, SCAP_STR("cat"), SCAP_STR("cat"), SCAP_STR("/usr/bin/cat"),
		 SCAP_STR("-a\0-b\0val\0-cfoo\0"),
		 SCAP_STR("HOME=/root\0PAYLOAD=aGVsbG8gd29ybGQ=\0BAD=!!!\0MIXED=MiXeD Case\0"), 0, 34816);
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
	fctx_fini(&fx);
	filter_ctx_fini(&fc);
	arena_fini(&A);
	state_fini(&st);
	return 0;
}

/* ===== Event builder: scap v2 bytes -> event_decode() -> state ===== */

struct evb {
	uint8_t buf[8192];
	uint8_t params[8192];
	uint16_t lens[VG_MAX_EVENT_PARAMS];
	uint32_t np, plen;
	uint16_t type;
	int64_t tid;
	uint64_t ts;
	struct event ev;
};

static struct evb *eb_new(uint16_t type, int64_t tid)
{
	struct evb *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->type = type;
	b->tid = tid;
	b->ts = 1785498811726060287ull;
	return b;
}

static void eb_raw(struct evb *b, const void *p, size_t n)
{
	assert_true(b->np < VG_MAX_EVENT_PARAMS);
	assert_true(b->plen + n <= sizeof(b->params));
	memcpy(b->params + b->plen, p, n);
	b->plen += (uint32_t)n;
	b->lens[b->np++] = (uint16_t)n;
}

static void eb_s64(struct evb *b, int64_t v) { eb_raw(b, &v, 8); }
static void eb_u64(struct evb *b, uint64_t v) { eb_raw(b, &v, 8); }
static void eb_u32(struct evb *b, uint32_t v) { eb_raw(b, &v, 4); }
static void eb_str(struct evb *b, const char *s) { eb_raw(b, s, strlen(s) + 1); }

/* A SOCKADDR parameter for AF_INET: family, address, port (host order). */
static void eb_sockaddr4(struct evb *b, const uint8_t ip[4], uint16_t port)
{
	uint8_t v[7];
	v[0] = VG_AF_INET;
	memcpy(v + 1, ip, 4);
	memcpy(v + 5, &port, 2);
	eb_raw(b, v, sizeof(v));
}

/* A SOCKTUPLE for AF_INET: family, source ip/port, destination ip/port. */
static void eb_tuple4(struct evb *b, const uint8_t sip[4], uint16_t sport, const uint8_t dip[4], uint16_t dport)
{
	uint8_t v[13];
	v[0] = VG_AF_INET;
	memcpy(v + 1, sip, 4);
	memcpy(v + 5, &sport, 2);
	memcpy(v + 7, dip, 4);
	memcpy(v + 11, &dport, 2);
	eb_raw(b, v, sizeof(v));
}

static void eb_tuple6(struct evb *b, const uint8_t sip[16], uint16_t sport, const uint8_t dip[16], uint16_t dport)
{
	uint8_t v[37];
	v[0] = VG_AF_INET6;
	memcpy(v + 1, sip, 16);
	memcpy(v + 17, &sport, 2);
	memcpy(v + 19, dip, 16);
	memcpy(v + 35, &dport, 2);
	eb_raw(b, v, sizeof(v));
}

/* Assemble header + lengths + params, decode, and run the state engine. */
static struct event *eb_end(struct evb *b)
{
	uint32_t total = VG_EVT_HDR_SIZE + 2 * b->np + b->plen;
	uint8_t *p = b->buf;
	const char *why = NULL;

	assert_true(total <= sizeof(b->buf));
	memcpy(p, &b->ts, 8);
	memcpy(p + 8, &b->tid, 8);
	memcpy(p + 16, &total, 4);
	memcpy(p + 20, &b->type, 2);
	memcpy(p + 22, &b->np, 4);
	memcpy(p + 26, b->lens, 2 * b->np);
	memcpy(p + 26 + 2 * b->np, b->params, b->plen);
	int rc = event_decode(&b->ev, p, total, VG_EVT_HDR_SIZE, &why);
	if (rc)
		fail_msg("event_decode failed (%d): %s", rc, why ? why : "?");
	assert_int_equal(b->ev.type, b->type);
	assert_int_equal(b->ev.nparams, b->np);
	b->ev.num = 42;
	state_event_pre(&st, &b->ev);
	return &b->ev;
}

/* openat exit (event 307: fd, dirfd, name, flags, mode, dev) from `tid`. */
static struct evb *ev_openat(int64_t tid, int64_t fd, const char *name, uint32_t flags)
{
	struct evb *b = eb_new(VG_EV_OPENAT_2_X, tid);
	eb_s64(b, fd);
	eb_s64(b, -100); /* AT_FDCWD */
	eb_str(b, name);
	eb_u32(b, flags);
	eb_u32(b, 0644);
	eb_u32(b, 0x803);
	eb_end(b);
	return b;
}

/* connect enter + exit on fd 5 from tid 300 with an IPv4 tuple. */
static struct evb *ev_connect4(const uint8_t cip[4], uint16_t cport, const uint8_t sip[4], uint16_t sport)
{
	struct evb *e = eb_new(VG_EV_CONNECT_E, 300);
	eb_s64(e, 5);
	eb_sockaddr4(e, sip, sport);
	eb_end(e);
	state_event_post(&st, &e->ev);
	struct evb *b = eb_new(VG_EV_CONNECT_X, 300);
	eb_s64(b, 0);
	eb_tuple4(b, cip, cport, sip, sport);
	eb_end(b);
	free(e);
	return b;
}

/* ===== Condition helpers ===== */

static struct cnode *compile_ok(const char *cond)
{
	struct parse_error pe;
	struct compile_error ce;
	struct ast *t = ast_parse(&A, cond, strlen(cond), &pe);
	if (!t)
		fail_msg("parse of <%s> failed at %u: %s", cond, pe.pos, pe.msg);
	struct cnode *n = filter_compile(&fc, t, &ce);
	if (!n)
		fail_msg("compile of <%s> failed at %u: %s", cond, ce.pos, ce.msg);
	return n;
}

static void expect_at(int line, const struct event *ev, const char *cond, bool want)
{
	struct cnode *n = compile_ok(cond);
	fx.ev = ev;
	bool got = filter_eval(&fx, n);
	if (got != want)
		fail_msg("line %d: <%s> evaluated %s, expected %s", line, cond, got ? "true" : "false",
			 want ? "true" : "false");
}

#define T(ev, cond) expect_at(__LINE__, (ev), (cond), true)
#define F(ev, cond) expect_at(__LINE__, (ev), (cond), false)

/* The condition parses but must not compile; the message must contain frag. */
static void expect_compile_err_at(int line, const char *cond, const char *frag)
{
	struct parse_error pe;
	struct compile_error ce;
	struct ast *t = ast_parse(&A, cond, strlen(cond), &pe);
	if (!t)
		fail_msg("line %d: parse of <%s> failed at %u: %s", line, cond, pe.pos, pe.msg);
	memset(&ce, 0, sizeof(ce));
	struct cnode *n = filter_compile(&fc, t, &ce);
	if (n)
		fail_msg("line %d: <%s> compiled but should fail", line, cond);
	if (!ce.msg[0])
		fail_msg("line %d: <%s> failed without a message", line, cond);
	if (frag && !strstr(ce.msg, frag))
		fail_msg("line %d: <%s>: message '%s' lacks '%s'", line, cond, ce.msg, frag);
}

#define CERR(cond, frag) expect_compile_err_at(__LINE__, (cond), (frag))

static const uint8_t IP_C[4] = { 10, 0, 0, 5 };
static const uint8_t IP_S[4] = { 192, 168, 1, 10 };

/* ===== Tests: events and the state they see ===== */

static void test_event_builder(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	assert_non_null(ev->thread);
	assert_int_equal(ev->thread->tid, 300);
	assert_non_null(ev->fdinfo);
	assert_string_equal(ev->fdinfo->name, "/etc/ssl/certs/CA-Bundle.crt");
	T(ev, "evt.type = openat");
	T(ev, "fd.num = 3");
	T(ev, "proc.name = cat");
	T(ev, "evt.num = 42");
	T(ev, "evt.arg.flags = O_RDONLY");
	T(ev, "evt.rawarg.dev = 0x803");
	free(b);
}

/* ===== Tests: operators ===== */

static void test_eq_ne(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.name = /etc/ssl/certs/CA-Bundle.crt");
	T(ev, "fd.name == /etc/ssl/certs/CA-Bundle.crt");
	T(ev, "fd.name=/etc/ssl/certs/CA-Bundle.crt");
	F(ev, "fd.name = /etc/ssl/certs/CA-Bundle.cr");
	F(ev, "fd.name = /etc/ssl/certs/ca-bundle.crt");
	F(ev, "fd.name != /etc/ssl/certs/CA-Bundle.crt");
	T(ev, "fd.name != /etc/passwd");
	T(ev, "proc.name = \"cat\"");
	T(ev, "proc.name = 'cat'");
	/* numbers */
	T(ev, "fd.num = 3");
	F(ev, "fd.num = 4");
	T(ev, "fd.num != 4");
	F(ev, "fd.num != 3");
	T(ev, "proc.pid = 300");
	T(ev, "proc.ppid = 200");
	T(ev, "user.uid = 0");
	T(ev, "proc.tty = 34816");
	T(ev, "proc.tty != 0");
	/* bool */
	T(ev, "evt.failed = false");
	F(ev, "evt.failed = true");
	T(ev, "evt.failed != true");
	T(ev, "evt.is_open_read = true");
	F(ev, "evt.is_open_write = true");
	free(b);
}

static void test_ordering(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/x", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.num < 4");
	F(ev, "fd.num < 3");
	T(ev, "fd.num <= 3");
	F(ev, "fd.num <= 2");
	T(ev, "fd.num > 2");
	F(ev, "fd.num > 3");
	T(ev, "fd.num >= 3");
	F(ev, "fd.num >= 4");
	T(ev, "proc.pid > -1");
	F(ev, "proc.pid < -1");
	T(ev, "proc.pid >= 0x12C");
	F(ev, "proc.pid > 0x12C");
	T(ev, "user.uid < 1");
	T(ev, "proc.tty >= 34816");
	/* strings order with strcmp: "cat" > "bash", "cat" < "sshd" */
	T(ev, "proc.name > val(proc.pname)");
	F(ev, "proc.name < val(proc.pname)");
	T(ev, "proc.name < val(user.name)");
	T(ev, "proc.name <= val(proc.name)");
	T(ev, "proc.name >= val(proc.name)");
	free(b);
}

static void test_string_ops(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.name contains certs");
	T(ev, "fd.name contains CA-Bundle");
	F(ev, "fd.name contains ca-bundle");
	F(ev, "fd.name contains nothere");
	T(ev, "fd.name icontains ca-bundle");
	T(ev, "fd.name icontains CERTS/ca");
	F(ev, "fd.name icontains ca_bundle");
	T(ev, "fd.name startswith /etc/ssl");
	T(ev, "fd.name startswith /etc/ssl/certs/CA-Bundle.crt");
	F(ev, "fd.name startswith /etc/ssl/certs/CA-Bundle.crtx");
	F(ev, "fd.name startswith etc");
	T(ev, "fd.name endswith .crt");
	T(ev, "fd.name endswith CA-Bundle.crt");
	F(ev, "fd.name endswith .pem");
	F(ev, "fd.name endswith /x/etc/ssl/certs/CA-Bundle.crt");
	T(ev, "fd.filename = CA-Bundle.crt");
	T(ev, "fd.directory = /etc/ssl/certs");
	free(b);
}

static void test_glob(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/var/run/secrets/Token.txt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	/* fnmatch without FNM_PATHNAME: `*` crosses `/` (the website says otherwise) */
	T(ev, "fd.name glob /var/*");
	T(ev, "fd.name glob '/var/*.txt'");
	T(ev, "fd.name glob '*/secrets/*'");
	T(ev, "fd.name glob /var/run/secrets/Token.tx?");
	T(ev, "fd.name glob '/var/run/secrets/[A-Z]oken.txt'");
	F(ev, "fd.name glob '/var/run/secrets/[a-z]oken.txt'");
	F(ev, "fd.name glob /usr/*");
	F(ev, "fd.name glob /var/run");
	F(ev, "fd.name glob '*token*'");
	T(ev, "fd.name iglob '*token*'");
	T(ev, "fd.name iglob /VAR/*/TOKEN.TXT");
	F(ev, "fd.name iglob /usr/*");
	free(b);
	/* the stable ruleset's directory_traversal relies on `*` crossing `/` */
	b = ev_openat(300, 4, "/tmp/../../etc/passwd", VG_O_RDONLY);
	T(&b->ev, "fd.nameraw glob '*../*../*'");
	free(b);
}

static void test_regex(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.name regex '/etc/.*\\\\.crt'");
	T(ev, "fd.name regex '.*certs.*'");
	T(ev, "fd.name regex '/etc/(ssl|tls)/certs/[A-Z]{2}-Bundle\\\\.crt'");
	/* full match: anchored at both ends */
	F(ev, "fd.name regex certs");
	F(ev, "fd.name regex '/etc/ssl'");
	F(ev, "fd.name regex 'ssl/certs/CA-Bundle.crt'");
	F(ev, "fd.name regex '/etc/ssl/certs/CA-Bundle.crt.+'");
	T(ev, "proc.name regex 'c.t'");
	F(ev, "proc.name regex 'c.'");
	free(b);
	/* the left side is matched as valid UTF-8 (invalid bytes sanitised) */
	b = ev_openat(300, 4, "/tmp/caf\xc3\xa9-\xff.txt", VG_O_RDONLY);
	ev = &b->ev;
	T(ev, "fd.name regex '/tmp/.*'");
	T(ev, "fd.name regex '/tmp/caf.-.\\\\.txt'");
	T(ev, "fd.name regex '.*\\\\.txt'");
	/* an invalid pattern is a load-time error */
	CERR("fd.name regex '('", "regular expression");
	CERR("fd.name regex '[a-'", "regular expression");
	CERR("fd.num regex '3'", "regex");
	free(b);
}

static void test_in_intersects(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "proc.name in (cat, dog)");
	T(ev, "proc.name in (dog, cat)");
	T(ev, "proc.name in (cat)");
	T(ev, "proc.name in(cat)");
	T(ev, "proc.name in cat");
	F(ev, "proc.name in (dog, cow)");
	F(ev, "proc.name in (ca, cats, Cat)");
	F(ev, "proc.name in ()");
	T(ev, "proc.name intersects (dog, cat)");
	F(ev, "proc.name intersects (dog)");
	T(ev, "fd.num in (1, 2, 3)");
	F(ev, "fd.num in (1, 2, 4)");
	T(ev, "fd.num intersects (3)");
	T(ev, "evt.failed in (false)");
	T(ev, "fd.name in (\"/etc/ssl/certs/CA-Bundle.crt\", /x)");
	T(ev, "fd.filename in (CA-Bundle.crt)");
	/* list field: in = subset, intersects = overlap */
	T(ev, "fd.types in (file, ipv4)");
	F(ev, "fd.types in (ipv4, ipv6)");
	T(ev, "fd.types intersects (ipv4, file)");
	F(ev, "fd.types intersects (ipv4)");
	CERR("fd.types = file", "not supported");
	CERR("fd.types contains fi", "not supported");
	free(b);
}

static void test_pmatch(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/hello/x", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.name pmatch (/tmp/hello)");
	T(ev, "fd.name pmatch (/usr, /tmp/hello)");
	T(ev, "fd.name pmatch (/tmp)");
	T(ev, "fd.name pmatch (/tmp/hello/x)");
	T(ev, "fd.name pmatch (/tmp/*/x)");
	T(ev, "fd.name pmatch (/tmp/hel*)");
	F(ev, "fd.name pmatch (/tmp/hello/x/y)");
	F(ev, "fd.name pmatch (/tmp/hell)");
	F(ev, "fd.name pmatch (/usr, /var)");
	F(ev, "fd.name pmatch ()");
	free(b);
	b = ev_openat(300, 4, "/tmp/hello_world", VG_O_RDONLY);
	F(&b->ev, "fd.name pmatch (/tmp/hello)");
	T(&b->ev, "fd.name pmatch (/tmp/hello_world)");
	free(b);
	CERR("fd.num pmatch (1)", "pmatch");
}

static void test_exists(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/passwd", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "fd.name exists");
	T(ev, "proc.name exists");
	T(ev, "proc.env[HOME] exists");
	F(ev, "proc.env[NOPE] exists");
	T(ev, "not proc.env[NOPE] exists");
	F(ev, "fd.sip exists");
	F(ev, "fd.ip exists");
	F(ev, "proc.aname[4] exists");
	T(ev, "proc.aname[3] exists");
	free(b);
}

static void test_bytes(void **state)
{
	(void)state;
	struct evb *b = eb_new(VG_EV_WRITE_X, 300);
	eb_s64(b, 13);
	eb_raw(b, "\x00\xffhello world", 13);
	struct event *ev = eb_end(b);
	T(ev, "evt.buffer bcontains 68656c6c6f");
	T(ev, "evt.buffer bcontains 68656C6C6F20");
	T(ev, "evt.buffer bcontains 00ff68");
	F(ev, "evt.buffer bcontains 68656c6c6f21");
	T(ev, "evt.buffer bstartswith 00ff");
	T(ev, "evt.buffer bstartswith 00FF68");
	F(ev, "evt.buffer bstartswith ff");
	/* plain string operators on a byte buffer compare the raw bytes */
	T(ev, "evt.buffer contains hello");
	T(ev, "evt.buffer endswith world");
	F(ev, "evt.buffer startswith hello");
	T(ev, "evt.buflen = 13");
	/* byte literals must be hex */
	CERR("evt.buffer bcontains 686", "hex");
	CERR("evt.buffer bcontains zz", "hex");
	CERR("evt.buffer bstartswith 0g", "hex");
	/* b-operators need a byte buffer */
	CERR("proc.name bcontains 41", "not supported");
	CERR("proc.name bstartswith 41", "not supported");
	free(b);
}

static void test_modifiers(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	/* "cat" starts with both "c" and "ca" */
	F(ev, "proc.name startswith oneof (c, ca)");
	T(ev, "proc.name startswith anyof (c, ca)");
	T(ev, "proc.name startswith allof (c, ca)");
	T(ev, "proc.name startswith oneof (c, d)");
	T(ev, "proc.name startswith anyof (x, c)");
	F(ev, "proc.name startswith allof (c, d)");
	F(ev, "proc.name startswith anyof (x, y)");
	F(ev, "proc.name startswith oneof (x, y)");
	/* = anyof is in; != allof is not in */
	T(ev, "proc.name = anyof (dog, cat)");
	F(ev, "proc.name = anyof (dog, cow)");
	F(ev, "proc.name = oneof (cat, cat)");
	T(ev, "proc.name == oneof (cat, dog)");
	T(ev, "proc.name != allof (dog, cow)");
	F(ev, "proc.name != allof (dog, cat)");
	T(ev, "proc.name != anyof (dog, cat)");
	F(ev, "proc.name != oneof (dog, cow)");
	T(ev, "fd.name contains allof (ssl, certs)");
	F(ev, "fd.name contains allof (ssl, nope)");
	T(ev, "fd.name icontains anyof (CERTS, nope)");
	T(ev, "fd.name endswith oneof (.crt, .pem)");
	T(ev, "fd.name glob anyof (/usr/*, /etc/*)");
	F(ev, "fd.name glob oneof (/etc/*, *.crt)");
	T(ev, "fd.name iglob allof (/ETC/*, *.CRT)");
	T(ev, "fd.name regex anyof ('/usr/.*', '/etc/.*')");
	F(ev, "fd.name regex oneof ('/etc/.*', '.*\\\\.crt')");
	T(ev, "fd.name regex allof ('/etc/.*', '.*\\\\.crt')");
	F(ev, "fd.name regex allof ('/etc/.*', 'certs')");
	/* empty lists: anyof/oneof false, allof vacuously true */
	F(ev, "proc.name = anyof ()");
	F(ev, "proc.name = oneof ()");
	T(ev, "proc.name = allof ()");
	free(b);

	b = eb_new(VG_EV_WRITE_X, 300);
	eb_s64(b, 4);
	eb_raw(b, "\xca\xfe\xba\xbe", 4);
	ev = eb_end(b);
	T(ev, "evt.buffer bcontains anyof (00, feba)");
	T(ev, "evt.buffer bstartswith oneof (ca, ba)");
	F(ev, "evt.buffer bcontains allof (cafe, 00)");
	free(b);
}

static void test_operator_type_errors(void **state)
{
	(void)state;
	/* operators a field type does not support are load errors */
	CERR("proc.pid contains 3", "not supported");
	CERR("proc.pid startswith 3", "not supported");
	CERR("proc.pid glob 3", "not supported");
	CERR("evt.failed < 1", "not supported");
	CERR("evt.failed contains t", "not supported");
	CERR("fd.sip startswith 10", "not supported");
	CERR("fd.snet > 10", "not supported");
	CERR("fd.port > 80", "only =, !=, in");
	CERR("fd.ip contains 1", "only =, !=, in");
	CERR("fd.net intersects (10.0.0.0/8)", "only =, !=, in");
	CERR("evt.type = nosuchevent", "unknown event type");
	CERR("evt.type in (openat, nosuchevent)", "unknown event type");
	CERR("proc.nmae = x", "did you mean 'proc.name'");
	CERR("nosuch.field = x", "nonexistent field");
	CERR("proc.aname[x] = a", "numeric index");
}

/* ===== Tests: missing values ===== */

static void test_missing_field(void **state)
{
	(void)state;
	/* a write on fd 0, which the state never saw opened */
	struct evb *b = eb_new(VG_EV_WRITE_X, 300);
	eb_s64(b, 1);
	eb_raw(b, "x", 1);
	struct event *ev = eb_end(b);
	/* fd 0 was never opened: it exists with an unknown type, but has no IPs */
	F(ev, "fd.sip = 1.2.3.4");
	F(ev, "fd.sip != 1.2.3.4");
	T(ev, "not fd.sip = 1.2.3.4");
	T(ev, "not fd.sip != 1.2.3.4");
	F(ev, "fd.sip exists");
	T(ev, "not fd.sip exists");
	F(ev, "fd.sip in (1.2.3.4)");
	T(ev, "not fd.sip in (1.2.3.4)");
	F(ev, "fd.sport < 100");
	F(ev, "fd.sport >= 0");
	T(ev, "not fd.sport >= 0");
	F(ev, "fd.snet = 0.0.0.0/0");
	F(ev, "fd.snet != 0.0.0.0/0");
	F(ev, "fd.ip != 1.2.3.4");
	T(ev, "not fd.ip != 1.2.3.4");
	F(ev, "fd.port != 80");
	F(ev, "fd.net != 10.0.0.0/8");
	/* missing env var */
	F(ev, "proc.env[NOPE] = x");
	F(ev, "proc.env[NOPE] != x");
	T(ev, "not proc.env[NOPE] != x");
	F(ev, "proc.env[NOPE] contains x");
	F(ev, "proc.env[NOPE] startswith oneof (a, b)");
	F(ev, "proc.env[NOPE] != allof (a, b)");
	F(ev, "proc.env[NOPE] glob *");
	F(ev, "proc.env[NOPE] regex '.*'");
	F(ev, "proc.env[NOPE] pmatch (/)");
	/* transformers over a missing value are missing too */
	F(ev, "tolower(proc.env[NOPE]) != x");
	T(ev, "not tolower(proc.env[NOPE]) = x");
	F(ev, "len(proc.env[NOPE]) >= 0");
	F(ev, "concat(proc.name, proc.env[NOPE]) != x");
	/* missing on the right of val() */
	F(ev, "proc.name != val(proc.env[NOPE])");
	T(ev, "not proc.name = val(proc.env[NOPE])");
	/* short circuit around a missing value */
	T(ev, "fd.sip = 1.2.3.4 or proc.name = cat");
	F(ev, "proc.name = cat and fd.sip != 1.2.3.4");
	free(b);

	/* an unknown thread: every proc.* field is missing */
	b = ev_openat(999, 3, "/tmp/x", VG_O_RDONLY);
	ev = &b->ev;
	F(ev, "proc.name = cat");
	F(ev, "proc.name != cat");
	T(ev, "not proc.name != cat");
	F(ev, "proc.name exists");
	F(ev, "proc.pname != x");
	F(ev, "proc.aname != x");
	T(ev, "not proc.aname != x");
	F(ev, "proc.aname[1] exists");
	F(ev, "user.name != root");
	T(ev, "fd.name = /tmp/x");
	free(b);
}

/* ===== Tests: ancestors ===== */

static void test_ancestors(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/x", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "proc.aname[0] = cat");
	T(ev, "proc.aname[1] = bash");
	T(ev, "proc.aname[2] = sshd");
	T(ev, "proc.aname[3] = systemd");
	F(ev, "proc.aname[2] = bash");
	T(ev, "proc.pname = bash");
	/* without index: any ancestor, walking up from the parent */
	T(ev, "proc.aname = bash");
	T(ev, "proc.aname = sshd");
	T(ev, "proc.aname = systemd");
	F(ev, "proc.aname = cat");
	F(ev, "proc.aname = nginx");
	T(ev, "proc.aname in (nginx, sshd)");
	F(ev, "proc.aname in (nginx, cat)");
	T(ev, "proc.aname startswith ssh");
	T(ev, "proc.aname endswith temd");
	T(ev, "proc.aname glob 'ss*'");
	/* != is "some ancestor differs": nearly always true */
	T(ev, "proc.aname != sshd");
	F(ev, "not proc.aname != sshd");
	F(ev, "not proc.aname = sshd");
	T(ev, "not proc.aname = nginx");
	T(ev, "proc.apid = 100");
	T(ev, "proc.apid = 1");
	F(ev, "proc.apid = 300");
	T(ev, "proc.apid[0] = 300");
	T(ev, "proc.apid[2] = 100");
	T(ev, "proc.aexepath = /usr/sbin/sshd");
	T(ev, "proc.aexepath[3] = /usr/lib/systemd/systemd");
	T(ev, "proc.aexe = -bash");
	T(ev, "proc.acmdline = \"sshd -D\"");
	T(ev, "proc.aname exists");
	free(b);

	/* from the top of the tree there is no ancestor at all */
	b = ev_openat(1, 3, "/tmp/x", VG_O_RDONLY);
	F(&b->ev, "proc.aname exists");
	F(&b->ev, "proc.aname != x");
	T(&b->ev, "not proc.aname != x");
	F(&b->ev, "proc.pname exists");
	T(&b->ev, "proc.aname[0] = systemd");
	free(b);
}

/* clone exit (event 223) of `tid`: res, the caller's ids, flags, vtid/vpid. */
static struct evb *ev_clone(int64_t tid, int64_t res, int64_t pid, int64_t ptid, uint32_t flags, int64_t vtid,
			    int64_t vpid)
{
	struct evb *b = eb_new(VG_EV_CLONE_20_X, tid);
	eb_s64(b, res);
	eb_str(b, "cat");
	eb_raw(b, "", 0);
	eb_s64(b, tid);
	eb_s64(b, pid);
	eb_s64(b, ptid);
	eb_str(b, "/home/user");
	eb_s64(b, 1024);
	eb_u64(b, 0);
	eb_u64(b, 0);
	eb_u32(b, 0);
	eb_u32(b, 0);
	eb_u32(b, 0);
	eb_str(b, "cat");
	eb_raw(b, "", 0);
	eb_u32(b, flags);
	eb_u32(b, 0);
	eb_u32(b, 0);
	eb_s64(b, vtid);
	eb_s64(b, vpid);
	eb_end(b);
	state_event_post(&st, &b->ev);
	return b;
}

/* A child in a new pid namespace (the parent unshared CLONE_NEWPID): the
 * parent's side cannot know its ids there, the child's side carries them,
 * whichever of the two events comes first. */
/* Per-event-type satisfiability: what the rule index and the probe's
 * syscall filter drop must be provably unmatchable, nothing else. */
static void may_match_at(int line, const char *cond, uint32_t type, bool want)
{
	bool got = filter_can_match_type(compile_ok(cond), type);
	if (got != want)
		fail_msg("line %d: <%s> on event %u: %s, expected %s", line, cond, type, got ? "may match" : "cannot match",
			 want ? "may match" : "cannot match");
}
#define MAY(cond, t) may_match_at(__LINE__, (cond), (t), true)
#define NEVER(cond, t) may_match_at(__LINE__, (cond), (t), false)

static void test_type_satisfiability(void **state)
{
	(void)state;
	/* Falco's "outbound" macro with the rule that adds fd.l4proto=tcp */
	const char *ssh = "((evt.type = connect or (evt.type in (sendto, sendmsg) and fd.l4proto != tcp "
			  "and fd.connected=false)) and fd.typechar = 4) and proc.exe endswith ssh and fd.l4proto=tcp";
	MAY(ssh, VG_EV_CONNECT_X);
	NEVER(ssh, VG_EV_SENDTO_X);
	NEVER(ssh, VG_EV_SENDMSG_X);
	/* evt.type itself */
	NEVER("evt.type in (open, connect) and evt.type != open", VG_EV_OPEN_X);
	MAY("evt.type in (open, connect) and evt.type != open", VG_EV_CONNECT_X);
	NEVER("evt.type = open and not evt.type = open", VG_EV_OPEN_X);
	/* equal to two different constants, in disjoint lists */
	NEVER("evt.type = open and proc.name = a and proc.name = b", VG_EV_OPEN_X);
	NEVER("evt.type = open and proc.name in (a, b) and proc.name in (c, d)", VG_EV_OPEN_X);
	MAY("evt.type = open and proc.name in (a, b) and proc.name in (b, c)", VG_EV_OPEN_X);
	/* a value excluded after being required, directly or through not */
	NEVER("evt.type = open and proc.name = a and not proc.name = a", VG_EV_OPEN_X);
	NEVER("evt.type = open and not proc.name in (a, b) and proc.name in (a, b)", VG_EV_OPEN_X);
	MAY("evt.type = open and proc.name in (a, b) and proc.name != a", VG_EV_OPEN_X);
	/* an or with one satisfiable branch; De Morgan through not */
	MAY("evt.type = open and (proc.name = a or proc.name = b) and proc.name != a", VG_EV_OPEN_X);
	NEVER("evt.type = open and not (proc.name != a or proc.name = a)", VG_EV_OPEN_X);
	/* what must not be pruned: ancestors (any of them), other fields, other operators */
	MAY("evt.type = open and proc.aname = a and proc.aname = b", VG_EV_OPEN_X);
	MAY("evt.type = open and proc.name = a and proc.pname = b", VG_EV_OPEN_X);
	MAY("evt.type = open and proc.name startswith a and proc.name startswith b", VG_EV_OPEN_X);
	MAY("evt.type = open and proc.aname[1] = a and proc.aname[2] = b", VG_EV_OPEN_X);
}

/* A thread exit as the live probe reports it, with who adopts its children. */
static void ev_procexit(int64_t tid, int64_t reaper)
{
	struct evb *b = eb_new(VG_EV_PROCEXIT_1_E, tid);
	eb_s64(b, 0);
	eb_s64(b, 0);
	eb_raw(b, "\0", 1);
	eb_raw(b, "\0", 1);
	eb_s64(b, reaper);
	eb_end(b);
	state_event_post(&st, &b->ev);
	free(b);
}

/* runc's pattern: a process (600, threads 600 and 601) whose thread 601
 * makes a child (700); the main thread exits first, then the last thread,
 * and the kernel gives the orphan to a subreaper (conmon, 650). */
static void test_procexit_reparent(void **state)
{
	(void)state;
	free(ev_clone(300, 650, 300, 200, 0, 650, 650));	/* conmon */
	free(ev_clone(650, 600, 650, 300, 0, 600, 600));	/* runc */
	free(ev_clone(600, 601, 600, 300, VG_CL_CLONE_THREAD | VG_CL_CLONE_VM, 601, 600));
	free(ev_clone(601, 700, 600, 300, 0, 700, 700));	/* the child, made by thread 601 */
	struct evb *b = ev_openat(700, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.ppid = 601");
	free(b);
	/* the main thread leaves first: kept for its thread, which keeps its process */
	ev_procexit(600, 600);
	b = ev_openat(601, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.pid = 600 and proc.name = cat");
	free(b);
	b = ev_openat(700, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.ppid = 601");
	free(b);
	/* the last thread leaves: the process is gone, its child goes to conmon */
	ev_procexit(601, 650);
	b = ev_openat(700, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.ppid = 650");
	T(&b->ev, "proc.pname = cat");
	free(b);
	assert_null(state_thread(&st, 600));
	assert_null(state_thread(&st, 601));
}

static void test_clone_child_in_pidns(void **state)
{
	(void)state;
	/* parent's side first */
	free(ev_clone(300, 500, 300, 200, VG_CL_CHILD_IN_PIDNS, 300, 300));
	free(ev_clone(500, 0, 500, 300, VG_CL_CHILD_IN_PIDNS, 1, 1));
	struct evb *b = ev_openat(500, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.pid = 500");
	T(&b->ev, "proc.vpid = 1");
	T(&b->ev, "thread.vtid = 1");
	T(&b->ev, "proc.pname = cat");
	free(b);
	/* child's side first */
	free(ev_clone(501, 0, 501, 300, VG_CL_CHILD_IN_PIDNS, 1, 1));
	free(ev_clone(300, 501, 300, 200, VG_CL_CHILD_IN_PIDNS, 300, 300));
	b = ev_openat(501, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.vpid = 1");
	T(&b->ev, "thread.vtid = 1");
	free(b);
	/* same namespace: the ids follow the tids */
	free(ev_clone(300, 502, 300, 200, 0, 300, 300));
	free(ev_clone(502, 0, 502, 300, 0, 502, 502));
	b = ev_openat(502, 3, "/tmp/y", VG_O_RDONLY);
	T(&b->ev, "proc.vpid = 502");
	free(b);
}

static void test_clone_execve(void **state)
{
	(void)state;
	/* cat (300) forks 400: the child inherits the name, its parent is cat */
	struct evb *b = eb_new(VG_EV_CLONE_20_X, 300);
	eb_s64(b, 400);		/* res: child tid */
	eb_str(b, "cat");	/* exe */
	eb_raw(b, "-a\0", 3);	/* args */
	eb_s64(b, 300);		/* tid */
	eb_s64(b, 300);		/* pid */
	eb_s64(b, 200);		/* ptid */
	eb_str(b, "/home/user");/* cwd */
	eb_s64(b, 1024);	/* fdlimit */
	eb_u64(b, 0);		/* pgft_maj */
	eb_u64(b, 0);		/* pgft_min */
	eb_u32(b, 0);		/* vm_size */
	eb_u32(b, 0);		/* vm_rss */
	eb_u32(b, 0);		/* vm_swap */
	eb_str(b, "cat");	/* comm */
	eb_raw(b, "", 0);	/* cgroups */
	eb_u32(b, 0);		/* flags */
	eb_u32(b, 0);		/* uid */
	eb_u32(b, 0);		/* gid */
	eb_s64(b, 400);		/* vtid */
	eb_s64(b, 400);		/* vpid */
	eb_end(b);
	free(b);
	assert_non_null(state_thread(&st, 400));

	b = ev_openat(400, 3, "/tmp/y", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "proc.pid = 400");
	T(ev, "proc.pname = cat");
	T(ev, "proc.aname[2] = bash");
	T(ev, "proc.aname = cat");
	T(ev, "proc.name = val(proc.pname)");
	T(ev, "proc.pid > val(proc.ppid)");
	free(b);

	/* 400 execs python3: new name and arguments, same parent */
	b = eb_new(VG_EV_EXECVE_19_X, 400);
	eb_s64(b, 0);				/* res */
	eb_str(b, "/usr/bin/python3");		/* exe */
	eb_raw(b, "-c\0print(1)\0", 12);	/* args */
	eb_s64(b, 400);				/* tid */
	eb_s64(b, 400);				/* pid */
	eb_s64(b, 300);				/* ptid */
	eb_str(b, "/home/user");		/* cwd */
	eb_u64(b, 1024);			/* fdlimit */
	eb_u64(b, 0);				/* pgft_maj */
	eb_u64(b, 0);				/* pgft_min */
	eb_u32(b, 0);				/* vm_size */
	eb_u32(b, 0);				/* vm_rss */
	eb_u32(b, 0);				/* vm_swap */
	eb_str(b, "python3");			/* comm */
	eb_raw(b, "", 0);			/* cgroups */
	eb_raw(b, "PATH=/usr/bin\0", 14);	/* env */
	eb_u32(b, 34817);			/* tty */
	eb_s64(b, 400);				/* pgid */
	eb_u32(b, 1000);			/* loginuid */
	eb_u32(b, 0);				/* flags */
	ev = eb_end(b);
	T(ev, "evt.type = execve");
	T(ev, "proc.name = python3");
	T(ev, "proc.exe = /usr/bin/python3");
	T(ev, "proc.args = \"-c print(1)\"");
	T(ev, "proc.cmdline = \"python3 -c print(1)\"");
	T(ev, "proc.pname = cat");
	F(ev, "proc.name = val(proc.pname)");
	T(ev, "proc.tty = 34817");
	T(ev, "user.loginuid = 1000");
	T(ev, "proc.env[PATH] = /usr/bin");
	F(ev, "proc.env[HOME] exists");
	free(b);
}

/* ===== Tests: network fields ===== */

static void test_fd_client_server(void **state)
{
	(void)state;
	struct evb *b = ev_connect4(IP_C, 40000, IP_S, 22);
	struct event *ev = &b->ev;
	T(ev, "evt.type = connect");
	T(ev, "fd.num = 5");
	T(ev, "fd.type = ipv4");
	T(ev, "fd.name = 10.0.0.5:40000->192.168.1.10:22");
	T(ev, "fd.cip = 10.0.0.5");
	T(ev, "fd.sip = 192.168.1.10");
	F(ev, "fd.sip = 192.168.1.11");
	T(ev, "fd.lip = 10.0.0.5");
	T(ev, "fd.rip = 192.168.1.10");
	T(ev, "fd.cport = 40000");
	T(ev, "fd.sport = 22");
	T(ev, "fd.rport = 22");
	/* fd.ip: client OR server for = and in; both differ for != */
	T(ev, "fd.ip = 10.0.0.5");
	T(ev, "fd.ip = 192.168.1.10");
	F(ev, "fd.ip = 1.2.3.4");
	T(ev, "fd.ip in (1.2.3.4, 10.0.0.5)");
	T(ev, "fd.ip in (192.168.1.10)");
	F(ev, "fd.ip in (1.2.3.4, 5.6.7.8)");
	F(ev, "fd.ip != 10.0.0.5");
	F(ev, "fd.ip != 192.168.1.10");
	T(ev, "fd.ip != 1.2.3.4");
	T(ev, "fd.ip exists");
	/* fd.port */
	T(ev, "fd.port = 22");
	T(ev, "fd.port = 40000");
	F(ev, "fd.port = 80");
	T(ev, "fd.port in (80, 22)");
	T(ev, "fd.port in (40000)");
	F(ev, "fd.port in (80, 443)");
	F(ev, "fd.port != 22");
	F(ev, "fd.port != 40000");
	T(ev, "fd.port != 80");
	/* fd.net */
	T(ev, "fd.net = 10.0.0.0/8");
	T(ev, "fd.net = 192.168.0.0/16");
	F(ev, "fd.net = 172.16.0.0/12");
	T(ev, "fd.net in (172.16.0.0/12, 192.168.0.0/16)");
	F(ev, "fd.net in (172.16.0.0/12, 127.0.0.0/8)");
	F(ev, "fd.net != 10.0.0.0/8");
	F(ev, "fd.net != 192.168.1.0/24");
	T(ev, "fd.net != 172.16.0.0/12");
	/* fd.proto follows fd.port */
	T(ev, "fd.proto = 22");
	F(ev, "fd.proto != 40000");
	free(b);
}

static void test_cidr(void **state)
{
	(void)state;
	struct evb *b = ev_connect4(IP_C, 40000, IP_S, 22);
	struct event *ev = &b->ev;
	T(ev, "fd.snet = 192.168.1.0/24");
	T(ev, "fd.snet = 192.168.1.10/32");
	F(ev, "fd.snet = 192.168.1.11/32");
	T(ev, "fd.snet = 0.0.0.0/0");
	T(ev, "fd.snet = 192.168.1.8/29");	/* .8 - .15 */
	F(ev, "fd.snet = 192.168.1.0/29");	/* .0 - .7 */
	T(ev, "fd.snet = 192.168.0.0/23");
	F(ev, "fd.snet = 192.168.2.0/23");
	T(ev, "fd.cnet = 10.0.0.0/8");
	F(ev, "fd.cnet = 192.168.0.0/16");
	T(ev, "fd.lnet = 10.0.0.0/8");
	T(ev, "fd.rnet = 192.168.0.0/16");
	T(ev, "fd.snet in (10.0.0.0/8, 192.168.0.0/16)");
	T(ev, "fd.snet != 10.0.0.0/8");
	F(ev, "fd.snet = 2001:db8::/32");
	/* an address literal on an address field, or a network */
	T(ev, "fd.sip = 192.168.1.10");
	T(ev, "fd.sip in (1.1.1.1, 192.168.1.10)");
	free(b);

	/* IPv6 */
	static const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	struct evb *e = eb_new(VG_EV_CONNECT_E, 300);
	eb_s64(e, 6);
	eb_sockaddr4(e, IP_S, 443);
	eb_end(e);
	state_event_post(&st, &e->ev);
	free(e);
	b = eb_new(VG_EV_CONNECT_X, 300);
	eb_s64(b, 0);
	eb_tuple6(b, c6, 50000, s6, 443);
	ev = eb_end(b);
	T(ev, "fd.type = ipv6");
	T(ev, "fd.sip = 2001:db8:1::10");
	T(ev, "fd.cip = 2001:db8::5");
	F(ev, "fd.sip = ::1");
	T(ev, "fd.net = 2001:db8::/32");
	T(ev, "fd.snet = 2001:db8:1::/48");
	F(ev, "fd.cnet = 2001:db8:1::/48");
	T(ev, "fd.cnet = 2001:db8::/48");
	T(ev, "fd.snet = 2001:db8:1::10/128");
	F(ev, "fd.net = 10.0.0.0/8");
	T(ev, "fd.net != 10.0.0.0/8");
	T(ev, "fd.ip = 2001:db8::5");
	F(ev, "fd.ip != 2001:db8::5");
	T(ev, "fd.port = 443");
	free(b);
}

static void test_port_names(void **state)
{
	(void)state;
	if (!getservbyname("ssh", NULL) || !getservbyname("https", NULL)) {
		/* no services database: names cannot resolve */
		skip();
	}
	struct evb *b = ev_connect4(IP_C, 40000, IP_S, 22);
	struct event *ev = &b->ev;
	T(ev, "fd.sport = ssh");
	F(ev, "fd.cport = ssh");
	T(ev, "fd.sport in (https, ssh)");
	F(ev, "fd.sport in (https, http)");
	T(ev, "fd.port = ssh");
	T(ev, "fd.sport != https");
	T(ev, "fd.sproto = ssh");
	CERR("fd.sport = no-such-service-xyz", "service");
	CERR("fd.sport = 70000", "service");
	free(b);
}

/* ===== Tests: literals ===== */

static void test_literals(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/x", VG_O_RDONLY);
	struct event *ev = &b->ev;
	/* signed decimal, hex, negative */
	T(ev, "proc.pid = 300");
	T(ev, "proc.pid = +300");
	T(ev, "proc.pid = 0x12c");
	T(ev, "proc.pid = 0X12C");
	T(ev, "proc.pid != -300");
	T(ev, "proc.pid > -9223372036854775808");
	T(ev, "fd.num in (0x3, -1)");
	/* unsigned: decimal and hex */
	T(ev, "proc.tty = 0x8800");
	T(ev, "user.uid = 0x0");
	T(ev, "evt.num = 42");
	T(ev, "evt.num = 0x2a");
	/* bool: exactly true or false */
	T(ev, "evt.failed = false");
	CERR("evt.failed = 1", "true or false");
	CERR("evt.failed = TRUE", "true or false");
	CERR("evt.failed = yes", "true or false");
	CERR("evt.failed in (true, no)", "true or false");
	/* numbers */
	CERR("proc.pid = abc", "not a valid number");
	CERR("proc.pid = 1.5", "not a valid number");
	CERR("proc.pid = 0x", "not a valid number");
	CERR("proc.pid = 0xzz", "not a valid number");
	CERR("proc.pid = 99999999999999999999", "not a valid number");
	CERR("proc.pid in (1, x)", "not a valid number");
	CERR("proc.tty = -", "not a valid number");
	CERR("user.uid = u0", "not a valid number");
	/* IP addresses: dotted v4 if it contains '.', else v6 */
	CERR("fd.sip = 300.1.1.1", "IP address");
	CERR("fd.sip = 10.0.0", "IP address");
	CERR("fd.sip = host", "IP address");
	CERR("fd.sip = 10.0.0.0/8", "IP address");
	/* networks: CIDR with a mandatory /n */
	CERR("fd.snet = 10.0.0.0", "CIDR");
	CERR("fd.snet = 10.0.0.0/33", "CIDR");
	CERR("fd.snet = 10.0.0.0/-1", "CIDR");
	CERR("fd.snet = 10.0.0.0/x", "CIDR");
	CERR("fd.snet = 2001:db8::/129", "CIDR");
	CERR("fd.net in (10.0.0.0/8, 192.168.0.0)", "CIDR");
	/* ports */
	CERR("fd.sport = -1", NULL);
	/* a NUL byte in a value is refused (by the parser or the compiler) */
	{
		const char *c = "proc.name = \"a\\x00b\"";
		struct parse_error pe;
		struct compile_error ce;
		struct ast *t = ast_parse(&A, c, strlen(c), &pe);
		assert_true(t == NULL || filter_compile(&fc, t, &ce) == NULL);
	}
	free(b);
}

static void test_unsigned_width(void **state)
{
	(void)state;
	/* A negative literal on an unsigned field is read as two's complement
	 * and both sides are compared at the field's width (rule-language.md
	 * §2.4/§2.5): `user.uid = -1` matches uid 4294967295. */
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = e.pid = 500;
	e.ptid = 300;
	e.comm = SCAP_STR("nobody_proc");
	e.uid = UINT32_MAX;
	e.gid = UINT32_MAX;
	assert_int_equal(state_add_proc(&st, &e), 0);
	struct evb *b = ev_openat(500, 3, "/tmp/x", VG_O_RDONLY);
	T(&b->ev, "user.uid = 4294967295");
	T(&b->ev, "user.uid = 0xffffffff");
	T(&b->ev, "user.uid = -1");
	T(&b->ev, "user.uid in (-1)");
	F(&b->ev, "user.uid != -1");
	free(b);
}

/* ===== Tests: transformers and val() ===== */

static void test_transformers(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/etc/ssl/certs/CA-Bundle.crt", VG_O_RDONLY);
	struct event *ev = &b->ev;
	/* tolower / toupper */
	T(ev, "tolower(fd.name) = /etc/ssl/certs/ca-bundle.crt");
	F(ev, "tolower(fd.name) = /etc/ssl/certs/CA-Bundle.crt");
	T(ev, "toupper(proc.name) = CAT");
	T(ev, "tolower(proc.env[MIXED]) = \"mixed case\"");
	T(ev, "toupper(proc.env[MIXED]) = \"MIXED CASE\"");
	T(ev, "tolower(toupper(proc.name)) = cat");
	T(ev, "toupper(proc.name) in (DOG, CAT)");
	/* b64 decodes to bytes */
	T(ev, "b64(proc.env[PAYLOAD]) = \"hello world\"");
	T(ev, "b64(proc.env[PAYLOAD]) bcontains 776f726c64");
	T(ev, "b64(proc.env[PAYLOAD]) startswith hello");
	F(ev, "b64(proc.env[PAYLOAD]) = \"aGVsbG8gd29ybGQ=\"");
	F(ev, "b64(proc.env[BAD]) exists");
	T(ev, "len(b64(proc.env[PAYLOAD])) = 11");
	/* basename: last component; "" for a path ending in '/' */
	T(ev, "basename(fd.name) = CA-Bundle.crt");
	T(ev, "basename(proc.exepath) = cat");
	T(ev, "basename(proc.name) = cat");
	T(ev, "proc.cwd = /home/user/");
	T(ev, "basename(proc.cwd) = \"\"");
	F(ev, "basename(proc.cwd) = user");
	T(ev, "basename(fd.directory) = certs");
	/* len: characters of a string, elements of a list */
	T(ev, "len(proc.name) = 3");
	T(ev, "len(fd.name) = 28");
	T(ev, "len(proc.name) < 4");
	T(ev, "len(basename(proc.cwd)) = 0");
	T(ev, "len(fd.types) = 1");
	/* concat: fields, quoted strings, numbers, nested transformers */
	T(ev, "concat(proc.name, \"-\", proc.pname) = cat-bash");
	T(ev, "concat(proc.name, ':', proc.pid) = cat:300");
	T(ev, "concat(toupper(proc.name), basename(fd.name)) = CATCA-Bundle.crt");
	T(ev, "concat(\"a b\", proc.name) = \"a bcat\"");
	/* join over a list field (one element here) */
	T(ev, "join(\",\", fd.types) = file");
	/* getopt over the argument list -a -b val -cfoo */
	T(ev, "proc.args = \"-a -b val -cfoo\"");
	T(ev, "getopt(proc.args, \"ab:c:\")[b] = val");
	T(ev, "getopt(proc.args, \"ab:c:\")[c] = foo");
	F(ev, "getopt(proc.args, \"ab:c:\")[b] = \"-cfoo\"");
	F(ev, "getopt(proc.args, \"ab:c:\")[d] exists");
	T(ev, "not getopt(proc.args, \"ab:c:\")[d] = x");
	/* transformer results with every operator class */
	T(ev, "tolower(fd.name) contains ca-bundle");
	T(ev, "tolower(fd.name) glob '*/ca-*'");
	T(ev, "tolower(fd.name) regex '.*ca-bundle\\\\.crt'");
	T(ev, "tolower(fd.name) pmatch (/etc/ssl)");
	T(ev, "toupper(proc.name) startswith anyof (X, CA)");
	/* type and argument checks at load time */
	CERR("tolower(proc.pid) = x", "string argument");
	CERR("basename(fd.num) = x", "string argument");
	CERR("tolower(proc.name, proc.pname) = x", "exactly one argument");
	CERR("concat(proc.name) = x", "at least two");
	CERR("join(fd.types) = x", "separator");
	CERR("tolower(evt.type) = openat", "does not support transformers");
	CERR("tolower(proc.aname) = x", "does not support transformers");
	CERR("len(proc.name) contains 3", "not supported");
	free(b);
}

static void test_val(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/cat", VG_O_RDONLY);
	struct event *ev = &b->ev;
	F(ev, "proc.name = val(proc.pname)");
	T(ev, "proc.name != val(proc.pname)");
	T(ev, "fd.filename = val(proc.name)");
	T(ev, "proc.name = val(fd.filename)");
	T(ev, "fd.name endswith val(proc.name)");
	T(ev, "fd.name contains val(proc.name)");
	F(ev, "fd.name startswith val(proc.name)");
	T(ev, "fd.name glob val(fd.name)");
	T(ev, "proc.pid > val(proc.ppid)");
	F(ev, "proc.pid < val(proc.ppid)");
	T(ev, "proc.pid = val(thread.tid)");
	F(ev, "proc.pid = val(proc.ppid)");
	T(ev, "user.uid = val(group.gid)");
	T(ev, "proc.tty = val(proc.tty)");
	T(ev, "tolower(proc.name) = tolower(fd.filename)");
	T(ev, "toupper(proc.name) = val(fd.filename) or toupper(proc.name) = CAT");
	T(ev, "proc.name in val(fd.filename)");
	/* any ancestor with a field on the right */
	T(ev, "proc.aname = val(proc.pname)");
	F(ev, "proc.aname = val(proc.name)");
	/* load-time restrictions */
	CERR("proc.pid = val(proc.name)", "cannot compare");
	CERR("proc.name = val(proc.aname)", "val()");
	CERR("proc.name = val(fd.net)", "val()");
	CERR("fd.name regex val(proc.name)", "right side");
	CERR("fd.name pmatch val(proc.name)", "right side");
	CERR("fd.snet = val(fd.sip)", NULL);
	CERR("evt.type = val(proc.name)", "evt.type");
	free(b);
}

/* ===== Tests: boolean structure ===== */

static void test_boolean(void **state)
{
	(void)state;
	struct evb *b = ev_openat(300, 3, "/tmp/x", VG_O_RDONLY);
	struct event *ev = &b->ev;
	T(ev, "proc.name = cat and fd.name = /tmp/x");
	F(ev, "proc.name = cat and fd.name = /tmp/y");
	T(ev, "proc.name = dog or fd.name = /tmp/x");
	F(ev, "proc.name = dog or fd.name = /tmp/y");
	T(ev, "not proc.name = dog");
	F(ev, "not not proc.name = dog");
	T(ev, "not(proc.name = dog)");
	/* precedence: not > and > or */
	T(ev, "proc.name = dog and proc.name = cow or proc.name = cat");
	F(ev, "proc.name = dog and (proc.name = cow or proc.name = cat)");
	T(ev, "not proc.name = dog and proc.name = cat");
	F(ev, "not (proc.name = dog or proc.name = cat)");
	free(b);
}

/* ===== Tests: event-type analysis ===== */

static void evts_of(const char *cond, struct evtset *out)
{
	filter_evttypes(compile_ok(cond), out);
}

static void test_evttypes(void **state)
{
	(void)state;
	struct evtset s, openat, execve, all, tmp;
	evtset_all(&all);
	assert_true(evttype_codes("openat", &openat));
	assert_true(evttype_codes("execve", &execve));
	assert_true(evtset_has(&openat, VG_EV_OPENAT_2_X));
	assert_true(evtset_has(&execve, VG_EV_EXECVE_19_X));
	assert_false(evttype_codes("nosuchevent", &tmp));

	evts_of("evt.type = openat", &s);
	assert_memory_equal(&s, &openat, sizeof(s));
	evts_of("evt.type in (openat)", &s);
	assert_memory_equal(&s, &openat, sizeof(s));
	evts_of("proc.name = cat", &s);
	assert_memory_equal(&s, &all, sizeof(s));
	assert_int_equal(evtset_count(&s), VG_EV_MAX);
	evts_of("evt.type = openat and proc.name = cat", &s);
	assert_memory_equal(&s, &openat, sizeof(s));

	/* and = intersection, or = union */
	evts_of("evt.type = openat and evt.type = execve", &s);
	assert_int_equal(evtset_count(&s), 0);
	evts_of("evt.type in (openat, execve) and evt.type = execve", &s);
	assert_memory_equal(&s, &execve, sizeof(s));
	evts_of("evt.type = openat or evt.type = execve", &s);
	tmp = openat;
	for (size_t i = 0; i < sizeof(tmp.bits) / sizeof(tmp.bits[0]); i++)
		tmp.bits[i] |= execve.bits[i];
	assert_memory_equal(&s, &tmp, sizeof(s));
	evts_of("evt.type in (openat, execve)", &s);
	assert_memory_equal(&s, &tmp, sizeof(s));
	evts_of("evt.type = openat or proc.name = cat", &s);
	assert_memory_equal(&s, &all, sizeof(s));

	/* negation is pushed down: complements of the leaves */
	evts_of("not evt.type = openat", &s);
	assert_false(evtset_has(&s, VG_EV_OPENAT_2_X));
	assert_true(evtset_has(&s, VG_EV_EXECVE_19_X));
	assert_int_equal(evtset_count(&s), VG_EV_MAX - evtset_count(&openat));
	evts_of("evt.type != openat", &s);
	assert_false(evtset_has(&s, VG_EV_OPENAT_2_X));
	assert_int_equal(evtset_count(&s), VG_EV_MAX - evtset_count(&openat));
	evts_of("not evt.type != openat", &s);
	assert_memory_equal(&s, &openat, sizeof(s));
	evts_of("not (evt.type = openat or evt.type = execve)", &s);
	assert_false(evtset_has(&s, VG_EV_OPENAT_2_X));
	assert_false(evtset_has(&s, VG_EV_EXECVE_19_X));
	assert_true(evtset_has(&s, VG_EV_CONNECT_X));
	evts_of("not (evt.type != openat and evt.type != execve)", &s);
	assert_memory_equal(&s, &tmp, sizeof(s));
	/* other checks are neutral and not inverted by not */
	evts_of("not (evt.type = openat and proc.name = cat)", &s);
	assert_memory_equal(&s, &all, sizeof(s));
	evts_of("not proc.name = cat", &s);
	assert_memory_equal(&s, &all, sizeof(s));
	evts_of("evt.type = openat and not proc.name = cat", &s);
	assert_memory_equal(&s, &openat, sizeof(s));
	evts_of("evt.type exists", &s);
	assert_memory_equal(&s, &all, sizeof(s));

	/* never_true (evt.num = 0) is statically empty */
	evts_of("evt.num = 0", &s);
	assert_int_equal(evtset_count(&s), 0);
	evts_of("(evt.num=0)", &s);
	assert_int_equal(evtset_count(&s), 0);
	evts_of("evt.type = openat and evt.num = 0", &s);
	assert_int_equal(evtset_count(&s), 0);
	evts_of("evt.type = openat or evt.num = 0", &s);
	assert_memory_equal(&s, &openat, sizeof(s));
	evts_of("evt.num = 1", &s);
	assert_memory_equal(&s, &all, sizeof(s));

	/* and evaluation agrees with the sets */
	struct evb *b = ev_openat(300, 3, "/tmp/x", VG_O_RDONLY);
	T(&b->ev, "evt.type = openat");
	T(&b->ev, "evt.type in (execve, openat)");
	F(&b->ev, "evt.type = execve");
	T(&b->ev, "evt.type != execve");
	F(&b->ev, "evt.type != openat");
	F(&b->ev, "evt.num = 0");
	T(&b->ev, "evt.type.is.openat = 1");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_builder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eq_ne, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_intersects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modifiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_type_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone_execve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone_child_in_pidns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_procexit_reparent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_client_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cidr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_width, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transformers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_val, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boolean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evttypes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_satisfiability, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
