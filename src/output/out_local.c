/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_local.c - Falco's local channels: stdout and file (written on the
 * engine's thread, one line per alert, as Falco writes them) and program
 * (a shell command fed one line per alert, kept alive or run per alert, on
 * its own worker since a program can be slow).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "output/channel.h"

/* ===== stdout ===== */

struct out_stdout_priv {
	bool pollable;		/* a pipe, socket or terminal: may block */
	const bool *live_flush;	/* flush after every alert (vigil run) */
	bool buffered;		/* buffered_outputs */
	int timeout_ms;		/* output_timeout */
};

static const struct okey stdout_keys[] = { { NULL, 0, NULL, NULL } };

static int stdout_init(struct channel *c, struct diag_list *dl)
{
	struct out_stdout_priv *p = xcalloc(1, sizeof(*p));
	struct stat st;
	(void)dl;
	const struct outputs_globals *g = outputs__globals(c->m);
	p->pollable = !fstat(STDOUT_FILENO, &st) && !S_ISREG(st.st_mode);
	p->live_flush = g->live_flush;
	p->buffered = g->buffered;
	p->timeout_ms = g->output_timeout_ms ? (int)g->output_timeout_ms : 2000;
	c->priv = p;
	c->falco_json = true;
	return 0;
}

static int stdout_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct out_stdout_priv *p = c->priv;
	bool flush = p->live_flush && *p->live_flush && !p->buffered;
	for (size_t i = 0; i < n; i++) {
		if (p->pollable && flush) {
			struct pollfd pfd = { STDOUT_FILENO, POLLOUT, 0 };
			if (poll(&pfd, 1, p->timeout_ms) == 0) {
				snprintf(r->err, sizeof(r->err), "stdout blocked for %d ms (output_timeout): alert dropped",
					 p->timeout_ms);
				it[i].status = OUT_RETRY;
				continue;
			}
		}
		fwrite(it[i].payload.buf, 1, it[i].payload.len, stdout);
		fputc('\n', stdout);
		if (flush)
			fflush(stdout);
		it[i].status = ferror(stdout) ? OUT_FAIL : OUT_OK;
	}
	return 0;
}

static void stdout_close(struct channel *c)
{
	(void)c;
	fflush(stdout);
}

static void priv_free(struct channel *c)
{
	free(c->priv);
	c->priv = NULL;
}

const struct backend out_stdout = {
	.type = "stdout",
	.keys = stdout_keys,
	.sync = true,
	.init = stdout_init,
	.send = stdout_send,
	.close = stdout_close,
	.fini = priv_free,
};

/* ===== file ===== */

struct out_file_priv {
	const char *path;
	bool keep_alive, flush;
	FILE *f;
};

static const struct okey file_keys[] = {
	{ "path", K_STR, NULL, NULL },
	{ "filename", K_STR, NULL, NULL },	/* falco.yaml's file_output.filename */
	{ "keep_alive", K_BOOL, "false", NULL },
	{ "buffered", K_BOOL, "false", NULL },
	{ NULL, 0, NULL, NULL },
};

static int file_init(struct channel *c, struct diag_list *dl)
{
	struct out_file_priv *p = xcalloc(1, sizeof(*p));
	c->priv = p;
	c->falco_json = true;
	p->path = ch_str(c, "path");
	if (!p->path)
		p->path = ch_str(c, "filename");
	if (!p->path && !strcmp(c->name, "file_output"))
		p->path = "./events.txt";
	if (!p->path || !*p->path) {
		ch_error(c, dl, "path", "a file output needs 'path'");
		return -EINVAL;
	}
	p->keep_alive = ch_bool(c, "keep_alive");
	p->flush = !ch_bool(c, "buffered");
	return 0;
}

static int file_open(struct channel *c, char *err, size_t errlen)
{
	struct out_file_priv *p = c->priv;
	p->f = fopen(p->path, "a");
	if (!p->f) {
		snprintf(err, errlen, "output %s: cannot open %s: %s", c->name, p->path, strerror(errno));
		return -errno;
	}
	if (!p->keep_alive) {
		fclose(p->f);
		p->f = NULL;
	}
	return 0;
}

