/* llm_topics.c -- test helper: creates or deletes a private copy of qaflow's topics (PREFIX + name).
 * The topics and their partition counts come from infra/kafka/topics.txt, the one topic list (the
 * file `./qaflow up` creates topics from with infra/kafka/topics.c; same format: "name partitions"
 * lines, '#' comments). */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPICS_MAX 64

static struct {
    char name[250];
    int partitions;
} topics[TOPICS_MAX];
static size_t ntopics;

/* The topic list: $QAFLOW_KAFKA_TOPICS_FILE, else infra/kafka/topics.txt of the source tree this
 * helper was built from (CMake compiles it by absolute path). */
static const char *topics_file(char *buf, size_t len)
{
    const char *env = getenv("QAFLOW_KAFKA_TOPICS_FILE");
    if (env && *env) return env;
    const char *self = __FILE__, *tail = strstr(self, "tests/integration/llm/llm_topics.c");
    if (!tail || self[0] != '/') return NULL;
    snprintf(buf, len, "%.*sinfra/kafka/topics.txt", (int)(tail - self), self);
    return buf;
}

static int read_topics(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", file, strerror(errno));
        return -1;
    }
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0') continue;
        if (ntopics == TOPICS_MAX || sscanf(p, "%249s %d", topics[ntopics].name, &topics[ntopics].partitions) != 2 ||
            topics[ntopics].partitions < 1) {
            fprintf(stderr, "%s:%d: expected 'name partitions' (at most %d topics)\n", file, lineno, TOPICS_MAX);
            fclose(f);
            return -1;
        }
        ntopics++;
    }
    fclose(f);
    if (ntopics == 0) {
        fprintf(stderr, "%s: no topics\n", file);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "create") && strcmp(argv[2], "delete"))) {
        fprintf(stderr, "usage: %s BROKERS create|delete PREFIX\n"
                        "Creates (or deletes) PREFIX<topic> for each topic of infra/kafka/topics.txt "
                        "(or $QAFLOW_KAFKA_TOPICS_FILE) with its partition count, so a test has topics "
                        "nobody else writes to.\n", argv[0]);
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    char path[4096];
    const char *file = topics_file(path, sizeof path);
    if (!file) {
        fprintf(stderr, "set QAFLOW_KAFKA_TOPICS_FILE to infra/kafka/topics.txt\n");
        return 1;
    }
    if (read_topics(file) != 0) return 1;
    int create = strcmp(argv[2], "create") == 0;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    /* admin requests only, never produces (producers: kafka_producer_create, murmur2_random) */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char names[TOPICS_MAX][256 + 250];
    rd_kafka_NewTopic_t *nt[TOPICS_MAX];
    rd_kafka_DeleteTopic_t *dt[TOPICS_MAX];
    for (size_t i = 0; i < ntopics; i++) {
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
        rd_kafka_CreateTopics(rk, nt, ntopics, opts, q);
    else
        rd_kafka_DeleteTopics(rk, dt, ntopics, opts, q);
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
    for (size_t i = 0; i < ntopics; i++) {
        if (create)
            rd_kafka_NewTopic_destroy(nt[i]);
        else
            rd_kafka_DeleteTopic_destroy(dt[i]);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
