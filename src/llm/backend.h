/* backend.h -- the LLM HTTP APIs the worker speaks: request bodies, URLs, answer parsing. */
#ifndef QAFLOW_LLM_BACKEND_H
#define QAFLOW_LLM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LLM_BACKEND_OLLAMA,            /* POST /api/generate, stream:false */
    LLM_BACKEND_OPENAI_COMPLETIONS, /* POST /v1/completions */
    LLM_BACKEND_OPENAI_CHAT         /* POST /v1/chat/completions */
} llm_backend_kind;

typedef struct {
    llm_backend_kind kind;
    const char *model;
    double temperature;
    int max_tokens;
    const char *const *stop; /* NULL-terminated list of stop sequences, may be NULL */
} llm_params;

/* Parses "ollama", "openai" (= completions), "openai-completions", "openai-chat";
 * `endpoint` ("completions"|"chat", may be NULL) refines "openai". Returns 0 or -1. */
int backend_parse_kind(const char *name, const char *endpoint, llm_backend_kind *out,
                       char *err, size_t errlen);
const char *backend_kind_name(llm_backend_kind kind);

/* Builds the full request URL from a base such as "localhost:11434", "http://h:8090" or
 * "http://h:8090/v1" (scheme and default port added as needed). malloc'd; NULL on error. */
char *backend_url(llm_backend_kind kind, const char *base, char *err, size_t errlen);

/* Request JSON body (malloc'd) for one prompt with a sampling seed. NULL on error. */
char *backend_request_body(const llm_params *p, const char *prompt, uint32_t seed);

/* Parses a 200 body. Returns 0 and a malloc'd *answer (may be "" when the LLM said nothing),
 * or -1 with err set when the body is not what the API promises. */
int backend_parse_answer(llm_backend_kind kind, const char *body, size_t len, char **answer,
                         char *err, size_t errlen);

/* Extracts a human-readable error text from an error body of either API (Ollama
 * {"error":"..."}, OpenAI {"error":{"message":"...","code":"..."}}), else a prefix of the raw
 * body. Always writes a NUL-terminated string into out. */
void backend_error_text(const char *body, size_t len, char *out, size_t outlen);

/* ollama.c */
char *ollama_request_body(const llm_params *p, const char *prompt, uint32_t seed);
int ollama_parse_answer(const char *body, size_t len, char **answer, char *err, size_t errlen);

/* openai.c */
char *openai_request_body(const llm_params *p, const char *prompt, uint32_t seed);
int openai_parse_answer(llm_backend_kind kind, const char *body, size_t len, char **answer,
                        char *err, size_t errlen);

#endif
