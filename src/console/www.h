/* www.h -- the console's static pages, scripts and styles (src/console/www) and the vendored chart library (npm's uplot). */
#ifndef CONSOLE_WWW_H
#define CONSOLE_WWW_H

#include <stddef.h>

#include "http.h"

typedef struct www www;

/* dir: the www folder (shell.html, pages/, static/); vendor: node_modules (uplot/dist/ is served
 * under /vendor/uplot/). Returns NULL + err when dir has no shell.html. */
www *www_create(const char *dir, const char *vendor, char *err, size_t errlen);
void www_destroy(www *w);

/* The page fragment of a console URL ("/" -> "pages/overview.html", "/topics/x" -> "pages/topic.html",
 * ...), or NULL. A page is shell.html with its title, navigation entry and fragment filled in. */
const char *www_page_for(const char *path);
/* shell with each marks[i] replaced by values[i] (values are not scanned again); malloc'd, NULL
 * when out of memory. Every mark must be non-empty. */
char *www_fill(const char *shell, const char *const *marks, const char *const *values, size_t n);
/* 1 when a relative file name is safe to serve: [A-Za-z0-9._-/], no "..", no leading '/'. */
int www_safe_name(const char *name);
/* The Content-Type for a file name by its extension. */
const char *www_content_type(const char *name);

/* Handlers (opaque = www): the pages, /static/<file>, /vendor/uplot/<file>. */
void www_page(void *opaque, const http_request *req, http_response *resp);
void www_static(void *opaque, const http_request *req, http_response *resp);
void www_vendor(void *opaque, const http_request *req, http_response *resp);

#endif
