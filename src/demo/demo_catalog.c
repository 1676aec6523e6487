/* The demo catalog: accounts of every provider kind pointed at the simulator, logical models
 * with 3-target chains, workspaces with entitlements and limits, prices and short intervals. */
#include "demo/demo.h"

#include <stdio.h>
#include <string.h>

#include "health/health.h"
#include "health/monitor.h"
#include "router/pricing.h"
#include "util/text.h"

typedef struct demo_account {
    const char *name, *provider, *prefix, *api_version, *key;
    int64_t rpm, tpm, cap_cents;
} demo_account;

static const demo_account DEMO_ACCOUNTS[] = {
    {"prod-openai", "openai", "openai", "", "sk-demo-openai-7f3a9c21", 600, 2000000, 200000},
    {"anthropic-primary", "anthropic", "anthropic", "", "sk-ant-demo-4b8e2d90", 300, 0, 150000},
    {"azure-eastus", "azure-openai", "azure", "2024-10-21", "demo-azure-0c5d77e1", 0, 0, 0},
    {"gemini-main", "gemini", "gemini", "", "AIza-demo-9d1f6b35", 0, 0, 50000},
    {"cohere-main", "cohere", "cohere", "", "co-demo-2e7a4c88", 0, 0, 20000},
    {"mistral-eu", "mistral", "mistral", "", "mistral-demo-6a0b3f17", 120, 0, 0},
    {"local-vllm", "openai-compatible", "compat", "", "", 0, 0, 0},
};

typedef struct demo_model {
    const char *name, *type, *description;
    const char *targets[3][2]; /* provider model, account */
} demo_model;

static const demo_model DEMO_MODELS[] = {
    {"fast-chat",
     "chat",
     "Cheap, quick chat for assistants and support bots",
     {{"gpt-4o-mini", "prod-openai"},
      {"claude-3-5-haiku-20241022", "anthropic-primary"},
      {"gemini-2.0-flash", "gemini-main"}}},
    {"high-quality-reasoning",
     "chat",
     "Best available reasoning for analysis and long answers",
     {{"claude-sonnet-4-20250514", "anthropic-primary"},
      {"gpt-4.1", "prod-openai"},
      {"gpt-4o", "azure-eastus"}}},
    {"code-generation",
     "chat",
     "Code completion and review",
     {{"mistral-large-latest", "mistral-eu"},
      {"gpt-4o", "prod-openai"},
      {"qwen2.5-7b-instruct", "local-vllm"}}},
    {"document-embedding",
     "embedding",
     "Embeddings for search over internal documents",
     {{"text-embedding-3-small", "prod-openai"},
      {"embed-english-v3.0", "cohere-main"},
      {"text-embedding-004", "gemini-main"}}},
};

static const char *const DEMO_WORKSPACES[][2] = {
    {"research", "Analysts and the research assistant"},
    {"support-bot", "The customer support chatbot"},
    {"marketing", "Copywriting tools"},
    {"platform-eng", "Internal developer tools"},
};

static const mm_entitlement DEMO_ENTITLEMENTS[] = {
    {.model = "fast-chat", .workspace = "research"},
    {.model = "high-quality-reasoning",
     .workspace = "research",
     .tpm = 200000,
     .monthly_tokens = 50000000},
    {.model = "document-embedding", .workspace = "research"},
    {.model = "fast-chat", .workspace = "support-bot", .rpm = 120, .tpm = 100000},
    {.model = "fast-chat", .workspace = "marketing", .monthly_tokens = 2000000},
    {.model = "high-quality-reasoning", .workspace = "marketing", .rpm = 10},
    {.model = "code-generation", .workspace = "platform-eng", .rpm = 60},
    {.model = "document-embedding", .workspace = "platform-eng"},
    {.model = "fast-chat", .workspace = "platform-eng"},
};

/* Probe every 5 s and judge health over the last 2 minutes, so the scenario's changes show
 * within seconds and recoveries within minutes. */
static const char *const DEMO_SETTINGS[][2] = {
    {MM_SETTING_PROBE_INTERVAL_MS, "5000"},
    {MM_SETTING_RECENT_WINDOW_MS, "120000"},
    {MM_SETTING_UNREACHABLE_NO_SUCCESS_MS, "60000"},
};

static mm_status seed_accounts(mm_catalog *cat, int port, mm_error *err)
{
    for (size_t i = 0; i < sizeof DEMO_ACCOUNTS / sizeof DEMO_ACCOUNTS[0]; i++) {
        const demo_account *d = &DEMO_ACCOUNTS[i];
        mm_account acc;
        mm_account_init(&acc);
        mm_copy(acc.name, sizeof acc.name, d->name);
        mm_copy(acc.provider, sizeof acc.provider, d->provider);
        snprintf(acc.endpoint, sizeof acc.endpoint, "http://127.0.0.1:%d/%s", port, d->prefix);
        mm_copy(acc.api_version, sizeof acc.api_version, d->api_version);
        acc.rpm = d->rpm;
        acc.tpm = d->tpm;
        acc.monthly_cap_cents = d->cap_cents;
        mm_status st = catalog_account_insert(cat, &acc, d->key, err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

static mm_status seed_models(mm_catalog *cat, mm_error *err)
{
    for (size_t i = 0; i < sizeof DEMO_MODELS / sizeof DEMO_MODELS[0]; i++) {
        const demo_model *d = &DEMO_MODELS[i];
        mm_model model;
        mm_model_init(&model);
        mm_copy(model.name, sizeof model.name, d->name);
        mm_copy(model.type, sizeof model.type, d->type);
        mm_copy(model.description, sizeof model.description, d->description);
        mm_status st = catalog_model_insert(cat, &model, err);
        for (size_t t = 0; st == MM_OK && t < 3; t++)
            st = catalog_target_add(cat, d->name, d->targets[t][1], d->targets[t][0], 0, err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

static mm_status seed_workspaces(mm_catalog *cat, mm_error *err)
{
    for (size_t i = 0; i < sizeof DEMO_WORKSPACES / sizeof DEMO_WORKSPACES[0]; i++) {
        mm_workspace ws = {0};
        mm_copy(ws.name, sizeof ws.name, DEMO_WORKSPACES[i][0]);
        mm_copy(ws.description, sizeof ws.description, DEMO_WORKSPACES[i][1]);
        mm_status st = catalog_workspace_insert(cat, &ws, err);
        if (st != MM_OK)
            return st;
    }
    for (size_t i = 0; i < sizeof DEMO_ENTITLEMENTS / sizeof DEMO_ENTITLEMENTS[0]; i++) {
        mm_status st = catalog_entitle(cat, &DEMO_ENTITLEMENTS[i], err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

static mm_status seed_settings(mm_catalog *cat, mm_error *err)
{
    for (size_t i = 0; i < sizeof DEMO_SETTINGS / sizeof DEMO_SETTINGS[0]; i++) {
        mm_status st = catalog_setting_set(cat, DEMO_SETTINGS[i][0], DEMO_SETTINGS[i][1], err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

mm_status demo_catalog_seed(mm_catalog *cat, int port, mm_error *err)
{
    catalog_set_actor(cat, "demo");
    mm_status st = seed_accounts(cat, port, err);
    if (st == MM_OK)
        st = seed_models(cat, err);
    if (st == MM_OK)
        st = seed_workspaces(cat, err);
    if (st == MM_OK)
        st = seed_settings(cat, err);
    if (st == MM_OK)
        st = pricing_ensure_builtin(cat, err);
    return st;
}
