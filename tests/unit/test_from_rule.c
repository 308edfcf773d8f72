/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_from_rule.c - unit tests for rules that act (rules/act.c,
 * policy/from_rule.c): the `action` key, which conditions compile into
 * which TracingPolicy hooks, selectors, filters and actions, which are
 * refused with what message at which file:line:col, the audit mode, the
 * kernel tables the result compiles into, and Falco files without an action
 * loading as before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/from_rule.h"
#include "policy/policy_kernel.h"
#include "rules/act.h"
#include "rules/ruleset.h"

static struct diag_list dl;
static struct policy_set ps;
static struct ruleset *rs;
static char path[64];

static int setup(void **state)
{
	(void)state;
	diag_list_init(&dl);
	policy_set_init(&ps);
	rs = NULL;
	path[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ruleset_free(rs);
	policy_set_free(&ps);
	diag_list_fini(&dl);
	if (path[0])
		unlink(path);
	return 0;
}

/* Load `yaml` as a rules file, then compile its acting rules. Returns the
 * result of policy_from_rules, or -1 when the rules did not load. */
static int compile_opts(const char *yaml, const struct policy_load_opts *o)
{
	if (path[0])
		unlink(path);
	strcpy(path, "/tmp/vigil_test_from_rule_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	const char *p = path;
	rs = ruleset_load(&p, 1, NULL, &dl);
	if (!rs)
		return -1;
	return policy_from_rules(&ps, rs, o, &dl);
}

static int compile(const char *yaml)
{
	return compile_opts(yaml, NULL);
}

static const struct diag *find_diag(const char *s)
{
	for (size_t i = 0; i < dl.n; i++)
		if (strstr(dl.v[i].msg, s))
			return &dl.v[i];
	return NULL;
}

static void dump(void)
{
	for (size_t i = 0; i < dl.n; i++)
		print_message("  %d:%d: %s\n", dl.v[i].line, dl.v[i].col, dl.v[i].msg);
}

/* The refusal containing `frag`, at line:col. */
static void expect_refusal(const char *yaml, int line, int col, const char *frag)
{
	assert_int_not_equal(compile(yaml), 0);
	const struct diag *d = find_diag(frag);
	if (!d)
		dump();
	assert_non_null(d);
	assert_int_equal(d->sev, DIAG_ERROR);
	assert_string_equal(d->file, path);
	assert_int_equal(d->line, line);
	assert_int_equal(d->col, col);
	assert_non_null(d->src);
}

static const struct pol_hook *hook(const struct policy *p, const char *call)
{
	for (size_t i = 0; i < p->hooks.n; i++)
		if (!strcmp(p->hooks.v[i].call, call))
			return &p->hooks.v[i];
	return NULL;
}

#define RULE(cond, action)                                                                           \
	"- rule: R\n  desc: d\n  condition: " cond "\n  output: o %proc.name\n  priority: WARNING\n" \
	"  action: " action "\n"

static void test_connect_by_shell(void **state)
{
	(void)state;
	assert_int_equal(compile("- list: shells\n  items: [/usr/bin/bash, /usr/bin/dash]\n"
				 "- macro: shell_exe\n  condition: proc.exepath in (shells)\n" RULE(
					 "evt.type = connect and shell_exe and container.id = host", "kill")),
			 0);
	assert_int_equal(ps.n, 1);
	const struct policy *p = ps.v[0];
	assert_string_equal(p->name, "R");
	assert_non_null(p->rule);
	assert_int_equal(p->mode, PM_ENFORCE);
	assert_int_equal(p->hooks.n, 1);
	const struct pol_hook *h = hook(p, "sys_connect");
	assert_non_null(h);
	assert_int_equal(h->nnrs, 1);
	assert_int_equal(h->nrs[0], 42);
	assert_int_equal(h->sels.n, 1);
	const struct pol_selector *s = &h->sels.v[0];
	assert_int_equal(s->bins.n, 1);
	assert_int_equal(s->bins.v[0].op, PO_IN);
	assert_int_equal(s->bins.v[0].vals.n, 2);
	assert_string_equal(s->bins.v[0].vals.v[1].s, "/usr/bin/dash");
	assert_int_equal(s->ns.n, 1);
	assert_string_equal(s->ns.v[0].ns_name, "Pid");
	assert_int_equal(s->ns.v[0].op, PO_IN);
	assert_string_equal(s->ns.v[0].vals.v[0].s, "host_ns");
	assert_int_equal(s->actions.n, 1);
	assert_int_equal(s->actions.v[0].type, PA_SIGKILL);
	/* and it compiles into the kernel tables */
	struct pol_kernel k;
	char err[256];
	/* host_ns is the pid namespace of pid 1: a stand-in /proc */
	char proc[] = "/tmp/vigil_test_proc_XXXXXX", f[128];
	assert_non_null(mkdtemp(proc));
	snprintf(f, sizeof(f), "%s/1", proc);
	mkdir(f, 0700);
	snprintf(f, sizeof(f), "%s/1/ns", proc);
	mkdir(f, 0700);
	snprintf(f, sizeof(f), "%s/1/ns/pid", proc);
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fclose(fp);
	struct stat st;
	assert_int_equal(stat(f, &st), 0);
	struct pol_kernel_opts ko = { .proc = proc };
	int rc = pol_kernel_build(&k, &ps, &ko, err, sizeof(err));
	if (rc)
		print_message("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(k.nhooks, 1);
	assert_int_equal(k.sc[42].count, 1);
	assert_int_equal(k.sels[0].act[0].type, VG_POL_A_SIGKILL);
	assert_int_equal(k.sels[0].nns, 1);
	assert_int_equal(k.sels[0].ns[0].op, VG_POL_OP_IN);
	assert_int_equal(k.sels[0].ns[0].v[0], (uint32_t)st.st_ino);
	unlink(f);
	snprintf(f, sizeof(f), "%s/1/ns", proc);
	rmdir(f);
	snprintf(f, sizeof(f), "%s/1", proc);
	rmdir(f);
	rmdir(proc);
	assert_int_equal(k.sels[0].bin_op, VG_POL_OP_IN);
	assert_int_equal(pol_kernel_bin_mask(&k, "/usr/bin/dash"), k.sels[0].bin_mask);
	assert_int_equal(pol_kernel_bin_mask(&k, "/usr/bin/zsh"), 0);
	pol_kernel_free(&k);
	/* rules check's description */
	struct strbuf sb;
	strbuf_init(&sb);
	policy_describe(p, &sb);
	assert_non_null(strstr(sb.buf, "sys_connect"));
	assert_non_null(strstr(sb.buf, "matchBinaries In /usr/bin/bash,/usr/bin/dash and matchNamespaces Pid In host_ns -> Sigkill"));
	strbuf_fini(&sb);
}

static void test_or_and_not(void **state)
{
	(void)state;
	/* OR -> selectors; not (a or b) -> not a and not b; != -> NotEqual */
	assert_int_equal(compile(RULE("evt.type in (open, openat) and (fd.name startswith /etc/ or fd.name endswith .key) "
				      "and not (proc.name in (sshd) or container.id != host)",
				      "signal:SIGTERM")),
			 0);
	const struct policy *p = ps.v[0];
	assert_int_equal(p->hooks.n, 2);
	const struct pol_hook *h = hook(p, "sys_openat");
	assert_non_null(h);
	assert_int_equal(h->args.n, 1);
	assert_int_equal(h->args.v[0].index, 1);
	assert_int_equal(h->args.v[0].type, PT_STRING);
	assert_int_equal(h->sels.n, 2);
	const struct pol_selector *s = &h->sels.v[1];
	assert_int_equal(s->args.n, 1);
	assert_int_equal(s->args.v[0].op, PO_POSTFIX);
	assert_string_equal(s->args.v[0].vals.v[0].s, ".key");
	assert_int_equal(s->bins.n, 1);
	assert_true(s->bins.v[0].comm);
	assert_int_equal(s->bins.v[0].op, PO_NOTIN);
	assert_string_equal(s->bins.v[0].vals.v[0].s, "sshd");
	assert_int_equal(s->ns.v[0].op, PO_IN);	/* not (container.id != host) */
	assert_int_equal(s->actions.v[0].type, PA_SIGNAL);
	assert_int_equal(s->actions.v[0].arg_sig, 15);
	h = hook(p, "sys_open");
	assert_non_null(h);
	assert_int_equal(h->args.v[0].index, 0);
	assert_int_equal(h->sels.v[0].args.v[0].op, PO_PREFIX);
}

static void test_proc_name_is_comm(void **state)
{
	(void)state;
	assert_int_equal(compile(RULE("evt.type = connect and proc.name in (nc, ncat)", "kill")), 0);
	const struct pol_selector *s = &hook(ps.v[0], "sys_connect")->sels.v[0];
	assert_true(s->bins.v[0].comm);
	assert_int_equal(s->bins.v[0].op, PO_IN);
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_int_equal(pol_kernel_comm_mask(&k, "ncat"), k.sels[0].bin_mask);
	assert_int_equal(pol_kernel_comm_mask(&k, "nc.openbsd"), 0);
	/* a name is not a path */
	assert_int_equal(pol_kernel_bin_mask(&k, "/usr/bin/nc"), 0);
	pol_kernel_free(&k);
}

static void test_refuse_long_name(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and proc.name = a-very-long-process-name", "kill"), 3, 37,
		       "the kernel's name of a process (comm) has 1 to 15");
}

static void test_refuse_name_endswith(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and proc.name endswith sh", "kill"), 3, 37,
		       "proc.name =, != and in can be evaluated, endswith cannot");
}

static void test_exec_names_the_new_program(void **state)
{
	(void)state;
	assert_int_equal(compile(RULE("evt.type = execve and evt.dir = < and proc.name = sh", "kill")), 0);
	const struct pol_hook *h = hook(ps.v[0], "sys_execve");
	assert_non_null(h);
	assert_int_equal(h->sels.v[0].bins.n, 0);
	assert_int_equal(h->sels.v[0].args.n, 1);
	assert_int_equal(h->sels.v[0].args.v[0].op, PO_POSTFIX);
	assert_string_equal(h->sels.v[0].args.v[0].vals.v[0].s, "/sh");
}

static void test_audit_is_monitor(void **state)
{
	(void)state;
	struct policy_load_opts o = { .force_monitor = true };
	assert_int_equal(compile_opts(RULE("evt.type = unlinkat and evt.arg.name = /tmp/x", "kill"), &o), 0);
	assert_int_equal(ps.v[0]->mode, PM_MONITOR);
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_true(k.hooks[0].flags & VG_POL_HF_MONITOR);
	pol_kernel_free(&k);
	char buf[32];
	assert_string_equal(rule_action_done(ps.v[0]->rule->kform, true, buf, sizeof(buf)), "would kill");
	assert_string_equal(rule_action_done(ps.v[0]->rule->kform, false, buf, sizeof(buf)), "killed");
}

static void test_connect_destination(void **state)
{
	(void)state;
	/* a client's server end is where it connects: connect's sockaddr */
	assert_int_equal(compile(RULE("evt.type = connect and not fd.snet in (10.0.0.0/8, 127.0.0.0/8) and fd.sport in (4444, 1337)",
				      "kill")),
			 0);
	const struct pol_hook *h = hook(ps.v[0], "sys_connect");
	assert_non_null(h);
	assert_int_equal(h->args.n, 1);
	assert_int_equal(h->args.v[0].index, 1);
	assert_int_equal(h->args.v[0].type, PT_SOCKADDR);
	const struct pol_selector *s = &h->sels.v[0];
	assert_int_equal(s->args.n, 2);
	assert_int_equal(s->args.v[0].op, PO_NOTDADDR);
	assert_int_equal(s->args.v[0].vals.n, 2);
	assert_string_equal(s->args.v[0].vals.v[1].s, "127.0.0.0/8");
	assert_int_equal(s->args.v[1].op, PO_DPORT);
	assert_string_equal(s->args.v[1].vals.v[0].s, "4444");
	struct pol_kernel k;
	char err[256];
	assert_int_equal(pol_kernel_build(&k, &ps, NULL, err, sizeof(err)), 0);
	assert_int_equal(k.sels[0].argf[0].op, VG_POL_OP_NOTSADDR);
	assert_int_equal(k.sels[0].argf[1].op, VG_POL_OP_SPORT);
	pol_kernel_free(&k);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and fd.cip = 10.0.0.1", "kill"), 3, 37,
		       "field fd.cip: at connect entry only the destination is known");
}

