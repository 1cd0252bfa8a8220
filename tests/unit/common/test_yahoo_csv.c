/* test_yahoo_csv.c -- unit tests of the Yahoo! Answers CSV reader on tricky hand-made inputs and on dataset/sample.csv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "yahoo_csv.h"

/* A reader over an in-memory copy of text (fmemopen); the FILE is returned to close. */
static yahoo_csv *open_text(const char *text, size_t len, int skip, FILE **fp) {
    char err[256];
    *fp = fmemopen((void *)text, len, "r");
    if (!*fp) {
        perror("fmemopen");
        exit(2);
    }
    yahoo_csv *r = yahoo_csv_create(*fp, skip, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "create: %s\n", err);
        exit(2);
    }
    return r;
}

static void test_basic_and_first_row_kept(void) {
    const char *t = "\"4\",\"What is a noun?\",\"\",\"A word that names a thing.\"\n"
                    "\"10\",\"Who votes?\",\"In my country.\",\"Citizens over 18.\"\n";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(rec.class_index == 4);
    CHECK_STR(rec.title, "What is a noun?");
    CHECK_STR(rec.content, "");
    CHECK(rec.content_len == 0);
    CHECK_STR(rec.answer, "A word that names a thing.");
    CHECK(rec.answer_len == strlen("A word that names a thing."));
    CHECK(rec.line == 1);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(rec.class_index == 10);
    CHECK_STR(rec.content, "In my country.");
    CHECK(rec.line == 2);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    CHECK(yahoo_csv_records(r) == 2);
    CHECK(yahoo_csv_skipped(r) == 0);
    yahoo_csv_destroy(r);
    fclose(f);
}

static void test_quotes_commas_escapes(void) {
    const char *t =
        "\"2\",\"Is \"\"zero\"\" even, or odd?\",\"a,b,,c\",\"Line one\\nLine two\\n\\nEnd, \"\"quoted\"\".\"\n"
        "\"5\",\"Path C:\\temp\",\"\",\"\\\\n stays? \\t\"\n";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "Is \"zero\" even, or odd?");
    CHECK_STR(rec.content, "a,b,,c");
    CHECK_STR(rec.answer, "Line one\nLine two\n\nEnd, \"quoted\".");
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    /* Only backslash-n is an escape; other backslashes are kept as they are. */
    CHECK_STR(rec.title, "Path C:\\temp");
    CHECK_STR(rec.answer, "\\\n stays? \\t");
    CHECK(rec.line == 2);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    yahoo_csv_destroy(r);
    fclose(f);
}

static void test_real_newlines_crlf_bom_no_final_newline(void) {
    const char *t = "\xEF\xBB\xBF\"1\",\"Multi\nline title\",\"\",\"para one\r\n\r\npara two\"\r\n"
                    "\r\n"
                    "\"3\",\"After blank\",\"\",\"ok\"\r\n"
                    "\n"
                    "\"7\",\"Last\",\"c\",\"no newline at end\"";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(rec.class_index == 1);
    CHECK_STR(rec.title, "Multi\nline title");
    CHECK_STR(rec.answer, "para one\r\n\r\npara two");
    CHECK(rec.line == 1);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "After blank");
    CHECK(rec.line == 6); /* lines 1-4 are the first record, 5 is blank */
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.answer, "no newline at end");
    CHECK(rec.line == 8);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    CHECK(yahoo_csv_records(r) == 3);
    yahoo_csv_destroy(r);
    fclose(f);
}

static void test_cr_at_end_of_input(void) {
    const char *t = "\"1\",\"a\",\"\",\"b\"\r\n\"2\",\"c\",\"\",\"d\"\r";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(strcmp(rec.answer, "d") == 0);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    CHECK(yahoo_csv_skipped(r) == 0);
    yahoo_csv_destroy(r);
    fclose(f);
}

static void test_unquoted_fields(void) {
    const char *t = "6,How long is a marathon?,,42.195 km\\nor 26.2 miles\n";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(rec.class_index == 6);
    CHECK_STR(rec.title, "How long is a marathon?");
    CHECK_STR(rec.content, "");
    CHECK_STR(rec.answer, "42.195 km\nor 26.2 miles");
    yahoo_csv_destroy(r);
    fclose(f);
}

/* Each malformed record is reported with its line number and reading goes on. */
static void test_malformed_reported(void) {
    const char *t = "\"1\",\"good one\",\"\",\"a\"\n"          /* 1 */
                    "\"2\",\"three columns\",\"b\"\n"          /* 2: too few */
                    "\"11\",\"bad class\",\"\",\"c\"\n"        /* 3: class 11 */
                    "\"x\",\"bad class\",\"\",\"c\"\n"         /* 4: class x */
                    "\"3\",\"junk\"after,\"\",\"d\"\n"         /* 5: text after quote */
                    "\"4\",\"five\",\"\",\"e\",\"extra\"\n"    /* 6: too many */
                    "\"5\",\"good two\",\"\",\"f\"\n"          /* 7 */
                    "\"6\",\"open quote, no end\n";       /* 8: unterminated */
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "good one");
    const char *want[] = {"line 2:", "line 3:", "line 4:", "line 5:", "line 6:"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        err[0] = '\0';
        CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == -1);
        if (strncmp(err, want[i], strlen(want[i])) != 0) {
            fprintf(stderr, "FAIL: error \"%s\" does not start with \"%s\"\n", err, want[i]);
            check_failures++;
        }
    }
    CHECK(strstr(yahoo_csv_last_error(r), "more than 4 columns") != NULL);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "good two");
    CHECK(rec.line == 7);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == -1);
    CHECK(strstr(err, "line 8:") == err && strstr(err, "unterminated") != NULL);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    CHECK(yahoo_csv_records(r) == 2);
    CHECK(yahoo_csv_skipped(r) == 6);
    yahoo_csv_destroy(r);
    fclose(f);
}

