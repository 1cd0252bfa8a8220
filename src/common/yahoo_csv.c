/* yahoo_csv.c -- streaming reader for the Yahoo! Answers CSV format (Zhang et al. 2015). */
#include "yahoo_csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define YC_READ_CHUNK (256u << 10)
#define YC_FIELDS 4

struct yahoo_csv {
    FILE *f;
    int own_file;
    int skip_malformed;
    int eof;          /* fread reported end of input */
    int read_error;
    char *buf;        /* raw input; holds everything from the current record's start */
    size_t cap, len;  /* allocated, filled */
    size_t start;     /* offset of the current record's first byte */
    size_t pos;       /* parse position */
    long line;        /* physical line of buf[pos] */
    char *out;        /* unescaped fields of the current record, NUL-separated */
    size_t outcap, outlen;
    long records, skipped;
    int bom_checked;
    char last_error[160];
};

static const char *const yc_class_names[11] = {
    "", "Society & Culture", "Science & Mathematics", "Health", "Education & Reference",
    "Computers & Internet", "Sports", "Business & Finance", "Entertainment & Music",
    "Family & Relationships", "Politics & Government",
};

const char *yahoo_csv_class_name(int class_index) {
    return (class_index >= 1 && class_index <= 10) ? yc_class_names[class_index] : "";
}

static void yc_seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

yahoo_csv *yahoo_csv_create(FILE *f, int skip_malformed, char *err, size_t errlen) {
    if (!f) {
        yc_seterr(err, errlen, "yahoo_csv: no input stream");
        return NULL;
    }
    yahoo_csv *r = calloc(1, sizeof(*r));
    if (!r) goto oom;
    r->cap = YC_READ_CHUNK * 2;
    r->buf = malloc(r->cap);
    r->outcap = 64u << 10;
    r->out = malloc(r->outcap);
    if (!r->buf || !r->out) goto oom;
    r->f = f;
    r->skip_malformed = skip_malformed;
    r->line = 1;
    return r;
oom:
    if (r) {
        free(r->buf);
        free(r->out);
        free(r);
    }
    yc_seterr(err, errlen, "yahoo_csv: out of memory");
    return NULL;
}

yahoo_csv *yahoo_csv_open(const char *path, int skip_malformed, char *err, size_t errlen) {
    if (!path) {
        yc_seterr(err, errlen, "yahoo_csv: no path");
        return NULL;
    }
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        yc_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    yahoo_csv *r = yahoo_csv_create(f, skip_malformed, err, errlen);
    if (!r) {
        if (!is_stdin) fclose(f);
        return NULL;
    }
    r->own_file = !is_stdin;
    return r;
}

void yahoo_csv_destroy(yahoo_csv *r) {
    if (!r) return;
    if (r->own_file) fclose(r->f);
    free(r->buf);
    free(r->out);
    free(r);
}

long yahoo_csv_records(const yahoo_csv *r) { return r->records; }
long yahoo_csv_skipped(const yahoo_csv *r) { return r->skipped; }
const char *yahoo_csv_last_error(const yahoo_csv *r) { return r->last_error; }

/* Makes at least one unread byte available at buf[pos]. Keeps buf[start..] in place
 * (moved to the front), growing the buffer up to the record limit. Returns 1 if a byte is
 * available, 0 at the end of input, -1 if the record outgrew YAHOO_CSV_MAX_RECORD or
 * memory ran out. */
static int yc_fill(yahoo_csv *r) {
    if (r->pos < r->len) return 1;
    if (r->eof) return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->pos -= r->start;
        r->start = 0;
    }
    if (r->cap - r->len < YC_READ_CHUNK) {
        if (r->len >= YAHOO_CSV_MAX_RECORD) return -1;
        size_t ncap = r->cap * 2;
        char *nb = realloc(r->buf, ncap);
        if (!nb) return -1;
        r->buf = nb;
        r->cap = ncap;
    }
    size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
    if (n == 0) {
        if (ferror(r->f)) r->read_error = 1;
        r->eof = 1;
        return 0;
    }
    r->len += n;
    if (!r->bom_checked && r->len >= 3) {
        r->bom_checked = 1;
        if ((unsigned char)r->buf[0] == 0xEF && (unsigned char)r->buf[1] == 0xBB &&
            (unsigned char)r->buf[2] == 0xBF)
            r->pos = r->start = 3;
    }
    return r->pos < r->len ? 1 : yc_fill(r);
}

