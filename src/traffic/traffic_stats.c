/* traffic_stats.c -- outcome counters, latency samples and the text/JSON summary of a traffic run. */
#include "traffic_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void traffic_stats_init(traffic_stats *s) { memset(s, 0, sizeof(*s)); }

void traffic_stats_free(traffic_stats *s) {
    free(s->e2e_ms.v);
    free(s->post_ms.v);
    s->e2e_ms = (traffic_samples){0};
    s->post_ms = (traffic_samples){0};
}

int traffic_samples_add(traffic_samples *s, double v) {
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        double *nv = realloc(s->v, ncap * sizeof(*nv));
        if (!nv) return -1;
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int traffic_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double traffic_samples_percentile(const traffic_samples *s, double p) {
    if (s->n == 0) return NAN;
    double *c = malloc(s->n * sizeof(*c));
    if (!c) return NAN;
    memcpy(c, s->v, s->n * sizeof(*c));
    qsort(c, s->n, sizeof(*c), traffic_cmp_double);
    double rank = ceil(p / 100.0 * (double)s->n);
    size_t i = rank < 1 ? 0 : (size_t)rank - 1;
    if (i >= s->n) i = s->n - 1;
    double v = c[i];
    free(c);
    return v;
}

double traffic_samples_mean(const traffic_samples *s) {
    if (s->n == 0) return NAN;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++) sum += s->v[i];
    return sum / (double)s->n;
}

void traffic_stats_add_completed(traffic_stats *s, long attempts, double score, double first_score,
                                 int below_threshold) {
    s->completed++;
    if (attempts <= 0) s->attempts[0]++;
    else s->attempts[attempts > TRAFFIC_MAX_ATTEMPTS ? TRAFFIC_MAX_ATTEMPTS : attempts]++;
    if (!isnan(score)) {
        s->score_sum += score;
        s->score_n++;
    }
    if (!isnan(first_score)) {
        s->first_score_sum += first_score;
        s->first_score_n++;
    }
    if (below_threshold) s->below_threshold++;
}

static void traffic_print_ms(FILE *out, const char *label, const traffic_samples *t) {
    if (t->n == 0) {
        fprintf(out, "  %-14s n/a\n", label);
        return;
    }
    fprintf(out, "  %-14s p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  (n=%zu)\n", label,
            traffic_samples_percentile(t, 50), traffic_samples_percentile(t, 95),
            traffic_samples_percentile(t, 99), traffic_samples_percentile(t, 100), t->n);
}

/* mode and select may be left NULL by a caller: async and sequential then. */
static const char *traffic_info_mode(const traffic_run_info *info) { return info->mode ? info->mode : "async"; }
static const char *traffic_info_select(const traffic_run_info *info) {
    return info->select ? info->select : "sequential";
}

void traffic_stats_print(const traffic_stats *s, const traffic_run_info *info, FILE *out) {
    const char *mode = traffic_info_mode(info), *select = traffic_info_select(info);
    fprintf(out, "qaflow-traffic summary\n");
    fprintf(out, "  %-14s %s (dataset %s)\n", "target", info->url, info->dataset);
    if (info->rate > 0)
        fprintf(out, "  %-14s %.2f/s %s, concurrency %ld\n", "rate", info->rate, info->distribution,
                info->concurrency);
    else
        fprintf(out, "  %-14s unpaced, concurrency %ld\n", "rate", info->concurrency);
    fprintf(out, "  %-14s %s POST /query%s\n", "mode", mode, strcmp(mode, "sync") == 0 ? "?mode=sync" : "");
    if (strcmp(select, "zipf") == 0)
        fprintf(out, "  %-14s zipf s=%.2f, %ld distinct of %ld sends\n", "selection", info->zipf_s, info->distinct,
                info->count);
    else
        fprintf(out, "  %-14s %s, %ld distinct of %ld sends\n", "selection", select, info->distinct,
                info->count);
    fprintf(out, "  %-14s %.2f s (sending %.2f s, achieved %.2f/s)\n", "duration", s->duration_s,
            s->send_duration_s,
            s->send_duration_s > 0 && s->sent > 1 ? (double)(s->sent - 1) / s->send_duration_s : 0.0);
    fprintf(out, "  %-14s %ld\n", "sent", s->sent);
    fprintf(out, "  %-14s %ld more than %ld ms after their scheduled time (latest %.1f ms)\n", "late sends", s->late,
            info->late_ms, s->late_max_ms);
    fprintf(out, "  %-14s %ld\n", "accepted", s->accepted);
    fprintf(out, "  %-14s %ld (cache %ld, database %ld)\n", "served at once", s->from_cache + s->from_database,
            s->from_cache, s->from_database);
    fprintf(out, "  %-14s %ld", "rejected", s->rejected);
    for (int c = 0; c < 600; c++)
        if (c >= 300 && s->status_codes[c]) fprintf(out, "%s%d: %ld", c >= 300 ? "  " : "", c, s->status_codes[c]);
    fprintf(out, "\n  %-14s %ld\n", "send errors", s->errors);
    fprintf(out, "  %-14s %ld\n", "completed", s->completed);
    fprintf(out, "  %-14s %ld\n", "failed", s->failed);
    fprintf(out, "  %-14s %ld (after %ld s)\n", "timed out", s->timed_out, info->timeout_s);
    if (s->unfinished) fprintf(out, "  %-14s %ld (interrupted)\n", "unfinished", s->unfinished);
    fprintf(out, "  %-14s", "attempts");
    for (int k = 1; k <= TRAFFIC_MAX_ATTEMPTS; k++)
        if (s->attempts[k]) fprintf(out, " %d%s: %ld", k, k == TRAFFIC_MAX_ATTEMPTS ? "+" : "", s->attempts[k]);
    if (s->attempts[0]) fprintf(out, " unknown: %ld", s->attempts[0]);
    fprintf(out, "%s\n", s->completed ? "" : " n/a");
    if (s->score_n)
        fprintf(out, "  %-14s %.4f (n=%ld)\n", "avg score", s->score_sum / (double)s->score_n, s->score_n);
    else
        fprintf(out, "  %-14s n/a\n", "avg score");
    if (s->first_score_n)
        fprintf(out, "  %-14s %.4f (n=%ld)\n", "avg 1st score", s->first_score_sum / (double)s->first_score_n,
                s->first_score_n);
    fprintf(out, "  %-14s %ld\n", "below thresh.", s->below_threshold);
    traffic_print_ms(out, "latency e2e", &s->e2e_ms);
    if (strcmp(mode, "sync") == 0)
        fprintf(out, "  %-14s (scheduled send to the 200 with the scored answer)\n", "");
    else
        fprintf(out, "  %-14s (scheduled send to completed, seen by a poll every %ld ms)\n", "", info->poll_interval_ms);
    traffic_print_ms(out, "latency POST", &s->post_ms);
    fprintf(out, "  %-14s (scheduled send to the POST's answer: what the user waits for)\n", "");
    if (s->poll_errors) fprintf(out, "  %-14s %ld\n", "poll errors", s->poll_errors);
}

