/* Unit tests of the provider adapters on canned bodies: registry and descriptors, requests
 * built per provider, list pages and tokens, chat/embedding usage, every error shape's class,
 * message and retry-after, rate-limit headers, and proxy HTML pages. */
#include "test_provider_util.h"

#include "providers/adapter.h"

/* ---- registry and descriptors ---- */

static void registry_lists_seven_providers_in_order(void **state)
{
    (void)state;
    static const char *const IDS[] = {"openai", "anthropic", "azure-openai",     "gemini",
                                      "cohere", "mistral",   "openai-compatible"};
    assert_int_equal(provider_count(), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(provider_at(i)->id, IDS[i]);
        assert_ptr_equal(provider_find(IDS[i]), provider_at(i));
        assert_non_null(provider_at(i)->ops);
        assert_non_null(strstr(provider_id_list(), IDS[i]));
    }
    assert_null(provider_at(7));
    assert_null(provider_find("openia"));
    assert_null(provider_find(NULL));
}

static const mm_credential_field *field_named(const mm_provider_info *p, const char *name)
{
    for (size_t i = 0; i < p->n_fields; i++)
        if (strcmp(p->fields[i].name, name) == 0)
            return &p->fields[i];
    return NULL;
}

static void descriptors_describe_credentials(void **state)
{
    (void)state;
    const mm_provider_info *azure = provider_find("azure-openai");
    assert_string_equal(azure->default_api_version, "2024-10-21");
    assert_null(azure->default_base_url);
    assert_true(azure->requires_endpoint && azure->requires_api_version && azure->requires_key);
    assert_true(field_named(azure, "endpoint")->required);
    assert_true(field_named(azure, "api_key")->secret);
    assert_true(field_named(azure, "api_version")->required);
    assert_non_null(strstr(azure->target_hint, "deployment"));

    const mm_provider_info *compat = provider_find("openai-compatible");
    assert_true(field_named(compat, "endpoint")->required);
    assert_false(field_named(compat, "api_key")->required);
    assert_false(compat->requires_key);

    const mm_provider_info *anthropic = provider_find("anthropic");
    assert_false(anthropic->supports_embeddings);
    assert_null(anthropic->ops->build_embed);
    assert_true(anthropic->supports_chat);
    for (size_t i = 0; i < provider_count(); i++) {
        const mm_provider_info *p = provider_at(i);
        assert_non_null(field_named(p, "api_key"));
        assert_non_null(field_named(p, "endpoint"));
        assert_false(field_named(p, "endpoint")->secret);
        assert_true(field_named(p, "api_key")->secret);
        if (p->supports_embeddings)
            assert_non_null(p->ops->build_embed);
    }
}

static void error_classes_have_names_and_hints(void **state)
{
    (void)state;
    for (int c = 0; c < MM_CLASS_COUNT; c++) {
        assert_int_equal(mm_error_class_parse(mm_error_class_name((mm_error_class)c)), c);
        assert_true(strlen(mm_error_class_hint((mm_error_class)c)) > 10);
    }
    assert_string_equal(mm_error_class_name(MM_CLASS_RATE_LIMITED), "rate_limited");
    assert_int_equal(mm_error_class_parse("nonsense"), MM_CLASS_COUNT);
    assert_int_equal(mm_error_class_parse(NULL), MM_CLASS_COUNT);
}

/* ---- request builders ---- */

