/* What mmsim's models "say": rough token counts of request text, deterministic short replies
 * and 8-dimension embedding vectors derived from the seed and the request. */
#ifndef MM_SIM_SIM_CONTENT_H
#define MM_SIM_SIM_CONTENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_EMBEDDING_DIMENSIONS 8
#define SIM_MESSAGE_OVERHEAD_TOKENS 3
#define SIM_DEFAULT_MAX_TOKENS 16

/* ceil(bytes / 4). */
long sim_tokens_for_bytes(size_t bytes);
/* Bytes of text in a message content: a string, an array of parts with "text", or an object
 * with "parts" / "text" (Gemini). Anything else counts 0. */
size_t sim_content_bytes(const json_t *content);
/* Input tokens of a list of messages: each message's content (member content_key) plus a
 * small per-message overhead. */
long sim_messages_tokens(const json_t *messages, const char *content_key);

typedef struct sim_completion {
    char *text; /* malloc'd */
    long output_tokens;
    bool truncated; /* stopped by max_tokens */
} sim_completion;

/* A short deterministic reply: min(max_tokens (16 if <= 0), 5..40 from the stream) words. */
sim_completion sim_complete(uint64_t seed, long max_tokens);
void sim_completion_free(sim_completion *completion);

/* A unit vector of SIM_EMBEDDING_DIMENSIONS reals derived from seed and text (new ref). */
json_t *sim_embedding(uint64_t seed, const char *text, size_t len);

#endif
