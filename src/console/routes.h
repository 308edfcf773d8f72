/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.h - mounting the alert console (page, JSON API, event stream) on
 * vigil's HTTP server.
 */
#ifndef VIGIL_CONSOLE_ROUTES_H
#define VIGIL_CONSOLE_ROUTES_H

struct http_server;

/* Add the console's routes: /, /index.html, /app.js, /app.css and /api/...
 * Returns 0 or -ENOMEM. */
int console_mount(struct http_server *srv);
/* After http_server_free(): wait for the stream pump threads to end. */
void console_routes_stop(void);

#endif
