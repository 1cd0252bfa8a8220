/* stub_api.c -- what Ollama and OpenAI-compatible clients send and expect back */
#include "stub_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

int stub_api_kind_for_path(const char *path)
{
    if (strcmp(path, "/api/generate") == 0)
        return STUB_API_OLLAMA_GENERATE;
    if (strcmp(path, "/v1/chat/completions") == 0)
        return STUB_API_OPENAI_CHAT;
    if (strcmp(path, "/v1/completions") == 0)
        return STUB_API_OPENAI_COMPLETIONS;
    return -1;
}

void stub_request_free(stub_request *r)
{
    if (!r)
        return;
    free(r->model);
    free(r->prompt);
    json_decref(r->body);
    r->model = r->prompt = NULL;
    r->body = NULL;
}

/* Growable string for joining prompt parts. */
typedef struct api_buf {
    char *s;
    size_t n, cap;
} api_buf;

static int buf_add(api_buf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns)
            return -1;
        b->s = ns;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
    return 0;
}

static int get_int_opt(json_t *o, const char *key, int64_t *out, int *has, char *err,
                       size_t errlen)
{
    json_t *v = o ? json_object_get(o, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_real(v))
        *out = (int64_t)json_real_value(v);
    else {
        snprintf(err, errlen, "'%s' must be a number", key);
        return -1;
    }
    if (has)
        *has = 1;
    return 0;
}

/* Content of a chat message: a string, or OpenAI's array of {"type":"text","text":...}. */
static int chat_content(json_t *c, api_buf *b, char *err, size_t errlen)
{
    if (json_is_string(c))
        return buf_add(b, json_string_value(c), json_string_length(c));
    if (json_is_array(c)) {
        size_t i;
        json_t *part;
        json_array_foreach(c, i, part) {
            json_t *t = json_object_get(part, "text");
            if (json_is_string(t) && buf_add(b, json_string_value(t), json_string_length(t)))
                return -1;
        }
        return 0;
    }
    if (json_is_null(c))
        return 0;
    snprintf(err, errlen, "message 'content' must be a string or an array of parts");
    return -1;
}

