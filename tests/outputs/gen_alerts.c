/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_alerts.c - writes a capture whose replay with tests/outputs/rules.yaml
 * raises a known, deterministic set of alerts, for the output tests: one
 * process (cat, pid 1234, root) opens files whose names select the rule:
 *
 *   /etc/vigil-test/crit-<n>   "Critical file opened" (Critical, tags filesystem, sensitive)
 *   /etc/vigil-test/warn-<n>   "Warning file opened"  (Warning, tags filesystem)
 *   /etc/vigil-test/note-<n>   "Notice file opened"   (Notice, tags audit)
 *   /etc/vigil-test/dup        "Repeated file opened" (Warning, tags dedup): the same key each time
 *   /usr/lib/noise-<n>         no rule: only makes the replay longer
 *
 * usage: gen_alerts OUT.scap [--crit N] [--warn N] [--note N] [--dup N] [--noise N]
 * The kinds are interleaved (crit, warn, note, dup, then noise events), one
 * event per millisecond from 2026-01-01T00:00:00Z.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap_writer.h"
#include "evbuild.h"
#include "state/state.h"

#define S(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })
#define TS0 1767225600000000000ull

static struct scap_writer *g_w;
static struct evbuild g_b;
static uint64_t g_ts = TS0;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "gen_alerts: %s: %s\n", what, err);
	exit(1);
}

static void build_state(struct state *st)
{
	struct scap_proc_entry e;
	state_init(st);
	snprintf(st->hostname, sizeof(st->hostname), "test-host");
	st->num_cpus = 2;
	memset(&e, 0, sizeof(e));
	e.tid = e.pid = 1234;
	e.ptid = 1;
	e.sid = e.vpgid = 1234;
	e.has_sid = e.has_vpgid = true;
	e.comm = S("cat");
	e.exe = S("cat");
	e.exepath = S("/usr/bin/cat");
	e.has_exepath = true;
	e.args = S("");
	e.cwd = S("/root");
	e.env = S("");
	e.has_env = true;
	e.vtid = e.vpid = 1234;
	e.has_vids = true;
	e.root = S("/");
	e.has_root = true;
	e.fdlimit = 1024;
	e.flags = VG_CL_IS_MAIN_THREAD;
	e.has_loginuid = true;
	if (state_add_proc(st, &e))
		die("state", "add_proc");
	struct scap_user_entry u = { .uid = 0, .gid = 0, .name = S("root"), .home = S("/root"), .shell = S("/bin/bash") };
	state_add_user(st, &u);
}

static void openat(const char *name)
{
	evb_init(&g_b, VG_EV_OPENAT_2_X, 1234, g_ts += 1000000);
	g_b.cpuid = 0;
	evb_s64(&g_b, "fd", 3);
	evb_s64(&g_b, "dirfd", -100);
	evb_str(&g_b, "name", name);
	evb_u32(&g_b, "flags", VG_O_RDONLY);
	evb_u32(&g_b, "mode", 0);
	evb_u32(&g_b, "dev", 0x803);
	if (scap_writer__write_event(g_w, evb_event(&g_b, 0)))
		die("write", scap_writer__error(g_w));
	evb_init(&g_b, VG_EV_CLOSE_X, 1234, g_ts += 1000);
	evb_s64(&g_b, "res", 0);
	evb_s64(&g_b, "fd", 3);
	if (scap_writer__write_event(g_w, evb_event(&g_b, 0)))
		die("write", scap_writer__error(g_w));
}

int main(int argc, char **argv)
{
	char err[512], name[128];
	long n[5] = { 0 };	/* crit warn note dup noise */
	static const char *const opt[5] = { "--crit", "--warn", "--note", "--dup", "--noise" };
	struct state st;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_alerts OUT.scap [--crit N] [--warn N] [--note N] [--dup N] [--noise N]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		int k;
		for (k = 0; k < 5 && strcmp(argv[i], opt[k]); k++)
			;
		if (k == 5)
			die("option", argv[i]);
		n[k] = atol(argv[i + 1]);
	}
	build_state(&st);
	g_w = scap_writer__open(argv[1], 0, err, sizeof(err));
	if (!g_w)
		die("open", err);
	if (scap_writer__write_state(g_w, &st, NULL))
		die("state", scap_writer__error(g_w));
	long most = 0;
	for (int k = 0; k < 4; k++)
		most = n[k] > most ? n[k] : most;
	long noise_per = most ? n[4] / most : n[4], noise_done = 0;
	for (long i = 0; i < most || noise_done < n[4]; i++) {
		if (i < n[0]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/crit-%04ld", i);
			openat(name);
		}
		if (i < n[1]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/warn-%04ld", i);
			openat(name);
		}
		if (i < n[2]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/note-%04ld", i);
			openat(name);
		}
		if (i < n[3])
			openat("/etc/vigil-test/dup");
		for (long j = 0; j < (i < most ? noise_per : n[4] - noise_done) && noise_done < n[4]; j++, noise_done++) {
			snprintf(name, sizeof(name), "/usr/lib/noise-%ld", noise_done);
			openat(name);
		}
	}
	if (scap_writer__close(g_w, err, sizeof(err)))
		die("close", err);
	evb_fini(&g_b);
	state_fini(&st);
	return 0;
}
