/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - leveled diagnostics to stderr, prefixed with the program name. */
#include <stdarg.h>
#include <stdio.h>
#include "common/log.h"

static enum log_level g_level = LOG_LVL_INFO;

void log_set_level(enum log_level lvl)
{
	g_level = lvl;
}

enum log_level log_get_level(void)
{
	return g_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (lvl > g_level)
		return;
	fprintf(stderr, "vigil: %s: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
