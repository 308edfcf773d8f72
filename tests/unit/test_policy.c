/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c - unit tests for the TracingPolicy loader (src/policy/):
 * the CRD defaults (syscall: true), the model a policy loads into, lists
 * and raw_syscalls tracepoints resolved to syscalls, Tetragon's limits,
 * this kernel's refusals with their exact messages, Override downgraded
 * only when asked, diagnostics at file:line:col with the source line, and
 * the kernel tables a loaded policy compiles into (policy_kernel.h), and
 * TracingPolicyNamespaced hooks flagged with their namespace's hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/diag.h"
#include "policy/policy.h"
#include "policy/policy_kernel.h"

static struct diag_list dl;
static struct policy_set ps;

static int setup(void **state)
{
	(void)state;
	diag_list_init(&dl);
	policy_set_init(&ps);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	policy_set_free(&ps);
	diag_list_fini(&dl);
	return 0;
}

static int load_opts(const char *yaml, const struct policy_load_opts *o)
{
	return policy_load_text(&ps, "p.yaml", yaml, strlen(yaml), o, &dl);
}

static int load(const char *yaml)
{
	return load_opts(yaml, NULL);
}

/* The first diagnostic whose message contains `s`, or NULL. */
static const struct diag *find_diag(const char *s)
{
	for (size_t i = 0; i < dl.n; i++)
		if (strstr(dl.v[i].msg, s))
			return &dl.v[i];
	return NULL;
}

static void dump(void)
{
	diag_print(&dl, stderr);
}

#define HDR                                  \
	"apiVersion: cilium.io/v1alpha1\n"   \
	"kind: TracingPolicy\n"              \
	"metadata:\n"                        \
	"  name: \"t\"\n"                    \
	"spec:\n"

static const char *seed =
	HDR
	"  kprobes:\n"
	"  - call: \"sys_execve\"\n"
	"    args:\n"
	"    - index: 0\n"
	"      type: \"string\"\n"
	"    selectors:\n"
	"    - matchArgs:\n"
	"      - index: 0\n"
	"        operator: \"Equal\"\n"
	"        values:\n"
	"        - \"/usr/bin/curl\"\n"
	"      matchActions:\n"
	"      - action: Sigkill\n";

static void test_seed_model(void **state)
{
	(void)state;
	if (load(seed))
		dump();
	assert_int_equal(dl.nerrors, 0);
	assert_int_equal(ps.n, 1);
	const struct policy *p = ps.v[0];
	assert_string_equal(p->name, "t");
	assert_int_equal(p->hooks.n, 1);
	const struct pol_hook *h = &p->hooks.v[0];
	/* the CRD default: syscall is true when not written */
	assert_true(h->syscall);
	assert_int_equal(h->nnrs, 1);
	assert_int_equal(h->nrs[0], 59);	/* execve */
	assert_int_equal(h->args.n, 1);
	assert_int_equal(h->args.v[0].type, PT_STRING);
	assert_int_equal(h->sels.n, 1);
	const struct pol_selector *s = &h->sels.v[0];
	assert_int_equal(s->args.n, 1);
	assert_int_equal(s->args.v[0].op, PO_EQUAL);
	assert_int_equal(s->args.v[0].argpos, 0);
	assert_string_equal(s->args.v[0].vals.v[0].s, "/usr/bin/curl");
	assert_int_equal(s->actions.n, 1);
	assert_int_equal(s->actions.v[0].type, PA_SIGKILL);
	char buf[64];
	assert_string_equal(pol_function_name(h->nrs[0], buf, sizeof(buf)), "__x64_sys_execve");
	assert_string_equal(pol_action_enum(PA_SIGKILL), "KPROBE_ACTION_SIGKILL");
}

