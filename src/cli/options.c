/* SPDX-License-Identifier: Apache-2.0 */
/* options.c - parses `-o key=value` engine options (falco.yaml key names). */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <yaml.h>
#include "cli/options.h"
#include "common/diag.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "engine/drops.h"
#include "rules/ruleset.h"

static int set_bool(bool *dst, const char *key, const char *v, char *err, size_t errlen);

void cli_options_init(struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->json_include_output = true;
	o->json_include_tags = true;
	o->json_include_output_fields = true;
	o->suggested_output = true;
	o->min_priority = PRIO_DEBUG;
	o->output_timeout_ms = 2000;
	o->drops_threshold = 0.1;
	o->drops_actions = DROP_ACT_LOG | DROP_ACT_ALERT;
	o->drops_rate = 0.03333;
	o->drops_max_burst = 1;
	cmeta_cfg_init(&o->container);
	o->log_level = LOG_LVL_INFO;
	http_cfg_init(&o->web);
	o->watch_config_files = true;
	o->metrics = (struct metrics_cfg){ .interval = 3600, .output_rule = true, .rules_counters = true,
					   .resource_utilization = true, .state_counters = true,
					   .kernel_event_counters = true, .libbpf_stats = true,
					   .convert_memory_to_mb = true };
}

int cli_parse_duration(const char *v, double *out)
{
	static const struct { const char *u; double s; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
		{ "w", 604800 },
	};
	double total = 0;
	const char *p = v;
	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		double n = strtod(p, &end);
		if (end == p || !(n >= 0))
			return -EINVAL;
		p = end;
		if (!*p && total == 0) {
			total = n;	/* a bare number: seconds */
			break;
		}
		size_t i, best = 0;
		double mult = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(p, units[i].u, l) && l > best) {
				best = l;
				mult = units[i].s;
			}
		}
		if (!best)
			return -EINVAL;
		total += n * mult;
		p += best;
	}
	*out = total;
	return 0;
}

/* metrics.*: Returns 1 if `key` is not one of them. */
static int set_metrics(struct metrics_cfg *m, const char *key, const char *v, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} bools[] = {
		{ "enabled", offsetof(struct metrics_cfg, enabled) },
		{ "output_rule", offsetof(struct metrics_cfg, output_rule) },
		{ "rules_counters_enabled", offsetof(struct metrics_cfg, rules_counters) },
		{ "resource_utilization_enabled", offsetof(struct metrics_cfg, resource_utilization) },
		{ "state_counters_enabled", offsetof(struct metrics_cfg, state_counters) },
		{ "kernel_event_counters_enabled", offsetof(struct metrics_cfg, kernel_event_counters) },
		{ "kernel_event_counters_per_cpu_enabled", offsetof(struct metrics_cfg, kernel_event_counters_per_cpu) },
		{ "libbpf_stats_enabled", offsetof(struct metrics_cfg, libbpf_stats) },
		{ "convert_memory_to_mb", offsetof(struct metrics_cfg, convert_memory_to_mb) },
		{ "include_empty_values", offsetof(struct metrics_cfg, include_empty_values) },
		{ "enable_kernel_bpf_stats", offsetof(struct metrics_cfg, enable_kernel_bpf_stats) },
		/* Falco's, without meaning in vigil (no plugins, no jemalloc) */
		{ "plugins_metrics_enabled", SIZE_MAX },
		{ "jemalloc_stats_enabled", SIZE_MAX },
	};
	if (strncmp(key, "metrics.", 8))
		return 1;
	const char *k = key + 8;
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (strcmp(k, bools[i].key))
			continue;
		bool ignored;
		return set_bool(bools[i].off != SIZE_MAX ? (bool *)((char *)m + bools[i].off) : &ignored, key, v, err,
				errlen);
	}
	if (!strcmp(k, "interval")) {
		double d;
		if (cli_parse_duration(v, &d) || d < 0.1) {
			snprintf(err, errlen, "option %s: '%s' is not a duration of at least 100ms (30s, 15m, 1h...)", key, v);
			return -EINVAL;
		}
		m->interval = d;
		return 0;
	}
	if (!strcmp(k, "output_file")) {
		if (strlen(v) >= sizeof(m->output_file)) {
			snprintf(err, errlen, "option %s: path too long", key);
			return -EINVAL;
		}
		snprintf(m->output_file, sizeof(m->output_file), "%s", v);
		return 0;
	}
	return 1;
}

