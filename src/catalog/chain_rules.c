/* The shared rules about a fallback chain: the chain at a glance, the chain warnings and the
 * check of a provider model name against the models an account reported. */
#include "catalog/chain_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "providers/provider.h"

/* Appends text to out (always NUL-terminated); returns false once out is full. */
static bool append(char *out, size_t outsz, size_t *used, const char *text)
{
    int n = snprintf(out + *used, outsz - *used, "%s", text);
    if (n < 0 || (size_t)n >= outsz - *used) {
        *used = outsz - 1;
        return false;
    }
    *used += (size_t)n;
    return true;
}

void mm_chain_glance(const mm_model *model, const char *arrow, const char *ellipsis,
                     size_t max_shown, const char *empty_text, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    out[0] = '\0';
    if (model->n_targets == 0) {
        snprintf(out, outsz, "%s", empty_text);
        return;
    }
    size_t used = 0;
    for (size_t i = 0; i < model->n_targets; i++) {
        char step[MM_PROVIDER_MODEL_MAX + MM_NAME_MAX + 32];
        if (i == max_shown) {
            snprintf(step, sizeof step, " %s %s +%zu", arrow, ellipsis, model->n_targets - i);
            append(out, outsz, &used, step);
            return;
        }
        snprintf(step, sizeof step, "%s%s%s%s@%s", i ? " " : "", i ? arrow : "", i ? " " : "",
                 model->targets[i].model, model->targets[i].account);
        if (!append(out, outsz, &used, step))
            return;
    }
}

/* True when text contains needle, case-insensitive (needle in lower case). */
static bool contains_nocase(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

bool mm_looks_embedding(const char *provider_model)
{
    return contains_nocase(provider_model, "embed");
}

const char *mm_guess_model_type(const char *provider_model)
{
    static const struct {
        const char *needle, *type;
    } HINTS[] = {
        {"embed", "embedding"}, {"dall-e", "image"},           {"gpt-image", "image"},
        {"imagen", "image"},    {"stable-diffusion", "image"}, {"whisper", "audio"},
        {"tts", "audio"},       {"transcribe", "audio"},       {"audio", "audio"},
    };
    for (size_t i = 0; i < sizeof HINTS / sizeof HINTS[0]; i++)
        if (contains_nocase(provider_model, HINTS[i].needle))
            return HINTS[i].type;
    return NULL;
}

/* "a chat model", "an embedding / image / audio model". */
static const char *type_article(const char *type)
{
    return strcmp(type, "chat") == 0 ? "a" : "an";
}

bool mm_chain_type_mismatch(const char *model_type, const char *model_name,
                            const char *provider_model, const char *subject, char *out,
                            size_t outsz)
{
    const char *guess = mm_guess_model_type(provider_model);
    const char *article = type_article(model_type);
    if (guess && strcmp(guess, model_type) != 0) {
        snprintf(out, outsz,
                 "%s looks like %s %s model, but %s is %s %s model: %s requests sent to it will "
                 "fail.",
                 subject, type_article(guess), guess, model_name, article, model_type, model_type);
        return true;
    }
    if (!guess && strcmp(model_type, "chat") != 0) {
        snprintf(out, outsz,
                 "%s does not look like %s %s model, but %s is %s %s model: %s requests sent to "
                 "it will fail.",
                 subject, article, model_type, model_name, article, model_type, model_type);
        return true;
    }
    return false;
}

static bool same_account_everywhere(const mm_model *model)
{
    for (size_t i = 1; i < model->n_targets; i++)
        if (strcmp(model->targets[i].account, model->targets[0].account) != 0)
            return false;
    return model->n_targets > 0;
}

static size_t warn_type_mismatches(const mm_model *model, char out[][MM_CHAIN_WARNING_MAX],
                                   size_t n, size_t max)
{
    for (size_t i = 0; i < model->n_targets && n < max; i++) {
        const mm_target *t = &model->targets[i];
        char subject[MM_PROVIDER_MODEL_MAX + 24];
        snprintf(subject, sizeof subject, "Target %d (%s)", t->priority, t->model);
        if (mm_chain_type_mismatch(model->type, model->name, t->model, subject, out[n],
                                   MM_CHAIN_WARNING_MAX))
            n++;
    }
    return n;
}

static size_t warn_duplicates(const mm_model *model, char out[][MM_CHAIN_WARNING_MAX], size_t n,
                              size_t max)
{
    for (size_t i = 0; i < model->n_targets; i++)
        for (size_t j = i + 1; j < model->n_targets && n < max; j++) {
            const mm_target *a = &model->targets[i], *b = &model->targets[j];
            if (strcmp(a->account, b->account) == 0 && strcmp(a->model, b->model) == 0)
                snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                         "Targets %d and %d are the same (%s@%s): the second one only repeats a "
                         "call that just failed.",
                         a->priority, b->priority, a->model, a->account);
        }
    return n;
}

