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
 * usage: gen_alerts OUT.scap [--crit N] [--warn N] [--note N] [--dup N] [--noise N] [--pods P]
 * The kinds are interleaved (crit, warn, note, dup, then noise events), one
 * event per millisecond from 2026-01-01T00:00:00Z.
 *
 * --pods P: P Docker containers of Kubernetes pods (a container JSON event
 * each, as a live capture holds: pod pod-<i> in namespace payments, frontend
 * or monitoring by i % 3, image registry.local/app<i % 2>:1.<i>), with a cat
 * process each; the k-th file of each kind is then opened by the host
 * process when k % (P + 1) == 0, else by the process of pod k % (P + 1) - 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap_writer.h"
#include "evbuild.h"
#include "state/state.h"

#define S(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })
#define TS0 1767225600000000000ull

#define MAX_PODS 16

static struct scap_writer *g_w;
static long g_pods;
static const char *const g_ns[3] = { "payments", "frontend", "monitoring" };

static void pod_id(long i, char *id, size_t len)
{
	snprintf(id, len, "%012lx%052lx", (0xc0ffee000000ul + (unsigned long)i) & 0xfffffffffffful, (unsigned long)i & 0xfffful);
}
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
	for (long i = 0; i < g_pods; i++) {
		static char cg[MAX_PODS][128];
		char id[65];
		pod_id(i, id, sizeof(id));
		int n = snprintf(cg[i], sizeof(cg[i]), "cpu=/docker/%s", id);
		e.tid = e.pid = 2000 + i;
		e.ptid = 1;
		e.sid = e.vpgid = 2000 + i;
		e.vtid = e.vpid = 1;
		e.cgroups = (struct scap_str){ cg[i], (uint32_t)n + 1 };
		if (state_add_proc(st, &e))
			die("state", "add_proc");
	}
	struct scap_user_entry u = { .uid = 0, .gid = 0, .name = S("root"), .home = S("/root"), .shell = S("/bin/bash") };
	state_add_user(st, &u);
}

/* The container JSON document of pod i (the container plugin's form). */
static void container_event(long i)
{
	char id[65], doc[2048];
	pod_id(i, id, sizeof(id));
	snprintf(doc, sizeof(doc),
		 "{\"container\":{\"Mounts\":[],\"User\":\"\",\"cni_json\":\"\",\"created_time\":1767225600,"
		 "\"full_id\":\"%s\",\"host_ipc\":false,\"host_network\":false,\"host_pid\":false,\"id\":\"%.12s\","
		 "\"image\":\"registry.local/app%ld:1.%ld\",\"imagedigest\":\"\",\"imageid\":\"\","
		 "\"imagerepo\":\"registry.local/app%ld\",\"imagetag\":\"1.%ld\",\"ip\":\"10.0.0.%ld\","
		 "\"is_pod_sandbox\":false,\"labels\":{\"io.kubernetes.pod.name\":\"pod-%ld\","
		 "\"io.kubernetes.pod.namespace\":\"%s\"},\"lookup_state\":1,\"name\":\"k8s_app_pod-%ld_%s\","
		 "\"pod_sandbox_id\":\"\",\"pod_sandbox_labels\":null,\"port_mappings\":[],\"privileged\":false,"
		 "\"type\":0}}",
		 id, id, i % 2, i, i % 2, i, i + 2, i, g_ns[i % 3], i, g_ns[i % 3]);
	evb_init(&g_b, VG_EV_CONTAINER_JSON_E, -1, g_ts += 1000);
	evb_bytes(&g_b, "json", doc, (uint32_t)strlen(doc) + 1);
	if (scap_writer__write_event(g_w, evb_event(&g_b, 0)))
		die("write", scap_writer__error(g_w));
}

/* The process that opens the k-th file of a kind. */
static int64_t opener(long k)
{
	long slot = g_pods ? k % (g_pods + 1) : 0;
	return slot ? 2000 + slot - 1 : 1234;
}

static void openat_by(int64_t tid, const char *name)
{
	evb_init(&g_b, VG_EV_OPENAT_2_X, tid, g_ts += 1000000);
	g_b.cpuid = 0;
	evb_s64(&g_b, "fd", 3);
	evb_s64(&g_b, "dirfd", -100);
	evb_str(&g_b, "name", name);
	evb_u32(&g_b, "flags", VG_O_RDONLY);
	evb_u32(&g_b, "mode", 0);
	evb_u32(&g_b, "dev", 0x803);
	if (scap_writer__write_event(g_w, evb_event(&g_b, 0)))
		die("write", scap_writer__error(g_w));
	evb_init(&g_b, VG_EV_CLOSE_X, tid, g_ts += 1000);
	evb_s64(&g_b, "res", 0);
	evb_s64(&g_b, "fd", 3);
	if (scap_writer__write_event(g_w, evb_event(&g_b, 0)))
		die("write", scap_writer__error(g_w));
}

static void openat(const char *name)
{
	openat_by(1234, name);
}

int main(int argc, char **argv)
{
	char err[512], name[128];
	long n[5] = { 0 };	/* crit warn note dup noise */
	static const char *const opt[5] = { "--crit", "--warn", "--note", "--dup", "--noise" };
	struct state st;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_alerts OUT.scap [--crit N] [--warn N] [--note N] [--dup N] [--noise N] [--pods P]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		int k;
		if (!strcmp(argv[i], "--pods")) {
			g_pods = atol(argv[i + 1]);
			if (g_pods < 0 || g_pods > MAX_PODS)
				die("--pods", "0 to 16");
			continue;
		}
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
	for (long i = 0; i < g_pods; i++)
		container_event(i);
	long most = 0;
	for (int k = 0; k < 4; k++)
		most = n[k] > most ? n[k] : most;
	long noise_per = most ? n[4] / most : n[4], noise_done = 0;
	for (long i = 0; i < most || noise_done < n[4]; i++) {
		if (i < n[0]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/crit-%04ld", i);
			openat_by(opener(i), name);
		}
		if (i < n[1]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/warn-%04ld", i);
			openat_by(opener(i), name);
		}
		if (i < n[2]) {
			snprintf(name, sizeof(name), "/etc/vigil-test/note-%04ld", i);
			openat_by(opener(i), name);
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