static json_t *traffic_num_or_null(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *traffic_latency_json(const traffic_samples *t) {
    return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)t->n,
                     "p50", traffic_num_or_null(traffic_samples_percentile(t, 50)),
                     "p95", traffic_num_or_null(traffic_samples_percentile(t, 95)),
                     "p99", traffic_num_or_null(traffic_samples_percentile(t, 99)),
                     "max", traffic_num_or_null(traffic_samples_percentile(t, 100)),
                     "mean", traffic_num_or_null(traffic_samples_mean(t)));
}

json_t *traffic_stats_to_json(const traffic_stats *s, const traffic_run_info *info) {
    json_t *att = json_object(), *codes = json_object();
    if (!att || !codes) goto fail;
    for (int k = 1; k <= TRAFFIC_MAX_ATTEMPTS; k++) {
        if (!s->attempts[k]) continue;
        char key[16];
        snprintf(key, sizeof(key), "%d", k);
        json_object_set_new(att, key, json_integer(s->attempts[k]));
    }
    if (s->attempts[0]) json_object_set_new(att, "unknown", json_integer(s->attempts[0]));
    for (int c = 100; c < 600; c++) {
        if (!s->status_codes[c]) continue;
        char key[16];
        snprintf(key, sizeof(key), "%d", c);
        json_object_set_new(codes, key, json_integer(s->status_codes[c]));
    }
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:f,s:I,s:I,s:I,s:I,"
        "s:f,s:f,s:f,"
        "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
        "s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
        "url", info->url, "dataset", info->dataset, "distribution", info->distribution, "rate", info->rate,
        "count", (json_int_t)info->count, "concurrency", (json_int_t)info->concurrency,
        "poll_interval_ms", (json_int_t)info->poll_interval_ms, "timeout_s", (json_int_t)info->timeout_s,
        "duration_s", s->duration_s, "send_duration_s", s->send_duration_s,
        "achieved_rate", s->send_duration_s > 0 && s->sent > 1 ? (double)(s->sent - 1) / s->send_duration_s : 0.0,
        "sent", (json_int_t)s->sent, "accepted", (json_int_t)s->accepted,
        "served_from_cache", (json_int_t)s->from_cache, "served_from_database", (json_int_t)s->from_database,
        "rejected", (json_int_t)s->rejected, "send_errors", (json_int_t)s->errors,
        "completed", (json_int_t)s->completed, "failed", (json_int_t)s->failed,
        "timed_out", (json_int_t)s->timed_out, "unfinished", (json_int_t)s->unfinished,
        "poll_errors", (json_int_t)s->poll_errors, "accepted_below_threshold", (json_int_t)s->below_threshold,
        "attempts_distribution", att, "post_status_codes", codes,
        "average_score", s->score_n ? json_real(s->score_sum / (double)s->score_n) : json_null(),
        "average_first_score",
        s->first_score_n ? json_real(s->first_score_sum / (double)s->first_score_n) : json_null(),
        "scored", json_integer(s->score_n),
        "latency_e2e_ms", traffic_latency_json(&s->e2e_ms), "latency_post_ms", traffic_latency_json(&s->post_ms));
    if (o) {
        json_object_set_new(o, "mode", json_string(traffic_info_mode(info)));
        json_object_set_new(o, "select", json_string(traffic_info_select(info)));
        if (strcmp(traffic_info_select(info), "zipf") == 0) json_object_set_new(o, "zipf_s", json_real(info->zipf_s));
        json_object_set_new(o, "distinct_questions", json_integer(info->distinct));
        json_object_set_new(o, "late_ms", json_integer(info->late_ms));
        json_object_set_new(o, "late_sends", json_integer(s->late));
        json_object_set_new(o, "late_max_ms", json_real(s->late_max_ms));
    }
    return o;
fail:
    json_decref(att);
    json_decref(codes);
    return NULL;
}
