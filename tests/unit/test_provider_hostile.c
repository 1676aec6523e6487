/* Hostile-input tests of every provider parser (list, chat, embed, error): truncated JSON,
 * 10 MB bodies, 100k-deep nesting, non-UTF-8 bytes and wrong types. Nothing may crash or leak
 * (ASan), a 2xx that is not the documented shape is bad_response, messages stay safe. */
#include "test_provider_util.h"

#include "util/text.h"

#define BIG_BODY (10u * 1024u * 1024u)
#define DEEP 100000

typedef enum parser_kind { PARSE_LIST, PARSE_CHAT, PARSE_EMBED, PARSE_KIND_COUNT } parser_kind;

/* Runs body (copied, NUL-terminated) through one parser of one provider under status and
 * checks the invariants every hostile body must keep. */
static void feed(const char *provider, parser_kind kind, long status, const char *body, size_t len)
{
    mm_connection conn = tp_conn(provider, "http://127.0.0.1:1", "sk-hostile-key");
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    copy[len] = '\0';
    mm_http_response resp;
    tp_response(&resp, status, copy, len, NULL);
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    if (kind == PARSE_LIST)
        provider_parse_list_response(&conn, &resp, &res, &next);
    else if (kind == PARSE_CHAT)
        provider_parse_chat_response(&conn, &resp, &res);
    else
        provider_parse_embed_response(&conn, &resp, &res);
    assert_true(tp_terminal_safe(res.message));
    assert_true(strlen(res.message) < sizeof res.message);
    if (res.ok) {
        assert_true(status >= 200 && status < 300);
        for (size_t i = 0; i < res.models.count; i++)
            assert_non_null(res.models.items[i]);
        if (res.output)
            assert_true(tp_terminal_safe(res.output));
        assert_true(res.tokens_in >= 0 && res.tokens_out >= 0);
    } else {
        assert_int_not_equal(res.cls, MM_CLASS_OK);
        assert_true(res.message[0] != '\0');
        assert_null(next);
        assert_false(res.usage_known);
        if (status >= 200 && status < 300 && kind != PARSE_EMBED)
            assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
    }
    assert_null(strstr(res.message, "sk-hostile-key"));
    free(next);
    mm_http_response_free(&resp);
    mm_call_result_free(&res);
}

static const long STATUSES[] = {200, 400, 401, 429, 500, 503, 529};
#define N_STATUSES (sizeof STATUSES / sizeof STATUSES[0])

/* Every provider, every parser, every status. */
static void feed_everywhere(const char *body, size_t len)
{
    for (size_t p = 0; p < provider_count(); p++)
        for (int k = 0; k < PARSE_KIND_COUNT; k++)
            for (size_t s = 0; s < N_STATUSES; s++)
                feed(provider_at(p)->id, (parser_kind)k, STATUSES[s], body, len);
}

static void feed_text_everywhere(const char *body)
{
    feed_everywhere(body, strlen(body));
}

/* The canned success and error bodies of each provider, cut at every length. */
static const struct {
    const char *provider;
    parser_kind kind;
    long status;
    const char *file;
} CANNED[] = {
    {"openai", PARSE_LIST, 200, "openai/models.json"},
    {"openai", PARSE_CHAT, 200, "openai/chat.json"},
    {"openai", PARSE_EMBED, 200, "openai/embed.json"},
    {"openai", PARSE_CHAT, 429, "openai/error_429_rate.json"},
    {"anthropic", PARSE_LIST, 200, "anthropic/models_page1.json"},
    {"anthropic", PARSE_CHAT, 200, "anthropic/chat.json"},
    {"anthropic", PARSE_CHAT, 429, "anthropic/error_429_spend.json"},
    {"azure-openai", PARSE_LIST, 200, "azure/models.json"},
    {"azure-openai", PARSE_CHAT, 429, "azure/error_429.json"},
    {"gemini", PARSE_LIST, 200, "gemini/models_page1.json"},
    {"gemini", PARSE_CHAT, 200, "gemini/chat.json"},
    {"gemini", PARSE_EMBED, 200, "gemini/embed.json"},
    {"gemini", PARSE_LIST, 429, "gemini/error_429.json"},
    {"cohere", PARSE_LIST, 200, "cohere/models_page1.json"},
    {"cohere", PARSE_CHAT, 200, "cohere/chat.json"},
    {"cohere", PARSE_EMBED, 200, "cohere/embed.json"},
    {"cohere", PARSE_CHAT, 401, "cohere/error_401.json"},
    {"mistral", PARSE_LIST, 200, "mistral/models.json"},
    {"mistral", PARSE_CHAT, 200, "mistral/chat.json"},
    {"mistral", PARSE_LIST, 429, "mistral/error_429.json"},
    {"openai-compatible", PARSE_LIST, 200, "compat/together_models.json"},
    {"openai-compatible", PARSE_CHAT, 404, "compat/vllm_error.json"},
};

