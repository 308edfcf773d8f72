/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rules_test.c - `vigil rules test`: runs the test cases users write
 * next to their rules and reports, per case, which rules fired and which
 * were expected.
 *
 * A test file is YAML whose top level is a mapping with a `tests` list (a
 * rules file is a list, so the two never mix up):
 *
 *   rules: [../my_rules.yaml]        # loaded for every case (relative paths)
 *   env: {IMAGE: localhost/app:1}    # exported to setup, command, cleanup
 *   setup: make-image.sh             # run once, before the first case
 *   tests:
 *     - name: shred wipes a file
 *       setup: head -c 4096 /dev/urandom > "$VIGIL_TEST_TMP/f"
 *       command: shred -u "$VIGIL_TEST_TMP/f"       # or capture: $CAPS/x.scap
 *       status: 0                                    # the command's (or any)
 *       expect:                                      # or expect: none
 *         - rule: Data destruction tool run
 *           count: 1                                 # default: at least one
 *           fields: {proc.name: shred}               # in every such alert
 *           where: proc.tty = 0                      # a condition they all meet
 *
 * A capture case replays the capture through the rules (as `vigil replay`).
 * A command case runs live (as `vigil run`, so as root): the probe is loaded
 * with what the case's rules need, then the command runs under `sh -c`
 * below a small leader process that is a child subreaper, so that every
 * process the command starts stays below it (daemonising ones, and the
 * processes of containers that podman or docker start through conmon or a
 * shim, included). Only alerts of that process tree count: the host is
 * shared, and other processes' alerts are ignored. When the command and all
 * its descendants are gone, the events still in the rings are evaluated and
 * the alerts compared with the expectation: exactly the expected rules,
 * with the expected counts and field values.
 *
 * Setup and cleanup run outside the observed window. Exit status: 0 when no
 * case failed, 1 when one did, 77 when every case was skipped (command cases
 * without root), 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>
#include "cli/cli.h"
#include "cli/live_run.h"
#include "cli/session.h"
#include "common/arena.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "rules/ast.h"
#include "rules/format.h"

#define DEFAULT_TIMEOUT 60.0	/* seconds a command may run */
#define SETTLE_NS 300000000ull	/* events read after the command's tree ended */
#define EXIT_GRACE_NS 3000000000ull	/* longest wait for the leader's exit event */
#define MAX_SHOWN_ALERTS 8

/* ========================================================================
 * Test files
 * ======================================================================== */

struct kv {
	const char *key, *value;
	int line;
};

struct expect {
	const char *rule;
	long count;		/* -1: at least one */
	struct kv *fields;	/* field -> value, in every alert of the rule */
	size_t nfields;
	const char *where;	/* a condition every alert of the rule satisfies */
	int line, where_line;
};

enum case_kind { CASE_CAPTURE, CASE_COMMAND };

struct tcase {
	const char *name;
	int line;
	enum case_kind kind;
	const char *capture;	/* absolute or relative to the test file */
	const char *command;
	const char *setup, *cleanup;
	const char **rules;	/* NULL: the file's */
	size_t nrules;
	const char **options;	/* -o key=value */
	size_t noptions;
	double timeout;
	int status;		/* the command's expected exit status; -1: any */
	bool expect_none;
	struct expect *exp;
	size_t nexp;
};

struct tfile {
	const char *path;
	const char *dir;	/* absolute directory of the file */
	const char **rules;
	size_t nrules;
	struct kv *env;
	size_t nenv;
	const char *setup, *cleanup;
	struct tcase *cases;
	size_t ncases;
	bool setup_done;
	int setup_status;	/* -1 not run, else the shell's status */
};

struct tparse {
	const char *path;
	const char *text;
	size_t len;
	yaml_document_t *doc;
	struct diag_list *dl;
	struct arena *a;
	bool failed;
};

