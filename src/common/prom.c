/* prom.c -- lock-free metric updates (C11 atomics) and Prometheus text rendering. */
#include "prom.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM } prom_kind;

struct prom_metric {
    prom_kind kind;
    char *name;
    char *help;
    char *labels;               /* NULL or 'k="v",...' */
    _Atomic uint64_t value;     /* double bits (counter, gauge); sum for histograms */
    double *bounds;
    size_t nbounds;
    _Atomic uint64_t *buckets;  /* nbounds + 1 (last = +Inf), non-cumulative counts */
    _Atomic uint64_t count;
    struct prom_metric *next;
};

struct prom_registry {
    pthread_mutex_t lock;
    struct prom_metric *head, *tail;
};

const double prom_latency_buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25, 0.5, 1, 2.5, 5, 10, 30 };
const size_t prom_latency_nbuckets = sizeof prom_latency_buckets / sizeof prom_latency_buckets[0];

static double bits_to_double(uint64_t b) { double d; memcpy(&d, &b, sizeof d); return d; }
static uint64_t double_to_bits(double d) { uint64_t b; memcpy(&b, &d, sizeof b); return b; }

static void atomic_add_double(_Atomic uint64_t *slot, double v)
{
    uint64_t old = atomic_load(slot);
    while (!atomic_compare_exchange_weak(slot, &old, double_to_bits(bits_to_double(old) + v))) {
    }
}

prom_registry *prom_registry_create(void)
{
    prom_registry *r = calloc(1, sizeof *r);
    if (r) pthread_mutex_init(&r->lock, NULL);
    return r;
}

