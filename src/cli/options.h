/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - engine options set with `-o key=value`, using falco.yaml's
 * key names, with their defaults.
 */
#ifndef VIGIL_OPTIONS_H
#define VIGIL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct cli_options {
	bool json_output;
	bool json_include_output;
	bool json_include_tags;
	bool json_include_message;
	bool json_include_output_fields;
	bool time_iso8601;
	bool rule_matching_all;
	bool evaluate_enter_events;
	bool suggested_output;
	int min_priority;
};

void cli_options_init(struct cli_options *o);
/* Apply "key=value". Returns 0, or -EINVAL with a message in err. */
int cli_options_set(struct cli_options *o, const char *kv, char *err, size_t errlen);

#endif