static void perr(struct tparse *p, const yaml_node_t *n, enum diag_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void perr(struct tparse *p, const yaml_node_t *n, enum diag_severity sev, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line = n ? (int)n->start_mark.line + 1 : 0, col = n ? (int)n->start_mark.column + 1 : 0;
	char *src = n ? diag_line_at(p->text, p->len, n->start_mark.index) : NULL;
	diag_add(p->dl, sev, p->path, line, col, src, 1, "%s", msg);
	free(src);
	if (sev == DIAG_ERROR)
		p->failed = true;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(struct tparse *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

/* A string value; NULL (with an error) when the node is not a scalar. */
static const char *want_string(struct tparse *p, const yaml_node_t *n, const char *key)
{
	const char *s = scalar(n);
	if (!s)
		perr(p, n, DIAG_ERROR, "'%s' must be a string", key);
	return s ? arena_strdup(p->a, s) : NULL;
}

/* A string or a list of strings. */
static bool want_strings(struct tparse *p, const yaml_node_t *n, const char *key, const char ***out, size_t *nout)
{
	if (n->type == YAML_SCALAR_NODE) {
		*out = arena_alloc(p->a, sizeof(char *));
		(*out)[0] = arena_strdup(p->a, scalar(n));
		*nout = 1;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		perr(p, n, DIAG_ERROR, "'%s' must be a string or a list of strings", key);
		return false;
	}
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = arena_alloc(p->a, sizeof(char *) * (cnt + 1));
	*nout = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const char *s = scalar(node(p, *it));
		if (!s) {
			perr(p, node(p, *it), DIAG_ERROR, "'%s' must be a list of strings", key);
			return false;
		}
		(*out)[(*nout)++] = arena_strdup(p->a, s);
	}
	return true;
}

static bool want_map(struct tparse *p, const yaml_node_t *n, const char *key, struct kv **out, size_t *nout)
{
	if (n->type != YAML_MAPPING_NODE) {
		perr(p, n, DIAG_ERROR, "'%s' must be a mapping of names to values", key);
		return false;
	}
	size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	*out = arena_alloc(p->a, sizeof(struct kv) * (cnt + 1));
	*nout = 0;
	for (yaml_node_pair_t *kp = n->data.mapping.pairs.start; kp < n->data.mapping.pairs.top; kp++) {
		yaml_node_t *k = node(p, kp->key), *v = node(p, kp->value);
		if (!scalar(k) || !scalar(v)) {
			perr(p, scalar(k) ? v : k, DIAG_ERROR, "'%s': names and values must be strings", key);
			return false;
		}
		(*out)[*nout] = (struct kv){ arena_strdup(p->a, scalar(k)), arena_strdup(p->a, scalar(v)),
					     (int)k->start_mark.line + 1 };
		(*nout)++;
	}
	return true;
}

static bool parse_expect_item(struct tparse *p, const yaml_node_t *n, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	e->count = -1;
	e->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE) {
		perr(p, n, DIAG_ERROR, "an expectation is a mapping: {rule: NAME, count: N, fields: {...}}");
		return false;
	}
	for (yaml_node_pair_t *kp = n->data.mapping.pairs.start; kp < n->data.mapping.pairs.top; kp++) {
		yaml_node_t *k = node(p, kp->key), *v = node(p, kp->value);
		const char *key = scalar(k);
		if (!key)
			continue;
		if (!strcmp(key, "rule")) {
			e->rule = want_string(p, v, key);
		} else if (!strcmp(key, "count")) {
			const char *s = scalar(v);
			char *end = NULL;
			long c = s ? strtol(s, &end, 10) : -1;
			if (!s || !*s || *end || c < 0) {
				perr(p, v, DIAG_ERROR, "'count' must be a number >= 0");
				return false;
			}
			e->count = c;
		} else if (!strcmp(key, "fields")) {
			if (!want_map(p, v, key, &e->fields, &e->nfields))
				return false;
		} else if (!strcmp(key, "where")) {
			e->where = want_string(p, v, key);
			e->where_line = (int)v->start_mark.line + 1;
		} else {
			perr(p, k, DIAG_WARNING, "unknown key '%s' in an expectation (known: rule, count, fields, where)",
			     key);
		}
	}
	if (!e->rule) {
		perr(p, n, DIAG_ERROR, "an expectation needs 'rule'");
		return false;
	}
	return true;
}

static bool parse_case(struct tparse *p, const yaml_node_t *n, struct tcase *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout = DEFAULT_TIMEOUT;
	c->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE) {
		perr(p, n, DIAG_ERROR, "a test case is a mapping with name, capture or command, and expect");
		return false;
	}
	const yaml_node_t *expect = NULL;
	bool ok = true;
	for (yaml_node_pair_t *kp = n->data.mapping.pairs.start; kp < n->data.mapping.pairs.top; kp++) {
		yaml_node_t *k = node(p, kp->key), *v = node(p, kp->value);
		const char *key = scalar(k);
		if (!key)
			continue;
		if (!strcmp(key, "name"))
			ok &= (c->name = want_string(p, v, key)) != NULL;
		else if (!strcmp(key, "capture"))
			ok &= (c->capture = want_string(p, v, key)) != NULL;
		else if (!strcmp(key, "command"))
			ok &= (c->command = want_string(p, v, key)) != NULL;
		else if (!strcmp(key, "setup"))
			ok &= (c->setup = want_string(p, v, key)) != NULL;
		else if (!strcmp(key, "cleanup"))
			ok &= (c->cleanup = want_string(p, v, key)) != NULL;
		else if (!strcmp(key, "rules"))
			ok &= want_strings(p, v, key, &c->rules, &c->nrules);
		else if (!strcmp(key, "options"))
			ok &= want_strings(p, v, key, &c->options, &c->noptions);
		else if (!strcmp(key, "timeout")) {
			const char *s = scalar(v);
			char *end = NULL;
			double t = s ? strtod(s, &end) : 0;
			if (!s || *end || !(t > 0)) {
				perr(p, v, DIAG_ERROR, "'timeout' must be a positive number of seconds");
				ok = false;
			} else {
				c->timeout = t;
			}
		} else if (!strcmp(key, "status")) {
			const char *s = scalar(v);
			char *end = NULL;
			long st = s && strcmp(s, "any") ? strtol(s, &end, 10) : -1;
			if (!s || (strcmp(s, "any") && (!*s || *end || st < 0 || st > 255))) {
				perr(p, v, DIAG_ERROR, "'status' is the command's exit status (0-255) or 'any'");
				ok = false;
			} else {
				c->status = (int)st;
			}
		} else if (!strcmp(key, "expect"))
			expect = v;
		else
			perr(p, k, DIAG_WARNING,
			     "unknown key '%s' in a test case (known: name, capture, command, setup, cleanup, rules, "
			     "options, timeout, status, expect)",
			     key);
	}
	if (!ok)
		return false;
	if (!c->name) {
		perr(p, n, DIAG_ERROR, "a test case needs 'name'");
		return false;
	}
	if (!!c->capture == !!c->command) {
		perr(p, n, DIAG_ERROR, "test case '%s' needs exactly one of 'capture' and 'command'", c->name);
		return false;
	}
	c->kind = c->capture ? CASE_CAPTURE : CASE_COMMAND;
	if (!expect) {
		perr(p, n, DIAG_ERROR, "test case '%s' needs 'expect' (a list of {rule, count, fields}, or none)",
		     c->name);
		return false;
	}
	const char *s = scalar(expect);
	if (s && (!strcmp(s, "none") || !strcmp(s, "no alert") || !strcmp(s, "nothing") || !*s)) {
		c->expect_none = true;
		return true;
	}
	if (expect->type != YAML_SEQUENCE_NODE) {
		perr(p, expect, DIAG_ERROR, "'expect' is a list of {rule, count, fields}, or none");
		return false;
	}
	size_t cnt = (size_t)(expect->data.sequence.items.top - expect->data.sequence.items.start);
	c->exp = arena_alloc(p->a, sizeof(struct expect) * (cnt + 1));
	for (yaml_node_item_t *it = expect->data.sequence.items.start; it < expect->data.sequence.items.top; it++)
		if (!parse_expect_item(p, node(p, *it), &c->exp[c->nexp++]))
			return false;
	c->expect_none = c->nexp == 0;
	return true;
}

/* Read and parse one test file. Returns 1 for a test file, 0 for a YAML
 * file that is not one (a rules file next to the tests: skipped when found
 * in a directory), -1 on an error (reported in dl). */
