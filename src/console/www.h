/* www.h -- the console's static pages, scripts and styles (src/console/www) and the vendored chart library (npm's uplot). */
#ifndef CONSOLE_WWW_H
#define CONSOLE_WWW_H

#include <stddef.h>

#include "http.h"

typedef struct www www;

/* dir: the www folder (pages *.html, static/); vendor: node_modules (uplot/dist/ is served under
 * /vendor/uplot/). Returns NULL + err when dir has no index.html. */
www *www_create(const char *dir, const char *vendor, char *err, size_t errlen);
void www_destroy(www *w);

/* The page file of a console URL ("/" -> "index.html", "/topics/x" -> "topic.html", ...), or NULL. */
const char *www_page_for(const char *path);
/* 1 when a relative file name is safe to serve: [A-Za-z0-9._-/], no "..", no leading '/'. */
int www_safe_name(const char *name);
/* The Content-Type for a file name by its extension. */
const char *www_content_type(const char *name);

/* Handlers (opaque = www): the pages, /static/<file>, /vendor/uplot/<file>. */
void www_page(void *opaque, const http_request *req, http_response *resp);
void www_static(void *opaque, const http_request *req, http_response *resp);
void www_vendor(void *opaque, const http_request *req, http_response *resp);

#endif
