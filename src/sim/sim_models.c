/* Constant tables of the models mmsim lists per provider, and lookups in them. */
#include "sim/sim_models.h"

#include <string.h>

static const sim_model openai_models[] = {
    {"gpt-4o", "GPT-4o", 1715367049, "", 128000, 16384, SIM_CAN_CHAT, "system"},
    {"gpt-4o-mini", "GPT-4o mini", 1721172741, "", 128000, 16384, SIM_CAN_CHAT, "system"},
    {"gpt-4.1", "GPT-4.1", 1744316542, "", 1047576, 32768, SIM_CAN_CHAT, "system"},
    {"gpt-4.1-mini", "GPT-4.1 mini", 1744318173, "", 1047576, 32768, SIM_CAN_CHAT, "system"},
    {"gpt-4.1-nano", "GPT-4.1 nano", 1744321707, "", 1047576, 32768, SIM_CAN_CHAT, "system"},
    {"o3-mini", "o3-mini", 1737146383, "", 200000, 100000, SIM_CAN_CHAT, "system"},
    {"o1", "o1", 1734375816, "", 200000, 100000, SIM_CAN_CHAT, "system"},
    {"gpt-3.5-turbo", "GPT-3.5 Turbo", 1677610602, "", 16385, 4096, SIM_CAN_CHAT, "openai"},
    {"text-embedding-3-small", "", 1705948997, "", 8191, 0, SIM_CAN_EMBED, "system"},
    {"text-embedding-3-large", "", 1705953180, "", 8191, 0, SIM_CAN_EMBED, "system"},
    {"text-embedding-ada-002", "", 1671217299, "", 8191, 0, SIM_CAN_EMBED, "openai-internal"},
    {"whisper-1", "", 1677532384, "", 0, 0, SIM_CAN_OTHER, "openai-internal"},
    {"dall-e-3", "", 1698785189, "", 0, 0, SIM_CAN_OTHER, "system"},
};

/* Newest first, as Anthropic lists them. */
static const sim_model anthropic_models[] = {
    {"claude-opus-4-20250514", "Claude Opus 4", 0, "2025-05-22T00:00:00Z", 200000, 32000,
     SIM_CAN_CHAT, ""},
    {"claude-sonnet-4-20250514", "Claude Sonnet 4", 0, "2025-05-22T00:00:00Z", 200000, 64000,
     SIM_CAN_CHAT, ""},
    {"claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", 0, "2025-02-24T00:00:00Z", 200000, 64000,
     SIM_CAN_CHAT, ""},
    {"claude-3-5-haiku-20241022", "Claude Haiku 3.5", 0, "2024-10-22T00:00:00Z", 200000, 8192,
     SIM_CAN_CHAT, ""},
    {"claude-3-5-sonnet-20241022", "Claude Sonnet 3.5 (New)", 0, "2024-10-22T00:00:00Z", 200000,
     8192, SIM_CAN_CHAT, ""},
    {"claude-3-5-sonnet-20240620", "Claude Sonnet 3.5 (Old)", 0, "2024-06-20T00:00:00Z", 200000,
     8192, SIM_CAN_CHAT, ""},
    {"claude-3-haiku-20240307", "Claude Haiku 3", 0, "2024-03-07T00:00:00Z", 200000, 4096,
     SIM_CAN_CHAT, ""},
    {"claude-3-opus-20240229", "Claude Opus 3", 0, "2024-02-29T00:00:00Z", 200000, 4096,
     SIM_CAN_CHAT, ""},
};

/* The models an Azure resource offers (not its deployments). */
static const sim_model azure_models[] = {
    {"gpt-4o-2024-08-06", "", 1722902400, "", 128000, 16384, SIM_CAN_CHAT, ""},
    {"gpt-4o-2024-05-13", "", 1715558400, "", 128000, 4096, SIM_CAN_CHAT, ""},
    {"gpt-4o-mini-2024-07-18", "", 1721260800, "", 128000, 16384, SIM_CAN_CHAT, ""},
    {"gpt-4.1-2025-04-14", "", 1744588800, "", 1047576, 32768, SIM_CAN_CHAT, ""},
    {"gpt-35-turbo-0125", "", 1706140800, "", 16385, 4096, SIM_CAN_CHAT, ""},
    {"text-embedding-3-small", "", 1706140800, "", 8191, 0, SIM_CAN_EMBED, ""},
    {"text-embedding-3-large", "", 1706140800, "", 8191, 0, SIM_CAN_EMBED, ""},
    {"text-embedding-ada-002", "", 1696291200, "", 8191, 0, SIM_CAN_EMBED, ""},
};

