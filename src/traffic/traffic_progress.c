/* traffic_progress.c -- the live progress line of a traffic run (only when the output is a terminal). */
#include "traffic_progress.h"

#include <string.h>
#include <unistd.h>

int traffic_progress_parse(const char *name, traffic_progress_mode *out) {
    static const char *const names[] = {"auto", "always", "never"};
    for (int i = 0; name && i < 3; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (traffic_progress_mode)i;
            return 0;
        }
    }
    return -1;
}

void traffic_progress_init(traffic_progress *p, FILE *out, traffic_progress_mode mode, long total, double rate,
                           int64_t start_us) {
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->total = total;
    p->rate = rate;
    p->start_us = start_us;
    p->enabled = mode == TRAFFIC_PROGRESS_ALWAYS || (mode == TRAFFIC_PROGRESS_AUTO && out && isatty(fileno(out)));
}

static void traffic_progress_draw(traffic_progress *p, const traffic_stats *st, int64_t now_us) {
    double el = (double)(now_us - p->start_us) / 1e6;
    double achieved = el > 0 ? (double)st->sent / el : 0;
    long done = st->completed + st->failed + st->timed_out + st->rejected + st->errors;
    char eta[48];
    if (st->sent < p->total) {
        double r = p->rate > 0 ? p->rate : achieved;
        if (r > 0) snprintf(eta, sizeof(eta), "ETA %.0f s", (double)(p->total - st->sent) / r);
        else snprintf(eta, sizeof(eta), "ETA ?");
    } else {
        snprintf(eta, sizeof(eta), "all sent, waiting for %ld", p->total - done > 0 ? p->total - done : 0);
    }
    fprintf(p->out, "\r\033[Ksent %ld/%ld  accepted %ld  completed %ld  failed %ld  rate %.1f/s  %s", st->sent,
            p->total, st->accepted, st->completed, st->failed + st->rejected + st->errors + st->timed_out, achieved,
            eta);
    fflush(p->out);
    p->drawn = 1;
    p->last_us = now_us;
}

void traffic_progress_tick(traffic_progress *p, const traffic_stats *st, int64_t now_us) {
    if (!p || !p->enabled || (p->drawn && now_us - p->last_us < 1000000)) return;
    traffic_progress_draw(p, st, now_us);
}

void traffic_progress_end(traffic_progress *p, const traffic_stats *st, int64_t now_us) {
    if (!p || !p->enabled) return;
    traffic_progress_draw(p, st, now_us);
    fputc('\n', p->out);
    fflush(p->out);
}
