/* llm_topics.c -- test helper: creates or deletes a private copy of qaflow's topics (PREFIX + name). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int partitions;
} topics[] = {
    {"questions-pending", 3},         {"llm-responses-success", 3},
    {"llm-responses-error-overload", 2}, {"llm-responses-error-quota", 2},
    {"validated-responses", 3},       {"low-quality-responses", 1},
    {"questions-failed", 1},
};
#define NTOPICS (sizeof topics / sizeof *topics)

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "create") && strcmp(argv[2], "delete"))) {
        fprintf(stderr, "usage: %s BROKERS create|delete PREFIX\n"
                        "Creates (or deletes) PREFIX<topic> for each qaflow topic with the standard "
                        "partition counts, so a test has topics nobody else writes to.\n", argv[0]);
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    int create = strcmp(argv[2], "create") == 0;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char names[NTOPICS][256];
    rd_kafka_NewTopic_t *nt[NTOPICS];
    rd_kafka_DeleteTopic_t *dt[NTOPICS];
    for (size_t i = 0; i < NTOPICS; i++) {
        snprintf(names[i], sizeof names[i], "%s%s", argv[3], topics[i].name);
        if (create)
            nt[i] = rd_kafka_NewTopic_new(names[i], topics[i].partitions, 1, errstr, sizeof errstr);
        else
            dt[i] = rd_kafka_DeleteTopic_new(names[i]);
    }
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, errstr, sizeof errstr);
    rd_kafka_AdminOptions_set_request_timeout(opts, 30000, errstr, sizeof errstr);
    if (create)
        rd_kafka_CreateTopics(rk, nt, NTOPICS, opts, q);
    else
        rd_kafka_DeleteTopics(rk, dt, NTOPICS, opts, q);
    int rc = 1;
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
    if (!ev) {
        fprintf(stderr, "admin request timed out\n");
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "admin request failed: %s\n", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res =
            create ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
                   : rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                fprintf(stderr, "%s: %s\n", rd_kafka_topic_result_name(res[i]),
                        rd_kafka_topic_result_error_string(res[i]));
                rc = 1;
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    for (size_t i = 0; i < NTOPICS; i++) {
        if (create)
            rd_kafka_NewTopic_destroy(nt[i]);
        else
            rd_kafka_DeleteTopic_destroy(dt[i]);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
