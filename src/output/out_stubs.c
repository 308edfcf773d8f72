/* temporary */
#include "output/channel.h"
static int nosend(struct channel *c, struct out_item *it, size_t n, struct send_result *r) { (void)c; (void)it; (void)n; (void)r; return -1; }
const struct backend out_syslog = { .type = "syslog", .send = nosend };
const struct backend out_http = { .type = "http", .send = nosend };
const struct backend out_slack = { .type = "slack", .send = nosend };
const struct backend out_elasticsearch = { .type = "elasticsearch", .send = nosend };
const struct backend out_opensearch = { .type = "opensearch", .send = nosend };
const struct backend out_loki = { .type = "loki", .send = nosend };
const struct backend out_kafka = { .type = "kafka", .send = nosend };
const struct backend out_redis = { .type = "redis", .send = nosend };
const struct backend out_nats = { .type = "nats", .send = nosend };
const struct backend out_mqtt = { .type = "mqtt", .send = nosend };
