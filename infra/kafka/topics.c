/* topics.c -- qaflow-kafka-topics: create (or delete) the topics listed in a file (name partitions) in one Admin API call. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define TOPICS_MAX 64
#define TOPICS_NAME_MAX 250

typedef struct topics_spec {
    char name[TOPICS_NAME_MAX];
    int partitions;
} topics_spec;

typedef struct topics_config {
    const char *bootstrap; /* --bootstrap / QAFLOW_KAFKA_BOOTSTRAP */
    const char *file;      /* --file: lines "name partitions", '#' comments */
    const char *prefix;    /* --prefix: prepended to every name (a test's private copy) */
    int delete;            /* --delete: delete the topics instead */
    int replication;       /* --replication-factor: replicas of each partition */
    int min_insync;        /* --min-insync: the topics' min.insync.replicas */
    int timeout_ms;        /* --timeout-ms: admin request timeout */
} topics_config;

static void topics_usage(FILE *out)
{
    fprintf(out,
            "Usage: qaflow-kafka-topics --bootstrap HOST:PORT[,HOST:PORT...] --file TOPICS.txt [--prefix P]\n"
            "                           [--replication-factor N] [--min-insync N] [--delete] [--timeout-ms N]\n"
            "Creates every topic of TOPICS.txt (lines: name partitions; infra/kafka/topics.txt is qaflow's\n"
            "one topic list) that does not exist yet, with N replicas per partition and min.insync.replicas,\n"
            "in one CreateTopics request; prints one line per topic. Exit 0 when every topic exists with its\n"
            "partition count and replication factor, 1 otherwise.\n"
            "With --prefix, the names are P<name> (a test's private copy of the topics); with --delete,\n"
            "those topics are deleted instead (exit 0 when none is left).\n"
            "  --bootstrap   broker address       (env QAFLOW_KAFKA_BOOTSTRAP)\n"
            "  --file        topic list           (env QAFLOW_KAFKA_TOPICS_FILE)\n"
            "  --prefix      name prefix          (env QAFLOW_KAFKA_TOPICS_PREFIX, default none)\n"
            "  --replication-factor  replicas per partition (env QAFLOW_KAFKA_TOPICS_REPLICATION, default 1)\n"
            "  --min-insync  min.insync.replicas of new topics (env QAFLOW_KAFKA_TOPICS_MIN_INSYNC, default 1)\n"
            "  --delete      delete, not create\n"
            "  --timeout-ms  request timeout, ms  (env QAFLOW_KAFKA_TOPICS_TIMEOUT_MS, default 30000)\n");
}

/* topics_read: parse FILE into SPECS, each name after PREFIX; returns the count or -1 with ERR filled. */
static int topics_read(const char *file, const char *prefix, topics_spec *specs, int max, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", file, strerror(errno));
        return -1;
    }
    char line[512];
    int n = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char name[TOPICS_NAME_MAX];
        int parts;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        if (sscanf(p, "%249s %d", name, &parts) != 2 || parts < 1) {
            snprintf(err, errlen, "%s:%d: expected 'name partitions'", file, lineno);
            fclose(f);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "%s: more than %d topics", file, max);
            fclose(f);
            return -1;
        }
        if ((size_t)snprintf(specs[n].name, sizeof specs[n].name, "%s%s", prefix, name) >= sizeof specs[n].name) {
            snprintf(err, errlen, "%s:%d: prefix + name longer than %d bytes", file, lineno, TOPICS_NAME_MAX - 1);
            fclose(f);
            return -1;
        }
        specs[n].partitions = parts;
        n++;
    }
    fclose(f);
    return n;
}

/* topics_existing: partition count of NAME in METADATA, 0 when absent; *replicas gets the replica count of
 * its partition 0. */
static int topics_existing(const rd_kafka_metadata_t *md, const char *name, int *replicas)
{
    *replicas = 0;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, name) == 0 && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topics[i].partition_cnt > 0)
                *replicas = md->topics[i].partitions[0].replica_cnt;
            return md->topics[i].partition_cnt;
        }
    return 0;
}

/* topics_admin_wait: the answer to one admin request on Q (NULL after printing why). */
static rd_kafka_event_t *topics_admin_wait(rd_kafka_queue_t *q, const char *what, int timeout_ms)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    if (!ev) {
        fprintf(stderr, "error: no answer to %s within %d ms\n", what, timeout_ms + 5000);
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "error: %s: %s\n", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        ev = NULL;
    }
    return ev;
}

/* topics_results: print each topic's result (ok for NO_ERROR and OK_ERR); returns the failures. */
static int topics_results(const rd_kafka_topic_result_t **res, size_t rcnt, const char *done, rd_kafka_resp_err_t ok_err)
{
    int failures = 0;
    for (size_t i = 0; i < rcnt; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == ok_err) {
            printf("%s %s\n", done, rd_kafka_topic_result_name(res[i]));
        } else {
            fprintf(stderr, "error: topic %s: %s\n", rd_kafka_topic_result_name(res[i]),
                    rd_kafka_topic_result_error_string(res[i]));
            failures++;
        }
    }
    return failures;
}