/* Peek: the next byte, or -1 at end of input, -2 on a buffer error. */
static inline int yc_peek(yahoo_csv *r) {
    if (r->pos < r->len) return (unsigned char)r->buf[r->pos];
    int rc = yc_fill(r);
    return rc == 1 ? (unsigned char)r->buf[r->pos] : (rc == 0 ? -1 : -2);
}

static inline int yc_out(yahoo_csv *r, char c) {
    if (r->outlen == r->outcap) {
        size_t ncap = r->outcap * 2;
        char *no = realloc(r->out, ncap);
        if (!no) return -1;
        r->out = no;
        r->outcap = ncap;
    }
    r->out[r->outlen++] = c;
    return 0;
}

/* Appends a run of plain bytes to out. */
static int yc_out_run(yahoo_csv *r, const char *s, size_t n) {
    while (r->outcap - r->outlen < n) {
        size_t ncap = r->outcap * 2;
        char *no = realloc(r->out, ncap);
        if (!no) return -1;
        r->out = no;
        r->outcap = ncap;
    }
    memcpy(r->out + r->outlen, s, n);
    r->outlen += n;
    return 0;
}

/* After a malformed record: resume at the line after the one the record started on. */
static void yc_resync(yahoo_csv *r, long start_line) {
    r->pos = r->start;
    r->line = start_line;
    for (;;) {
        int c = yc_peek(r);
        if (c < 0) {
            if (c == -2) { /* line longer than the limit: drop what we have and go on */
                r->start = r->pos = r->len = 0;
                continue;
            }
            break;
        }
        r->pos++;
        if (c == '\n') {
            r->line++;
            break;
        }
        /* Let the buffer slide: nothing before pos is needed any more. */
        r->start = r->pos;
    }
    r->start = r->pos;
}

typedef enum { YC_OK = 0, YC_BAD = 1, YC_FATAL = 2 } yc_status;

/* Parses one field's text into out (NUL-terminated). *end receives the delimiter that
 * ended it: ',' '\n' or -1 (end of input). */
static yc_status yc_field(yahoo_csv *r, int *end, char *why, size_t whylen) {
    int c = yc_peek(r);
    if (c == -2) goto toolong;
    if (c == '"') {
        r->pos++;
        for (;;) {
            /* Copy the longest run of ordinary bytes in one go. */
            size_t i = r->pos;
            while (i < r->len && r->buf[i] != '"' && r->buf[i] != '\\' && r->buf[i] != '\n') i++;
            if (i > r->pos) {
                if (yc_out_run(r, r->buf + r->pos, i - r->pos) < 0) return YC_FATAL;
                r->pos = i;
            }
            c = yc_peek(r);
            if (c == -2) goto toolong;
            if (c == -1) {
                snprintf(why, whylen, "unterminated quoted field");
                return YC_BAD;
            }
            r->pos++;
            if (c == '"') {
                int d = yc_peek(r);
                if (d == -2) goto toolong;
                if (d == '"') {
                    r->pos++;
                    if (yc_out(r, '"') < 0) return YC_FATAL;
                    continue;
                }
                break; /* closing quote */
            }
            if (c == '\\') {
                int d = yc_peek(r);
                if (d == -2) goto toolong;
                if (d == 'n') {
                    r->pos++;
                    c = '\n';
                }
            } else if (c == '\n') {
                r->line++;
            }
            if (yc_out(r, (char)c) < 0) return YC_FATAL;
        }
        c = yc_peek(r);
        if (c == '\r') { /* CRLF */
            r->pos++;
            c = yc_peek(r);
            if (c != '\n' && c != -1) {
                snprintf(why, whylen, "carriage return after a closing quote");
                return YC_BAD;
            }
        }
        if (c == -2) goto toolong;
        if (c != ',' && c != '\n' && c != -1) {
            snprintf(why, whylen, "unexpected character '%c' after a closing quote",
                     c >= 32 && c < 127 ? c : '?');
            return YC_BAD;
        }
    } else {
        for (;;) {
            c = yc_peek(r);
            if (c == -2) goto toolong;
            if (c == ',' || c == '\n' || c == -1) break;
            r->pos++;
            if (c == '\r' && yc_peek(r) == '\n') { /* CRLF ends the record */
                c = '\n';
                break;
            }
            if (c == '\\' && yc_peek(r) == 'n') {
                r->pos++;
                c = '\n';
            }
            if (yc_out(r, (char)c) < 0) return YC_FATAL;
        }
    }
    if (c >= 0) {
        r->pos++;
        if (c == '\n') r->line++;
    }
    *end = c;
    return yc_out(r, '\0') < 0 ? YC_FATAL : YC_OK;
toolong:
    snprintf(why, whylen, "record longer than %u bytes", YAHOO_CSV_MAX_RECORD);
    return YC_BAD;
}