static int tfile_load(const char *path, struct arena *a, struct diag_list *dl, struct tfile *tf)
{
	memset(tf, 0, sizeof(*tf));
	tf->setup_status = -1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 1, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);

	yaml_parser_t yp;
	yaml_document_t doc;
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)sb.buf, sb.len);
	struct tparse p = { path, sb.buf ? sb.buf : "", sb.len, &doc, dl, a, false };
	int ret = -1;
	if (!yaml_parser_load(&yp, &doc)) {
		char *src = diag_line_at(p.text, p.len, yp.problem_mark.index);
		diag_add(dl, DIAG_ERROR, path, (int)yp.problem_mark.line + 1, (int)yp.problem_mark.column + 1, src, 1,
			 "YAML: %s", yp.problem ? yp.problem : "parse error");
		free(src);
		yaml_parser_delete(&yp);
		strbuf_fini(&sb);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *tests = NULL;
	if (root && root->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *kp = root->data.mapping.pairs.start; kp < root->data.mapping.pairs.top; kp++) {
			const char *key = scalar(node(&p, kp->key));
			if (key && !strcmp(key, "tests"))
				tests = node(&p, kp->value);
		}
	if (!tests) {
		ret = 0;
		goto out;
	}
	char real[PATH_MAX];
	tf->path = arena_strdup(a, path);
	if (realpath(path, real)) {
		char *slash = strrchr(real, '/');
		if (slash)
			*slash = 0;
		tf->dir = arena_strdup(a, real[0] ? real : "/");
	} else {
		tf->dir = ".";
	}
	for (yaml_node_pair_t *kp = root->data.mapping.pairs.start; kp < root->data.mapping.pairs.top; kp++) {
		yaml_node_t *k = node(&p, kp->key), *v = node(&p, kp->value);
		const char *key = scalar(k);
		if (!key || !strcmp(key, "tests"))
			continue;
		if (!strcmp(key, "rules"))
			want_strings(&p, v, key, &tf->rules, &tf->nrules);
		else if (!strcmp(key, "env"))
			want_map(&p, v, key, &tf->env, &tf->nenv);
		else if (!strcmp(key, "setup"))
			tf->setup = want_string(&p, v, key);
		else if (!strcmp(key, "cleanup"))
			tf->cleanup = want_string(&p, v, key);
		else if (strcmp(key, "description"))
			perr(&p, k, DIAG_WARNING,
			     "unknown key '%s' in a test file (known: description, rules, env, setup, cleanup, tests)", key);
	}
	if (tests->type != YAML_SEQUENCE_NODE) {
		perr(&p, tests, DIAG_ERROR, "'tests' must be a list of test cases");
	} else {
		size_t cnt = (size_t)(tests->data.sequence.items.top - tests->data.sequence.items.start);
		tf->cases = arena_alloc(a, sizeof(struct tcase) * (cnt + 1));
		for (yaml_node_item_t *it = tests->data.sequence.items.start; it < tests->data.sequence.items.top; it++)
			if (parse_case(&p, node(&p, *it), &tf->cases[tf->ncases]))
				tf->ncases++;
	}
	ret = p.failed ? -1 : 1;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	strbuf_fini(&sb);
	return ret;
}

/* ========================================================================
 * Discovery
 * ======================================================================== */

struct pathlist {
	char **v;
	size_t n, cap;
};

static void pathlist_add(struct pathlist *l, const char *p)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, sizeof(char *) * l->cap);
	}
	l->v[l->n++] = xstrdup(p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_yaml_ext(const char *name)
{
	size_t l = strlen(name);
	return (l > 5 && !strcmp(name + l - 5, ".yaml")) || (l > 4 && !strcmp(name + l - 4, ".yml"));
}

/* Every .yaml or .yml file below dir, depth first, in name order. */
static void walk(const char *dir, struct pathlist *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct pathlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			pathlist_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char p[PATH_MAX];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, names.v[i]);
		if (stat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(p, out);
			else if (S_ISREG(st.st_mode) && has_yaml_ext(names.v[i]))
				pathlist_add(out, p);
		}
		free(names.v[i]);
	}
	free(names.v);
}

/* ========================================================================
 * Running commands
 * ======================================================================== */