static void test_lists_and_tracepoints(void **state)
{
	(void)state;
	const char *y = HDR
		"  lists:\n"
		"  - name: \"dups\"\n"
		"    type: \"syscalls\"\n"
		"    values: [\"sys_dup\", \"sys_dup2\"]\n"
		"  kprobes:\n"
		"  - call: \"list:dups\"\n"
		"  tracepoints:\n"
		"  - subsystem: raw_syscalls\n"
		"    event: sys_enter\n"
		"    args:\n"
		"    - index: 4\n"
		"      type: uint64\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - index: 0\n"
		"        operator: InMap\n"
		"        values: [\"list:dups\", \"0:2\"]\n";
	if (load(y))
		dump();
	assert_int_equal(dl.nerrors, 0);
	const struct policy *p = ps.v[0];
	assert_int_equal(p->hooks.n, 2);
	assert_int_equal(p->hooks.v[0].nnrs, 2);
	assert_int_equal(p->hooks.v[0].nrs[0], 32);
	assert_int_equal(p->hooks.v[0].nrs[1], 33);
	/* the tracepoint only needs the syscalls its selector can match */
	const struct pol_hook *t = &p->hooks.v[1];
	assert_false(t->all_syscalls);
	assert_int_equal(t->nnrs, 5);	/* read, write, open, dup, dup2 */
}

static void test_limits(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: sys_openat\n"
		"    args:\n"
		"    - {index: 2, type: int}\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - {index: 2, operator: Equal, values: [\"1\", \"2\", \"3\", \"4\", \"5\"]}\n"
		"      matchActions:\n"
		"      - action: Post\n"
		"      - action: Post\n"
		"      - action: Post\n"
		"      - action: Post\n"
		"    - matchPIDs:\n"
		"      - {operator: In, values: [1, 2, 3, 4, 5]}\n"
		"    - {}\n"
		"    - {}\n"
		"    - {}\n"
		"    - {}\n";
	assert_int_not_equal(load(y), 0);
	assert_int_equal(ps.n, 0);	/* nothing loaded on error */
	assert_non_null(find_diag("Equal takes at most 4 integer values"));
	assert_non_null(find_diag("at most 3 actions per selector"));
	assert_non_null(find_diag("matchPIDs takes at most 4 values"));
	const struct diag *d = find_diag("too many selectors: 6, at most 5");
	assert_non_null(d);
	assert_int_equal(d->line, 23);
	assert_int_equal(d->col, 7);
}

static void test_refusals(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: \"sys_unlinkat\"\n"
		"    selectors:\n"
		"    - matchActions:\n"
		"      - action: Override\n"
		"        argError: -1\n"
		"  - call: \"security_inode_mkdir\"\n"
		"    syscall: false\n"
		"  - call: \"sys_openat\"\n"
		"    selectors:\n"
		"    - matchActions:\n"
		"      - action: FollowFD\n"
		"  fentries:\n"
		"  - call: \"do_sys_open\"\n"
		"  lsmhooks:\n"
		"  - hook: \"inode_unlink\"\n"
		"  lists:\n"
		"  - name: f\n"
		"    type: generated_ftrace\n"
		"    pattern: \"^vfs_*\"\n";
	assert_int_not_equal(load(y), 0);
	const struct diag *d = find_diag(
		"Override on sys_unlinkat not supported on this kernel (no kprobe override / fmod_ret / BPF-LSM); use Sigkill or monitor mode");
	assert_non_null(d);
	assert_int_equal(d->line, 10);
	assert_int_equal(d->col, 9);
	assert_string_equal(d->src, "      - action: Override");
	assert_non_null(find_diag("kprobe on kernel function security_inode_mkdir unsupported: kernel has CONFIG_KPROBES=n"));
	assert_non_null(find_diag("FollowFD: deprecated and removed in Tetragon; use type fd"));
	assert_non_null(find_diag("fentries unsupported"));
	assert_non_null(find_diag("lsmhook inode_unlink unsupported: this kernel refuses BPF-LSM programs (EPERM)"));
	assert_non_null(find_diag("lists of type generated_ftrace unsupported"));
}