static const sim_model gemini_models[] = {
    {"gemini-2.5-pro", "Gemini 2.5 Pro", 0, "", 1048576, 65536, SIM_CAN_CHAT, ""},
    {"gemini-2.5-flash", "Gemini 2.5 Flash", 0, "", 1048576, 65536, SIM_CAN_CHAT, ""},
    {"gemini-2.0-flash", "Gemini 2.0 Flash", 0, "", 1048576, 8192, SIM_CAN_CHAT, ""},
    {"gemini-2.0-flash-lite", "Gemini 2.0 Flash-Lite", 0, "", 1048576, 8192, SIM_CAN_CHAT, ""},
    {"gemini-1.5-pro", "Gemini 1.5 Pro", 0, "", 2000000, 8192, SIM_CAN_CHAT, ""},
    {"gemini-1.5-flash", "Gemini 1.5 Flash", 0, "", 1000000, 8192, SIM_CAN_CHAT, ""},
    {"text-embedding-004", "Text Embedding 004", 0, "", 2048, 1, SIM_CAN_EMBED, ""},
    {"gemini-embedding-001", "Gemini Embedding 001", 0, "", 2048, 1, SIM_CAN_EMBED, ""},
    {"embedding-001", "Embedding 001", 0, "", 2048, 1, SIM_CAN_EMBED, ""},
};

static const sim_model cohere_models[] = {
    {"command-a-03-2025", "", 0, "", 256000, 8000, SIM_CAN_CHAT, ""},
    {"command-r-plus-08-2024", "", 0, "", 128000, 4000, SIM_CAN_CHAT, ""},
    {"command-r-plus", "", 0, "", 128000, 4000, SIM_CAN_CHAT, ""},
    {"command-r-08-2024", "", 0, "", 128000, 4000, SIM_CAN_CHAT, ""},
    {"command-r", "", 0, "", 128000, 4000, SIM_CAN_CHAT, ""},
    {"command-r7b-12-2024", "", 0, "", 128000, 4000, SIM_CAN_CHAT, ""},
    {"command-light", "", 0, "", 4096, 4000, SIM_CAN_CHAT, ""},
    {"embed-english-v3.0", "", 0, "", 512, 0, SIM_CAN_EMBED, ""},
    {"embed-multilingual-v3.0", "", 0, "", 512, 0, SIM_CAN_EMBED, ""},
    {"embed-english-light-v3.0", "", 0, "", 512, 0, SIM_CAN_EMBED, ""},
    {"rerank-v3.5", "", 0, "", 4096, 0, SIM_CAN_OTHER, ""},
};

static const sim_model mistral_models[] = {
    {"mistral-large-latest", "Mistral Large", 1731024000, "", 131072, 0, SIM_CAN_CHAT, "mistralai"},
    {"mistral-medium-latest", "Mistral Medium", 1746662400, "", 131072, 0, SIM_CAN_CHAT,
     "mistralai"},
    {"mistral-small-latest", "Mistral Small", 1742169600, "", 131072, 0, SIM_CAN_CHAT, "mistralai"},
    {"codestral-latest", "Codestral", 1736294400, "", 262144, 0, SIM_CAN_CHAT, "mistralai"},
    {"open-mistral-nemo", "Mistral Nemo", 1721001600, "", 131072, 0, SIM_CAN_CHAT, "mistralai"},
    {"ministral-8b-latest", "Ministral 8B", 1728950400, "", 131072, 0, SIM_CAN_CHAT, "mistralai"},
    {"pixtral-large-latest", "Pixtral Large", 1731974400, "", 131072, 0, SIM_CAN_CHAT, "mistralai"},
    {"mistral-embed", "Mistral Embed", 1702252800, "", 8192, 0, SIM_CAN_EMBED, "mistralai"},
};

static const sim_model compat_models[] = {
    {"llama-3.1-8b-instruct", "Llama 3.1 8B Instruct", 1721692800, "", 131072, 0, SIM_CAN_CHAT,
     "vllm"},
    {"qwen2.5-7b-instruct", "Qwen2.5 7B Instruct", 1726617600, "", 32768, 0, SIM_CAN_CHAT, "vllm"},
    {"mistral-7b-instruct-v0.3", "Mistral 7B Instruct v0.3", 1716422400, "", 32768, 0, SIM_CAN_CHAT,
     "vllm"},
    {"nomic-embed-text", "Nomic Embed Text", 1708473600, "", 8192, 0, SIM_CAN_EMBED, "vllm"},
};

#define TABLE(t)                                                                                   \
    {                                                                                              \
        t, sizeof t / sizeof t[0]                                                                  \
    }

static const struct {
    const sim_model *models;
    size_t count;
} tables[SIM_DIALECT_COUNT] = {
    [SIM_OPENAI] = TABLE(openai_models), [SIM_ANTHROPIC] = TABLE(anthropic_models),
    [SIM_AZURE] = TABLE(azure_models),   [SIM_GEMINI] = TABLE(gemini_models),
    [SIM_COHERE] = TABLE(cohere_models), [SIM_MISTRAL] = TABLE(mistral_models),
    [SIM_COMPAT] = TABLE(compat_models),
};

const sim_model *sim_models(sim_dialect_id dialect, size_t *count)
{
    *count = tables[dialect].count;
    return tables[dialect].models;
}

const sim_model *sim_model_find(sim_dialect_id dialect, const char *id)
{
    if (!id)
        return NULL;
    if (dialect == SIM_GEMINI && strncmp(id, "models/", 7) == 0)
        id += 7;
    for (size_t i = 0; i < tables[dialect].count; i++) {
        if (strcmp(tables[dialect].models[i].id, id) == 0)
            return &tables[dialect].models[i];
    }
    return NULL;
}
