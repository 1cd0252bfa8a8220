/* www.c -- serves the console's pages and static files from disk, with safe names and a strict Content-Security-Policy. */
#include "www.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct www {
    char *dir;
    char *vendor;
};

#define WWW_MAX_FILE (8u << 20)

/* Every page: its URL (exact, or a prefix followed by one path segment), its fragment in pages/,
 * its title and the navigation entry it belongs to. Each is shell.html with these filled in. */
static const struct page { const char *prefix; int exact; const char *file, *title, *nav; } pages[] = {
    { "/", 1, "pages/overview.html", "Overview", "/" },
    { "/topics", 1, "pages/topics.html", "Topics", "/topics" },
    { "/topics/", 0, "pages/topic.html", "Topic", "/topics" },
    { "/questions", 1, "pages/questions.html", "Questions", "/questions" },
    { "/questions/", 0, "pages/question.html", "Question", "/questions" },
    { "/analysis", 1, "pages/analysis.html", "Analysis", "/analysis" },
    { "/ask", 1, "pages/ask.html", "Ask", "/ask" },
};

static const struct page *page_for(const char *path)
{
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        size_t n = strlen(pages[i].prefix);
        if (pages[i].exact ? strcmp(path, pages[i].prefix) == 0
                           : strncmp(path, pages[i].prefix, n) == 0 && path[n] && !strchr(path + n, '/'))
            return &pages[i];
    }
    return NULL;
}

const char *www_page_for(const char *path)
{
    const struct page *p = page_for(path);
    return p ? p->file : NULL;
}

int www_safe_name(const char *name)
{
    if (!name[0] || name[0] == '/' || strstr(name, "..") || strstr(name, "//")) return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") == strlen(name);
}

const char *www_content_type(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" }, { ".json", "application/json" },
        { ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".ico", "image/x-icon" },
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && (size_t)n <= WWW_MAX_FILE && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
            if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else {
                buf[n] = '\0';
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return buf;
}

/* The headers of every file the console serves. */
static void www_headers(http_response *resp)
{
    http_response_header(resp, "Cache-Control", "no-cache");
    http_response_header(resp, "X-Content-Type-Options", "nosniff");
    http_response_header(resp, "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
}

/* Answers base/name, or 404. */
static void serve(const char *base, const char *name, http_response *resp)
{
    if (!www_safe_name(name)) {
        http_response_error(resp, 404, "no such file");
        return;
    }
    char path[4096];
    size_t len = 0;
    char *body = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", base, name) < sizeof path) body = read_file(path, &len);
    if (!body) {
        http_response_error(resp, 404, "no such file: %s", name);
        return;
    }
    http_response_take(resp, 200, www_content_type(name), body, len);
    www_headers(resp);
}

www *www_create(const char *dir, const char *vendor, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/shell.html", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s (set --www)", path, strerror(errno));
        return NULL;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/uplot/dist/uPlot.iife.min.js", vendor);
    if (!(f = fopen(path, "rb"))) log_warn("www: %s missing: the charts will not draw (run ./qaflow setup)", path);
    else fclose(f);
    www *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir)) || !(w->vendor = strdup(vendor))) {
        www_destroy(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return w;
}

void www_destroy(www *w)
{
    if (!w) return;
    free(w->dir);
    free(w->vendor);
    free(w);
}

char *www_fill(const char *shell, const char *const *marks, const char *const *values, size_t n)
{
    size_t len = strlen(shell) + 1;
    for (size_t i = 0; i < n; i++) len += strlen(values[i]);
    char *out = malloc(len), *w = out;
    if (!out) return NULL;
    for (const char *r = shell; *r;) {
        size_t i;
        for (i = 0; i < n; i++)
            if (strncmp(r, marks[i], strlen(marks[i])) == 0) break;
        if (i < n) {
            w = stpcpy(w, values[i]);
            r += strlen(marks[i]);
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return out;
}

void www_page(void *opaque, const http_request *req, http_response *resp)
{
    const www *w = opaque;
    const struct page *p = page_for(req->path);
    if (!p) {
        http_response_error(resp, 404, "no such page: %s", req->path);
        return;
    }
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/shell.html", w->dir);
    char *shell = read_file(path, &len);
    snprintf(path, sizeof path, "%s/%s", w->dir, p->file);
    char *frag = read_file(path, &len);
    static const char *const marks[] = { "<!--title-->", "<!--nav-->", "<!--page-->" };
    const char *values[] = { p->title, p->nav, frag };
    char *html = shell && frag ? www_fill(shell, marks, values, 3) : NULL;
    free(shell);
    free(frag);
    if (!html) {
        http_response_error(resp, 500, "cannot read the page %s", p->file);
        return;
    }
    http_response_take(resp, 200, "text/html; charset=utf-8", html, strlen(html));
    www_headers(resp);
}

void www_static(void *opaque, const http_request *req, http_response *resp)
{
    const www *w = opaque;
    char name[512];
    snprintf(name, sizeof name, "static/%s", req->subpath);
    serve(w->dir, name, resp);
}

void www_vendor(void *opaque, const http_request *req, http_response *resp)
{
    const www *w = opaque;
    char name[512];
    snprintf(name, sizeof name, "uplot/dist/%s", req->subpath);
    serve(w->vendor, name, resp);
}
