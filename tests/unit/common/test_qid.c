/* test_qid.c -- question_id derivation: normalisation, stability, SHA-256 vectors, id charset. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "qid.h"

static void id_of(const char *text, char out[QID_BUFSZ])
{
    char err[128];
    if (qid_derive(text, strlen(text), out, err, sizeof err) != 0) {
        fprintf(stderr, "qid_derive('%s'): %s\n", text, err);
        strcpy(out, "ERR");
    }
}

static void norm_is(const char *in, const char *want)
{
    char err[128], *out = NULL;
    size_t len = 0;
    int rc = qid_normalize(in, strlen(in), &out, &len, err, sizeof err);
    CHECK_MSG(rc == 0, "normalize('%s'): %s", in, err);
    if (rc == 0) {
        CHECK_STR(out, want);
        CHECK(len == strlen(want));
    }
    free(out);
}

int main(void)
{
    /* SHA-256 test vectors (FIPS 180-2) */
    unsigned char md[32];
    CHECK(qid_sha256("abc", 3, md) == 0);
    static const unsigned char abc[4] = { 0xba, 0x78, 0x16, 0xbf };
    CHECK(memcmp(md, abc, 4) == 0);
    CHECK(qid_sha256("", 0, md) == 0);
    static const unsigned char empty[4] = { 0xe3, 0xb0, 0xc4, 0x42 };
    CHECK(memcmp(md, empty, 4) == 0);

    /* normalisation */
    norm_is("What is the capital of France?", "what is the capital of france?");
    norm_is("  What\tis   the\ncapital  ", "what is the capital");
    norm_is("\xc2\xa0" "Caf\xc3\xa9" "\xe3\x80\x80" "ol\xc3\xa9 ", "caf\xc3\xa9 ol\xc3\xa9");      /* NBSP, ideographic space */
    norm_is("Cafe\xcc\x81", "caf\xc3\xa9");                                              /* NFC composes e + U+0301 */
    norm_is("STRASSE \xc3\x84RGER", "strasse \xc3\xa4rger");                             /* Unicode case fold */
    norm_is("\xef\xbc\xa1\xef\xbc\xa2", "ab");                                           /* fullwidth -> ASCII (NFKC) */

    /* ids: format, stability, equivalence under normalisation, distinctness */
    char a[QID_BUFSZ], b[QID_BUFSZ], c[QID_BUFSZ];
    id_of("What is the capital of France?", a);
    CHECK(strlen(a) == 18 && strncmp(a, "q_", 2) == 0);
    for (int i = 2; i < 18; i++) CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    CHECK(qid_valid(a));
    id_of("  what IS the capital   of france? ", b);
    CHECK_STR(a, b);
    id_of("What is the capital of Spain?", c);
    CHECK(strcmp(a, c) != 0);
    /* the id is the first 16 hex digits of SHA-256 of the normalised text */
    const char *norm = "what is the capital of france?";
    CHECK(qid_sha256(norm, strlen(norm), md) == 0);
    char hex[17];
    for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    CHECK(strcmp(a + 2, hex) == 0);

    /* rejected inputs */
    char err[128], out[QID_BUFSZ];
    CHECK(qid_derive("   \t\n ", 6, out, err, sizeof err) == -1);
    CHECK(strstr(err, "empty") != NULL);
    CHECK(qid_derive("bad \xff\xfe utf8", 11, out, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "UTF-8") != NULL, "%s", err);
    CHECK(qid_derive("a\0b", 3, out, err, sizeof err) == -1);

    /* id charset */
    CHECK(qid_valid("q_5f2b9c0e1a7d4e3b"));
    CHECK(qid_valid("abc-DEF.1"));
    CHECK(!qid_valid(""));
    CHECK(!qid_valid("q 1"));
    CHECK(!qid_valid("../etc/passwd"));
    CHECK(!qid_valid("q_1;DROP"));
    CHECK(!qid_valid("q_%00"));
    CHECK(!qid_valid("caf\xc3\xa9"));
    char longid[QID_MAX_LEN + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    CHECK(!qid_valid(longid));
    longid[QID_MAX_LEN] = '\0';
    CHECK(qid_valid(longid));
    return CHECK_DONE();
}
