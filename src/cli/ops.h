/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops.h - running `vigil run` in production: the embedded HTTP server with
 * /healthz, /version and Prometheus /metrics, the periodic metrics snapshot
 * (Falco's `metrics` option: an internal alert and/or a JSON-lines file),
 * kernel BPF run-time statistics, and hot reload (reload.h).
 *
 * Threads: the live loop calls ops_tick() between two events; it stamps a
 * heartbeat, renders the snapshots the HTTP threads asked for (they wait
 * for it, at most a second, then serve the previous one), raises the
 * metrics alert when due and swaps in a prepared reload. The HTTP threads
 * never touch the engine, the state or the outputs.
 */
#ifndef VIGIL_OPS_H
#define VIGIL_OPS_H

#include <stdbool.h>
#include "cli/live_run.h"
#include "common/strbuf.h"

struct ops;
struct http_server;

/* Start what the session's options enable (webserver.*, metrics.*, reload
 * on SIGHUP and, with watch_config_files, on file changes). Returns NULL
 * after a message on stderr when a configured part cannot start (a port in
 * use, a bad certificate). */
struct ops *ops_start(struct live_loop *lp, const struct live_run_opts *lo, char *err, size_t errlen);
/* Between two events, on the loop's thread: cheap unless something is due. */
void ops_tick(struct ops *o);
/* Stop the server and the reload watcher; NULL is fine. */
void ops_stop(struct ops *o);

/* The HTTP server, to mount more routes (the web console), or NULL when
 * webserver.enabled is false. */
struct http_server *ops_http(struct ops *o);

/* Extensions of `vigil run` (the web console): register before live_run()
 * starts (from cmd_run). ops_start() calls mount() once the server exists
 * and before it listens (srv NULL when webserver.enabled is false): add
 * routes with http_route(), alert taps with session_add_alert_tap(lp->s...).
 * tick() runs on the loop's thread between two events, at every step (keep
 * it cheap: publish snapshots, as ops does for /metrics); stop() before the
 * server stops (also after a failed start, without mount()). Any may be
 * NULL. At most 4: -ENOSPC. */
struct ops_ext {
	void (*mount)(void *ud, struct http_server *srv, struct live_loop *lp);
	void (*tick)(void *ud, struct live_loop *lp);
	void (*stop)(void *ud);
	void *ud;
};
int ops_register(const struct ops_ext *x);

/* The Prometheus text of the session right now (loop thread only). */
void ops_render_metrics(struct ops *o, struct strbuf *out);

#endif
