/* yahoo_csv.h -- streaming reader for the Yahoo! Answers CSV format (Zhang et al. 2015). */
#ifndef QAFLOW_YAHOO_CSV_H
#define QAFLOW_YAHOO_CSV_H

#include <stddef.h>
#include <stdio.h>

/*
 * The format: no header; four columns, normally all quoted:
 *   "class index 1-10","question title","question content","best answer"
 * A quote inside a quoted field is written "", a line break as the two characters \n
 * (the reader turns them back into a real newline). Real newlines and commas inside a
 * quoted field are accepted too, as are unquoted fields, CRLF line ends, a UTF-8 BOM and
 * a missing newline at the end of the file. Blank lines are ignored.
 *
 * A malformed record (wrong column count, class index not 1-10, text after a closing
 * quote, an unterminated quote, a record over YAHOO_CSV_MAX_RECORD bytes) is reported
 * with the line it starts on; the reader then resumes at the next physical line, so the
 * caller may keep reading (or ask the reader to skip such records silently).
 */

#define YAHOO_CSV_MAX_RECORD (4u << 20) /* bytes of one record, quotes included */

typedef struct yahoo_csv yahoo_csv;

/* One record. The strings belong to the reader and stay valid until the next call to
 * yahoo_csv_next() or yahoo_csv_destroy(); copy what you keep. Never NULL (an empty
 * field is ""). */
typedef struct yahoo_record {
    int class_index; /* 1..10 */
    char *title;
    char *content;
    char *answer;
    size_t title_len, content_len, answer_len;
    long line;       /* physical line (1-based) the record starts on */
} yahoo_record;

/* Opens path for reading ("-" is stdin). skip_malformed: 1 to skip bad records silently
 * (they are counted), 0 to report each one from yahoo_csv_next(). NULL + err on failure. */
yahoo_csv *yahoo_csv_open(const char *path, int skip_malformed, char *err, size_t errlen);
/* Reads from an already open stream, which stays the caller's (not closed by destroy). */
yahoo_csv *yahoo_csv_create(FILE *f, int skip_malformed, char *err, size_t errlen);
void yahoo_csv_destroy(yahoo_csv *r);

/* Returns 1 with *rec filled, 0 at the end of the input, -1 on a malformed record (err
 * says "line N: why"; the next call continues after it) or a read error. */
int yahoo_csv_next(yahoo_csv *r, yahoo_record *rec, char *err, size_t errlen);

long yahoo_csv_records(const yahoo_csv *r);  /* records returned so far */
long yahoo_csv_skipped(const yahoo_csv *r);  /* malformed records skipped or reported */
/* The last malformed record's message ("" if none), useful with skip_malformed. */
const char *yahoo_csv_last_error(const yahoo_csv *r);

/* Class names of the Yahoo! Answers topics, "" outside 1..10. */
const char *yahoo_csv_class_name(int class_index);

#endif
