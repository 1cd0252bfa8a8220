/* classify.c -- maps one LLM HTTP exchange to success / overload / quota / fatal. */
#include "classify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Case-insensitive search of a bounded, non-NUL-terminated body. */
static int classify_body_has(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; body && i + n <= len; i++)
        if (strncasecmp(body + i, needle, n) == 0)
            return 1;
    return 0;
}

static int classify_is_quota_body(const char *body, size_t len)
{
    return classify_body_has(body, len, "quota") || classify_body_has(body, len, "billing") ||
           classify_body_has(body, len, "credit");
}

static const char *classify_status_text(long s)
{
    switch (s) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

static char *classify_trim_dup(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

int classify_exchange(llm_backend_kind kind, const classify_input *in, classify_result *out)
{
    memset(out, 0, sizeof *out);
    out->http_status = (int)in->http_status;
    out->retry_after_s = in->retry_after_s;

    if (in->net != CLASSIFY_NET_OK) {
        /* No HTTP answer: a busy or restarting server looks exactly like this, and the
         * overload policy bounds the retries (3), after which the question fails visibly. */
        static const char *what[] = {"ok", "timeout", "connection refused",
                                     "connection broken", "transport error"};
        out->outcome = CLASSIFY_OVERLOAD;
        out->http_status = 0;
        snprintf(out->message, sizeof out->message, "LLM %s: %s", what[in->net],
                 in->net_message ? in->net_message : "");
        return 0;
    }

    long s = in->http_status;
    char detail[256];
    backend_error_text(in->body, in->body_len, detail, sizeof detail);

    if (s == 200) {
        char perr[256];
        char *raw = NULL;
        if (backend_parse_answer(kind, in->body ? in->body : "", in->body_len, &raw, perr,
                                 sizeof perr) != 0) {
            out->outcome = CLASSIFY_FATAL;
            snprintf(out->message, sizeof out->message, "LLM answered 200 with %s", perr);
            return 0;
        }
        char *ans = classify_trim_dup(raw);
        free(raw);
        if (!ans)
            return -1;
        /* An empty answer is an answer: the ScoreJob scores it (0, as bert-score) and regenerates it
         * like any poor answer (docs/llm.md). */
        out->outcome = CLASSIFY_SUCCESS;
        out->answer = ans;
        return 0;
    }

    if (s == 402 || ((s == 429 || s == 403) && classify_is_quota_body(in->body, in->body_len)))
        out->outcome = CLASSIFY_QUOTA;
    else if (s == 429 || s == 503 || s == 502 || s == 504 || s == 500 || s == 408)
        out->outcome = CLASSIFY_OVERLOAD;
    else
        out->outcome = CLASSIFY_FATAL; /* 3xx, 400, 401, 403, 404, 405, 413, 422, 501, ... */

    const char *txt = classify_status_text(s);
    snprintf(out->message, sizeof out->message, "LLM answered %ld%s%s%s%s", s, *txt ? " " : "",
             txt, *detail ? ": " : "", detail);
    return 0;
}

long classify_parse_retry_after(const char *value, time_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (!*value)
        return -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        long v = strtol(value, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end || v < 0)
            return -1;
        return v > 86400 ? 86400 : v;
    }
    /* HTTP-date, IMF-fixdate form: "Sun, 06 Nov 1994 08:49:37 GMT" */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end)
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    long d = (long)(t - now);
    if (d < 0)
        d = 0;
    return d > 86400 ? 86400 : d;
}