static int parse_prompt(stub_api_kind kind, json_t *root, api_buf *b, char *err, size_t errlen)
{
    if (kind == STUB_API_OLLAMA_GENERATE) {
        json_t *sys = json_object_get(root, "system");
        json_t *p = json_object_get(root, "prompt");
        if (!json_is_string(p)) {
            snprintf(err, errlen, "'prompt' must be a string");
            return -1;
        }
        if (json_is_string(sys) && json_string_length(sys) > 0) {
            if (buf_add(b, json_string_value(sys), json_string_length(sys)) ||
                buf_add(b, "\n", 1))
                goto oom;
        }
        if (buf_add(b, json_string_value(p), json_string_length(p)))
            goto oom;
        return 0;
    }
    if (kind == STUB_API_OPENAI_CHAT) {
        json_t *msgs = json_object_get(root, "messages");
        if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
            snprintf(err, errlen, "'messages' must be a non-empty array");
            return -1;
        }
        size_t i;
        json_t *m;
        json_array_foreach(msgs, i, m) {
            if (!json_is_object(m) || !json_is_string(json_object_get(m, "role"))) {
                snprintf(err, errlen, "each message needs a string 'role'");
                return -1;
            }
            if (i > 0 && buf_add(b, "\n", 1))
                goto oom;
            if (chat_content(json_object_get(m, "content"), b, err, errlen))
                return -1;
        }
        return b->s ? 0 : buf_add(b, "", 0);
    }
    json_t *p = json_object_get(root, "prompt");
    if (json_is_string(p))
        return buf_add(b, json_string_value(p), json_string_length(p)) ? -1 : 0;
    if (json_is_array(p) && json_array_size(p) > 0) {
        size_t i;
        json_t *s;
        json_array_foreach(p, i, s) {
            if (!json_is_string(s)) {
                snprintf(err, errlen, "'prompt' must be a string or an array of strings");
                return -1;
            }
            if ((i > 0 && buf_add(b, "\n", 1)) ||
                buf_add(b, json_string_value(s), json_string_length(s)))
                goto oom;
        }
        return 0;
    }
    snprintf(err, errlen, "'prompt' must be a string or an array of strings");
    return -1;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int stub_api_parse(stub_api_kind kind, const char *body, size_t len, stub_request *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->max_tokens = -1;
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "invalid JSON body: %s", jerr.text);
        return -1;
    }
    api_buf b = {0};
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "body must be a JSON object");
        goto done;
    }
    json_t *model = json_object_get(root, "model");
    if (model && !json_is_null(model) && !json_is_string(model)) {
        snprintf(err, errlen, "'model' must be a string");
        goto done;
    }
    if (parse_prompt(kind, root, &b, err, errlen) != 0)
        goto done;
    json_t *stream = json_object_get(root, "stream");
    if (stream && !json_is_boolean(stream) && !json_is_null(stream)) {
        snprintf(err, errlen, "'stream' must be a boolean");
        goto done;
    }
    if (kind == STUB_API_OLLAMA_GENERATE)
        out->stream = !(stream && json_is_false(stream)) && !(stream && json_is_null(stream));
    else
        out->stream = stream && json_is_true(stream);
    int64_t mt = -1;
    json_t *opts = NULL;
    if (kind == STUB_API_OLLAMA_GENERATE) {
        opts = json_object_get(root, "options");
        if (opts && !json_is_object(opts) && !json_is_null(opts)) {
            snprintf(err, errlen, "'options' must be an object");
            goto done;
        }
        if (get_int_opt(opts, "seed", &out->seed, &out->has_seed, err, errlen) ||
            get_int_opt(opts, "num_predict", &mt, NULL, err, errlen))
            goto done;
    } else {
        if (get_int_opt(root, "seed", &out->seed, &out->has_seed, err, errlen) ||
            get_int_opt(root, "max_tokens", &mt, NULL, err, errlen))
            goto done;
    }
    out->max_tokens = mt > 0 && mt < 1000000 ? (int)mt : -1;
    if (json_is_string(model)) {
        out->model = strdup(json_string_value(model));
        if (!out->model) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    out->prompt = b.s;
    b.s = NULL;
    out->body = json_incref(root);
    rc = 0;
done:
    free(b.s);
    json_decref(root);
    if (rc != 0)
        stub_request_free(out);
    return rc;
}

static char *dump_line(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static char *render_ollama(int stream, const stub_api_reply *r, const char **ct)
{
    const char *reason = r->truncated ? "length" : "stop";
    long long half = r->duration_ns / 2;
    json_t *done = json_pack("{s:s,s:s,s:s,s:b,s:s,s:I,s:I,s:i,s:I,s:i,s:I}",
                             "model", r->model, "created_at", r->created_at,
                             "response", stream ? "" : r->answer, "done", 1,
                             "done_reason", reason,
                             "total_duration", (json_int_t)r->duration_ns,
                             "load_duration", (json_int_t)0,
                             "prompt_eval_count", r->prompt_tokens,
                             "prompt_eval_duration", (json_int_t)half,
                             "eval_count", r->completion_tokens,
                             "eval_duration", (json_int_t)(r->duration_ns - half));
    char *last = dump_line(done);
    if (!stream) {
        *ct = "application/json";
        return last;
    }
    *ct = "application/x-ndjson";
    char *first = dump_line(json_pack("{s:s,s:s,s:s,s:b}", "model", r->model, "created_at",
                                      r->created_at, "response", r->answer, "done", 0));
    char *out = NULL;
    if (first && last) {
        size_t n = strlen(first) + strlen(last) + 3;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s\n%s\n", first, last);
    }
    free(first);
    free(last);
    return out;
}

static char *render_openai(stub_api_kind kind, int stream, const stub_api_reply *r,
                           const char **ct)
{
    int chat = kind == STUB_API_OPENAI_CHAT;
    const char *reason = r->truncated ? "length" : "stop";
    char id[48];
    snprintf(id, sizeof(id), "%s-%llu", chat ? "chatcmpl" : "cmpl", (unsigned long long)r->id);
    json_t *choice;
    if (chat)
        choice = json_pack(stream ? "{s:i,s:{s:s,s:s},s:s}" : "{s:i,s:{s:s,s:s},s:s}",
                           "index", 0, stream ? "delta" : "message", "role", "assistant",
                           "content", r->answer, "finish_reason", reason);
    else
        choice = json_pack("{s:i,s:s,s:n,s:s}", "index", 0, "text", r->answer, "logprobs",
                           "finish_reason", reason);
    json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:[o]}", "id", id, "object",
                          chat ? (stream ? "chat.completion.chunk" : "chat.completion")
                               : "text_completion",
                          "created", (json_int_t)r->created_unix, "model", r->model,
                          "choices", choice);
    if (o)
        json_object_set_new(o, "usage",
                            json_pack("{s:i,s:i,s:i}", "prompt_tokens", r->prompt_tokens,
                                      "completion_tokens", r->completion_tokens,
                                      "total_tokens", r->prompt_tokens + r->completion_tokens));
    char *body = dump_line(o);
    if (!stream) {
        *ct = "application/json";
        return body;
    }
    *ct = "text/event-stream";
    char *out = NULL;
    if (body) {
        size_t n = strlen(body) + 32;
        out = malloc(n);
        if (out)
            snprintf(out, n, "data: %s\n\ndata: [DONE]\n\n", body);
    }
    free(body);
    return out;
}

