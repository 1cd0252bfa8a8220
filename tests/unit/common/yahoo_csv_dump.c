/* yahoo_csv_dump.c -- prints every record of a Yahoo! Answers CSV file as one JSON line (for the round-trip test against Python's csv module). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "yahoo_csv.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: yahoo_csv_dump FILE.csv   (one JSON line per record; malformed records as {\"error\":...})\n");
        return 2;
    }
    char err[256];
    yahoo_csv *r = yahoo_csv_open(argv[1], 0, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    yahoo_record rec;
    int rc;
    while ((rc = yahoo_csv_next(r, &rec, err, sizeof(err))) != 0) {
        json_t *o = rc < 0 ? json_pack("{s:s}", "error", err)
                           : json_pack("{s:i,s:s%,s:s%,s:s%,s:I}", "class", rec.class_index, "title", rec.title,
                                       rec.title_len, "content", rec.content, rec.content_len, "answer", rec.answer,
                                       rec.answer_len, "line", (json_int_t)rec.line);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (!s) {
            fprintf(stderr, "error: cannot encode record at line %ld (invalid UTF-8?)\n", rec.line);
            json_decref(o);
            yahoo_csv_destroy(r);
            return 1;
        }
        printf("%s\n", s);
        free(s);
        json_decref(o);
    }
    yahoo_csv_destroy(r);
    return 0;
}
