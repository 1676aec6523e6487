/* The table of provider descriptors (one file each) and lookups over it (find by id, walk by
 * index, the id list for messages). */
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
