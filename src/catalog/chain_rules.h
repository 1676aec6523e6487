/* The rules about a model's fallback chain that the console and the CLI share: the chain at a
 * glance, the warnings about a chain or a target to add, and the discovered-model check. */
#ifndef MM_CATALOG_CHAIN_RULES_H
#define MM_CATALOG_CHAIN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "util/strlist.h"

#define MM_CHAIN_WARNING_MAX 320 /* one warning sentence, with its NUL */
#define MM_CHAIN_MAX_WARNINGS 8
/* Targets named in the console's chain at a glance before "→ … +N". */
#define MM_CHAIN_GLANCE_TARGETS 3

/* "gpt-4o@prod-openai → claude-sonnet-4@anthropic-primary → … +2": at most max_shown targets,
 * joined by arrow (" → " with its spaces added here), then ellipsis and the count left out;
 * empty_text for an empty chain. Always NUL-terminated (cut when out is full). */
void mm_chain_glance(const mm_model *model, const char *arrow, const char *ellipsis,
                     size_t max_shown, const char *empty_text, char *out, size_t outsz);

/* True when a provider model id looks like an embedding-only model (contains "embed",
 * case-insensitive). A heuristic: it is used for warnings, never to refuse. */
bool mm_looks_embedding(const char *provider_model);

/* The type a provider model id looks like from its name: "embedding" (embed), "image"
 * (dall-e, gpt-image, imagen, stable-diffusion), "audio" (whisper, tts, transcribe, audio), or
 * NULL when it looks like nothing special (a chat model, most likely). A heuristic for
 * warnings and the target picker's notes, never to refuse. */
const char *mm_guess_model_type(const char *provider_model);

/* When provider_model does not fit a logical model of model_type (chat|embedding|image|audio)
 * called model_name, writes the sentence saying so, starting with subject ("gpt-4o does not
 * look like an embedding model, but embed-docs is an embedding model: ...") and returns true;
 * both ways: a chat model on an embedding/image/audio id, or an embedding/image/audio model on
 * another kind of id. */
bool mm_chain_type_mismatch(const char *model_type, const char *model_name,
                            const char *provider_model, const char *subject, char *out,
                            size_t outsz);

/* The one rule for a target's provider and the model's type: when an image or audio model
 * (model_type) would get a target on a provider (provider id, e.g. "anthropic") that has no API
 * for that type, writes "cannot add ACCOUNT to 'MODEL': Anthropic has no image API: use an
 * OpenAI, ..." (the sentence from src/providers/provider_media.c) and returns true. Chat and
 * embedding models, and unknown providers, are never refused here. Used by `target add`, the
 * console's Add Target, and the catalog-as-code check/plan/apply. */
bool mm_chain_provider_lacks_api(const char *model_type, const char *model_name,
                                 const char *account, const char *provider_id, char *out,
                                 size_t outsz);

/* The warnings about a model's chain, one sentence each (empty chain; a target whose id does
 * not fit the model's type, mm_chain_type_mismatch; every target on one account; the same
 * target twice). Returns how many
 * were written (at most max). */
size_t mm_chain_warnings(const mm_model *model, char out[][MM_CHAIN_WARNING_MAX], size_t max);

/* The warnings that adding (account, provider_model) to model's chain would bring: an id that
 * does not fit the model's type, or a target the chain already has. Returns how many. */
size_t mm_chain_new_target_warnings(const mm_model *model, const char *account,
                                    const char *provider_model, char out[][MM_CHAIN_WARNING_MAX],
                                    size_t max);

/* Whether provider_model is among the ids an account reported at its last connection test
 * (catalog_account_discovered). */
typedef enum mm_discovered_check {
    MM_DISCOVERED_LISTED = 0, /* reported: nothing to say */
    MM_DISCOVERED_UNTESTED,   /* the account reported no models (never tested): unchecked */
    MM_DISCOVERED_NOT_LISTED, /* the account reported models, not this one: a typo? */
    MM_DISCOVERED_UNCHECKABLE /* the provider's list never shows what targets name (Azure
                                 deployments, mm_provider_info.targets_not_listed): nothing to say
                               */
} mm_discovered_check;

mm_discovered_check mm_chain_discovered_check(const mm_string_list *discovered,
                                              const char *provider_model, bool targets_not_listed);

/* The check above as a warning sentence; how_to_test is the front end's words for testing the
 * account ("run Test Connection on the Provider Accounts page"). Returns false (out empty)
 * when the model is listed. */
bool mm_chain_discovered_warning(const mm_string_list *discovered, const char *account,
                                 const char *provider_model, bool targets_not_listed,
                                 const char *how_to_test, char *out, size_t outsz);

#endif
