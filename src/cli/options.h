/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - engine options set with `-o key=value`, using falco.yaml's
 * key names, with their defaults.
 */
#ifndef VIGIL_OPTIONS_H
#define VIGIL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output/outputs.h"
#include "state/container_meta.h"

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
	bool enforce_audit;		/* enforce.mode=audit: acting rules and policies only report */
	int log_level;		/* enum log_level (log_level: error, warning, info, debug) */
	/* outputs: every outputs.NAME.KEY, and falco.yaml's stdout_output,
	 * file_output, program_output, syslog_output and http_output sections
	 * as outputs.<section>.KEY, with where each was set */
	struct out_kvlist outputs;
	bool buffered_outputs;
	uint64_t output_timeout_ms;	/* output_timeout (2000) */
	uint64_t outputs_queue_capacity;	/* outputs_queue.capacity (0: vigil's default) */
	/* syscall_event_drops */
	double drops_threshold;
	unsigned drops_actions;		/* enum drop_action bits */
	double drops_rate;
	double drops_max_burst;
	bool drops_simulate;
	/* container metadata of live runs: container.engines.*, container.engine_timeout,
	 * container.label_max_len (Falco's container plugin init_config) */
	struct cmeta_cfg container;
	/* rules_files from a configuration file (used when no -r is given) */
	char rules_files[16][512];
	int nrules_files;
};

void cli_options_init(struct cli_options *o);
void cli_options_fini(struct cli_options *o);
/* Apply "key=value". Returns 0, or -EINVAL with a message in err. */
int cli_options_set(struct cli_options *o, const char *kv, char *err, size_t errlen);
/* The same, for a value read at file:line:col (`src`: that line, may be
 * NULL); output settings keep the position for their diagnostics. */
int cli_options_set_at(struct cli_options *o, const char *kv, const char *file, int line, int col, const char *src,
		       char *err, size_t errlen);

/* Load a falco.yaml-style configuration file: every scalar becomes
 * "dotted.key=value". Keys vigil does not implement are reported as warnings
 * through the diagnostics list (file:line:col); bad values are errors.
 * Returns 0 or -EINVAL. */
struct diag_list;
int cli_options_load(struct cli_options *o, const char *path, struct diag_list *dl);

/* Check cross-key constraints (drop actions, thresholds). */
int cli_options_validate(const struct cli_options *o, char *err, size_t errlen);

#endif