size_t mm_chain_warnings(const mm_model *model, char out[][MM_CHAIN_WARNING_MAX], size_t max)
{
    size_t n = 0;
    if (max == 0)
        return 0;
    if (model->n_targets == 0) {
        snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                 "The chain is empty: every request for %s fails until you add a target.",
                 model->name);
        return n;
    }
    n = warn_type_mismatches(model, out, n, max);
    if (n < max && same_account_everywhere(model))
        snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                 "The whole chain depends on one account (%s): if it fails or hits its limits, "
                 "%s has no fallback. Add a target on another account.",
                 model->targets[0].account, model->name);
    return warn_duplicates(model, out, n, max);
}

size_t mm_chain_new_target_warnings(const mm_model *model, const char *account,
                                    const char *provider_model, char out[][MM_CHAIN_WARNING_MAX],
                                    size_t max)
{
    size_t n = 0;
    if (n < max && mm_chain_type_mismatch(model->type, model->name, provider_model, provider_model,
                                          out[n], MM_CHAIN_WARNING_MAX))
        n++;
    for (size_t i = 0; i < model->n_targets && n < max; i++)
        if (strcmp(model->targets[i].account, account) == 0 &&
            strcmp(model->targets[i].model, provider_model) == 0) {
            snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                     "Target %d is already %s@%s: a second one only repeats a call that just "
                     "failed.",
                     model->targets[i].priority, provider_model, account);
            break;
        }
    return n;
}

mm_discovered_check mm_chain_discovered_check(const mm_string_list *discovered,
                                              const char *provider_model, bool targets_not_listed)
{
    if (targets_not_listed)
        return MM_DISCOVERED_UNCHECKABLE;
    if (discovered->count == 0)
        return MM_DISCOVERED_UNTESTED;
    return mm_string_list_contains(discovered, provider_model) ? MM_DISCOVERED_LISTED
                                                               : MM_DISCOVERED_NOT_LISTED;
}

bool mm_chain_discovered_warning(const mm_string_list *discovered, const char *account,
                                 const char *provider_model, bool targets_not_listed,
                                 const char *how_to_test, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    switch (mm_chain_discovered_check(discovered, provider_model, targets_not_listed)) {
    case MM_DISCOVERED_UNTESTED:
        snprintf(out, outsz,
                 "Account %s has no discovered models yet (%s): '%s' could not be checked.",
                 account, how_to_test, provider_model);
        return true;
    case MM_DISCOVERED_NOT_LISTED:
        snprintf(out, outsz,
                 "'%s' is not among the %zu models account %s reported at its last connection "
                 "test: check the spelling.",
                 provider_model, discovered->count, account);
        return true;
    default:
        return false;
    }
}

bool mm_chain_provider_lacks_api(const char *model_type, const char *model_name,
                                 const char *account, const char *provider_id, char *out,
                                 size_t outsz)
{
    if (!model_type || (strcmp(model_type, "image") != 0 && strcmp(model_type, "audio") != 0))
        return false;
    const mm_provider_info *info = provider_find(provider_id);
    if (!info || provider_supports_type(info, model_type))
        return false;
    char why[200];
    provider_type_refusal(info, model_type, why, sizeof why);
    snprintf(out, outsz, "cannot add %s to '%s': %s", account, model_name, why);
    return true;
}