static void test_refuse_addr_elsewhere(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type in (connect, sendto) and fd.sport = 53", "kill"), 3, 48,
		       "read from the sockaddr of connect only, not of sys_sendto");
}

static void test_refuse_unknown_field(void **state)
{
	(void)state;
	expect_refusal("- macro: m\n  condition: proc.cmdline contains nc\n" RULE("evt.type = execve and m", "kill"), 2,
		       14, "field proc.cmdline is not known in the kernel");
}

static void test_refuse_operator(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = openat and fd.name contains shadow", "kill"), 3, 44,
		       "operator contains cannot be evaluated in the kernel");
}

static void test_refuse_no_evttype(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = openat or proc.name = sh", "kill"), 3, 35,
		       "does not say which syscalls it applies to");
}

static void test_refuse_second_binary(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and proc.exepath = /bin/a and proc.name = b", "kill"), 3, 63,
		       "a second test of the process's executable in one alternative");
}

static void test_refuse_path_arg(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and fd.name = /x", "kill"), 3, 37,
		       "fd.name of sys_connect is not a path argument");
}

static void test_refuse_container(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type = connect and container.id = abc123", "kill"), 3, 52,
		       "tells the host from containers");
}

static void test_refuse_deny_unrouted(void **state)
{
	(void)state;
	/* deny is Override: refused where this kernel has no deny point */
	expect_refusal(RULE("evt.type = unlink and proc.name = rm", "deny"), 6, 11, "Override on sys_unlink not supported");
}

