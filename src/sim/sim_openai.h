/* OpenAI-shaped bodies shared by the openai, azure, mistral and compat dialects: model lists,
 * chat completions, embeddings and the x-ratelimit-* headers. */
#ifndef MM_SIM_SIM_OPENAI_H
#define MM_SIM_SIM_OPENAI_H

#include "sim/sim.h"

/* Answers a chat completion for model into reply (200), or returns what is wrong with the
 * body (then reply is untouched). body is the parsed request. */
const char *sim_openai_chat(const sim_request *req, sim_reply *reply, json_t *body,
                            const char *model);
/* The same for embeddings ("input": a string or an array of strings). */
const char *sim_openai_embeddings(const sim_request *req, sim_reply *reply, json_t *body,
                                  const char *model);
/* {"object":"list","data":[{"id","object":"model","created","owned_by"}...]} */
json_t *sim_openai_model_list(sim_dialect_id dialect);
/* x-ratelimit-{limit,remaining,reset}-{requests,tokens}; remaining 0 on a 429. */
void sim_openai_ratelimit_headers(const sim_request *req, sim_reply *reply);
/* Appends "Please try again in Ns." / "Please retry after N seconds." style hints and sets
 * retry-after (and retry-after-ms when with_ms) when the phase names retry_after_s. */
void sim_retry_after_headers(const sim_request *req, sim_reply *reply, bool with_ms);
/* An id such as "chatcmpl-3f2a…" derived from the request. */
void sim_make_id(const sim_request *req, const char *prefix, char *out, size_t outsz);

#endif