static int file_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct out_file_priv *p = c->priv;
	for (size_t i = 0; i < n; i++) {
		if (!p->f && !(p->f = fopen(p->path, "a"))) {
			snprintf(r->err, sizeof(r->err), "cannot open %s: %s", p->path, strerror(errno));
			it[i].status = OUT_RETRY;
			continue;
		}
		fwrite(it[i].payload.buf, 1, it[i].payload.len, p->f);
		fputc('\n', p->f);
		if (p->flush || !p->keep_alive)
			fflush(p->f);
		it[i].status = ferror(p->f) ? OUT_RETRY : OUT_OK;
		if (it[i].status != OUT_OK)
			snprintf(r->err, sizeof(r->err), "write %s: %s", p->path, strerror(errno));
		if (!p->keep_alive) {
			fclose(p->f);
			p->f = NULL;
		}
	}
	return 0;
}

static void file_close(struct channel *c)
{
	struct out_file_priv *p = c->priv;
	if (p && p->f) {
		fclose(p->f);
		p->f = NULL;
	}
}

static void file_fini(struct channel *c)
{
	file_close(c);
	priv_free(c);
}

const struct backend out_file = {
	.type = "file",
	.keys = file_keys,
	.sync = true,
	.init = file_init,
	.open = file_open,
	.send = file_send,
	.close = file_close,
	.fini = file_fini,
};

/* ===== program ===== */

struct out_program_priv {
	const char *cmd;
	bool keep_alive;
	FILE *pipe;
};

static const struct okey program_keys[] = {
	{ "program", K_STR, NULL, NULL },
	{ "keep_alive", K_BOOL, "false", NULL },
	{ NULL, 0, NULL, NULL },
};

static int program_init(struct channel *c, struct diag_list *dl)
{
	struct out_program_priv *p = xcalloc(1, sizeof(*p));
	c->priv = p;
	c->falco_json = true;
	p->cmd = ch_str(c, "program");
	p->keep_alive = ch_bool(c, "keep_alive");
	if (!p->cmd || !*p->cmd) {
		ch_error(c, dl, "program", "a program output needs 'program'");
		return -EINVAL;
	}
	return 0;
}

static int program_open(struct channel *c, char *err, size_t errlen)
{
	struct out_program_priv *p = c->priv;
	if (!p->keep_alive)
		return 0;
	p->pipe = popen(p->cmd, "w");
	if (!p->pipe) {
		snprintf(err, errlen, "cannot start '%s': %s", p->cmd, strerror(errno));
		return -errno;
	}
	return 0;
}

static void program_close(struct channel *c)
{
	struct out_program_priv *p = c->priv;
	if (p->pipe) {
		pclose(p->pipe);
		p->pipe = NULL;
	}
}

static int program_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct out_program_priv *p = c->priv;
	for (size_t i = 0; i < n; i++) {
		FILE *f = p->keep_alive ? p->pipe : popen(p->cmd, "w");
		if (!f) {
			snprintf(r->err, sizeof(r->err), "cannot start '%s': %s", p->cmd, strerror(errno));
			return -1;
		}
		fwrite(it[i].payload.buf, 1, it[i].payload.len, f);
		fputc('\n', f);
		int bad = fflush(f) || ferror(f);
		if (!p->keep_alive) {
			int st = pclose(f);
			if (!bad && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
				bad = 1;
		}
		if (bad) {
			/* the program died: respawned before the retry */
			snprintf(r->err, sizeof(r->err), "'%s' did not take the alert (%s)", p->cmd, strerror(errno));
			return -1;
		}
		it[i].status = OUT_OK;
	}
	return 0;
}

static void program_fini(struct channel *c)
{
	program_close(c);
	priv_free(c);
}

const struct backend out_program = {
	.type = "program",
	.keys = program_keys,
	.init = program_init,
	.open = program_open,
	.close = program_close,
	.send = program_send,
	.fini = program_fini,
};