static void truncated_bodies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CANNED / sizeof CANNED[0]; i++) {
        size_t len = 0;
        char *body = tp_load(CANNED[i].file, &len);
        while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == ' '))
            len--;
        for (size_t cut = 0; cut < len; cut++) {
            feed(CANNED[i].provider, CANNED[i].kind, CANNED[i].status, body, cut);
            if (CANNED[i].status == 200 && cut > 0) {
                /* a cut 2xx answer is never taken for a success */
                mm_connection conn = tp_conn(CANNED[i].provider, "http://127.0.0.1:1", "k");
                mm_http_response resp;
                tp_response(&resp, 200, strndup(body, cut), cut, NULL);
                mm_call_result res;
                mm_call_result_init(&res);
                char *next = NULL;
                if (CANNED[i].kind == PARSE_LIST)
                    provider_parse_list_response(&conn, &resp, &res, &next);
                else if (CANNED[i].kind == PARSE_CHAT)
                    provider_parse_chat_response(&conn, &resp, &res);
                else
                    provider_parse_embed_response(&conn, &resp, &res);
                assert_false(res.ok);
                assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
                assert_non_null(strstr(res.message, "HTTP 200"));
                free(next);
                mm_http_response_free(&resp);
                mm_call_result_free(&res);
            }
        }
        free(body);
    }
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    *len = hl + ul * times + tl;
    char *out = malloc(*len + 1);
    assert_non_null(out);
    memcpy(out, head, hl);
    for (size_t i = 0; i < times; i++)
        memcpy(out + hl + i * ul, unit, ul);
    memcpy(out + hl + ul * times, tail, tl);
    out[*len] = '\0';
    return out;
}

static void deeply_nested_bodies(void **state)
{
    (void)state;
    size_t len;
    char *arrays = repeat("", "[", DEEP, "", &len);
    feed_everywhere(arrays, len);
    free(arrays);
    char *closed = repeat("{\"data\":", "[", DEEP, "", &len);
    feed_everywhere(closed, len);
    free(closed);
    char *objects = repeat("", "{\"error\":", DEEP, "1", &len);
    feed_everywhere(objects, len);
    free(objects);
}

static void ten_megabyte_bodies(void **state)
{
    (void)state;
    size_t len;
    /* A huge string where a message or an id goes. */
    char *text = repeat("{\"error\":{\"message\":\"", "x\\u001b[2J", BIG_BODY / 10,
                        "\"},"
                        "\"message\":\"m\",\"data\":[{\"id\":\"a\"}],\"models\":[]}",
                        &len);
    for (size_t p = 0; p < provider_count(); p++) {
        feed(provider_at(p)->id, PARSE_CHAT, 500, text, len);
        feed(provider_at(p)->id, PARSE_LIST, 200, text, len);
    }
    free(text);
    /* Random-looking bytes (not JSON at all), with NULs. */
    char *bytes = malloc(BIG_BODY);
    assert_non_null(bytes);
    for (size_t i = 0; i < BIG_BODY; i++)
        bytes[i] = (char)((i * 2654435761u) >> 13);
    feed_everywhere(bytes, BIG_BODY);
    free(bytes);
    /* A valid list with far too many distinct ids. */
    char *many = malloc(BIG_BODY + 64);
    assert_non_null(many);
    size_t used = (size_t)sprintf(many, "{\"data\":[");
    for (unsigned i = 0; used < BIG_BODY - 64; i++)
        used += (size_t)sprintf(many + used, "%s{\"id\":\"m%u\"}", i ? "," : "", i);
    used += (size_t)sprintf(many + used, "]}");
    feed("openai", PARSE_LIST, 200, many, used);
    feed("openai-compatible", PARSE_LIST, 200, many, used);
    free(many);
}

