/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console_int.h - what store.c and api.c share: the database schema
 * version, the SQL expression of an alert's list item (the same JSON object
 * in /api/alerts, /api/alerts/<id> and /api/stream), the active store's path
 * and the rules document.
 */
#ifndef VIGIL_CONSOLE_INT_H
#define VIGIL_CONSOLE_INT_H

#include <sqlite3.h>
#include "console/console.h"

/* One row of `alerts` as the page lists it. */
#define CONSOLE_ITEM_SQL                                                                                  \
	"json_object('id',id,'time',strftime('%Y-%m-%dT%H:%M:%fZ',ts/1000000000.0,'unixepoch'),'ts',ts,"   \
	"'priority',prio_name,'prio',priority,'rule',rule,'source',source,'hostname',hostname,"             \
	"'tags',json(tags),'output',(SELECT output FROM alert_body WHERE alert_body.id = alerts.id),'container_id',container_id,'container_name',container_name,"    \
	"'image',image,'image_repo',image_repo,'k8s_ns',k8s_ns,'k8s_pod',k8s_pod)"

/* A priority number's name, in SQL (column p). */
#define CONSOLE_PRIO_NAME_SQL(p)                                                                            \
	"CASE " p " WHEN 0 THEN 'Emergency' WHEN 1 THEN 'Alert' WHEN 2 THEN 'Critical' WHEN 3 THEN 'Error'"  \
	" WHEN 4 THEN 'Warning' WHEN 5 THEN 'Notice' WHEN 6 THEN 'Informational' ELSE 'Debug' END"

/* Open the database at path read-only (busy timeout set). Returns NULL with
 * a message in err. */
sqlite3 *console_db_open_ro(const char *path, char *err, size_t errlen);

/* The running console output's database path (copied into buf), or false. */
bool console_active_path(char *buf, size_t len);

/* The rules document (a JSON array) of console_set_rules() into out, or
 * false when none was set. */
bool console_rules_json(struct strbuf *out);

#endif