/* A comma-separated list of paths (a YAML sequence flattens to one). */
static int set_paths(char (*dst)[CMETA_PATH_LEN], int *n, const char *key, const char *v, char *err, size_t errlen)
{
	char buf[4 * CMETA_PATH_LEN];
	snprintf(buf, sizeof(buf), "%s", v);
	*n = 0;
	for (char *tok = strtok(buf, ", []"); tok; tok = strtok(NULL, ", []")) {
		if (*n == CMETA_MAX_PATHS || strlen(tok) >= CMETA_PATH_LEN) {
			snprintf(err, errlen, "option %s: at most %d paths of fewer than %d characters", key,
				 CMETA_MAX_PATHS, CMETA_PATH_LEN);
			return -EINVAL;
		}
		snprintf(dst[(*n)++], CMETA_PATH_LEN, "%s", tok);
	}
	return 0;
}


/* container.engines.ENGINE.{enabled,sockets,state_dirs}, container.engine_timeout,
 * container.label_max_len. Returns 1 if `key` is not one of them. */
static int set_container(struct cmeta_cfg *c, const char *key, const char *v, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} engines[] = {
		{ "docker", offsetof(struct cmeta_cfg, docker) },
		{ "podman", offsetof(struct cmeta_cfg, podman) },
		{ "containerd", offsetof(struct cmeta_cfg, containerd) },
		{ "cri", offsetof(struct cmeta_cfg, cri) },
	};
	if (!strcmp(key, "container.engine_timeout")) {
		char *end;
		double d = strtod(v, &end);
		if (!*v || *end || !(d >= 0) || d > 3600) {
			snprintf(err, errlen, "option %s: '%s' is not a number of seconds (0 to 3600)", key, v);
			return -EINVAL;
		}
		c->timeout = d > 0 ? d : 3600;	/* 0: Falco's "no timeout", bounded to an hour */
		return 0;
	}
	if (!strcmp(key, "container.label_max_len")) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (!*v || *end || n > 1u << 20) {
			snprintf(err, errlen, "option %s: '%s' is not a length", key, v);
			return -EINVAL;
		}
		c->label_max_len = (unsigned)n;
		return 0;
	}
	if (strncmp(key, "container.engines.", 18))
		return 1;
	const char *name = key + 18, *dot = strchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (strlen(engines[i].name) != (size_t)(dot - name) || strncmp(name, engines[i].name, (size_t)(dot - name)))
			continue;
		struct cmeta_engine_cfg *e = (struct cmeta_engine_cfg *)((char *)c + engines[i].off);
		if (!strcmp(dot + 1, "enabled"))
			return set_bool(&e->enabled, key, v, err, errlen);
		if (!strcmp(dot + 1, "sockets") && strcmp(engines[i].name, "containerd") && strcmp(engines[i].name, "cri"))
			return set_paths(e->sockets, &e->nsockets, key, v, err, errlen);
		if (!strcmp(dot + 1, "state_dirs") && strcmp(engines[i].name, "docker"))
			return set_paths(e->dirs, &e->ndirs, key, v, err, errlen);
	}
	return 1;
}

static int set_double(double *dst, const char *key, const char *v, char *err, size_t errlen)
{
	char *end;
	double d = strtod(v, &end);
	if (!*v || *end) {
		snprintf(err, errlen, "option %s: '%s' is not a number", key, v);
		return -EINVAL;
	}
	*dst = d;
	return 0;
}

static int set_actions(unsigned *dst, const char *v, char *err, size_t errlen)
{
	static const struct { const char *n; unsigned a; } acts[] = {
		{ "ignore", DROP_ACT_IGNORE }, { "log", DROP_ACT_LOG }, { "alert", DROP_ACT_ALERT }, { "exit", DROP_ACT_EXIT },
	};
	unsigned a = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	/* "log,alert", or a YAML flow sequence "[log, alert]" as Falco's -o takes */
	for (char *tok = strtok(buf, ", []"); tok; tok = strtok(NULL, ", []")) {
		size_t i;
		for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
			if (!strcmp(acts[i].n, tok))
				break;
		if (i == sizeof(acts) / sizeof(acts[0])) {
			snprintf(err, errlen, "syscall_event_drops.actions: unknown action '%s' (ignore, log, alert, exit)", tok);
			return -EINVAL;
		}
		a |= acts[i].a;
	}
	*dst = a;
	return 0;
}