char *stub_api_render_answer(stub_api_kind kind, int stream, const stub_api_reply *r,
                             const char **content_type)
{
    if (kind == STUB_API_OLLAMA_GENERATE)
        return render_ollama(stream, r, content_type);
    return render_openai(kind, stream, r, content_type);
}

static void error_texts(int status, const char **msg, const char **type, const char **code)
{
    switch (status) {
    case 402:
        *msg = "quota exceeded: you exceeded your current quota";
        *type = "insufficient_quota";
        *code = "insufficient_quota";
        break;
    case 429:
        *msg = "rate limit exceeded, too many requests";
        *type = "rate_limit_error";
        *code = "rate_limit_exceeded";
        break;
    case 503:
        *msg = "server overloaded, please retry later";
        *type = "server_error";
        *code = "overloaded";
        break;
    case 400:
        *msg = "bad request";
        *type = "invalid_request_error";
        *code = "invalid_request";
        break;
    case 404:
        *msg = "model not found";
        *type = "invalid_request_error";
        *code = "model_not_found";
        break;
    case 401:
    case 403:
        *msg = "not authorized";
        *type = "authentication_error";
        *code = "invalid_api_key";
        break;
    default:
        *msg = status >= 500 ? "internal server error" : "request failed";
        *type = status >= 500 ? "server_error" : "invalid_request_error";
        *code = status >= 500 ? "server_error" : "error";
        break;
    }
}

char *stub_api_render_error(stub_api_kind kind, int status, const char *message)
{
    const char *msg, *type, *code;
    error_texts(status, &msg, &type, &code);
    if (message)
        msg = message;
    if (kind == STUB_API_OLLAMA_GENERATE)
        return dump_line(json_pack("{s:s}", "error", msg));
    return dump_line(json_pack("{s:{s:s,s:s,s:s}}", "error", "message", msg, "type", type,
                               "code", code));
}

char *stub_api_render_tags(const char *model, const char *modified_at)
{
    char name[160];
    snprintf(name, sizeof(name), "%s%s", model, strchr(model, ':') ? "" : ":latest");
    return dump_line(json_pack(
        "{s:[{s:s,s:s,s:s,s:i,s:s,s:{s:s,s:s,s:s,s:s}}]}", "models", "name", name, "model",
        name, "modified_at", modified_at, "size", 0, "digest", "qaflow-llm-stub", "details",
        "format", "stub", "family", "stub", "parameter_size", "0", "quantization_level",
        "none"));
}

char *stub_api_render_models(const char *model, long long created_unix)
{
    return dump_line(json_pack("{s:s,s:[{s:s,s:s,s:I,s:s}]}", "object", "list", "data", "id",
                               model, "object", "model", "created", (json_int_t)created_unix,
                               "owned_by", "qaflow-llm-stub"));
}