struct runner {
	const char **cli_rules;		/* -r: loaded after each case's rules */
	size_t ncli_rules;
	const char **cli_opts;		/* -o */
	size_t ncli_opts;
	const char *only;		/* -k */
	bool verbose;
	int argc;			/* for session_init (-c) */
	char **argv;
	const char *self;		/* this vigil, exported as VIGIL */
	bool is_root;
	size_t passed, failed, skipped;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* In a child: export what commands see. */
/* The environment of a test command: ours, with the file's env and the
 * VIGIL_TEST_* variables set. Built before fork: the runner has threads
 * (outputs, container metadata), and a child of a threaded process must not
 * allocate (a lock another thread held at the fork stays taken in it). */
static void env_set(char ***env, size_t *n, const char *key, const char *value)
{
	size_t kl = strlen(key);
	char *kv = xmalloc(kl + strlen(value) + 2);
	sprintf(kv, "%s=%s", key, value);
	for (size_t i = 0; i < *n; i++)
		if (!strncmp((*env)[i], key, kl) && (*env)[i][kl] == '=') {
			free((*env)[i]);
			(*env)[i] = kv;
			return;
		}
	*env = xrealloc(*env, (*n + 2) * sizeof(char *));
	(*env)[(*n)++] = kv;
	(*env)[*n] = NULL;
}

static char **build_env(const struct tfile *tf, const struct tcase *tc, const char *tmp, const char *self)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xmalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		env[i] = xstrdup(environ[i]);
	env[n] = NULL;
	for (size_t i = 0; i < tf->nenv; i++)
		env_set(&env, &n, tf->env[i].key, tf->env[i].value);
	env_set(&env, &n, "VIGIL_TEST_DIR", tf->dir);
	if (tmp)
		env_set(&env, &n, "VIGIL_TEST_TMP", tmp);
	if (tc)
		env_set(&env, &n, "VIGIL_TEST_NAME", tc->name);
	if (self)
		env_set(&env, &n, "VIGIL", self);
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

static void child_exec_sh(const char *cmd, const char *cwd, int outfd, char **env)
{
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	if (outfd >= 0) {
		dup2(outfd, 1);
		dup2(outfd, 2);
		close(outfd);
	}
	if (cwd && chdir(cwd)) {
		fprintf(stderr, "vigil rules test: cannot enter %s: %s\n", cwd, strerror(errno));
		_exit(126);
	}
	execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
	fprintf(stderr, "vigil rules test: cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Run `cmd` with sh -c, synchronously, output appended to outfd. Returns the
 * shell's exit status (128+N for signal N), or -1 when it could not start. */
static int run_sync(const struct tfile *tf, const struct tcase *tc, const char *tmp, const char *self,
		    const char *cmd, int outfd)
{
	char **env = build_env(tf, tc, tmp, self);
	pid_t c = fork();
	if (c < 0) {
		free_env(env);
		return -1;
	}
	if (c == 0) {
		reset_signals();
		child_exec_sh(cmd, tmp ? tmp : tf->dir, outfd >= 0 ? dup(outfd) : -1, env);
	}
	free_env(env);
	int st;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Every descendant of `root` (by /proc's ppid), killed until none is left. */
static void kill_descendants(pid_t root)
{
	for (int round = 0; round < 50; round++) {
		size_t cap = 1024, n = 0;
		pid_t *pid = xmalloc(sizeof(pid_t) * cap), *ppid = xmalloc(sizeof(pid_t) * cap);
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char p[300], line[512];
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
			FILE *f = fopen(p, "r");
			if (!f)
				continue;
			if (fgets(line, sizeof(line), f)) {
				char *rp = strrchr(line, ')');
				int pp;
				if (rp && sscanf(rp + 2, "%*c %d", &pp) == 1) {
					if (n == cap) {
						cap *= 2;
						pid = xrealloc(pid, sizeof(pid_t) * cap);
						ppid = xrealloc(ppid, sizeof(pid_t) * cap);
					}
					pid[n] = atoi(de->d_name);
					ppid[n++] = pp;
				}
			}
			fclose(f);
		}
		if (d)
			closedir(d);
		/* mark the tree: repeat until no new member */
		bool *in = xcalloc(n + 1, sizeof(bool));
		size_t found = 0;
		for (bool grew = true; grew;) {
			grew = false;
			for (size_t i = 0; i < n; i++) {
				if (in[i])
					continue;
				bool parent_in = ppid[i] == root;
				for (size_t k = 0; k < n && !parent_in; k++)
					parent_in = in[k] && pid[k] == ppid[i];
				if (parent_in) {
					in[i] = grew = true;
					found++;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (in[i])
				kill(pid[i], SIGKILL);
		free(in);
		free(pid);
		free(ppid);
		if (!found)
			return;
		usleep(20000);
	}
}

static volatile sig_atomic_t g_leader_term;

static void leader_on_term(int sig)
{
	(void)sig;
	g_leader_term = 1;
}

/* The leader: a child subreaper under which the command and everything it
 * starts stay; exits when all of them are gone, with the command's status.
 * SIGTERM kills the whole tree. Never returns. */
static void leader_main(const struct tcase *tc, const char *tmp, int outfd, char **env)
{
	prctl(PR_SET_NAME, "vigil-test", 0, 0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	setpgid(0, 0);	/* a Ctrl-C reaches the runner, which ends the case */
	reset_signals();
	struct sigaction sa = { .sa_handler = leader_on_term };	/* no SA_RESTART: waitpid returns */
	sigaction(SIGTERM, &sa, NULL);
	pid_t c = fork();
	if (c < 0)
		_exit(126);
	if (c == 0) {
		reset_signals();
		child_exec_sh(tc->command, tmp, outfd, env);
	}
	close(outfd);
	int status = 0;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == c)
			status = st;
		if (p < 0 && errno == ECHILD)
			break;
		if (p < 0 && errno == EINTR && g_leader_term) {
			g_leader_term = 0;
			kill_descendants(getpid());
		}
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ========================================================================
 * One case
 * ======================================================================== */

struct alert {
	const char *rule;
	char *line;
	char **vals;		/* rendered values of the case's expected fields */
	bool *where_ok;		/* per expectation: its `where` holds (or it has none) */
};

struct collect {
	struct engine *e;
	struct cnode *scope;	/* NULL: every alert counts (captures) */
	struct format **fmts;	/* one per field in `fields` */
	const char **fields;
	size_t nfields;
	const struct tcase *tc;
	struct cnode **where;	/* per expectation, NULL when it has none */
	struct alert *v;
	size_t n, cap;
	size_t ignored;		/* alerts of processes outside the case */
	uint64_t dropped;	/* events the probe lost (live cases) */
	struct strbuf tmp;
};

static void collect_sink(void *ud, const struct alert_rec *ar)
{
	struct collect *c = ud;
	if (!strcmp(ar->source, "internal"))
		return;	/* drops: counted from the probe's statistics */
	if (c->scope && !filter_eval(&c->e->fc, c->scope)) {
		c->ignored++;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, sizeof(*c->v) * c->cap);
	}
	struct alert *a = &c->v[c->n++];
	a->rule = ar->rule;
	a->line = ar->text ? xstrndup(ar->text, ar->text_len) : xstrndup(ar->json, ar->json_len);
	a->vals = c->nfields ? xcalloc(c->nfields, sizeof(char *)) : NULL;
	for (size_t i = 0; i < c->nfields; i++) {
		strbuf_reset(&c->tmp);
		format_render(&c->e->fc, c->fmts[i], &c->tmp);
		a->vals[i] = xstrndup(c->tmp.buf ? c->tmp.buf : "", c->tmp.len);
	}
	a->where_ok = xcalloc(c->tc->nexp + 1, sizeof(bool));
	for (size_t i = 0; i < c->tc->nexp; i++)
		a->where_ok[i] = !c->where[i] || strcmp(c->tc->exp[i].rule, ar->rule) ||
				 filter_eval(&c->e->fc, c->where[i]);
}

static void collect_fini(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t k = 0; k < c->nfields; k++)
			free(c->v[i].vals[k]);
		free(c->v[i].vals);
		free(c->v[i].where_ok);
		free(c->v[i].line);
	}
	free(c->v);
	free(c->fields);
	free(c->fmts);
	free(c->where);
	strbuf_fini(&c->tmp);
}

static size_t field_index(const struct collect *c, const char *f)
{
	for (size_t i = 0; i < c->nfields; i++)
		if (!strcmp(c->fields[i], f))
			return i;
	return SIZE_MAX;
}

/* Why a case did not pass, as report lines. */
struct verdict {
	struct strbuf why;
	bool fail;
};

static void vfail(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void vfail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_adds(&v->why, "      ");
	strbuf_vaddf(&v->why, fmt, ap);
	strbuf_addc(&v->why, '\n');
	va_end(ap);
	v->fail = true;
}

static size_t count_rule(const struct collect *c, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += !strcmp(c->v[i].rule, rule);
	return n;
}

static const struct expect *find_expect(const struct tcase *tc, const char *rule)
{
	for (size_t i = 0; i < tc->nexp; i++)
		if (!strcmp(tc->exp[i].rule, rule))
			return &tc->exp[i];
	return NULL;
}

static void judge(const struct tcase *tc, const struct collect *c, struct verdict *v)
{
	/* the table: every expected rule, then every rule that fired unexpectedly */
	struct strbuf tab;
	strbuf_init(&tab);
	bool bad = false;
	for (size_t i = 0; i < tc->nexp; i++) {
		const struct expect *e = &tc->exp[i];
		size_t got = count_rule(c, e->rule);
		bool ok = e->count < 0 ? got > 0 : got == (size_t)e->count;
		char want[32];
		if (e->count < 0)
			snprintf(want, sizeof(want), ">= 1");
		else
			snprintf(want, sizeof(want), "%ld", e->count);
		strbuf_addf(&tab, "      %s %-64s %-8s %zu\n", ok ? " " : "!", e->rule, want, got);
		bad |= !ok;
	}
	for (size_t i = 0; i < c->n; i++) {
		const char *r = c->v[i].rule;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(c->v[k].rule, r);
		if (seen || find_expect(tc, r))
			continue;
		strbuf_addf(&tab, "      ! %-64s %-8s %zu\n", r, "0", count_rule(c, r));
		bad = true;
	}
	if (bad) {
		if (tc->expect_none)
			vfail(v, "expected no alert; rules that fired:");
		else
			vfail(v, "alerts differ from the expectation ('!' marks a difference):");
		strbuf_addf(&v->why, "        %-64s %-8s %s\n", "rule", "expected", "fired");
		strbuf_adds(&v->why, tab.buf ? tab.buf : "");
	}
	strbuf_fini(&tab);
	/* field values, in every alert of the rule */
	for (size_t i = 0; i < tc->nexp; i++) {
		const struct expect *e = &tc->exp[i];
		size_t nth = 0;
		for (size_t k = 0; k < c->n; k++) {
			if (strcmp(c->v[k].rule, e->rule))
				continue;
			nth++;
			if (!c->v[k].where_ok[i])
				vfail(v, "'%s' alert %zu does not satisfy: %s", e->rule, nth, e->where);
			for (size_t f = 0; f < e->nfields; f++) {
				size_t idx = field_index(c, e->fields[f].key);
				const char *got = idx == SIZE_MAX ? "<NA>" : c->v[k].vals[idx];
				if (strcmp(got, e->fields[f].value))
					vfail(v, "'%s' alert %zu: %s is \"%s\", expected \"%s\"", e->rule, nth,
					      e->fields[f].key, got, e->fields[f].value);
			}
		}
	}
}

/* Set up the session of a case: its rules, then -r; -o options. */
static int case_session(struct runner *R, const struct tfile *tf, const struct tcase *tc, struct session *s,
			struct arena *a, struct strbuf *err)
{
	const char **rules = tc->rules ? tc->rules : tf->rules;
	size_t nrules = tc->rules ? tc->nrules : tf->nrules;
	if (session_init(s, R->argc, R->argv)) {
		strbuf_adds(err, "the configuration (-c) does not load");
		return -EINVAL;
	}
	free(s->rules);
	s->rules = xcalloc(nrules + R->ncli_rules + 1, sizeof(char *));
	for (size_t i = 0; i < nrules; i++) {
		const char *r = rules[i];
		char *abs = NULL;
		if (r[0] != '/') {
			abs = arena_alloc(a, strlen(tf->dir) + strlen(r) + 2);
			sprintf(abs, "%s/%s", tf->dir, r);
		}
		s->rules[s->nrules++] = abs ? abs : r;	/* session_fini() frees the array only */
	}
	for (size_t i = 0; i < R->ncli_rules; i++)
		s->rules[s->nrules++] = R->cli_rules[i];
	if (!s->nrules) {
		strbuf_adds(err, "no rules: give 'rules' in the test file or case, or -r");
		return -EINVAL;
	}
	for (size_t i = 0; i < R->ncli_opts; i++)
		if (session_opt(s, 'o', R->cli_opts[i]) < 0) {
			strbuf_addf(err, "bad -o %s", R->cli_opts[i]);
			return -EINVAL;
		}
	for (size_t i = 0; i < tc->noptions; i++)
		if (session_opt(s, 'o', tc->options[i]) < 0) {
			strbuf_addf(err, "bad option %s", tc->options[i]);
			return -EINVAL;
		}
	if (session_start(s, true)) {
		strbuf_adds(err, "the rules do not load (diagnostics above)");
		return -EINVAL;
	}
	return 0;
}

/* The rule names of the expectation must exist: a typo would otherwise
 * read as "did not fire". */
static bool check_rule_names(const struct tcase *tc, const struct ruleset *rs, struct verdict *v)
{
	bool ok = true;
	for (size_t i = 0; i < tc->nexp; i++) {
		if (ruleset_find(rs, tc->exp[i].rule))
			continue;
		const char **names = xmalloc(sizeof(char *) * (rs->nrules + 1));
		for (size_t k = 0; k < rs->nrules; k++)
			names[k] = rs->rules[k]->name;
		const char *sug = diag_suggest(tc->exp[i].rule, names, rs->nrules);
		vfail(v, "line %d: no rule named '%s' in the loaded rules%s%s%s", tc->exp[i].line, tc->exp[i].rule,
		      sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
		free(names);
		ok = false;
	}
	return ok;
}

static bool prepare_fields(const struct tcase *tc, struct arena *a, struct filter_ctx *fc, struct collect *c,
			   struct verdict *v)
{
	size_t total = 0;
	for (size_t i = 0; i < tc->nexp; i++)
		total += tc->exp[i].nfields;
	c->fields = xcalloc(total + 1, sizeof(char *));
	c->fmts = xcalloc(total + 1, sizeof(struct format *));
	c->tc = tc;
	c->where = xcalloc(tc->nexp + 1, sizeof(struct cnode *));
	for (size_t i = 0; i < tc->nexp; i++) {
		const struct expect *e = &tc->exp[i];
		if (!e->where)
			continue;
		struct parse_error pe;
		struct compile_error ce;
		struct ast *t = ast_parse(a, e->where, strlen(e->where), &pe);
		if (!t) {
			vfail(v, "line %d: where, offset %u: %s", e->where_line, pe.pos, pe.msg);
			return false;
		}
		if (!(c->where[i] = filter_compile(fc, t, &ce))) {
			vfail(v, "line %d: where, offset %u: %s", e->where_line, ce.pos, ce.msg);
			return false;
		}
	}
	for (size_t i = 0; i < tc->nexp; i++)
		for (size_t f = 0; f < tc->exp[i].nfields; f++) {
			const char *name = tc->exp[i].fields[f].key;
			if (field_index(c, name) != SIZE_MAX)
				continue;
			char *fmt = arena_alloc(a, strlen(name) + 2);
			sprintf(fmt, "%%%s", name);
			struct format *out = arena_alloc(a, sizeof(*out));
			struct compile_error ce;
			if (format_compile(fc, fmt, out, &ce)) {
				vfail(v, "line %d: field '%s': %s", tc->exp[i].fields[f].line, name, ce.msg);
				return false;
			}
			c->fields[c->nfields] = name;
			c->fmts[c->nfields++] = out;
		}
	return true;
}

/* p with $NAME and ${NAME} replaced by the file's env or the environment;
 * NULL when a variable is not set (its name in *unset, to free). */
static char *expand_vars(const struct tfile *tf, const char *p, char **unset)
{
	struct strbuf out;
	strbuf_init(&out);
	*unset = NULL;
	while (*p) {
		if (*p != '$' || !(p[1] == '{' || p[1] == '_' || (p[1] >= 'A' && p[1] <= 'Z') ||
				   (p[1] >= 'a' && p[1] <= 'z'))) {
			strbuf_addc(&out, *p++);
			continue;
		}
		bool brace = p[1] == '{';
		const char *name = p + 1 + brace, *end = name;
		while (*end == '_' || (*end >= 'A' && *end <= 'Z') || (*end >= 'a' && *end <= 'z') ||
		       (*end >= '0' && *end <= '9'))
			end++;
		if (brace && *end != '}') {
			strbuf_addc(&out, *p++);	/* not a variable: kept as written */
			continue;
		}
		char *var = xstrndup(name, (size_t)(end - name));
		const char *val = NULL;
		for (size_t i = 0; i < tf->nenv && !val; i++)
			if (!strcmp(tf->env[i].key, var))
				val = tf->env[i].value;
		if (!val)
			val = getenv(var);
		if (!val || !*val) {
			*unset = var;
			strbuf_fini(&out);
			return NULL;
		}
		free(var);
		strbuf_adds(&out, val);
		p = end + brace;
	}
	return strbuf_detach(&out);
}

static char *path_in(const struct tfile *tf, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char *abs = xmalloc(strlen(tf->dir) + strlen(p) + 2);
	sprintf(abs, "%s/%s", tf->dir, p);
	return abs;
}

/* Last `max` lines of a file, indented, into out. */
static void tail_file(const char *path, size_t max, struct strbuf *out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char **ring = xcalloc(max, sizeof(char *));
	size_t n = 0;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		free(ring[n % max]);
		ring[n % max] = xstrdup(line);
		n++;
	}
	fclose(f);
	size_t first = n > max ? n - max : 0;
	if (n > max)
		strbuf_addf(out, "        ... (%zu lines before)\n", first);
	for (size_t i = first; i < n; i++) {
		char *l = ring[i % max];
		size_t len = strlen(l);
		strbuf_addf(out, "        | %s%s", l, len && l[len - 1] == '\n' ? "" : "\n");
	}
	for (size_t i = 0; i < max; i++)
		free(ring[i]);
	free(ring);
}

/* The live part of a command case: probe, leader, events until the
 * command's whole tree is gone. */
static int run_live(struct runner *R, const struct tfile *tf, const struct tcase *tc, struct session *s,
		    struct collect *c, struct arena *a, struct filter_ctx *fc, const char *tmp, int outfd,
		    struct verdict *v, int *cmd_status)
{
	char err[1024];
	struct live_loop lp;
	if (live_loop_open(&lp, s, NULL, err, sizeof(err))) {
		vfail(v, "%s", err);
		return -1;
	}
	char **env = build_env(tf, tc, tmp, R->self);
	pid_t leader = fork();
	if (leader < 0) {
		vfail(v, "fork: %s", strerror(errno));
		free_env(env);
		live_loop_close(&lp, NULL);
		return -1;
	}
	if (leader == 0)
		leader_main(tc, tmp, dup(outfd), env);
	free_env(env);

	/* only the leader's tree: the process itself or any ancestor */
	char scope[96];
	snprintf(scope, sizeof(scope), "proc.pid = %d or proc.apid = %d", (int)leader, (int)leader);
	struct parse_error pe;
	struct compile_error ce;
	struct ast *t = ast_parse(a, scope, strlen(scope), &pe);
	c->scope = t ? filter_compile(fc, t, &ce) : NULL;
	if (!c->scope) {
		vfail(v, "internal: the scope filter does not compile");
		kill(leader, SIGKILL);
		waitpid(leader, NULL, 0);
		live_loop_close(&lp, NULL);
		return -1;
	}

	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(tc->timeout * 1e9), exited_at = 0, exit_event_at = 0;
	uint64_t polled = 0;
	bool exited = false, timed_out = false;
	int st = 0;
	for (;;) {
		const struct event *ev = NULL;
		int rc = live_loop_step(&lp, 20, &ev);
		uint64_t now = now_ns();
		if (rc < 0) {
			vfail(v, "reading events: %s", strerror(-rc));
			break;
		}
		if (rc == 1 && (ev->type == VG_EV_PROCEXIT_1_E || ev->type == VG_EV_PROCEXIT_E) &&
		    ev->tid == (int64_t)leader && !exit_event_at)
			exit_event_at = now;
		if (!exited && (rc == 0 || now - polled >= 10000000ull)) {
			polled = now;
			if (waitpid(leader, &st, WNOHANG) == leader) {
				exited = true;
				exited_at = now;
			}
		}
		if (!exited && now > deadline) {
			if (!timed_out) {
				timed_out = true;
				kill(leader, SIGTERM);
				deadline = now + 5000000000ull;
			} else {
				kill_descendants(leader);
				kill(leader, SIGKILL);
				deadline = now + 5000000000ull;
			}
		}
		if (exited && ((exit_event_at && now - exit_event_at >= SETTLE_NS) || now - exited_at >= EXIT_GRACE_NS))
			break;
	}
	if (!exited)
		waitpid(leader, &st, 0);
	live_loop_drain(&lp);
	struct live_stats ls;
	live_loop_close(&lp, &ls);
	c->dropped = ls.n_drops_buffer + ls.n_drops_scratch + ls.n_drops_nomap + ls.n_drops_recursion;
	if (timed_out)
		vfail(v, "the command did not end within %.0f s: its processes were killed", tc->timeout);
	*cmd_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

enum outcome { PASS, FAIL, SKIP };

static enum outcome run_case(struct runner *R, struct tfile *tf, const struct tcase *tc, struct strbuf *detail,
			     double *secs)
{
	uint64_t t0 = now_ns();
	struct verdict v = { .fail = false };
	strbuf_init(&v.why);
	struct session s;
	memset(&s, 0, sizeof(s));
	struct collect c;
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.tmp);
	struct arena a;
	arena_init(&a);
	struct filter_ctx fc;
	filter_ctx_init(&fc, &a);
	char tmp[] = "/tmp/vigil-test-XXXXXX";
	bool have_tmp = false;
	char outpath[PATH_MAX] = "";
	int outfd = -1, cmd_status = 0;
	enum outcome res = FAIL;
	bool session_up = false;
	char *capture = NULL;	/* a capture case's file, variables expanded */

	if (tc->kind == CASE_COMMAND && !R->is_root) {
		strbuf_adds(detail, "      command cases run vigil's live probe: they need root\n");
		res = SKIP;
		goto out;
	}
	if (tc->kind == CASE_CAPTURE) {
		char *unset, *expanded = expand_vars(tf, tc->capture, &unset);
		if (!expanded) {
			strbuf_addf(detail, "      the capture's path uses $%s, which is not set\n", unset);
			free(unset);
			res = SKIP;
			goto out;
		}
		capture = path_in(tf, expanded);
		free(expanded);
	}
	if (!mkdtemp(tmp)) {
		vfail(&v, "mkdtemp: %s", strerror(errno));
		goto judge;
	}
	have_tmp = true;
	snprintf(outpath, sizeof(outpath), "%s.out", tmp);
	outfd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (tf->setup && !tf->setup_done) {
		tf->setup_done = true;
		tf->setup_status = run_sync(tf, NULL, NULL, R->self, tf->setup, outfd);
	}
	if (tf->setup && tf->setup_status != 0) {
		vfail(&v, "the file's setup failed (status %d)", tf->setup_status);
		goto judge;
	}
	if (tc->setup) {
		int rc = run_sync(tf, tc, tmp, R->self, tc->setup, outfd);
		if (rc != 0) {
			vfail(&v, "setup failed (status %d)", rc);
			goto judge;
		}
	}

	struct strbuf err;
	strbuf_init(&err);
	int rc = case_session(R, tf, tc, &s, &a, &err);
	session_up = true;
	if (rc) {
		vfail(&v, "%s", err.buf ? err.buf : "cannot set up the engine");
		strbuf_fini(&err);
		goto judge;
	}
	strbuf_fini(&err);
	if (!check_rule_names(tc, s.rs, &v) || !prepare_fields(tc, &a, &fc, &c, &v))
		goto judge;
	c.e = &s.e;
	s.opts.drops_actions = DROP_ACT_ALERT;	/* counted in the report, not logged */
	s.e.sink = collect_sink;
	s.e.sink_ud = &c;

	if (tc->kind == CASE_CAPTURE) {
		char e2[1024];
		if (engine_replay(&s.e, capture, e2, sizeof(e2)))
			vfail(&v, "%s", e2);
	} else if (run_live(R, tf, tc, &s, &c, &a, &fc, tmp, outfd, &v, &cmd_status) == 0) {
		if (tc->status >= 0 && cmd_status != tc->status)
			vfail(&v, "the command exited with status %d, expected %d (status: any accepts every status)",
			      cmd_status, tc->status);
		if (c.dropped)
			strbuf_addf(detail,
				    "      note: the probe dropped %llu events during this case (ring full): "
				    "alerts may be missing\n",
				    (unsigned long long)c.dropped);
	}
judge:
	if (!v.fail)
		judge(tc, &c, &v);
	res = v.fail ? FAIL : PASS;
	strbuf_adds(detail, v.why.buf ? v.why.buf : "");
	if (c.n && (res == FAIL || R->verbose)) {
		strbuf_addf(detail, "      alerts of this case (%zu):\n", c.n);
		for (size_t i = 0; i < c.n && i < MAX_SHOWN_ALERTS; i++)
			strbuf_addf(detail, "        %s\n", c.v[i].line);
		if (c.n > MAX_SHOWN_ALERTS)
			strbuf_addf(detail, "        ... and %zu more\n", c.n - MAX_SHOWN_ALERTS);
	} else if (res == PASS && c.n) {
		strbuf_adds(detail, "      fired:");
		for (size_t i = 0; i < c.n; i++) {
			bool seen = false;
			for (size_t k = 0; k < i && !seen; k++)
				seen = !strcmp(c.v[k].rule, c.v[i].rule);
			if (!seen)
				strbuf_addf(detail, " '%s' x%zu", c.v[i].rule, count_rule(&c, c.v[i].rule));
		}
		strbuf_addc(detail, '\n');
	}
	if (R->verbose && c.ignored)
		strbuf_addf(detail, "      (%zu alerts of other processes ignored)\n", c.ignored);
	if (tc->cleanup && have_tmp) {
		int crc = run_sync(tf, tc, tmp, R->self, tc->cleanup, outfd);
		if (crc != 0)
			strbuf_addf(detail, "      note: cleanup exited with status %d\n", crc);
	}
	if (outfd >= 0 && (res == FAIL || R->verbose)) {
		struct stat sb;
		if (fstat(outfd, &sb) == 0 && sb.st_size > 0) {
			strbuf_adds(detail, "      output of setup, command and cleanup:\n");
			tail_file(outpath, 20, detail);
		}
	}
out:
	free(capture);
	if (outfd >= 0)
		close(outfd);
	if (outpath[0])
		unlink(outpath);
	if (have_tmp)
		rm_tree(tmp);
	if (session_up)
		session_fini(&s);
	collect_fini(&c);
	filter_ctx_fini(&fc);
	arena_fini(&a);
	strbuf_fini(&v.why);
	*secs = (double)(now_ns() - t0) / 1e9;
	return res;
}

/* ========================================================================
 * The command
 * ======================================================================== */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil rules test [options] PATH...\n"
		"\n"
		"Runs rule test cases and reports, for each, the rules that fired against the\n"
		"ones expected. PATH is a test file, or a directory searched recursively for\n"
		"test files: YAML files whose top level is a mapping with a 'tests' list\n"
		"(rules files next to them are skipped). The format, in short:\n"
		"\n"
		"  rules: [../my_rules.yaml]          # rules for every case, relative to the file\n"
		"  env: {NAME: value}                 # exported to setup, command and cleanup\n"
		"  setup: SHELL COMMAND               # once, before the first case (optional)\n"
		"  tests:\n"
		"    - name: what the case shows\n"
		"      capture: file.scap             # replay a capture (no privileges needed;\n"
		"                                     # $VAR in the path: from env or the\n"
		"                                     # environment, the case is skipped if unset), or\n"
		"      command: SHELL COMMAND         # run it live under sh -c (needs root)\n"
		"      setup: / cleanup: SHELL COMMAND  # before / after, not observed (optional)\n"
		"      rules: [...]                   # instead of the file's (optional)\n"
		"      options: [rule_matching=all]   # engine options, as -o (optional)\n"
		"      timeout: 60                    # seconds the command may run (optional)\n"
		"      status: 0                      # its expected exit status, or any (default 0)\n"
		"      expect:                        # exactly these rules fire, or: expect: none\n"
		"        - rule: RULE NAME\n"
		"          count: 1                   # exact count (default: at least one)\n"
		"          fields: {proc.name: shred} # values in every alert of the rule (optional)\n"
		"          where: container.id != host  # a condition every such alert meets (optional)\n"
		"\n"
		"A command case watches only the processes the command starts (and those of\n"
		"the containers it starts): other activity on the host is ignored. Commands\n"
		"see VIGIL_TEST_TMP (a fresh directory, also their working directory),\n"
		"VIGIL_TEST_DIR (the test file's directory), VIGIL_TEST_NAME and VIGIL (this\n"
		"program). See rules/examples/README.md for a worked example.\n"
		"\n"
		"options:\n"
		"  -r, --rules PATH       rules loaded after each case's own (repeatable): test a\n"
		"                         tuning file against existing cases\n"
		"  -o, --option KEY=VAL   engine option for every case (as vigil run)\n"
		"  -c, --config FILE      a falco.yaml-style configuration\n"
		"  -k, --case TEXT        only the cases whose name contains TEXT\n"
		"  -l, --list             list the cases and the rules they expect, run nothing\n"
		"  -v, --verbose          also show the alerts and output of passing cases\n"
		"  -h, --help             this help\n"
		"\n"
		"Exit status: 0 no case failed, 1 a case failed, 2 usage or test file errors,\n"
		"77 every case was skipped (command cases when not root).\n");
}

int cmd_rules_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' }, { "option", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' }, { "case", required_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'l' },	   { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },	   { 0 },
	};
	struct runner R;
	memset(&R, 0, sizeof(R));
	R.cli_rules = xcalloc((size_t)argc + 1, sizeof(char *));
	R.cli_opts = xcalloc((size_t)argc + 1, sizeof(char *));
	R.argc = argc;
	R.argv = argv;
	R.is_root = geteuid() == 0;
	bool list = false;
	int status = 2, c;
	char self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = 0;
	R.self = self[0] ? self : NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:o:c:k:lvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': R.cli_rules[R.ncli_rules++] = optarg; break;
		case 'o': R.cli_opts[R.ncli_opts++] = optarg; break;
		case 'c': break;	/* session_init() reads it from argv */
		case 'k': R.only = optarg; break;
		case 'l': list = true; break;
		case 'v': R.verbose = true; break;
		case 'h':
			usage(stdout);
			status = 0;
			goto done;
		default: usage(stderr); goto done;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vigil: rules test: give test files or directories\n");
		usage(stderr);
		goto done;
	}

	/* find and parse every test file first: a broken file is reported before anything runs */
	struct arena a;
	arena_init(&a);
	struct diag_list dl;
	diag_list_init(&dl);
	struct tfile *files = NULL;
	size_t nfiles = 0, capf = 0;
	bool broken = false;
	for (int i = optind; i < argc; i++) {
		struct stat st;
		struct pathlist pl = { 0 };
		bool explicit_file = false;
		if (stat(argv[i], &st)) {
			diag_add(&dl, DIAG_ERROR, argv[i], 0, 0, NULL, 1, "%s", strerror(errno));
			broken = true;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk(argv[i], &pl);
		} else {
			pathlist_add(&pl, argv[i]);
			explicit_file = true;
		}
		size_t found = 0;
		for (size_t k = 0; k < pl.n; k++) {
			if (nfiles == capf) {
				capf = capf ? capf * 2 : 8;
				files = xrealloc(files, sizeof(*files) * capf);
			}
			int rc = tfile_load(pl.v[k], &a, &dl, &files[nfiles]);
			if (rc > 0) {
				nfiles++;
				found++;
			} else if (rc < 0) {
				broken = true;
			} else if (explicit_file) {
				diag_add(&dl, DIAG_ERROR, pl.v[k], 1, 1, NULL, 1,
					 "not a test file: its top level is not a mapping with a 'tests' list");
				broken = true;
			}
			free(pl.v[k]);
		}
		free(pl.v);
		if (!found && !explicit_file && !broken) {
			diag_add(&dl, DIAG_ERROR, argv[i], 0, 0, NULL, 1, "no test files in this directory");
			broken = true;
		}
	}
	diag_print(&dl, stderr);
	if (broken) {
		fprintf(stderr, "vigil: rules test: fix the test files above first\n");
		goto free_files;
	}

	size_t total = 0;
	for (size_t f = 0; f < nfiles; f++) {
		struct tfile *tf = &files[f];
		bool header = false;
		for (size_t k = 0; k < tf->ncases; k++) {
			const struct tcase *tc = &tf->cases[k];
			if (R.only && !strstr(tc->name, R.only))
				continue;
			if (!header) {
				printf("%s\n", tf->path);
				header = true;
			}
			total++;
			if (list) {
				printf("  %-7s %s (line %d)\n", tc->kind == CASE_CAPTURE ? "capture" : "command", tc->name,
				       tc->line);
				if (tc->expect_none)
					printf("      expect: none\n");
				for (size_t e = 0; e < tc->nexp; e++)
					printf("      expect: %s\n", tc->exp[e].rule);
				continue;
			}
			struct strbuf detail;
			strbuf_init(&detail);
			double secs = 0;
			enum outcome o = run_case(&R, tf, tc, &detail, &secs);
			const char *tag = o == PASS ? "PASS" : o == FAIL ? "FAIL" : "SKIP";
			printf("  %s  %s  [%s, %.1f s]\n", tag, tc->name, tc->kind == CASE_CAPTURE ? "capture" : "live",
			       secs);
			if (detail.len)
				fputs(detail.buf, stdout);
			fflush(stdout);
			strbuf_fini(&detail);
			if (o == PASS)
				R.passed++;
			else if (o == FAIL)
				R.failed++;
			else
				R.skipped++;
		}
		if (tf->cleanup && tf->setup_done && !list)
			run_sync(tf, NULL, NULL, R.self, tf->cleanup, -1);
	}
	if (list) {
		printf("%zu cases\n", total);
		status = 0;
	} else if (!total) {
		fprintf(stderr, "vigil: rules test: no case matches '%s'\n", R.only ? R.only : "");
		status = 2;
	} else {
		printf("%zu cases: %zu passed, %zu failed, %zu skipped\n", total, R.passed, R.failed, R.skipped);
		status = R.failed ? 1 : R.passed ? 0 : 77;
	}
free_files:
	diag_list_fini(&dl);
	free(files);
	arena_fini(&a);
done:
	free(R.cli_rules);
	free(R.cli_opts);
	return status;
}
