/* stub_api.h -- request parsing and response bodies for the Ollama and OpenAI-compatible APIs */
#ifndef QAFLOW_STUB_API_H
#define QAFLOW_STUB_API_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef enum stub_api_kind {
    STUB_API_OLLAMA_GENERATE = 0,  /* POST /api/generate */
    STUB_API_OPENAI_CHAT,          /* POST /v1/chat/completions */
    STUB_API_OPENAI_COMPLETIONS    /* POST /v1/completions */
} stub_api_kind;

typedef struct stub_request {
    stub_api_kind kind;
    char *model;       /* NULL when absent */
    char *prompt;      /* everything the model would read: Ollama system + prompt; chat
                        * messages' contents joined by newlines; completion prompt(s) */
    int has_seed;
    int64_t seed;      /* Ollama options.seed, OpenAI seed */
    int stream;        /* Ollama: default true unless "stream":false; OpenAI: default false */
    int max_tokens;    /* Ollama options.num_predict, OpenAI max_tokens; -1 when absent */
    json_t *body;      /* the whole request body as parsed (a reference; for the request log) */
} stub_request;

/* The API a POST path belongs to; -1 for other paths. */
int stub_api_kind_for_path(const char *path);

/* Parse a request body. On error returns -1 with err set (the caller answers 400). */
int stub_api_parse(stub_api_kind kind, const char *body, size_t len, stub_request *out,
                   char *err, size_t errlen);
void stub_request_free(stub_request *r);

typedef struct stub_api_reply {
    const char *model;
    const char *answer;
    int prompt_tokens;
    int completion_tokens;
    int truncated;          /* finish/done reason "length" instead of "stop" */
    const char *created_at; /* ISO-8601 UTC with ms */
    long long created_unix; /* seconds */
    uint64_t id;            /* request id for OpenAI's "id" */
    long long duration_ns;  /* Ollama's total_duration */
} stub_api_reply;

/* Success body in the API's own shape; streaming requests get Ollama NDJSON or OpenAI SSE.
 * *content_type is set to a static string. Malloc'd; NULL on allocation failure. */
char *stub_api_render_answer(stub_api_kind kind, int stream, const stub_api_reply *r,
                             const char **content_type);

/* Error body in the API's own shape: Ollama {"error":"..."}, OpenAI
 * {"error":{"message","type","code"}}. message NULL: the standard text for the status
 * (402 says "quota exceeded" / code "insufficient_quota"). Malloc'd. */
char *stub_api_render_error(stub_api_kind kind, int status, const char *message);

/* Model listings: GET /api/tags and GET /v1/models. Malloc'd. */
char *stub_api_render_tags(const char *model, const char *modified_at);
char *stub_api_render_models(const char *model, long long created_unix);

#endif
