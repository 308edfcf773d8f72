/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom.c - the Prometheus text exposition writer: HELP/TYPE lines,
 * samples with and without labels, label and HELP escaping, skipped labels,
 * special float values and metric name validation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include "common/strbuf.h"
#include "http/prom.h"

static void test_family_and_samples(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	prom_family(&sb, "vigil_rule_matches_total", "counter", "Alerts raised by each rule.");
	prom_u64(&sb, "vigil_rule_matches_total", 3, "rule", "Read sensitive file", "priority", "Warning", NULL);
	prom_u64(&sb, "vigil_rule_matches_total", UINT64_MAX, "rule", "x", NULL);
	prom_family(&sb, "vigil_events_per_second", "gauge", "Rate.");
	prom_f64(&sb, "vigil_events_per_second", 12.5, NULL);
	assert_string_equal(sb.buf,
			    "# HELP vigil_rule_matches_total Alerts raised by each rule.\n"
			    "# TYPE vigil_rule_matches_total counter\n"
			    "vigil_rule_matches_total{rule=\"Read sensitive file\",priority=\"Warning\"} 3\n"
			    "vigil_rule_matches_total{rule=\"x\"} 18446744073709551615\n"
			    "# HELP vigil_events_per_second Rate.\n"
			    "# TYPE vigil_events_per_second gauge\n"
			    "vigil_events_per_second 12.5\n");
	strbuf_fini(&sb);
}

static void test_escaping(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	/* label values: backslash, double quote and newline escaped; nothing else */
	prom_u64(&sb, "m", 1, "rule", "a \"quoted\" C:\\path\nnext {x=1}", NULL);
	assert_string_equal(sb.buf, "m{rule=\"a \\\"quoted\\\" C:\\\\path\\nnext {x=1}\"} 1\n");
	strbuf_reset(&sb);
	/* HELP: backslash and newline only (quotes stay) */
	prom_family(&sb, "m", "counter", "say \"hi\" \\ twice\nplease");
	assert_string_equal(sb.buf, "# HELP m say \"hi\" \\\\ twice\\nplease\n# TYPE m counter\n");
	strbuf_reset(&sb);
	/* a NULL label value leaves its pair out */
	prom_u64(&sb, "m", 2, "a", NULL, "b", "y", NULL);
	assert_string_equal(sb.buf, "m{b=\"y\"} 2\n");
	strbuf_reset(&sb);
	prom_u64(&sb, "m", 0, "a", NULL, NULL);
	assert_string_equal(sb.buf, "m 0\n");
	strbuf_fini(&sb);
}

static void test_floats(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	prom_f64(&sb, "a", NAN, NULL);
	prom_f64(&sb, "b", INFINITY, NULL);
	prom_f64(&sb, "c", -INFINITY, NULL);
	prom_f64(&sb, "d", 0.1, NULL);
	prom_f64(&sb, "e", 1e21, NULL);
	assert_string_equal(sb.buf, "a NaN\nb +Inf\nc -Inf\nd 0.10000000000000001\ne 1e+21\n");
	strbuf_fini(&sb);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(prom_valid_name("vigil_events_total"));
	assert_true(prom_valid_name("_x:y9"));
	assert_true(prom_valid_name("process_cpu_seconds_total"));
	assert_false(prom_valid_name(""));
	assert_false(prom_valid_name("9abc"));
	assert_false(prom_valid_name("a-b"));
	assert_false(prom_valid_name("a b"));
	assert_false(prom_valid_name("é"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