void prom_registry_destroy(prom_registry *r)
{
    if (!r) return;
    struct prom_metric *m = r->head;
    while (m) {
        struct prom_metric *next = m->next;
        free(m->name);
        free(m->help);
        free(m->labels);
        free(m->bounds);
        free((void *)m->buckets);
        free(m);
        m = next;
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static int valid_name(const char *s)
{
    if (!s || !*s) return 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                 (i > 0 && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

static struct prom_metric *metric_new(prom_registry *r, prom_kind kind, const char *name,
                                      const char *help, const char *labels)
{
    if (!r || !valid_name(name)) return NULL;
    struct prom_metric *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->kind = kind;
    m->name = strdup(name);
    m->help = strdup(help ? help : "");
    m->labels = (labels && *labels) ? strdup(labels) : NULL;
    if (!m->name || !m->help || (labels && *labels && !m->labels)) {
        free(m->name);
        free(m->help);
        free(m->labels);
        free(m);
        return NULL;
    }
    atomic_init(&m->value, double_to_bits(0.0));
    atomic_init(&m->count, 0);
    return m;
}

static void metric_link(prom_registry *r, struct prom_metric *m)
{
    pthread_mutex_lock(&r->lock);
    /* keep series of one name together: insert after the last series with the same name */
    struct prom_metric *after = NULL;
    for (struct prom_metric *p = r->head; p; p = p->next)
        if (strcmp(p->name, m->name) == 0) after = p;
    if (after) {
        m->next = after->next;
        after->next = m;
        if (r->tail == after) r->tail = m;
    } else if (r->tail) {
        r->tail->next = m;
        r->tail = m;
    } else {
        r->head = r->tail = m;
    }
    pthread_mutex_unlock(&r->lock);
}

prom_counter *prom_counter_create(prom_registry *r, const char *name, const char *help, const char *labels)
{
    struct prom_metric *m = metric_new(r, PROM_COUNTER, name, help, labels);
    if (m) metric_link(r, m);
    return m;
}

prom_gauge *prom_gauge_create(prom_registry *r, const char *name, const char *help, const char *labels)
{
    struct prom_metric *m = metric_new(r, PROM_GAUGE, name, help, labels);
    if (m) metric_link(r, m);
    return m;
}

prom_histogram *prom_histogram_create(prom_registry *r, const char *name, const char *help,
                                      const char *labels, const double *bounds, size_t nbounds)
{
    for (size_t i = 1; i < nbounds; i++)
        if (!(bounds[i] > bounds[i - 1])) return NULL;
    struct prom_metric *m = metric_new(r, PROM_HISTOGRAM, name, help, labels);
    if (!m) return NULL;
    m->bounds = malloc((nbounds ? nbounds : 1) * sizeof *m->bounds);
    m->buckets = calloc(nbounds + 1, sizeof *m->buckets);
    if (!m->bounds || !m->buckets) {
        free(m->bounds);
        free((void *)m->buckets);
        free(m->name);
        free(m->help);
        free(m->labels);
        free(m);
        return NULL;
    }
    if (nbounds) memcpy(m->bounds, bounds, nbounds * sizeof *bounds);
    m->nbounds = nbounds;
    metric_link(r, m);
    return m;
}

void prom_counter_inc(prom_counter *c) { prom_counter_add(c, 1.0); }

void prom_counter_add(prom_counter *c, double v)
{
    if (!c || !(v >= 0)) return;
    atomic_add_double(&c->value, v);
}

double prom_counter_value(const prom_counter *c)
{
    return c ? bits_to_double(atomic_load(&((struct prom_metric *)c)->value)) : 0.0;
}

void prom_gauge_set(prom_gauge *g, double v) { if (g) atomic_store(&g->value, double_to_bits(v)); }
void prom_gauge_add(prom_gauge *g, double v) { if (g) atomic_add_double(&g->value, v); }
double prom_gauge_value(const prom_gauge *g) { return prom_counter_value(g); }

void prom_histogram_observe(prom_histogram *h, double v)
{
    if (!h || isnan(v)) return;
    size_t i = 0;
    while (i < h->nbounds && v > h->bounds[i]) i++;
    atomic_fetch_add(&h->buckets[i], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_add_double(&h->value, v);
}

double prom_histogram_count(const prom_histogram *h)
{
    return h ? (double)atomic_load(&((struct prom_metric *)h)->count) : 0.0;
}

double prom_histogram_sum(const prom_histogram *h) { return prom_counter_value(h); }

/* Growable output buffer. */
typedef struct { char *p; size_t len, cap; int failed; } sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) { b->failed = 1; return; }
        if ((size_t)n < b->cap - b->len) { b->len += (size_t)n; return; }
        size_t ncap = (b->cap + (size_t)n + 1) * 2;
        char *np = realloc(b->p, ncap);
        if (!np) { b->failed = 1; return; }
        b->p = np;
        b->cap = ncap;
    }
}

static void fmt_double(char *buf, size_t len, double v)
{
    if (isinf(v)) snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
    else if (isnan(v)) snprintf(buf, len, "NaN");
    else {
        /* shortest of %.15g / %.17g that reads back as the same double (0.82, not 0.81999...) */
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
    }
}

/* Escapes help text: backslash and newline. */
static void sb_help(sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') sb_printf(b, "\\\\");
        else if (*s == '\n') sb_printf(b, "\\n");
        else sb_printf(b, "%c", *s);
    }
}

char *prom_registry_render(prom_registry *r)
{
    sbuf b = { malloc(4096), 0, 4096, 0 };
    if (!b.p) return NULL;
    b.p[0] = '\0';
    static const char *const kinds[] = { "counter", "gauge", "histogram" };
    pthread_mutex_lock(&r->lock);
    const char *prev = NULL;
    for (struct prom_metric *m = r->head; m; m = m->next) {
        if (!prev || strcmp(prev, m->name) != 0) {
            sb_printf(&b, "# HELP %s ", m->name);
            sb_help(&b, m->help);
            sb_printf(&b, "\n# TYPE %s %s\n", m->name, kinds[m->kind]);
        }
        prev = m->name;
        char num[64];
        const char *lb = m->labels ? m->labels : "";
        const char *open = m->labels ? "{" : "", *close = m->labels ? "}" : "";
        if (m->kind != PROM_HISTOGRAM) {
            fmt_double(num, sizeof num, bits_to_double(atomic_load(&m->value)));
            sb_printf(&b, "%s%s%s%s %s\n", m->name, open, lb, close, num);
            continue;
        }
        uint64_t cum = 0;
        const char *sep = m->labels ? "," : "";
        for (size_t i = 0; i <= m->nbounds; i++) {
            cum += atomic_load(&m->buckets[i]);
            if (i < m->nbounds) fmt_double(num, sizeof num, m->bounds[i]);
            else snprintf(num, sizeof num, "+Inf");
            sb_printf(&b, "%s_bucket{%s%sle=\"%s\"} %llu\n", m->name, lb, sep, num,
                      (unsigned long long)cum);
        }
        fmt_double(num, sizeof num, bits_to_double(atomic_load(&m->value)));
        sb_printf(&b, "%s_sum%s%s%s %s\n", m->name, open, lb, close, num);
        sb_printf(&b, "%s_count%s%s%s %llu\n", m->name, open, lb, close,
                  (unsigned long long)atomic_load(&m->count));
    }
    pthread_mutex_unlock(&r->lock);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
