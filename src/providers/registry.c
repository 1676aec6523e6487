/* The table of provider descriptors (one file each) and lookups over it, plus the names and
 * hints of the error-class vocabulary shared by adapters, router, health and UI. */
#include "providers/provider.h"

#include <string.h>

extern const mm_provider_info mm_provider_openai;
extern const mm_provider_info mm_provider_anthropic;
extern const mm_provider_info mm_provider_azure_openai;
extern const mm_provider_info mm_provider_gemini;
extern const mm_provider_info mm_provider_cohere;
extern const mm_provider_info mm_provider_mistral;
extern const mm_provider_info mm_provider_openai_compatible;

static const mm_provider_info *const PROVIDERS[] = {
    &mm_provider_openai,
    &mm_provider_anthropic,
    &mm_provider_azure_openai,
    &mm_provider_gemini,
    &mm_provider_cohere,
    &mm_provider_mistral,
    &mm_provider_openai_compatible,
};

#define PROVIDER_COUNT (sizeof PROVIDERS / sizeof PROVIDERS[0])

const mm_provider_info *provider_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < PROVIDER_COUNT; i++)
        if (strcmp(PROVIDERS[i]->id, id) == 0)
            return PROVIDERS[i];
    return NULL;
}

size_t provider_count(void)
{
    return PROVIDER_COUNT;
}

const mm_provider_info *provider_at(size_t index)
{
    return index < PROVIDER_COUNT ? PROVIDERS[index] : NULL;
}

const char *provider_id_list(void)
{
    return "openai, anthropic, azure-openai, gemini, cohere, mistral, openai-compatible";
}

typedef struct class_entry {
    const char *name;
    const char *hint;
} class_entry;

static const class_entry CLASSES[MM_CLASS_COUNT] = {
    [MM_CLASS_OK] = {"ok", "No action needed."},
    [MM_CLASS_AUTH] = {"auth", "Check the API key: re-enter it with Edit, and check that it "
                               "belongs to this provider and endpoint."},
    [MM_CLASS_QUOTA] = {"quota", "The account is out of credit or hit its spend limit: add "
                                 "credit or raise the limit in the provider's console; "
                                 "retrying soon will not help."},
    [MM_CLASS_RATE_LIMITED] = {"rate_limited", "The provider is rate limiting this key: wait "
                                               "for the retry-after, or lower this account's "
                                               "requests/min and tokens/min."},
    [MM_CLASS_OVERLOADED] = {"overloaded", "The provider is overloaded: retry later, or let "
                                           "the fallback chain use another target."},
    [MM_CLASS_SERVER] = {"server", "The provider had an internal error: retry later; if it "
                                   "persists, check the provider's status page."},
    [MM_CLASS_TIMEOUT] = {"timeout", "No answer in time: check the endpoint and the network, "
                                     "or raise the timeout."},
    [MM_CLASS_NETWORK] = {"network", "Could not reach the provider: check the endpoint URL, "
                                     "DNS, proxy settings and TLS (CA bundle)."},
    [MM_CLASS_BAD_REQUEST] = {"bad_request", "The provider refused the request: check the "
                                             "model or deployment name and the API version."},
    [MM_CLASS_BAD_RESPONSE] = {"bad_response", "The answer is not the provider's API: check "
                                               "the endpoint (a proxy or a wrong URL may be in "
                                               "the way)."},
};

const char *mm_error_class_name(mm_error_class cls)
{
    return (unsigned)cls < MM_CLASS_COUNT ? CLASSES[cls].name : "unknown";
}

mm_error_class mm_error_class_parse(const char *name)
{
    if (!name)
        return MM_CLASS_COUNT;
    for (int i = 0; i < MM_CLASS_COUNT; i++)
        if (strcmp(CLASSES[i].name, name) == 0)
            return (mm_error_class)i;
    return MM_CLASS_COUNT;
}

const char *mm_error_class_hint(mm_error_class cls)
{
    return (unsigned)cls < MM_CLASS_COUNT ? CLASSES[cls].hint : "";
}