/* topics_create: create SPECS[i] for each i with MISSING[i]; returns the number of failures. */
static int topics_create(rd_kafka_t *rk, const topics_spec *specs, const int *missing, int n, const topics_config *cfg)
{
    int timeout_ms = cfg->timeout_ms;
    char isr[16];
    snprintf(isr, sizeof isr, "%d", cfg->min_insync);
    rd_kafka_NewTopic_t *nt[TOPICS_MAX];
    int cnt = 0, failures = 0;
    char err[256];
    for (int i = 0; i < n; i++) {
        if (!missing[i])
            continue;
        nt[cnt] = rd_kafka_NewTopic_new(specs[i].name, specs[i].partitions, cfg->replication, err, sizeof err);
        if (!nt[cnt]) {
            fprintf(stderr, "error: topic %s: %s\n", specs[i].name, err);
            failures++;
            continue;
        }
        rd_kafka_resp_err_t ce = rd_kafka_NewTopic_set_config(nt[cnt], "min.insync.replicas", isr);
        if (ce != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "error: topic %s: %s\n", specs[i].name, rd_kafka_err2str(ce));
            rd_kafka_NewTopic_destroy(nt[cnt]);
            failures++;
            continue;
        }
        cnt++;
    }
    if (cnt == 0)
        return failures;

    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_CreateTopics(rk, nt, (size_t)cnt, opts, q);

    rd_kafka_event_t *ev = topics_admin_wait(q, "CreateTopics", timeout_ms);
    if (!ev) {
        failures += cnt;
    } else {
        size_t rcnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rcnt);
        failures += topics_results(res, rcnt, "created", RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy_array(nt, (size_t)cnt);
    return failures;
}

/* topics_delete: delete SPECS (absent ones count as deleted); returns the number of failures. */
static int topics_delete(rd_kafka_t *rk, const topics_spec *specs, int n, int timeout_ms)
{
    rd_kafka_DeleteTopic_t *dt[TOPICS_MAX];
    char err[256];
    for (int i = 0; i < n; i++)
        dt[i] = rd_kafka_DeleteTopic_new(specs[i].name);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_DeleteTopics(rk, dt, (size_t)n, opts, q);
    int failures = n;
    rd_kafka_event_t *ev = topics_admin_wait(q, "DeleteTopics", timeout_ms);
    if (ev) {
        size_t rcnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &rcnt);
        failures = topics_results(res, rcnt, "deleted", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy_array(dt, (size_t)n);
    return failures;
}

static int topics_parse_args(int argc, char **argv, topics_config *cfg)
{
    static const struct option longopts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"file", required_argument, NULL, 'f'},
        {"prefix", required_argument, NULL, 'p'}, {"delete", no_argument, NULL, 'd'},
        {"replication-factor", required_argument, NULL, 'r'}, {"min-insync", required_argument, NULL, 'm'},
        {"timeout-ms", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *env;
    cfg->bootstrap = getenv("QAFLOW_KAFKA_BOOTSTRAP");
    cfg->file = getenv("QAFLOW_KAFKA_TOPICS_FILE");
    cfg->prefix = (env = getenv("QAFLOW_KAFKA_TOPICS_PREFIX")) ? env : "";
    cfg->delete = 0;
    cfg->timeout_ms = (env = getenv("QAFLOW_KAFKA_TOPICS_TIMEOUT_MS")) ? atoi(env) : 30000;
    cfg->replication = (env = getenv("QAFLOW_KAFKA_TOPICS_REPLICATION")) ? atoi(env) : 1;
    cfg->min_insync = (env = getenv("QAFLOW_KAFKA_TOPICS_MIN_INSYNC")) ? atoi(env) : 1;
    int c;
    while ((c = getopt_long(argc, argv, "b:f:p:dt:r:m:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': cfg->bootstrap = optarg; break;
        case 'f': cfg->file = optarg; break;
        case 'p': cfg->prefix = optarg; break;
        case 'd': cfg->delete = 1; break;
        case 't': cfg->timeout_ms = atoi(optarg); break;
        case 'r': cfg->replication = atoi(optarg); break;
        case 'm': cfg->min_insync = atoi(optarg); break;
        case 'h': topics_usage(stdout); exit(0);
        default: topics_usage(stderr); return -1;
        }
    }
    if (!cfg->bootstrap || !cfg->file || cfg->timeout_ms <= 0 || cfg->replication < 1 || cfg->min_insync < 1 ||
        cfg->min_insync > cfg->replication) {
        topics_usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    topics_config cfg;
    topics_spec specs[TOPICS_MAX];
    int missing[TOPICS_MAX];
    char err[512];

    if (topics_parse_args(argc, argv, &cfg) != 0)
        return 2;
    int n = topics_read(cfg.file, cfg.prefix, specs, TOPICS_MAX, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg.bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "error: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    /* rd_kafka_new() takes ownership of conf on success only. An admin handle: it never
     * produces (qaflow's producers are qaflow_common's kafka_producer_create, partitioner
     * murmur2_random; docs/messages.md, Partitioning). */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "error: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 2;
    }

    if (cfg.delete) {
        int failures = topics_delete(rk, specs, n, cfg.timeout_ms);
        rd_kafka_destroy(rk);
        return failures ? 1 : 0;
    }
    int rc = 0;
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, cfg.timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "error: metadata from %s: %s\n", cfg.bootstrap, rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        int replicas;
        int have = topics_existing(md, specs[i].name, &replicas);
        missing[i] = have == 0;
        if (have != 0 && have != specs[i].partitions) {
            fprintf(stderr, "warning: topic %s has %d partitions, expected %d\n", specs[i].name, have,
                    specs[i].partitions);
            rc = 1;
        } else if (have != 0 && replicas != cfg.replication) {
            fprintf(stderr, "warning: topic %s has replication factor %d, expected %d\n", specs[i].name, replicas,
                    cfg.replication);
            rc = 1;
        } else if (have != 0) {
            printf("exists %s\n", specs[i].name);
        }
    }
    rd_kafka_metadata_destroy(md);

    if (topics_create(rk, specs, missing, n, &cfg) != 0)
        rc = 1;
    rd_kafka_destroy(rk);
    return rc;
}
