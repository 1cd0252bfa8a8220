/* test_utf8.c -- utf8_cut_len / utf8_copy / utf8_clean / utf8_valid at every byte length over multi-byte text and on invalid input. */
#include <jansson.h>
#include <string.h>

#include "check.h"
#include "utf8.h"

/* 1-, 2-, 3- and 4-byte characters: "a", "é", "€", "😀". */
static const char TEXT[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b\xE2\x82\xAC\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9z";

/* jansson (what every message and HTTP body is encoded with) takes the bytes as a JSON string. */
static int json_takes(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    int ok = j != NULL;
    json_decref(j);
    return ok;
}

static void test_every_length(void)
{
    size_t len = strlen(TEXT);
    size_t prev = 0;
    for (size_t max = 0; max <= len + 2; max++) {
        size_t n = utf8_cut_len(TEXT, len, max);
        CHECK_MSG(n <= max && n <= len, "max=%zu n=%zu", max, n);
        CHECK_MSG(utf8_valid(TEXT, n), "max=%zu: the prefix of %zu bytes is not valid UTF-8", max, n);
        CHECK_MSG(json_takes(TEXT, n), "max=%zu: jansson refuses the cut", max);
        CHECK_MSG(n >= prev, "max=%zu: cut shrank", max);
        /* maximal: one more character would not fit */
        if (n < len) {
            size_t next = utf8_cut_len(TEXT + n, len - n, 4);
            CHECK_MSG(next > 0 && n + next > max, "max=%zu: cut at %zu is not the longest", max, n);
        }
        prev = n;
        char buf[64];
        size_t w = utf8_copy(buf, max + 1 < sizeof buf ? max + 1 : sizeof buf, TEXT, len);
        CHECK_MSG(w == strlen(buf) && w <= max && utf8_valid(buf, w) && json_takes(buf, w), "copy max=%zu", max);
        CHECK_MSG(memcmp(buf, TEXT, w) == 0, "copy max=%zu: not a prefix", max);
        /* a snprintf-style cut mid-character, then cleaned */
        char cut[64];
        snprintf(cut, max + 1 < sizeof cut ? max + 1 : sizeof cut, "%s", TEXT);
        utf8_clean(cut);
        CHECK_MSG(utf8_valid(cut, strlen(cut)) && json_takes(cut, strlen(cut)), "clean after cut max=%zu", max);
    }
    CHECK(utf8_cut_len(TEXT, len, len) == len);
}

static void test_invalid(void)
{
    static const struct {
        const char *s;
        size_t len;
        const char *cleaned;
    } cases[] = {
        { "\xFF", 1, "?" },
        { "a\xC0\xAE" "b", 4, "a??b" },                 /* overlong '.' */
        { "\xED\xA0\x80", 3, "???" },                   /* UTF-16 surrogate */
        { "\x80x", 2, "?x" },                           /* lone continuation byte */
        { "x\xE2\x82", 3, "x??" },                      /* truncated 3-byte sequence */
        { "\xF4\x90\x80\x80", 4, "????" },              /* above U+10FFFF */
        { "ok \xE2\x82\xAC", 6, "ok \xE2\x82\xAC" },    /* valid stays as it is */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        memcpy(buf, cases[i].s, cases[i].len);
        buf[cases[i].len] = '\0';
        CHECK_STR(utf8_clean(buf), cases[i].cleaned);
        CHECK(utf8_valid(cases[i].s, cases[i].len) == (strcmp(cases[i].s, cases[i].cleaned) == 0));
        char out[32];
        utf8_copy(out, sizeof out, cases[i].s, cases[i].len);
        CHECK_STR(out, cases[i].cleaned);
    }
    /* a NUL inside is not valid text and is replaced by the copy */
    char out[8];
    CHECK(!utf8_valid("a\0b", 3));
    utf8_copy(out, sizeof out, "a\0b", 3);
    CHECK_STR(out, "a?b");
    CHECK(utf8_copy(out, 1, "abc", 3) == 0 && out[0] == '\0');
}

int main(void)
{
    test_every_length();
    test_invalid();
    return CHECK_DONE();
}