static int yc_class(const char *s, int *out) {
    int v = 0;
    while (*s == ' ') s++;
    if (*s < '0' || *s > '9') return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > 10) return -1;
        s++;
    }
    while (*s == ' ') s++;
    if (*s || v < 1) return -1;
    *out = v;
    return 0;
}

int yahoo_csv_next(yahoo_csv *r, yahoo_record *rec, char *err, size_t errlen) {
    char why[120];
    for (;;) {
        r->start = r->pos;
        /* Blank lines (and a lone CR) between records are not records. */
        int c = yc_peek(r);
        while (c == '\n' || c == '\r') {
            r->pos++;
            if (c == '\n') r->line++;
            r->start = r->pos;
            c = yc_peek(r);
        }
        if (c == -1) {
            if (r->read_error) {
                yc_seterr(err, errlen, "read error at line %ld", r->line);
                return -1;
            }
            return 0;
        }
        long start_line = r->line;
        size_t off[YC_FIELDS];
        int n = 0, end = 0;
        yc_status st = YC_OK;
        r->outlen = 0;
        why[0] = '\0';
        while (st == YC_OK) {
            if (n < YC_FIELDS) off[n] = r->outlen;
            st = yc_field(r, &end, why, sizeof(why));
            if (st != YC_OK) break;
            n++;
            if (end != ',') break;
            if (n == YC_FIELDS) {
                snprintf(why, sizeof(why), "more than %d columns", YC_FIELDS);
                st = YC_BAD;
            }
        }
        if (st == YC_FATAL) {
            yc_seterr(err, errlen, "line %ld: out of memory", start_line);
            return -1;
        }
        if (st == YC_OK && n != YC_FIELDS) {
            snprintf(why, sizeof(why), "expected %d columns, found %d", YC_FIELDS, n);
            st = YC_BAD;
        }
        if (st == YC_OK && yc_class(r->out + off[0], &rec->class_index) < 0) {
            snprintf(why, sizeof(why), "class index is not a number from 1 to 10");
            st = YC_BAD;
        }
        if (st == YC_BAD) {
            snprintf(r->last_error, sizeof(r->last_error), "line %ld: %s", start_line, why);
            r->skipped++;
            yc_resync(r, start_line);
            if (r->skip_malformed) continue;
            yc_seterr(err, errlen, "%s", r->last_error);
            return -1;
        }
        rec->title = r->out + off[1];
        rec->content = r->out + off[2];
        rec->answer = r->out + off[3];
        rec->title_len = off[2] - off[1] - 1;
        rec->content_len = off[3] - off[2] - 1;
        rec->answer_len = r->outlen - off[3] - 1;
        rec->line = start_line;
        r->records++;
        r->start = r->pos;
        return 1;
    }
}
