/* textlines.c -- one text per line from a file or stdin, for the qaflow-bertscore CLI. */
#include "textlines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void textlines_free(textlines *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->lines[i]);
    free(t->lines);
    t->lines = NULL;
    t->n = 0;
}

int textlines_read(const char *path, textlines *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (out->n == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            char **nl = realloc(out->lines, alloc * sizeof *nl);
            if (!nl) {
                rc = -1;
                break;
            }
            out->lines = nl;
        }
        if (!(out->lines[out->n] = strdup(line))) {
            rc = -1;
            break;
        }
        out->n++;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "read error on %s", path);
        rc = -1;
    } else if (rc != 0) {
        snprintf(err, errlen, "out of memory reading %s", path);
    }
    free(line);
    if (!is_stdin)
        fclose(f);
    if (rc != 0)
        textlines_free(out);
    return rc;
}