static void test_malformed_skipped(void) {
    const char *t = "\"2\",\"bad\"\n"
                    "\"9\",\"kept\",\"\",\"yes\"\n"
                    "\"0\",\"bad class\",\"\",\"no\"\n"
                    "\"8\",\"kept too\",\"\",\"yes\"\n";
    FILE *f;
    yahoo_csv *r = open_text(t, strlen(t), 1, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "kept");
    CHECK(rec.line == 2);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "kept too");
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    CHECK(yahoo_csv_skipped(r) == 2);
    CHECK(strncmp(yahoo_csv_last_error(r), "line 3:", 7) == 0);
    yahoo_csv_destroy(r);
    fclose(f);
}

/* Records far larger than the read chunk, and one over the limit that is skipped. */
static void test_large_records(void) {
    size_t big = 700u << 10, huge = YAHOO_CSV_MAX_RECORD + 1000;
    size_t cap = big + huge + 4096;
    char *t = malloc(cap);
    CHECK(t != NULL);
    if (!t) return;
    size_t n = 0;
    n += (size_t)sprintf(t + n, "\"2\",\"big\",\"\",\"");
    for (size_t i = 0; i < big; i++) t[n++] = (char)('a' + i % 26);
    n += (size_t)sprintf(t + n, "\"\n\"3\",\"huge\",\"\",\"");
    for (size_t i = 0; i < huge; i++) t[n++] = 'x';
    n += (size_t)sprintf(t + n, "\"\n\"4\",\"after\",\"\",\"small\"\n");
    FILE *f;
    yahoo_csv *r = open_text(t, n, 0, &f);
    yahoo_record rec;
    char err[256];
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK(rec.answer_len == big);
    CHECK(rec.answer[0] == 'a' && rec.answer[big - 1] == (char)('a' + (big - 1) % 26));
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == -1);
    CHECK(strstr(err, "line 2:") == err && strstr(err, "longer than") != NULL);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 1);
    CHECK_STR(rec.title, "after");
    CHECK(rec.line == 3);
    CHECK(yahoo_csv_next(r, &rec, err, sizeof(err)) == 0);
    yahoo_csv_destroy(r);
    fclose(f);
    free(t);
}

static void test_open_errors(void) {
    char err[256] = "";
    CHECK(yahoo_csv_open("/nonexistent/dir/x.csv", 0, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "/nonexistent/dir/x.csv") != NULL);
    CHECK_STR(yahoo_csv_class_name(5), "Computers & Internet");
    CHECK_STR(yahoo_csv_class_name(11), "");
}

static long count_words(const char *s) {
    long n = 0;
    int in = 0;
    for (; *s; s++) {
        int sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

/* The shipped sample: every line is one record (no real newlines), nothing malformed, every
 * class present, the escapes decoded, answers within the documented 20-150 words. */
static void test_sample_file(const char *path) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    long lines = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') lines++;
    fclose(f);

    char err[256];
    yahoo_csv *r = yahoo_csv_open(path, 0, err, sizeof(err));
    CHECK(r != NULL);
    if (!r) return;
    yahoo_record rec;
    int rc, per_class[11] = {0};
    long with_newline = 0, with_quote = 0, empty_content = 0, bad_words = 0, escapes_left = 0;
    while ((rc = yahoo_csv_next(r, &rec, err, sizeof(err))) != 0) {
        if (rc < 0) {
            fprintf(stderr, "FAIL: sample: %s\n", err);
            check_failures++;
            continue;
        }
        per_class[rec.class_index]++;
        if (strchr(rec.answer, '\n')) with_newline++;
        if (strchr(rec.title, '"') || strchr(rec.content, '"') || strchr(rec.answer, '"')) with_quote++;
        if (rec.content_len == 0) empty_content++;
        if (strstr(rec.answer, "\\n") || strstr(rec.title, "\\n")) escapes_left++;
        long w = count_words(rec.answer);
        if (w < 20 || w > 150) bad_words++;
        CHECK(rec.title_len > 0);
        CHECK(rec.line == yahoo_csv_records(r));
    }
    long n = yahoo_csv_records(r);
    fprintf(stderr, "sample: %ld records, %ld with line breaks, %ld with quotes, %ld empty content\n",
            n, with_newline, with_quote, empty_content);
    CHECK(n == lines);
    CHECK(n >= 100);
    CHECK(yahoo_csv_skipped(r) == 0);
    for (int k = 1; k <= 10; k++) CHECK(per_class[k] > 0);
    CHECK(with_newline > 0);
    CHECK(with_quote > 0);
    CHECK(empty_content > 0 && empty_content < n);
    CHECK(bad_words == 0);
    CHECK(escapes_left == 0);
    yahoo_csv_destroy(r);
}

int main(int argc, char **argv) {
    test_basic_and_first_row_kept();
    test_quotes_commas_escapes();
    test_real_newlines_crlf_bom_no_final_newline();
    test_unquoted_fields();
    test_cr_at_end_of_input();
    test_malformed_reported();
    test_malformed_skipped();
    test_large_records();
    test_open_errors();
    if (argc > 1) test_sample_file(argv[1]);
    else {
        fprintf(stderr, "FAIL: usage: test_yahoo_csv dataset/sample.csv\n");
        check_failures++;
    }
    return CHECK_DONE();
}
