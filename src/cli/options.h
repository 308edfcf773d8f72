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
#include "http/server.h"
#include "output/outputs.h"
#include "state/container_meta.h"

/* falco.yaml's `metrics` section (Falco's key names), plus
 * metrics.enable_kernel_bpf_stats: turn the kernel's BPF run-time statistics
 * on while vigil runs (BPF_ENABLE_STATS), as sysctl kernel.bpf_stats_enabled. */
struct metrics_cfg {
	bool enabled;				/* enabled (false) */
	double interval;			/* interval, seconds (1h) */
	bool output_rule;			/* output_rule: the "Falco internal: metrics snapshot" alert (true) */
	char output_file[512];			/* output_file: JSON lines appended */
	bool rules_counters;			/* rules_counters_enabled (true) */
	bool resource_utilization;		/* resource_utilization_enabled (true) */
	bool state_counters;			/* state_counters_enabled (true) */
	bool kernel_event_counters;		/* kernel_event_counters_enabled (true) */
	bool kernel_event_counters_per_cpu;	/* kernel_event_counters_per_cpu_enabled (false) */
	bool libbpf_stats;			/* libbpf_stats_enabled (true) */
	bool convert_memory_to_mb;		/* convert_memory_to_mb (true) */
	bool include_empty_values;		/* include_empty_values (false) */
	bool enable_kernel_bpf_stats;		/* vigil: enable_kernel_bpf_stats (false) */
};

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
	/* the embedded HTTP server (webserver.*), metrics.*, watch_config_files */
	struct http_cfg web;
	struct metrics_cfg metrics;
	bool watch_config_files;	/* true, as Falco */
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

/* A duration as Falco writes them ("30s", "15m", "1h", "1h30m", "500ms", or
 * seconds): seconds in *out, or -EINVAL. */
int cli_parse_duration(const char *v, double *out);

/* Check cross-key constraints (drop actions, thresholds). */
int cli_options_validate(const struct cli_options *o, char *err, size_t errlen);

#endif