static void test_override_downgrade(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: \"sys_unlinkat\"\n"
		"    selectors:\n"
		"    - matchActions:\n"
		"      - action: Override\n"
		"        argError: -1\n";
	struct policy_load_opts o = { .allow_override_downgrade = true };
	assert_int_equal(load_opts(y, &o), 0);
	assert_int_equal(dl.nerrors, 0);
	assert_non_null(find_diag("downgraded to Sigkill"));
	assert_int_equal(ps.v[0]->hooks.v[0].sels.v[0].actions.v[0].type, PA_SIGKILL);
}

/* Override routed to a deny point loads; its values, errnos and the
 * routes the kernel tables ask for. */
static void test_override_routes(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: \"sys_connect\"\n"
		"    args:\n"
		"    - index: 1\n"
		"      type: \"sockaddr\"\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - index: 1\n"
		"        operator: \"NotDAddr\"\n"
		"        values: [\"127.0.0.0/8\", \"fd00::/8\"]\n"
		"      - index: 1\n"
		"        operator: \"DPort\"\n"
		"        values: [\"80\", \"8000:8002\"]\n"
		"      matchActions:\n"
		"      - action: Override\n"
		"        argError: -13\n"
		"  - call: \"sys_openat\"\n"
		"    args:\n"
		"    - index: 1\n"
		"      type: \"string\"\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - index: 1\n"
		"        operator: \"Prefix\"\n"
		"        values: [\"/etc/\"]\n"
		"      matchActions:\n"
		"      - action: Override\n"
		"        argError: -13\n";
	assert_int_equal(load(y), 0);
	const struct diag *d = find_diag("its deny point (fanotify FAN_OPEN_PERM) answers FAN_DENY, so the call fails with EPERM (-1), not -13");
	assert_non_null(d);
	assert_int_equal(d->sev, DIAG_WARNING);
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_int_equal(k.routes, POL_ROUTE_CONNECT | POL_ROUTE_OPEN);
	assert_int_equal(k.ncidrs, 2);
	assert_int_equal(k.cidrs[0].bits, 8);
	assert_int_equal(k.cidrs[1].family, 10);
	assert_int_equal(k.nints, 4);	/* 80, 8000, 8001, 8002 */
	assert_int_equal(k.sels[0].argf[0].op, VG_POL_OP_NOTSADDR);
	assert_int_equal(k.sels[0].act[0].err, -13);
	pol_kernel_free(&k);

	/* kprobe tcp_connect: translated to connect(2), TCP only */
	diag_list_fini(&dl);
	diag_list_init(&dl);
	policy_set_free(&ps);
	policy_set_init(&ps);
	const char *tcp = HDR
		"  kprobes:\n"
		"  - call: \"tcp_connect\"\n"
		"    syscall: false\n"
		"    args:\n"
		"    - index: 0\n"
		"      type: \"sock\"\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - index: 0\n"
		"        operator: \"Protocol\"\n"
		"        values: [\"IPPROTO_TCP\"]\n"
		"      - index: 0\n"
		"        operator: \"NotDAddr\"\n"
		"        values: [\"10.0.0.0/8\"]\n"
		"      matchActions:\n"
		"      - action: Sigkill\n";
	assert_int_equal(load(tcp), 0);
	assert_non_null(find_diag("kprobe tcp_connect is translated to connect(2) on TCP sockets"));
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_true(k.hooks[0].flags & VG_POL_HF_TCP);
	assert_int_equal(k.hooks[0].args[0].type, VG_POL_T_SOCKADDR);
	assert_int_equal(k.hooks[0].args[0].src, 1);
	assert_int_equal(k.sels[0].nargf, 1);	/* Protocol TCP holds by construction */
	assert_int_equal(k.sc[42].count, 1);
	pol_kernel_free(&k);
	diag_list_fini(&dl);
	diag_list_init(&dl);
	policy_set_free(&ps);
	policy_set_init(&ps);
	char *tcp2 = strdup(tcp);
	memcpy(strstr(tcp2, "NotDAddr"), "NotSAddr", 8);
	assert_int_not_equal(load(tcp2), 0);
	assert_non_null(find_diag("operator NotSAddr on tcp_connect: the local address and port are not known at connect(2) entry"));
	free(tcp2);

	/* bad values, and network operators on a string */
	diag_list_fini(&dl);
	diag_list_init(&dl);
	policy_set_free(&ps);
	policy_set_init(&ps);
	const char *bad = HDR
		"  kprobes:\n"
		"  - call: \"sys_connect\"\n"
		"    args:\n"
		"    - index: 1\n"
		"      type: \"sockaddr\"\n"
		"    - index: 2\n"
		"      type: \"string\"\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - index: 1\n"
		"        operator: \"DAddr\"\n"
		"        values: [\"10.0.0.0/33\"]\n"
		"      - index: 2\n"
		"        operator: \"DAddr\"\n"
		"        values: [\"10.0.0.1\"]\n"
		"      matchActions:\n"
		"      - action: Override\n"
		"        argError: 5\n";
	assert_int_not_equal(load(bad), 0);
	assert_non_null(find_diag("'10.0.0.0/33' is not an IPv4/IPv6 address or CIDR"));
	assert_non_null(find_diag("operator DAddr on a syscall argument of type string is not implemented in vigil yet"));
	assert_non_null(find_diag("Override argError 5 on sys_connect is not an errno (-1 .. -4095)"));
}

