/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka_mock.c - a Kafka cluster for the output tests: librdkafka's mock
 * cluster (3 brokers on 127.0.0.1, topic "falco" with 4 partitions,
 * replication 3), which speaks the real protocol. Prints the bootstrap
 * list on its first line, then obeys stdin, one command per line:
 *   down   all brokers down        up     all brokers up
 *   dump   consume the topic from the start, print one JSON line per
 *          message {"partition":P,"key":"K","value":"V"} then "end"
 * and exits at end of input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static void jstr(const char *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void dump(const char *bootstrap)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "dump", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
	rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
	for (int p = 0; p < 4; p++)
		rd_kafka_topic_partition_list_add(l, "falco", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(c, l);
	rd_kafka_topic_partition_list_destroy(l);
	int eofs = 0, idle = 0;
	while (eofs < 4 && idle < 100) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
		if (!m) {
			idle++;
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eofs++;
		} else if (!m->err) {
			printf("{\"partition\":%d,\"key\":", (int)m->partition);
			if (m->key)
				jstr(m->key, m->key_len);
			else
				printf("null");
			printf(",\"value\":");
			jstr(m->payload, m->len);
			printf("}\n");
		}
		rd_kafka_message_destroy(m);
	}
	printf("end\n");
	fflush(stdout);
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
}

int main(void)
{
	char err[512], line[64];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
	if (!mc || rd_kafka_mock_topic_create(mc, "falco", 4, 3)) {
		fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
		return 1;
	}
	const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
	printf("%s\n", bootstrap);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "down", 4) || !strncmp(line, "up", 2))
			for (int b = 1; b <= 3; b++)
				(line[0] == 'd' ? rd_kafka_mock_broker_set_down : rd_kafka_mock_broker_set_up)(mc, b);
		else if (!strncmp(line, "dump", 4))
			dump(bootstrap);
		printf("ok\n");
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
