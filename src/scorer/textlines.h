/* textlines.h -- read a file (or stdin) as one text per line: an empty line is an empty text. */
#ifndef QAFLOW_TEXTLINES_H
#define QAFLOW_TEXTLINES_H

#include <stddef.h>

typedef struct textlines {
    char **lines;   /* NUL-terminated, without the line end ("\n" or "\r\n") */
    size_t n;
} textlines;

/* Reads path ("-" for stdin). A final line without "\n" counts; a file ending in "\n" has no
 * extra empty line after it. Returns 0, or -1 with err filled. */
int textlines_read(const char *path, textlines *out, char *err, size_t errlen);
void textlines_free(textlines *t);

#endif