static void non_utf8_bodies(void **state)
{
    (void)state;
    static const char *const BODIES[] = {
        "{\"data\":[{\"id\":\"gpt-\xff\xfe\"}]}",
        "{\"error\":{\"message\":\"bad \xc3\x28 key\",\"code\":\"invalid_api_key\"}}",
        "{\"message\":\"\xed\xa0\x80 surrogate\"}",
        "\xff\xfe\x00\x01 not json at all",
        "<html><title>\xff\x1b[31mEvil\x07</title></html>",
        "plain \x1b]0;title\x07 text \xc2\x9b with C1",
        "{\"choices\":[{\"message\":{\"content\":\"\\u001b[2Jclear\\u0007\\u202eevil\"}}]}",
        "{\"error\":{\"message\":\"nul \\u0000 inside\"}}",
    };
    for (size_t i = 0; i < sizeof BODIES / sizeof BODIES[0]; i++)
        feed_text_everywhere(BODIES[i]);
}

/* Format characters from a provider (bidi overrides, zero-width spaces) reach nothing raw:
 * answers, error messages and model ids show them escaped as "<U+202E>" (util/text.h). */
static void format_characters_are_escaped(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", "http://127.0.0.1:1", "sk-hostile-key");
    static const struct {
        parser_kind kind;
        long status;
        const char *body;
        const char *want;
    } CASES[] = {
        {PARSE_CHAT, 200, "{\"choices\":[{\"message\":{\"content\":\"txt.\u202eexe\u200b!\"}}]}",
         "txt.<U+202E>exe<U+200B>!"},
        {PARSE_LIST, 200, "{\"data\":[{\"id\":\"gpt\u2066-4o\"}]}", "gpt<U+2066>-4o"},
        {PARSE_CHAT, 400, "{\"error\":{\"message\":\"bad \u202emodel\"}}", "bad <U+202E>model"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char *copy = strdup(CASES[i].body);
        mm_http_response resp;
        tp_response(&resp, CASES[i].status, copy, strlen(copy), NULL);
        mm_call_result res;
        mm_call_result_init(&res);
        char *next = NULL;
        if (CASES[i].kind == PARSE_LIST)
            provider_parse_list_response(&conn, &resp, &res, &next);
        else
            provider_parse_chat_response(&conn, &resp, &res);
        const char *got = CASES[i].kind == PARSE_LIST && res.models.count > 0 ? res.models.items[0]
                          : res.output                                        ? res.output
                                                                              : res.message;
        assert_non_null(strstr(got, CASES[i].want));
        assert_false(mm_find_format_char(got, NULL, NULL));
        free(next);
        mm_http_response_free(&resp);
        mm_call_result_free(&res);
    }
}

static void wrong_types(void **state)
{
    (void)state;
    static const char *const BODIES[] = {
        "{}",
        "[]",
        "[1,2]",
        "[{\"error\":5}]",
        "[null]",
        "\"string\"",
        "123",
        "true",
        "null",
        "{\"data\":\"x\"}",
        "{\"data\":[1,2]}",
        "{\"data\":[{\"id\":5}]}",
        "{\"data\":[{\"id\":null}]}",
        "{\"data\":null}",
        "{\"data\":[],\"has_more\":true,\"last_id\":7}",
        "{\"data\":[{\"id\":\"a\"}],\"has_more\":\"yes\",\"last_id\":\"\"}",
        "{\"models\":{\"name\":\"x\"}}",
        "{\"models\":[{\"name\":1e308}]}",
        "{\"models\":[],\"nextPageToken\":5}",
        "{\"models\":[],\"next_page_token\":[]}",
        "{\"choices\":[{\"message\":{\"content\":5}}]}",
        "{\"choices\":\"x\"}",
        "{\"choices\":[null]}",
        "{\"choices\":[{\"message\":{\"content\":\"ok\"}}],\"usage\":{\"prompt_tokens\":\"9\","
        "\"completion_tokens\":-1}}",
        "{\"choices\":[{\"message\":{\"content\":null}}],\"usage\":{\"prompt_tokens\":1e300,"
        "\"completion_tokens\":1.5}}",
        "{\"content\":[{\"text\":5},{\"type\":\"text\"}],\"usage\":{\"input_tokens\":null}}",
        "{\"content\":\"text\"}",
        "{\"candidates\":[{\"content\":{\"parts\":\"x\"}}],\"usageMetadata\":{\"promptTokenCount\":"
        "1e300}}",
        "{\"candidates\":[5]}",
        "{\"candidates\":[{}]}",
        "{\"message\":{\"content\":[{\"text\":[]}]},\"usage\":{\"billed_units\":{\"input_tokens\":"
        "18446744073709551616}}}",
        "{\"message\":{\"content\":[{\"text\":\"hi\"}]},\"usage\":{\"billed_units\":{\"input_"
        "tokens\":"
        "99999999999999999999999999999}}}",
        "{\"embedding\":{\"values\":[\"a\"]}}",
        "{\"embedding\":{\"values\":[]}}",
        "{\"embeddings\":{\"float\":[[]]}}",
        "{\"embeddings\":{\"float\":\"x\"}}",
        "{\"embeddings\":[[1,2],3]}",
        "{\"data\":[{\"embedding\":[1,\"x\"]}]}",
        "{\"data\":[{\"embedding\":null}]}",
        "{\"error\":\"text\"}",
        "{\"error\":5}",
        "{\"error\":{\"message\":5,\"code\":[1],\"type\":{},\"details\":\"x\"}}",
        "{\"error\":{\"code\":1e400}}",
        "{\"error\":{\"code\":-99999999999999999999}}",
        "{\"error\":{\"details\":[5,null,{\"reason\":5,\"retryDelay\":7},{\"retryDelay\":\"x\"},"
        "{\"retryDelay\":\"99999999999999999999s\"}],\"status\":404}}",
        "{\"type\":\"error\",\"error\":{\"type\":5,\"details\":{\"error_code\":[]}}}",
        "{\"message\":null}",
        "{\"message\":\"Please try again in 1e999s\"}",
        "{\"message\":\"Please retry after 99999999999999999999999999 seconds\"}",
        "{\"detail\":[{\"msg\":5}]}",
        "{\"detail\":[]}",
        "{\"detail\":{}}",
    };
    for (size_t i = 0; i < sizeof BODIES / sizeof BODIES[0]; i++)
        feed_text_everywhere(BODIES[i]);
}

static void hostile_headers(void **state)
{
    (void)state;
    static const char *const HEADERS[] = {
        "retry-after: -5",
        "retry-after-ms: abc",
        "retry-after: 99999999999999999999999999",
        "x-ratelimit-reset-requests: 1e999s",
        "x-ratelimit-remaining-tokens: -3",
        "x-ratelimit-limit-requests: 99999999999999999999999",
        "anthropic-ratelimit-requests-reset: 9999-99-99T99:99:99Z",
        "anthropic-ratelimit-tokens-reset: 2025-05-22T12:00:00+99:99",
        "x-ratelimitbysize-reset: x",
        "request-id: \x1b[2Jevil\x07",
        NULL};
    for (size_t p = 0; p < provider_count(); p++) {
        mm_connection conn = tp_conn(provider_at(p)->id, "http://127.0.0.1:1", "k");
        mm_http_response resp;
        tp_response(&resp, 429, strdup("{}"), 2, HEADERS);
        mm_call_result res;
        mm_call_result_init(&res);
        provider_parse_chat_response(&conn, &resp, &res);
        assert_int_equal(res.cls, MM_CLASS_RATE_LIMITED);
        assert_true(res.retry_after_ms == -1 || res.retry_after_ms >= 0);
        assert_true(tp_terminal_safe(res.request_id));
        assert_true(tp_terminal_safe(res.message));
        mm_http_response_free(&resp);
        mm_call_result_free(&res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_bodies),
        cmocka_unit_test(deeply_nested_bodies),
        cmocka_unit_test(ten_megabyte_bodies),
        cmocka_unit_test(non_utf8_bodies),
        cmocka_unit_test(format_characters_are_escaped),
        cmocka_unit_test(wrong_types),
        cmocka_unit_test(hostile_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