static void test_refuse_not_evttype(void **state)
{
	(void)state;
	expect_refusal(RULE("evt.type != connect and proc.name = x", "kill"), 3, 14, "not their complement");
}

static void test_bad_action(void **state)
{
	(void)state;
	assert_int_equal(compile(RULE("evt.type = connect", "signal:FOO")), -1);
	const struct diag *d = find_diag("'FOO' is not a signal name");
	assert_non_null(d);
	assert_int_equal(d->line, 6);
	assert_int_equal(compile(RULE("evt.type = connect", "stop")), -1);
	assert_non_null(find_diag("'stop' is not kill, deny or signal:NAME"));
}

static void test_no_action_loads_as_before(void **state)
{
	(void)state;
	/* Falco files: no action, conditions the kernel could never run */
	assert_int_equal(compile("- rule: F\n  desc: d\n  condition: evt.type = connect and proc.cmdline contains nc and fd.sip = 1.2.3.4\n"
				 "  output: o\n  priority: WARNING\n"),
			 0);
	assert_int_equal(ps.n, 0);
	assert_int_equal(dl.nerrors, 0);
	assert_int_equal(dl.nwarnings, 0);
	assert_null(rs->rules[0]->kform);
}

static void test_action_by_override(void **state)
{
	(void)state;
	assert_int_equal(compile(RULE("evt.type = connect and proc.name = nc", "kill")
				 "- rule: R\n  action: signal:HUP\n  override:\n    action: replace\n"),
			 0);
	assert_int_equal(ps.v[0]->hooks.v[0].sels.v[0].actions.v[0].type, PA_SIGNAL);
	assert_int_equal(ps.v[0]->hooks.v[0].sels.v[0].actions.v[0].arg_sig, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_by_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_or_and_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_names_the_new_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_name_is_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_long_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_name_endswith, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_is_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_destination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_addr_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unknown_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_operator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_no_evttype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_second_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_path_arg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_deny_unrouted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_not_evttype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_action_loads_as_before, setup, teardown),
		cmocka_unit_test_setup_teardown(test_action_by_override, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
