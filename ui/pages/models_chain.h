/* The rules of the Models page that need no terminal: the chain at a glance, the warnings
 * about a fallback chain, and the check of a typed provider model against the discovered ones. */
#ifndef MM_UI_MODELS_CHAIN_H
#define MM_UI_MODELS_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "health/health.h"
#include "util/strlist.h"

#define MODELS_WARNING_MAX 320
#define MODELS_MAX_WARNINGS 8
/* Targets named in the chain at a glance before "→ … +N more". */
#define MODELS_GLANCE_TARGETS 3

/* "gpt-4o@prod-openai → claude-sonnet-4@anthropic-primary → … +2" (at most max_shown targets;
 * arrow and ellipsis are the glyphs to use), or "(no targets)" for an empty chain. */
void models_chain_glance(const mm_model *model, const char *arrow, const char *ellipsis,
                         size_t max_shown, char *out, size_t outsz);

/* True when a provider model id looks like an embedding-only model (contains "embed",
 * case-insensitive). A heuristic: it is used for warnings, never to refuse. */
bool models_looks_embedding(const char *provider_model);

/* The warnings about a model's chain, one sentence each (empty chain; a chat model targeting
 * an embedding model; every target on one account; the same target twice). Returns how many
 * were written (at most max). */
size_t models_chain_warnings(const mm_model *model, char out[][MODELS_WARNING_MAX], size_t max);

/* The warnings that adding (account, provider_model) at the end of model's chain would bring:
 * a chat model on an embedding model, or a target the chain already has. Returns how many. */
size_t models_new_target_warnings(const mm_model *model, const char *account,
                                  const char *provider_model, char out[][MODELS_WARNING_MAX],
                                  size_t max);

/* When provider_model is not among the ids account reported at its last Test Connection (or
 * none were reported), writes a warning and returns true; returns false when it is known. */
bool models_discovered_warning(const mm_string_list *discovered, const char *account,
                               const char *provider_model, char *out, size_t outsz);

/* The health of a chain, from its accounts' health (the health module's statuses). */
typedef enum models_chain_health {
    MODELS_CHAIN_EMPTY = 0, /* no targets: "–" */
    MODELS_CHAIN_UNKNOWN,   /* no figures yet for any of its accounts: "unknown" */
    MODELS_CHAIN_HEALTHY,   /* every account healthy (or not yet measured): "healthy" */
    MODELS_CHAIN_DEGRADED,  /* some account degraded or unreachable: "2/3 healthy" */
    MODELS_CHAIN_DOWN       /* every account unreachable: "down" */
} models_chain_health;

/* Classifies model's chain with map (account -> status) and writes its word into out. */
models_chain_health models_chain_health_of(const mm_model *model, const mm_health_map *map,
                                           const char *dash, char *out, size_t outsz);

#endif
