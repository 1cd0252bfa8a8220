/* timeutil.h -- ISO-8601 UTC timestamps with milliseconds, wall and monotonic clocks in ms. */
#ifndef QAFLOW_TIMEUTIL_H
#define QAFLOW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIMEUTIL_ISO_LEN 32 /* buffer size enough for "2025-10-28T10:30:00.000Z" + NUL */

int64_t timeutil_now_ms(void);   /* wall clock, ms since the Unix epoch */
int64_t timeutil_mono_ms(void);  /* CLOCK_MONOTONIC in ms, for durations */
int64_t timeutil_mono_us(void);

/* Formats epoch ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". Returns 0, or -1 if buf is too small. */
int timeutil_format_iso(int64_t epoch_ms, char *buf, size_t len);
/* Current time formatted as above. */
int timeutil_now_iso(char *buf, size_t len);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff...][Z|+HH:MM|-HH:MM]" (a space is accepted for 'T').
 * Returns 0 and sets *epoch_ms, or -1 on malformed input. */
int timeutil_parse_iso(const char *s, int64_t *epoch_ms);

#endif
