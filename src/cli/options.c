/* SPDX-License-Identifier: Apache-2.0 */
/* options.c - parses `-o key=value` engine options (falco.yaml key names). */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include "cli/options.h"
#include "rules/ruleset.h"

void cli_options_init(struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->json_include_output = true;
	o->json_include_tags = true;
	o->json_include_output_fields = true;
	o->suggested_output = true;
	o->min_priority = PRIO_DEBUG;
}

static int set_bool(bool *dst, const char *key, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "true")) {
		*dst = true;
		return 0;
	}
	if (!strcmp(v, "false")) {
		*dst = false;
		return 0;
	}
	snprintf(err, errlen, "option %s: '%s' is not true or false", key, v);
	return -EINVAL;
}

int cli_options_set(struct cli_options *o, const char *kv, char *err, size_t errlen)
{
	char key[128];
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		snprintf(err, errlen, "option '%s' is not key=value", kv);
		return -EINVAL;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = 0;
	const char *v = eq + 1;
	static const struct {
		const char *key;
		size_t off;
	} bools[] = {
		{ "json_output", offsetof(struct cli_options, json_output) },
		{ "json_include_output_property", offsetof(struct cli_options, json_include_output) },
		{ "json_include_tags_property", offsetof(struct cli_options, json_include_tags) },
		{ "json_include_message_property", offsetof(struct cli_options, json_include_message) },
		{ "json_include_output_fields_property", offsetof(struct cli_options, json_include_output_fields) },
		{ "time_format_iso_8601", offsetof(struct cli_options, time_iso8601) },
		{ "evaluate_enter_events", offsetof(struct cli_options, evaluate_enter_events) },
		{ "suggested_output", offsetof(struct cli_options, suggested_output) },
		{ "append_output.suggested_output", offsetof(struct cli_options, suggested_output) },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (!strcmp(key, bools[i].key))
			return set_bool((bool *)((char *)o + bools[i].off), key, v, err, errlen);
	if (!strcmp(key, "rule_matching")) {
		if (!strcmp(v, "first") || !strcmp(v, "all")) {
			o->rule_matching_all = !strcmp(v, "all");
			return 0;
		}
		snprintf(err, errlen, "option rule_matching: '%s' is not 'first' or 'all'", v);
		return -EINVAL;
	}
	if (!strcmp(key, "priority")) {
		int p = priority_parse(v);
		if (p < 0) {
			snprintf(err, errlen, "option priority: unknown priority '%s'", v);
			return -EINVAL;
		}
		o->min_priority = p;
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s'", key);
	return -EINVAL;
}