static void test_diagnostics(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: sys_openat\n"
		"    args:\n"
		"    - index: 1\n"
		"      type: strng\n"
		"    selectrs: []\n";
	assert_int_not_equal(load(y), 0);
	const struct diag *d = find_diag("unknown argument type 'strng'; did you mean 'string'?");
	assert_non_null(d);
	assert_int_equal(d->line, 10);
	assert_int_equal(d->col, 13);
	d = find_diag("unknown key 'selectrs'");
	assert_non_null(d);
	assert_int_equal(d->sev, DIAG_WARNING);
	assert_non_null(strstr(d->msg, "did you mean 'selectors'?"));

	diag_list_fini(&dl);
	diag_list_init(&dl);
	assert_int_not_equal(load("kind: [\n"), 0);
	assert_non_null(find_diag("YAML:"));
}

static void test_multi_documents(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: sys_setuid\n"
		"---\n"
		"apiVersion: cilium.io/v1alpha1\n"
		"kind: TracingPolicy\n"
		"metadata:\n"
		"  name: \"u\"\n"
		"spec:\n"
		"  options:\n"
		"  - name: policy-mode\n"
		"    value: monitor\n"
		"  kprobes:\n"
		"  - call: sys_setgid\n";
	assert_int_equal(load(y), 0);
	assert_int_equal(ps.n, 2);
	assert_int_equal(ps.v[0]->mode, PM_ENFORCE);
	assert_int_equal(ps.v[1]->mode, PM_MONITOR);
}

static void test_namespaced(void **state)
{
	(void)state;
	const char *y =
		"apiVersion: cilium.io/v1alpha1\n"
		"kind: TracingPolicyNamespaced\n"
		"metadata:\n"
		"  name: \"block-in-prod\"\n"
		"  namespace: production\n"
		"spec:\n"
		"  kprobes:\n"
		"  - call: sys_execve\n"
		"    args:\n"
		"    - {index: 0, type: string}\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - {index: 0, operator: Equal, values: [\"/usr/bin/curl\"]}\n"
		"      matchActions:\n"
		"      - action: Sigkill\n"
		"---\n"
		HDR
		"  kprobes:\n"
		"  - call: sys_setuid\n";
	if (load(y))
		dump();
	assert_int_equal(ps.n, 2);
	assert_true(ps.v[0]->namespaced);
	assert_string_equal(ps.v[0]->ns, "production");
	assert_false(ps.v[1]->namespaced);
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_int_equal(k.nhooks, 2);
	/* the namespaced hook carries its namespace; the cluster-wide one not */
	assert_true(k.hooks[0].flags & VG_POL_HF_NAMESPACED);
	assert_true(k.hooks[0].ns == vg_pol_ns_hash("production"));
	assert_true(k.hooks[0].ns != vg_pol_ns_hash("staging"));
	assert_true(k.hooks[0].ns != 0);
	assert_false(k.hooks[1].flags & VG_POL_HF_NAMESPACED);
	assert_true(k.hooks[1].ns == 0);
	pol_kernel_free(&k);

	/* a namespaced policy names its namespace */
	policy_set_free(&ps);
	policy_set_init(&ps);
	const char *no_ns =
		"apiVersion: cilium.io/v1alpha1\n"
		"kind: TracingPolicyNamespaced\n"
		"metadata:\n"
		"  name: \"n\"\n"
		"spec:\n"
		"  kprobes:\n"
		"  - call: sys_setuid\n";
	assert_int_not_equal(load(no_ns), 0);
	const struct diag *d = find_diag("TracingPolicyNamespaced has no metadata.namespace");
	assert_non_null(d);
	assert_int_equal(d->line, 1);
}

