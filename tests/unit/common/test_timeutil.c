/* test_timeutil.c -- ISO-8601 formatting and parsing, clocks. */
#include <string.h>

#include "check.h"
#include "timeutil.h"

int main(void)
{
    char buf[TIMEUTIL_ISO_LEN];
    CHECK(timeutil_format_iso(0, buf, sizeof buf) == 0);
    CHECK_STR(buf, "1970-01-01T00:00:00.000Z");
    CHECK(timeutil_format_iso(1761647400123LL, buf, sizeof buf) == 0);
    CHECK_STR(buf, "2025-10-28T10:30:00.123Z");
    CHECK(timeutil_format_iso(1761647400123LL, buf, 10) == -1);

    int64_t ms;
    CHECK(timeutil_parse_iso("2025-10-28T10:30:00.123Z", &ms) == 0 && ms == 1761647400123LL);
    CHECK(timeutil_parse_iso("2025-10-28T10:30:00Z", &ms) == 0 && ms == 1761647400000LL);
    CHECK(timeutil_parse_iso("2025-10-28T10:30:00.5Z", &ms) == 0 && ms == 1761647400500LL);
    CHECK(timeutil_parse_iso("2025-10-28T10:30:00.123456Z", &ms) == 0 && ms == 1761647400123LL);
    CHECK(timeutil_parse_iso("2025-10-28T12:30:00.000+02:00", &ms) == 0 && ms == 1761647400000LL);
    CHECK(timeutil_parse_iso("2025-10-28 10:30:00.000-0100", &ms) == 0 && ms == 1761651000000LL);
    CHECK(timeutil_parse_iso("2024-02-29T00:00:00Z", &ms) == 0 && ms == 1709164800000LL);
    const char *bad[] = { "", "2025-10-28", "2025-13-01T00:00:00Z", "2025-10-28T25:00:00Z",
                          "2025-10-28T10:30:00", "2025-10-28T10:30:00.Z", "2025-10-28T10:30:00Zjunk",
                          "yesterday" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(timeutil_parse_iso(bad[i], &ms) == -1, "accepted '%s'", bad[i]);

    /* round trip of now */
    int64_t now = timeutil_now_ms();
    CHECK(timeutil_format_iso(now, buf, sizeof buf) == 0);
    CHECK(timeutil_parse_iso(buf, &ms) == 0 && ms == now);
    CHECK(now > 1700000000000LL);
    int64_t m1 = timeutil_mono_ms(), m2 = timeutil_mono_ms();
    CHECK(m2 >= m1);
    return CHECK_DONE();
}
