/* timeutil.c -- ISO-8601 UTC formatting/parsing with milliseconds, wall and monotonic clocks. */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t timeutil_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t timeutil_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t timeutil_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int timeutil_format_iso(int64_t epoch_ms, char *buf, size_t len)
{
    int64_t secs = epoch_ms / 1000;
    int ms = (int)(epoch_ms % 1000);
    if (ms < 0) { ms += 1000; secs -= 1; }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return -1;
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int timeutil_now_iso(char *buf, size_t len)
{
    return timeutil_format_iso(timeutil_now_ms(), buf, len);
}

/* Reads exactly n digits; returns -1 on a non-digit. */
static int read_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int timeutil_parse_iso(const char *s, int64_t *epoch_ms)
{
    if (!s) return -1;
    const char *p = s;
    int y = read_digits(&p, 4);
    if (y < 0 || *p++ != '-') return -1;
    int mo = read_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-') return -1;
    int d = read_digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' ')) return -1;
    p++;
    int h = read_digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':') return -1;
    int mi = read_digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':') return -1;
    int se = read_digits(&p, 2);
    if (se < 0 || se > 60) return -1;
    int ms = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 3) ms = ms * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0) return -1;
        for (int i = digits; i < 3; i++) ms *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = (*p == '-') ? -1 : 1;
        p++;
        int oh = read_digits(&p, 2);
        if (oh < 0 || oh > 23) return -1;
        if (*p == ':') p++;
        int om = read_digits(&p, 2);
        if (om < 0 || om > 59) return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p != '\0') return -1;
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)offset_min * 60;
    *epoch_ms = secs * 1000 + ms;
    return 0;
}