static void test_kernel_tables(void **state)
{
	(void)state;
	const char *y = HDR
		"  kprobes:\n"
		"  - call: \"sys_openat\"\n"
		"    args:\n"
		"    - {index: 1, type: string}\n"
		"    - {index: 2, type: int}\n"
		"    selectors:\n"
		"    - matchArgs:\n"
		"      - {index: 1, operator: Prefix, values: [\"/etc/\"]}\n"
		"      - {index: 2, operator: Mask, values: [\"0x1\", \"2\"]}\n"
		"      matchBinaries:\n"
		"      - {operator: In, values: [\"/usr/bin/cat\"]}\n"
		"      matchActions:\n"
		"      - {action: Signal, argSig: 10}\n"
		"    - matchArgs:\n"
		"      - {index: 1, operator: Equal, values: [\"/etc/passwd\", \"/etc/shadow\"]}\n"
		"  - call: \"sys_openat\"\n";
	assert_int_equal(load(y), 0);
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_int_equal(k.nhooks, 2);
	/* both hooks on openat (257), in order */
	assert_int_equal(k.sc[257].count, 2);
	assert_int_equal(k.sclist[k.sc[257].first], 0);
	assert_int_equal(k.sclist[k.sc[257].first + 1], 1);
	const struct vg_pol_hook *h = &k.hooks[0];
	assert_int_equal(h->nargs, 2);
	assert_int_equal(h->args[0].src, 1);
	assert_int_equal(h->args[0].type, VG_POL_T_STR);
	assert_int_equal(h->args[1].type, VG_POL_T_S32);
	assert_int_equal(h->nsel, 2);
	const struct vg_pol_sel *s = &k.sels[h->sel_first];
	assert_int_equal(s->nargf, 2);
	assert_int_equal(s->argf[0].op, VG_POL_OP_PREFIX);
	assert_int_equal(s->argf[1].op, VG_POL_OP_MASK);
	assert_int_equal(s->argf[1].v[0], 1);
	assert_int_equal(s->argf[1].v[1], 2);
	assert_int_equal(s->bin_op, VG_POL_OP_IN);
	assert_int_equal(s->bin_mask, 1);
	assert_int_equal(s->nact, 1);
	assert_int_equal(s->act[0].type, VG_POL_A_SIGNAL);
	assert_int_equal(s->act[0].sig, 10);
	/* the strings of the second selector: one set, two entries */
	const struct vg_pol_sel *s2 = &k.sels[h->sel_first + 1];
	assert_int_equal(s2->argf[0].op, VG_POL_OP_EQ);
	size_t n = 0;
	for (size_t i = 0; i < k.nstrs; i++)
		if (k.strs[i].set == s2->argf[0].set)
			n++;
	assert_int_equal(n, 2);
	/* the binary, its set bit */
	assert_int_equal(k.nbins, 1);
	assert_string_equal(k.bins[0].path, "/usr/bin/cat");
	assert_int_equal(k.bins[0].mask, 1);
	assert_int_equal(k.hooks[1].nsel, 0);
	pol_kernel_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_and_tracepoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_downgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diagnostics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespaced, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
