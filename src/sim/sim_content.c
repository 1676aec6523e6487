/* mmsim model output: token estimates, deterministic replies and embedding vectors. */
#include "sim/sim_content.h"
#include "sim/sim_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const vocabulary[] = {
    "hello",   "from",    "mmsim",   "the",     "simulated", "provider", "answers", "your",
    "request", "quickly", "with",    "a",       "short",     "and",      "stable",  "reply",
    "tokens",  "are",     "counted", "roughly", "for",       "tests",    "only",    "ok"};

#define VOCABULARY_SIZE (sizeof vocabulary / sizeof vocabulary[0])

long sim_tokens_for_bytes(size_t bytes)
{
    return (long)((bytes + 3) / 4);
}

size_t sim_content_bytes(const json_t *content)
{
    if (json_is_string(content))
        return json_string_length(content);
    if (json_is_array(content)) {
        size_t total = 0;
        size_t i;
        json_t *part;
        json_array_foreach(content, i, part) total += sim_content_bytes(part);
        return total;
    }
    if (json_is_object(content)) {
        const json_t *text = json_object_get(content, "text");
        if (json_is_string(text))
            return json_string_length(text);
        return sim_content_bytes(json_object_get(content, "parts"));
    }
    return 0;
}

long sim_messages_tokens(const json_t *messages, const char *content_key)
{
    long total = 0;
    size_t i;
    json_t *message;
    json_array_foreach(messages, i, message)
    {
        total += SIM_MESSAGE_OVERHEAD_TOKENS +
                 sim_tokens_for_bytes(sim_content_bytes(json_object_get(message, content_key)));
    }
    return total;
}

sim_completion sim_complete(uint64_t seed, long max_tokens)
{
    uint64_t stream = seed;
    long cap = max_tokens > 0 ? max_tokens : SIM_DEFAULT_MAX_TOKENS;
    long words = sim_rng_range(&stream, 5, 40);
    bool truncated = words > cap;
    if (truncated)
        words = cap;
    sim_completion completion = {
        .text = malloc((size_t)words * 12 + 2), .output_tokens = words, .truncated = truncated};
    if (!completion.text)
        return (sim_completion){0};
    char *out = completion.text;
    for (long i = 0; i < words; i++) {
        const char *word = vocabulary[sim_rng_next(&stream) % VOCABULARY_SIZE];
        size_t len = strlen(word);
        if (i > 0)
            *out++ = ' ';
        memcpy(out, word, len);
        out += len;
    }
    *out++ = '.';
    *out = '\0';
    return completion;
}

void sim_completion_free(sim_completion *completion)
{
    free(completion->text);
    completion->text = NULL;
}

json_t *sim_embedding(uint64_t seed, const char *text, size_t len)
{
    uint64_t stream = sim_hash(text, len, seed);
    double values[SIM_EMBEDDING_DIMENSIONS];
    double norm = 0;
    for (size_t i = 0; i < SIM_EMBEDDING_DIMENSIONS; i++) {
        values[i] = sim_rng_unit(&stream) * 2.0 - 1.0;
        norm += values[i] * values[i];
    }
    norm = norm > 0 ? sqrt(norm) : 1.0;
    json_t *vector = json_array();
    for (size_t i = 0; i < SIM_EMBEDDING_DIMENSIONS; i++)
        json_array_append_new(vector, json_real(round(values[i] / norm * 1e6) / 1e6));
    return vector;
}