void cli_options_fini(struct cli_options *o)
{
	out_kvlist_fini(&o->outputs);
}

int cli_options_validate(const struct cli_options *o, char *err, size_t errlen)
{
	if (o->drops_threshold < 0 || o->drops_threshold > 1) {
		snprintf(err, errlen, "syscall event drops threshold must be a double in the range [0, 1]");
		return -EINVAL;
	}
	if ((o->drops_actions & DROP_ACT_IGNORE) && (o->drops_actions & ~DROP_ACT_IGNORE)) {
		const char *other = (o->drops_actions & DROP_ACT_LOG) ? "log" : (o->drops_actions & DROP_ACT_ALERT) ? "alert" : "exit";
		snprintf(err, errlen, "syscall event drop action \"%s\" does not make sense with the \"ignore\" action", other);
		return -EINVAL;
	}
	return 0;
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

/* falco.yaml's output sections, kept as outputs named after them. */
static const char *const falco_output_sections[] = { "stdout_output", "file_output", "program_output",
						     "syslog_output", "http_output", NULL };

int cli_options_set(struct cli_options *o, const char *kv, char *err, size_t errlen)
{
	return cli_options_set_at(o, kv, NULL, 0, 0, NULL, err, errlen);
}

int cli_options_set_at(struct cli_options *o, const char *kv, const char *file, int line, int col, const char *src,
		       char *err, size_t errlen)
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
		{ "buffered_outputs", offsetof(struct cli_options, buffered_outputs) },
		{ "syscall_event_drops.simulate_drops", offsetof(struct cli_options, drops_simulate) },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (!strcmp(key, bools[i].key))
			return set_bool((bool *)((char *)o + bools[i].off), key, v, err, errlen);
	/* outputs: checked when the outputs are built, at their position */
	if (!strncmp(key, "outputs.", 8)) {
		out_kvlist_add(&o->outputs, key, v, file, line, col, src);
		return 0;
	}
	for (size_t i = 0; falco_output_sections[i]; i++) {
		size_t l = strlen(falco_output_sections[i]);
		if (!strncmp(key, falco_output_sections[i], l) && key[l] == '.') {
			char full[160];
			snprintf(full, sizeof(full), "outputs.%s", key);
			out_kvlist_add(&o->outputs, full, v, file, line, col, src);
			return 0;
		}
	}
	if (!strcmp(key, "output_timeout") || !strcmp(key, "outputs_queue.capacity")) {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (!*v || *end) {
			snprintf(err, errlen, "option %s: '%s' is not a non-negative integer", key, v);
			return -EINVAL;
		}
		if (!strcmp(key, "output_timeout"))
			o->output_timeout_ms = n;
		else
			o->outputs_queue_capacity = n;
		return 0;
	}
	if (!strcmp(key, "enforce.mode")) {
		if (!strcmp(v, "enforce") || !strcmp(v, "audit")) {
			o->enforce_audit = !strcmp(v, "audit");
			return 0;
		}
		snprintf(err, errlen, "option enforce.mode: '%s' is not 'enforce' or 'audit'", v);
		return -EINVAL;
	}
	if (!strcmp(key, "rule_matching")) {
		if (!strcmp(v, "first") || !strcmp(v, "all")) {
			o->rule_matching_all = !strcmp(v, "all");
			return 0;
		}
		snprintf(err, errlen, "option rule_matching: '%s' is not 'first' or 'all'", v);
		return -EINVAL;
	}
	if (!strcmp(key, "syscall_event_drops.threshold"))
		return set_double(&o->drops_threshold, key, v, err, errlen);
	if (!strcmp(key, "syscall_event_drops.rate"))
		return set_double(&o->drops_rate, key, v, err, errlen);
	if (!strcmp(key, "syscall_event_drops.max_burst"))
		return set_double(&o->drops_max_burst, key, v, err, errlen);
	if (!strcmp(key, "syscall_event_drops.actions"))
		return set_actions(&o->drops_actions, v, err, errlen);
	if (!strcmp(key, "rules_file") || !strcmp(key, "rules_files")) {
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s", v);
		o->nrules_files = 0;
		for (char *tok = strtok(buf, ","); tok && o->nrules_files < 16; tok = strtok(NULL, ","))
			snprintf(o->rules_files[o->nrules_files++], sizeof(o->rules_files[0]), "%s", tok);
		return 0;
	}
	if (!strcmp(key, "log_level")) {
		/* Falco's syslog-style names, onto vigil's four levels */
		static const struct { const char *n; int l; } lv[] = {
			{ "emergency", LOG_LVL_ERROR }, { "alert", LOG_LVL_ERROR }, { "critical", LOG_LVL_ERROR },
			{ "error", LOG_LVL_ERROR }, { "warning", LOG_LVL_WARN }, { "notice", LOG_LVL_INFO },
			{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
		};
		for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
			if (!strcmp(v, lv[i].n)) {
				o->log_level = lv[i].l;
				return 0;
			}
		snprintf(err, errlen, "option log_level: '%s' is not a log level (error, warning, info, debug...)", v);
		return -EINVAL;
	}
	int crc = set_container(&o->container, key, v, err, errlen);
	if (crc <= 0)
		return crc;
	if ((crc = http_cfg_set(&o->web, key, v, err, errlen)) <= 0)
		return crc;
	if ((crc = set_metrics(&o->metrics, key, v, err, errlen)) <= 0)
		return crc;
	if (!strcmp(key, "watch_config_files"))
		return set_bool(&o->watch_config_files, key, v, err, errlen);
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

/* Keys of falco.yaml that vigil accepts but that do not change a replay. */
static bool accepted_key(const char *key, const char *v)
{
	static const char *const keys[] = { "log_stderr", "log_syslog", "libs_logger.enabled", "libs_logger.severity",
					    "grpc.enabled", "grpc_output.enabled", "load_plugins", "container.hooks", "container.with_size", NULL };
	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(keys[i], key))
			return true;
	(void)v;
	return false;
}

/* Top-level keys of falco.yaml (current and recent releases) and vigil's
 * own: any other is a typo, refused. */
static const char *const known_top[] = {
	"config_files", "watch_config_files", "rules_files", "rules_file", "rules", "engine", "load_plugins",
	"plugins", "plugins_hostinfo", "time_format_iso_8601", "buffer_format_base64", "priority", "json_output",
	"json_include_output_property", "json_include_tags_property", "json_include_message_property",
	"json_include_output_fields_property", "buffered_outputs", "rule_matching", "outputs_queue",
	"append_output", "static_fields", "stdout_output", "syslog_output", "file_output", "http_output",
	"program_output", "grpc_output", "grpc", "webserver", "log_stderr", "log_syslog", "log_level",
	"libs_logger", "output_timeout", "outputs", "syscall_event_timeouts", "syscall_event_drops", "metrics",
	"base_syscalls", "falco_libs", "container_engines", "capture", "default_rule_output", "syscall_buf_size_preset",
	"modern_bpf", "modern_ebpf", "kmod", "ebpf", "gvisor", "k8s_api", "k8s_api_cert", "k8s_node",
	"metadata_download", "thread_table_size", "snaplen", "suggested_output", "evaluate_enter_events",
	"falco_libs_thread_table_size", "syscall_drop_failed_exit", "drop_failed_exit", "driver", "logging",
	"enforce",
	NULL,
};

static void flatten(struct cli_options *o, const char *path, const char *text, size_t tlen, yaml_document_t *d,
		    yaml_node_t *n, const char *prefix, yaml_mark_t km, struct diag_list *dl, int *rc)
{
	char key[256], err[300];
	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
			if (!k || k->type != YAML_SCALAR_NODE || !v)
				continue;
			const char *name = (const char *)k->data.scalar.value;
			if (!*prefix) {
				size_t i;
				for (i = 0; known_top[i]; i++)
					if (!strcmp(known_top[i], name))
						break;
				if (!known_top[i]) {
					char *line = diag_line_at(text, tlen, k->start_mark.index);
					const char *sug = diag_suggest(name, known_top, i);
					diag_add(dl, DIAG_ERROR, path, (int)k->start_mark.line + 1, (int)k->start_mark.column + 1,
						 line, (int)strlen(name), "unknown configuration key '%s'%s%s%s", name,
						 sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
					free(line);
					*rc = -EINVAL;
					continue;
				}
			}
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", name);
			flatten(o, path, text, tlen, d, v, key, k->start_mark, dl, rc);
		}
		return;
	}
	char val[4096] = "";
	if (n->type == YAML_SEQUENCE_NODE && !strcmp(prefix, "plugins")) {
		/* Falco's plugin list: the container plugin's init_config sets
		 * vigil's container.* options; other plugins are not vigil's */
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(d, *it), *name = NULL, *init = NULL;
			for (yaml_node_pair_t *p = e && e->type == YAML_MAPPING_NODE ? e->data.mapping.pairs.start : NULL;
			     p && p < e->data.mapping.pairs.top; p++) {
				yaml_node_t *k = yaml_document_get_node(d, p->key);
				if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "name"))
					name = yaml_document_get_node(d, p->value);
				if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "init_config"))
					init = yaml_document_get_node(d, p->value);
			}
			if (name && name->type == YAML_SCALAR_NODE && !strcmp((const char *)name->data.scalar.value, "container")) {
				if (init)
					flatten(o, path, text, tlen, d, init, "container", e->start_mark, dl, rc);
			} else if (name && name->type == YAML_SCALAR_NODE) {
				diag_add(dl, DIAG_WARNING, path, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1, NULL, 1,
					 "plugin '%s': vigil has no plugins; ignored", (const char *)name->data.scalar.value);
			}
		}
		return;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		size_t len = 0;
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(d, *it);
			if (!e || e->type != YAML_SCALAR_NODE) {
				diag_add(dl, DIAG_WARNING, path, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, NULL, 1,
					 "configuration key '%s': structured lists are not supported here; ignored", prefix);
				return;
			}
			len += (size_t)snprintf(val + len, sizeof(val) - len, "%s%s", len ? "," : "",
						(const char *)e->data.scalar.value);
			if (len >= sizeof(val))
				break;
		}
	} else {
		snprintf(val, sizeof(val), "%s", (const char *)n->data.scalar.value);
	}
	snprintf(key, sizeof(key), "%s=%s", prefix, val);
	char *line = diag_line_at(text, tlen, km.index);
	int r = cli_options_set_at(o, key, path, (int)km.line + 1, (int)km.column + 1, line, err, sizeof(err));
	if (r == 0) {
		free(line);
		return;
	}
	if (!strncmp(err, "unknown option", 14)) {
		if (!accepted_key(prefix, val))
			diag_add(dl, DIAG_WARNING, path, (int)km.line + 1, (int)km.column + 1, line, 1,
				 "configuration key '%s' is not used by vigil", prefix);
		free(line);
		return;
	}
	diag_add(dl, DIAG_ERROR, path, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, line, 1, "%s", err);
	free(line);
	*rc = -EINVAL;
}

int cli_options_load(struct cli_options *o, const char *path, struct diag_list *dl)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	yaml_document_t d;
	int rc = 0;

	if (!f) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 0, "cannot read configuration: %s", strerror(errno));
		return -errno;
	}
	struct strbuf text;
	char buf[65536];
	size_t got;
	strbuf_init(&text);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&text, buf, got);
	fclose(f);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text.buf, text.len);
	if (!yaml_parser_load(&p, &d)) {
		diag_add(dl, DIAG_ERROR, path, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1, NULL, 1,
			 "invalid YAML: %s", p.problem ? p.problem : "parse error");
		rc = -EINVAL;
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&d);
		if (root && root->type == YAML_MAPPING_NODE)
			flatten(o, path, text.buf, text.len, &d, root, "", root->start_mark, dl, &rc);
		else if (root && !(root->type == YAML_SCALAR_NODE && !*root->data.scalar.value)) {
			diag_add(dl, DIAG_ERROR, path, (int)root->start_mark.line + 1, (int)root->start_mark.column + 1, NULL, 1,
				 "a configuration file must be a map of keys");
			rc = -EINVAL;
		}
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
	strbuf_fini(&text);
	return rc;
}