static void openai_requests_use_bearer_key(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", NULL, "sk-test");
    mm_http_request req;
    assert_int_equal(provider_build_list_request(&conn, NULL, &req, NULL), MM_OK);
    assert_string_equal(req.method, "GET");
    assert_string_equal(req.url, "https://api.openai.com/v1/models");
    assert_true(tp_has_header(&req, "Authorization: Bearer sk-test"));
    assert_int_equal(req.timeout_ms, MM_HTTP_DEFAULT_TIMEOUT_MS);
    mm_http_request_free(&req);

    assert_int_equal(
        provider_build_chat_request(&conn, "gpt-4o-mini", "hi \"there\"", 16, &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://api.openai.com/v1/chat/completions");
    assert_non_null(strstr(req.body, "\"model\":\"gpt-4o-mini\""));
    assert_non_null(strstr(req.body, "hi \\\"there\\\""));
    assert_non_null(strstr(req.body, "\"max_tokens\":16"));
    assert_true(tp_has_header(&req, "Content-Type: application/json"));
    mm_http_request_free(&req);
}

static void compat_without_key_sends_no_authorization(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai-compatible", "http://127.0.0.1:11434/v1/", NULL);
    mm_http_request req;
    assert_int_equal(provider_build_list_request(&conn, NULL, &req, NULL), MM_OK);
    assert_string_equal(req.url, "http://127.0.0.1:11434/v1/models");
    assert_false(tp_has_header(&req, "Authorization"));
    mm_http_request_free(&req);

    mm_connection none = tp_conn("openai-compatible", NULL, NULL);
    mm_error err = {0};
    assert_int_equal(provider_build_list_request(&none, NULL, &req, &err), MM_E_INVALID);
    assert_string_equal(err.field, "endpoint");
    mm_connection ftp = tp_conn("openai-compatible", "ftp://example.com", NULL);
    assert_int_equal(provider_build_list_request(&ftp, NULL, &req, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "https://"));
}

static void gemini_key_goes_in_a_header_never_the_url(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("gemini", NULL, "AIzaSECRET");
    mm_http_request req;
    assert_int_equal(provider_build_list_request(&conn, "abc/def", &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://generativelanguage.googleapis.com/v1beta/"
                                 "models?pageSize=1000&pageToken=abc%2Fdef");
    assert_null(strstr(req.url, "AIza"));
    assert_true(tp_has_header(&req, "x-goog-api-key: AIzaSECRET"));
    mm_http_request_free(&req);
    assert_int_equal(
        provider_build_chat_request(&conn, "models/gemini-2.0-flash", "hi", 0, &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://generativelanguage.googleapis.com/v1beta/models/"
                                 "gemini-2.0-flash:generateContent");
    mm_http_request_free(&req);
    assert_int_equal(provider_build_embed_request(&conn, "text-embedding-004", "x", &req, NULL),
                     MM_OK);
    assert_non_null(strstr(req.url, "/models/text-embedding-004:embedContent"));
    mm_http_request_free(&req);
}

static void azure_names_deployments_and_api_version(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("azure-openai", "https://r.openai.azure.com", "azkey");
    mm_http_request req;
    assert_int_equal(provider_build_list_request(&conn, NULL, &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://r.openai.azure.com/openai/models?api-version=2024-10-21");
    assert_true(tp_has_header(&req, "api-key: azkey"));
    assert_false(tp_has_header(&req, "Authorization"));
    mm_http_request_free(&req);

    conn.api_version = "2025-01-01-preview";
    assert_int_equal(provider_build_chat_request(&conn, "my dep", "hi", 8, &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://r.openai.azure.com/openai/deployments/my%20dep/chat/"
                                 "completions?api-version=2025-01-01-preview");
    assert_null(strstr(req.body, "\"model\""));
    mm_http_request_free(&req);
    assert_int_equal(provider_build_embed_request(&conn, "emb", "x", &req, NULL), MM_OK);
    assert_non_null(strstr(req.url, "/openai/deployments/emb/embeddings?api-version="));
    mm_http_request_free(&req);
}

static void anthropic_and_cohere_paginate_with_their_parameters(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("anthropic", NULL, "sk-ant-x");
    mm_http_request req;
    assert_int_equal(provider_build_list_request(&conn, "claude-opus-4-20250514", &req, NULL),
                     MM_OK);
    assert_string_equal(req.url, "https://api.anthropic.com/v1/"
                                 "models?limit=1000&after_id=claude-opus-4-20250514");
    assert_true(tp_has_header(&req, "anthropic-version: 2023-06-01"));
    assert_true(tp_has_header(&req, "x-api-key: sk-ant-x"));
    mm_http_request_free(&req);
    mm_error err = {0};
    assert_int_equal(provider_build_embed_request(&conn, "x", "y", &req, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "no embeddings"));

    mm_connection co = tp_conn("cohere", NULL, "co-key");
    assert_int_equal(provider_build_list_request(&co, "page-2", &req, NULL), MM_OK);
    assert_string_equal(req.url,
                        "https://api.cohere.com/v1/models?page_size=1000&page_token=page-2");
    assert_true(tp_has_header(&req, "Authorization: Bearer co-key"));
    mm_http_request_free(&req);
    assert_int_equal(provider_build_chat_request(&co, "command-r", "hi", 5, &req, NULL), MM_OK);
    assert_string_equal(req.url, "https://api.cohere.com/v2/chat");
    mm_http_request_free(&req);
}

static void invalid_utf8_prompt_is_refused(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", NULL, "k");
    mm_http_request req;
    mm_error err = {0};
    assert_int_equal(provider_build_chat_request(&conn, "m", "bad \xff byte", 4, &req, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "prompt");
}

/* ---- list pages ---- */

static void parse_list(const char *provider, const char *file, mm_call_result *res, char **next)
{
    mm_connection conn = tp_conn(provider, "http://127.0.0.1:1", "k");
    mm_http_response resp;
    tp_response_file(&resp, 200, file, NULL);
    provider_parse_list_response(&conn, &resp, res, next);
    mm_http_response_free(&resp);
}

static void list_pages_carry_ids_and_tokens(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *page1, *page2, *token;
        size_t total;
        const char *some_id;
    } CASES[] = {
        {"anthropic", "anthropic/models_page1.json", "anthropic/models_page2.json",
         "claude-opus-4-20250514", 3, "claude-3-5-haiku-20241022"},
        {"gemini", "gemini/models_page1.json", "gemini/models_page2.json", "Cg5tb2RlbHMvdG9rZW4y",
         3, "text-embedding-004"},
        {"cohere", "cohere/models_page1.json", "cohere/models_page2.json", "page-2", 3,
         "embed-english-v3.0"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_call_result res;
        mm_call_result_init(&res);
        char *next = NULL;
        parse_list(CASES[i].provider, CASES[i].page1, &res, &next);
        assert_true(res.ok);
        assert_int_equal(res.http_status, 200);
        assert_int_equal(res.latency_ms, 42);
        assert_non_null(next);
        assert_string_equal(next, CASES[i].token);
        free(next);
        parse_list(CASES[i].provider, CASES[i].page2, &res, &next);
        assert_true(res.ok);
        assert_null(next);
        assert_int_equal(res.models.count, CASES[i].total);
        assert_true(mm_string_list_contains(&res.models, CASES[i].some_id));
        mm_call_result_free(&res);
    }
}

static void single_page_lists_and_quirks(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *file;
        size_t count;
        const char *some_id;
    } CASES[] = {
        {"openai", "openai/models.json", 3, "gpt-4o-mini"}, /* the duplicate gpt-4o is dropped */
        {"azure-openai", "azure/models.json", 2, "gpt-4o-2024-08-06"},
        {"mistral", "mistral/models.json", 2, "mistral-embed"},
        {"openai-compatible", "compat/together_models.json", 2, "BAAI/bge-large-en-v1.5"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_call_result res;
        mm_call_result_init(&res);
        char *next = NULL;
        parse_list(CASES[i].provider, CASES[i].file, &res, &next);
        assert_true(res.ok);
        assert_null(next);
        assert_int_equal(res.models.count, CASES[i].count);
        assert_true(mm_string_list_contains(&res.models, CASES[i].some_id));
        mm_call_result_free(&res);
    }
}

static void gemini_ids_lose_the_models_prefix(void **state)
{
    (void)state;
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    parse_list("gemini", "gemini/models_page1.json", &res, &next);
    free(next);
    assert_string_equal(res.models.items[0], "gemini-2.0-flash");
    assert_string_equal(res.models.items[1], "gemini-2.5-pro");
    mm_call_result_free(&res);
}

static void wrong_shape_list_is_bad_response(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", NULL, "k");
    mm_http_response resp;
    const char *body = "{\"object\":\"list\"}";
    tp_response(&resp, 200, strdup(body), strlen(body), NULL);
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    provider_parse_list_response(&conn, &resp, &res, &next);
    assert_false(res.ok);
    assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
    assert_non_null(strstr(res.message, "HTTP 200"));
    assert_non_null(strstr(res.message, "\"data\""));
    assert_non_null(strstr(res.message, "check the endpoint"));
    assert_int_equal(res.models.count, 0);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

/* ---- chat and embeddings ---- */

static void chat_answers_carry_usage(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *file, *text;
        bool known;
        int64_t in, out;
    } CASES[] = {
        {"openai", "openai/chat.json", "Hello! How can I help?", true, 9, 12},
        {"azure-openai", "openai/chat.json", "Hello! How can I help?", true, 9, 12},
        {"anthropic", "anthropic/chat.json", "Hi there", true, 15, 4}, /* cache counted in */
        {"gemini", "gemini/chat.json", "Hello world", true, 4, 2},
        {"cohere", "cohere/chat.json", "Hello from Cohere", true, 5, 418},
        {"cohere", "cohere/chat_tokens_only.json", "Hi", true, 71, 3},
        {"mistral", "mistral/chat.json", "Bonjour", true, 16, 34},
        {"openai-compatible", "compat/chat_no_usage.json", "ok", false, 0, 0},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_connection conn = tp_conn(CASES[i].provider, "http://127.0.0.1:1", "k");
        mm_http_response resp;
        tp_response_file(&resp, 200, CASES[i].file, NULL);
        mm_call_result res;
        mm_call_result_init(&res);
        provider_parse_chat_response(&conn, &resp, &res);
        assert_true(res.ok);
        assert_string_equal(res.output, CASES[i].text);
        assert_int_equal(res.usage_known, CASES[i].known);
        assert_int_equal(res.tokens_in, CASES[i].in);
        assert_int_equal(res.tokens_out, CASES[i].out);
        mm_http_response_free(&resp);
        mm_call_result_free(&res);
    }
}

static void embeddings_report_dimensions_and_usage(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *file, *text;
        bool known;
        int64_t in;
    } CASES[] = {
        {"openai", "openai/embed.json", "4-dimensional vector", true, 5},
        {"mistral", "openai/embed.json", "4-dimensional vector", true, 5},
        {"gemini", "gemini/embed.json", "5-dimensional vector", false, 0},
        {"cohere", "cohere/embed.json", "3-dimensional vector", true, 1},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_connection conn = tp_conn(CASES[i].provider, "http://127.0.0.1:1", "k");
        mm_http_response resp;
        tp_response_file(&resp, 200, CASES[i].file, NULL);
        mm_call_result res;
        mm_call_result_init(&res);
        provider_parse_embed_response(&conn, &resp, &res);
        assert_true(res.ok);
        assert_string_equal(res.output, CASES[i].text);
        assert_int_equal(res.usage_known, CASES[i].known);
        assert_int_equal(res.tokens_in, CASES[i].in);
        assert_int_equal(res.tokens_out, 0);
        mm_http_response_free(&resp);
        mm_call_result_free(&res);
    }
}

/* ---- errors ---- */

typedef struct error_case {
    const char *provider;
    long status;
    const char *file;   /* NULL: empty body */
    const char *header; /* one extra response header or NULL */
    mm_error_class cls;
    const char *says; /* the provider's words (or our description) in the message */
    int64_t retry_ms;
} error_case;

static const error_case ERROR_CASES[] = {
    {"openai", 401, "openai/error_401.json", NULL, MM_CLASS_AUTH, "Incorrect API key provided", -1},
    {"openai", 429, "openai/error_429_quota.json", NULL, MM_CLASS_QUOTA,
     "exceeded your current quota", -1},
    {"openai", 429, "openai/error_429_rate.json", NULL, MM_CLASS_RATE_LIMITED,
     "Please try again in 18.642s", 18642},
    {"openai", 429, "openai/error_429_rate.json", "retry-after-ms: 1500", MM_CLASS_RATE_LIMITED,
     "Rate limit reached", 1500},
    {"openai", 500, "openai/error_500.json", NULL, MM_CLASS_SERVER, "server had an error", -1},
    {"openai", 503, "openai/error_503.json", NULL, MM_CLASS_OVERLOADED, "currently overloaded", -1},
    {"openai", 404, "openai/error_404_model.json", NULL, MM_CLASS_BAD_REQUEST, "does not exist",
     -1},
    {"anthropic", 401, "anthropic/error_401.json", "request-id: req_011", MM_CLASS_AUTH,
     "invalid x-api-key", -1},
    {"anthropic", 402, "anthropic/error_402.json", NULL, MM_CLASS_QUOTA, "billing issue", -1},
    {"anthropic", 400, "anthropic/error_400_credit.json", NULL, MM_CLASS_QUOTA,
     "credit balance is too low", -1},
    {"anthropic", 429, "anthropic/error_429.json", "retry-after: 12", MM_CLASS_RATE_LIMITED,
     "per-minute rate limit", 12000},
    {"anthropic", 429, "anthropic/error_429_spend.json", NULL, MM_CLASS_QUOTA, "usage limits", -1},
    {"anthropic", 529, "anthropic/error_529.json", NULL, MM_CLASS_OVERLOADED, "Overloaded", -1},
    {"anthropic", 500, "anthropic/error_500.json", NULL, MM_CLASS_SERVER, "Internal server error",
     -1},
    {"azure-openai", 401, "azure/error_401.json", NULL, MM_CLASS_AUTH, "Access denied", -1},
    {"azure-openai", 404, "azure/error_404.json", NULL, MM_CLASS_BAD_REQUEST, "deployment", -1},
    {"azure-openai", 429, "azure/error_429.json", NULL, MM_CLASS_RATE_LIMITED,
     "Please retry after 7 seconds", 7000},
    {"azure-openai", 429, "azure/error_429.json", "Retry-After: 9", MM_CLASS_RATE_LIMITED,
     "exceeded token rate limit", 9000},
    {"gemini", 400, "gemini/error_400_key.json", NULL, MM_CLASS_AUTH, "API key not valid", -1},
    {"gemini", 400, "gemini/error_400_arg.json", NULL, MM_CLASS_BAD_REQUEST,
     "contents is not specified", -1},
    {"gemini", 403, "gemini/error_403.json", NULL, MM_CLASS_AUTH, "unregistered callers", -1},
    {"gemini", 429, "gemini/error_429.json", NULL, MM_CLASS_RATE_LIMITED,
     "exceeded your current quota", 59000},
    /* the shape of a free-tier 429 of 2025-26 (issue 12): RetryInfo "58s" is the cool-down */
    {"gemini", 429, "gemini/error_429_retry_in.json", NULL, MM_CLASS_RATE_LIMITED,
     "Quota exceeded for metric", 58000},
    /* the same without its details: the message's "Please retry in 58.213471965s." */
    {"gemini", 429, "gemini/error_429_retry_in_message.json", NULL, MM_CLASS_RATE_LIMITED,
     "Quota exceeded for metric", 58213},
    {"gemini", 429, "gemini/error_429_daily.json", NULL, MM_CLASS_QUOTA,
     "exceeded your current quota", -1},
    {"azure-openai", 503, "azure/error_503.json", NULL, MM_CLASS_OVERLOADED, "temporarily unable",
     -1},
    {"gemini", 503, "gemini/error_503.json", NULL, MM_CLASS_OVERLOADED, "model is overloaded", -1},
    {"gemini", 500, "gemini/error_500.json", NULL, MM_CLASS_SERVER, "internal error", -1},
    {"gemini", 503, NULL, NULL, MM_CLASS_SERVER, "without an error message", -1},
    {"cohere", 401, "cohere/error_401.json", NULL, MM_CLASS_AUTH, "invalid api token", -1},
    {"cohere", 498, "cohere/error_401.json", NULL, MM_CLASS_AUTH, "invalid api token", -1},
    {"cohere", 429, "cohere/error_429.json", NULL, MM_CLASS_RATE_LIMITED, "10 API calls / minute",
     -1},
    {"cohere", 429, "cohere/error_429_month.json", NULL, MM_CLASS_QUOTA, "1000 API calls / month",
     -1},
    {"mistral", 401, "mistral/error_401.json", NULL, MM_CLASS_AUTH, "Unauthorized", -1},
    {"mistral", 401, "mistral/error_401_detail.json", NULL, MM_CLASS_AUTH, "Unauthorized", -1},
    {"mistral", 429, "mistral/error_429.json", NULL, MM_CLASS_RATE_LIMITED, "Rate limit exceeded",
     -1},
    {"openai-compatible", 404, "compat/vllm_error.json", NULL, MM_CLASS_BAD_REQUEST,
     "does not exist", -1},
    {"openai", 502, "common/html_502.html", NULL, MM_CLASS_BAD_RESPONSE,
     "HTML page (title \"502 Bad Gateway\")", -1},
    {"anthropic", 503, "common/plain_503.txt", NULL, MM_CLASS_BAD_RESPONSE,
     "plain text (\"upstream connect error", -1},
    {"gemini", 200, "common/html_502.html", NULL, MM_CLASS_BAD_RESPONSE,
     "HTTP 200 with an HTML page", -1},
};

static void check_error_case(const error_case *c)
{
    mm_connection conn = tp_conn(c->provider, "http://127.0.0.1:1", "k");
    const char *headers[] = {c->header, NULL};
    mm_http_response resp;
    tp_response_file(&resp, c->status, c->file, headers);
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    provider_parse_list_response(&conn, &resp, &res, &next);
    char status[32];
    snprintf(status, sizeof status, "HTTP %ld", c->status);
    if (res.cls != c->cls || !strstr(res.message, c->says) || res.retry_after_ms != c->retry_ms ||
        !strstr(res.message, status))
        fail_msg("%s %ld %s: got %s retry %lld: %s", c->provider, c->status,
                 c->file ? c->file : "(empty)", mm_error_class_name(res.cls),
                 (long long)res.retry_after_ms, res.message);
    assert_false(res.ok);
    assert_null(next);
    assert_int_equal(res.http_status, c->status);
    assert_true(strncmp(res.message, mm_error_class_name(c->cls),
                        strlen(mm_error_class_name(c->cls))) == 0);
    assert_non_null(strstr(res.message, c->cls == MM_CLASS_BAD_RESPONSE
                                            ? "check the endpoint"
                                            : mm_error_class_list_hint(c->cls, c->status)));
    assert_true(tp_terminal_safe(res.message));
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static void every_error_shape_is_classified(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ERROR_CASES / sizeof ERROR_CASES[0]; i++)
        check_error_case(&ERROR_CASES[i]);
}

static void auth_message_tells_what_to_do(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", NULL, "sk-test");
    mm_http_response resp;
    tp_response_file(&resp, 401, "openai/error_401.json", NULL);
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_true(strncmp(res.message, "auth: Incorrect API key provided: sk-abc***wxyz", 46) == 0);
    assert_non_null(strstr(res.message, "(HTTP 401). Check the API key: re-enter it, and check"));
    assert_null(res.output);
    assert_false(res.usage_known);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static void list_404_points_at_the_base_url(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("mistral", "http://127.0.0.1:1/mistrl", "k");
    const char body_text[] = "{\"detail\":\"Not Found\"}";
    mm_http_response resp;
    tp_response(&resp, 404, strdup(body_text), strlen(body_text), NULL);
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    provider_parse_list_response(&conn, &resp, &res, &next);
    assert_false(res.ok);
    assert_non_null(strstr(res.message, "check the base URL"));
    assert_null(strstr(res.message, "deployment name"));
    mm_call_result_free(&res);
    mm_http_response_free(&resp);
    /* the same answer to a chat call still points at the model name */
    tp_response(&resp, 404, strdup(body_text), strlen(body_text), NULL);
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_non_null(strstr(res.message, "deployment name"));
    mm_call_result_free(&res);
    mm_http_response_free(&resp);
}

static void class_prefix_is_said_once(void **state)
{
    (void)state;
    assert_string_equal(mm_error_message_after_class("auth: Unauthorized", "auth"), "Unauthorized");
    assert_string_equal(mm_error_message_after_class("authority says no", "auth"),
                        "authority says no");
    assert_string_equal(mm_error_message_after_class("server: x", "auth"), "server: x");
}

static void an_echoed_key_is_masked(void **state)
{
    (void)state;
    const char *key = "sk-secret-test-key-123456";
    mm_connection conn = tp_conn("openai-compatible", "http://127.0.0.1:1/v1", key);
    mm_http_response resp;
    tp_response_file(&resp, 401, "compat/error_echo_key.json", NULL);
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.cls, MM_CLASS_AUTH);
    assert_null(strstr(res.message, key));
    assert_non_null(strstr(res.message, "sk-\xe2\x80\xa6"
                                        "3456"));
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static void request_id_is_kept(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("anthropic", NULL, "k");
    const char *headers[] = {"request-id: req_011", NULL};
    mm_http_response resp;
    tp_response_file(&resp, 529, "anthropic/error_529.json", headers);
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_string_equal(res.request_id, "req_011");
    assert_int_equal(res.cls, MM_CLASS_OVERLOADED);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static void transport_failures_keep_their_class(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("mistral", NULL, "k");
    mm_http_response resp;
    tp_response(&resp, 0, NULL, 0, NULL);
    resp.transport_class = MM_CLASS_TIMEOUT;
    snprintf(resp.transport_message, sizeof resp.transport_message,
             "the server did not answer completely within 500 ms");
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_embed_response(&conn, &resp, &res);
    assert_int_equal(res.cls, MM_CLASS_TIMEOUT);
    assert_int_equal(res.http_status, 0);
    assert_non_null(strstr(res.message, "timeout: the server did not answer completely"));
    assert_non_null(strstr(res.message, mm_error_class_hint(MM_CLASS_TIMEOUT)));
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

/* ---- rate-limit headers and time formats ---- */

static void openai_and_mistral_ratelimit_headers(void **state)
{
    (void)state;
    const char *headers[] = {"x-ratelimit-limit-requests: 500",
                             "X-RateLimit-Remaining-Requests: 499",
                             "x-ratelimit-reset-requests: 120ms",
                             "x-ratelimit-limit-tokens: 30000",
                             "x-ratelimit-remaining-tokens: 29950",
                             "x-ratelimit-reset-tokens: 6m0s",
                             NULL};
    mm_connection conn = tp_conn("openai", NULL, "k");
    mm_http_response resp;
    tp_response_file(&resp, 200, "openai/chat.json", headers);
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.ratelimit.limit_requests, 500);
    assert_int_equal(res.ratelimit.remaining_requests, 499);
    assert_int_equal(res.ratelimit.reset_requests_ms, 120);
    assert_int_equal(res.ratelimit.limit_tokens, 30000);
    assert_int_equal(res.ratelimit.remaining_tokens, 29950);
    assert_int_equal(res.ratelimit.reset_tokens_ms, 360000);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);

    const char *mistral[] = {"x-ratelimitbysize-limit-minute: 500000",
                             "x-ratelimitbysize-remaining-minute: 499000",
                             "x-ratelimitbysize-reset: 17", NULL};
    conn = tp_conn("mistral", NULL, "k");
    tp_response_file(&resp, 200, "mistral/chat.json", mistral);
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.ratelimit.limit_tokens, 500000);
    assert_int_equal(res.ratelimit.remaining_tokens, 499000);
    assert_int_equal(res.ratelimit.reset_tokens_ms, 17000);
    assert_int_equal(res.ratelimit.limit_requests, -1);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);

    /* the current family (issue 12, a recording of mid-2026): requests and tokens per minute */
    const char *current[] = {
        "x-ratelimit-limit-req-minute: 120",        "x-ratelimit-remaining-req-minute: 117",
        "x-ratelimit-limit-tokens-minute: 2000000", "x-ratelimit-remaining-tokens-minute: 1999200",
        "x-ratelimit-tokens-query-cost: 800",       NULL};
    tp_response_file(&resp, 200, "mistral/chat.json", current);
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.ratelimit.limit_requests, 120);
    assert_int_equal(res.ratelimit.remaining_requests, 117);
    assert_int_equal(res.ratelimit.limit_tokens, 2000000);
    assert_int_equal(res.ratelimit.remaining_tokens, 1999200);
    assert_int_equal(res.ratelimit.reset_tokens_ms, -1);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);

    /* both families: the current one wins, the old reset still read */
    const char *both[] = {"x-ratelimitbysize-limit-minute: 500000",
                          "x-ratelimitbysize-remaining-minute: 1",
                          "ratelimitbysize-reset: 9",
                          "x-ratelimit-limit-tokens-minute: 600000",
                          "x-ratelimit-remaining-tokens-minute: 599000",
                          NULL};
    tp_response_file(&resp, 200, "mistral/chat.json", both);
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.ratelimit.limit_tokens, 600000);
    assert_int_equal(res.ratelimit.remaining_tokens, 599000);
    assert_int_equal(res.ratelimit.reset_tokens_ms, 9000);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static void anthropic_ratelimit_resets_are_times(void **state)
{
    (void)state;
    setenv("MM_FAKE_NOW_MS", "1747915200000", 1); /* 2025-05-22T12:00:00Z */
    const char *headers[] = {"anthropic-ratelimit-requests-limit: 50",
                             "anthropic-ratelimit-requests-remaining: 49",
                             "anthropic-ratelimit-requests-reset: 2025-05-22T12:00:30Z",
                             "anthropic-ratelimit-tokens-limit: 40000",
                             "anthropic-ratelimit-tokens-remaining: 39000",
                             "anthropic-ratelimit-tokens-reset: 2025-05-22T14:00:01.500+02:00",
                             NULL};
    mm_connection conn = tp_conn("anthropic", NULL, "k");
    mm_http_response resp;
    tp_response_file(&resp, 200, "anthropic/chat.json", headers);
    mm_call_result res;
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.ratelimit.limit_requests, 50);
    assert_int_equal(res.ratelimit.remaining_requests, 49);
    assert_int_equal(res.ratelimit.reset_requests_ms, 30000);
    assert_int_equal(res.ratelimit.limit_tokens, 40000);
    assert_int_equal(res.ratelimit.remaining_tokens, 39000);
    assert_int_equal(res.ratelimit.reset_tokens_ms, 1500);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);

    const char *dated[] = {"Retry-After: Thu, 22 May 2025 12:00:20 GMT", NULL};
    tp_response_file(&resp, 429, "anthropic/error_429.json", dated);
    mm_call_result_init(&res);
    provider_parse_chat_response(&conn, &resp, &res);
    assert_int_equal(res.retry_after_ms, 20000);
    assert_non_null(strstr(res.message, "Retry after 20.0 s"));
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
    unsetenv("MM_FAKE_NOW_MS");
}

static void durations_and_times_parse(void **state)
{
    (void)state;
    assert_int_equal(adapter_parse_duration_ms("1s"), 1000);
    assert_int_equal(adapter_parse_duration_ms("6m0s"), 360000);
    assert_int_equal(adapter_parse_duration_ms("20ms"), 20);
    assert_int_equal(adapter_parse_duration_ms("1h2m3.5s"), 3723500);
    assert_int_equal(adapter_parse_duration_ms("0.5s"), 500);
    assert_int_equal(adapter_parse_duration_ms("59s"), 59000);
    assert_int_equal(adapter_parse_duration_ms("12"), 12000);
    assert_int_equal(adapter_parse_duration_ms(""), -1);
    assert_int_equal(adapter_parse_duration_ms("abc"), -1);
    assert_int_equal(adapter_parse_duration_ms("5x"), -1);
    assert_int_equal(adapter_parse_duration_ms(NULL), -1);
    assert_int_equal(adapter_parse_duration_ms("99999999999999999999999999s"), -1);
    assert_int_equal(adapter_parse_rfc3339_ms("2025-05-22T12:00:00Z"), 1747915200000);
    assert_int_equal(adapter_parse_rfc3339_ms("2025-05-22T12:00:00.250Z"), 1747915200250);
    assert_int_equal(adapter_parse_rfc3339_ms("2025-05-22T13:00:00+01:00"), 1747915200000);
    assert_int_equal(adapter_parse_rfc3339_ms("2025-13-22T12:00:00Z"), -1);
    assert_int_equal(adapter_parse_rfc3339_ms("yesterday"), -1);
    assert_int_equal(adapter_retry_after_from_text("Please try again in 18.642s. Visit"), 18642);
    assert_int_equal(adapter_retry_after_from_text("Please try again in 250ms."), 250);
    assert_int_equal(adapter_retry_after_from_text("Please try again in 1m30s."), 90000);
    assert_int_equal(adapter_retry_after_from_text("Please retry after 7 seconds."), 7000);
    assert_int_equal(adapter_retry_after_from_text("Please retry after 1 second."), 1000);
    assert_int_equal(adapter_retry_after_from_text("no hint here"), -1);
    assert_int_equal(adapter_retry_after_from_text("try again in a while"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_lists_seven_providers_in_order),
        cmocka_unit_test(descriptors_describe_credentials),
        cmocka_unit_test(error_classes_have_names_and_hints),
        cmocka_unit_test(openai_requests_use_bearer_key),
        cmocka_unit_test(compat_without_key_sends_no_authorization),
        cmocka_unit_test(gemini_key_goes_in_a_header_never_the_url),
        cmocka_unit_test(azure_names_deployments_and_api_version),
        cmocka_unit_test(anthropic_and_cohere_paginate_with_their_parameters),
        cmocka_unit_test(invalid_utf8_prompt_is_refused),
        cmocka_unit_test(list_pages_carry_ids_and_tokens),
        cmocka_unit_test(single_page_lists_and_quirks),
        cmocka_unit_test(gemini_ids_lose_the_models_prefix),
        cmocka_unit_test(wrong_shape_list_is_bad_response),
        cmocka_unit_test(chat_answers_carry_usage),
        cmocka_unit_test(embeddings_report_dimensions_and_usage),
        cmocka_unit_test(every_error_shape_is_classified),
        cmocka_unit_test(auth_message_tells_what_to_do),
        cmocka_unit_test(list_404_points_at_the_base_url),
        cmocka_unit_test(class_prefix_is_said_once),
        cmocka_unit_test(an_echoed_key_is_masked),
        cmocka_unit_test(request_id_is_kept),
        cmocka_unit_test(transport_failures_keep_their_class),
        cmocka_unit_test(openai_and_mistral_ratelimit_headers),
        cmocka_unit_test(anthropic_ratelimit_resets_are_times),
        cmocka_unit_test(durations_and_times_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
