/* Unit tests of streaming: the SSE splitter (chunk boundaries anywhere, CRLF, comments,
 * multi-line data, oversize lines) and each dialect's stream parser on recorded-style event
 * sequences (tests/data/providers/stream), plus the streaming request forms. */
#include "test_provider_util.h"

#include "net/sse.h"
#include "providers/tool_shape.h"
#include "providers/adapter.h"

/* ---- the splitter ---- */

typedef struct seen {
    char names[16][64];
    char data[16][256];
    size_t count;
    size_t stop_after; /* 0: never stop */
} seen;

static bool record(void *ctx, const char *name, const char *data, size_t len)
{
    seen *s = ctx;
    assert_int_equal(strlen(data), len);
    if (s->count < 16) {
        snprintf(s->names[s->count], sizeof s->names[0], "%s", name);
        snprintf(s->data[s->count], sizeof s->data[0], "%s", data);
    }
    s->count++;
    return s->stop_after == 0 || s->count < s->stop_after;
}

static void feed_split(const char *text, size_t cut1, size_t cut2, seen *out)
{
    mm_sse_parser p;
    memset(out, 0, sizeof *out);
    mm_sse_init(&p, record, out);
    size_t n = strlen(text);
    assert_true(mm_sse_feed(&p, text, cut1));
    assert_true(mm_sse_feed(&p, text + cut1, cut2 - cut1));
    assert_true(mm_sse_feed(&p, text + cut2, n - cut2));
    mm_sse_free(&p);
}

static const char MIXED[] = ": keep-alive comment\r\n"
                            "event: first\r\n"
                            "data: {\"a\":1}\r\n"
                            "\r\n"
                            "data:no space\n"
                            "data:  two spaces\n"
                            "id: 7\n"
                            "retry: 100\n"
                            "\n"
                            "event: empty-is-not-sent\n"
                            "\n"
                            "data\r"
                            "data: last\r"
                            "\r"
                            "data: never finished";

static void check_mixed(const seen *s)
{
    assert_int_equal(s->count, 3);
    assert_string_equal(s->names[0], "first");
    assert_string_equal(s->data[0], "{\"a\":1}");
    assert_string_equal(s->names[1], ""); /* the name does not leak into the next event */
    assert_string_equal(s->data[1], "no space\n two spaces");
    assert_string_equal(s->names[2], "");
    assert_string_equal(s->data[2], "\nlast"); /* a bare "data" line is an empty line of data */
}

static void splitter_reads_every_chunking_alike(void **state)
{
    (void)state;
    size_t n = strlen(MIXED);
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b += 3) {
            seen s;
            feed_split(MIXED, a, b, &s);
            check_mixed(&s);
        }
    }
    /* byte by byte, CR and LF of one CRLF in different calls */
    mm_sse_parser p;
    seen s = {0};
    mm_sse_init(&p, record, &s);
    for (size_t i = 0; i < n; i++)
        assert_true(mm_sse_feed(&p, MIXED + i, 1));
    mm_sse_free(&p);
    check_mixed(&s);
}

static void splitter_stops_when_asked_and_on_oversize_lines(void **state)
{
    (void)state;
    mm_sse_parser p;
    seen s = {.stop_after = 1};
    mm_sse_init(&p, record, &s);
    assert_false(mm_sse_feed(&p, "data: a\n\ndata: b\n\n", 18));
    assert_int_equal(s.count, 1);
    assert_false(p.too_long);
    mm_sse_free(&p);

    memset(&s, 0, sizeof s);
    mm_sse_init(&p, record, &s);
    size_t big = MM_SSE_LINE_MAX + 10;
    char *line = malloc(big);
    memset(line, 'x', big);
    memcpy(line, "data: ", 6);
    assert_false(mm_sse_feed(&p, line, big));
    assert_true(p.too_long);
    assert_int_equal(s.count, 0);
    free(line);
    mm_sse_free(&p);
}

/* ---- dialect parsers on recorded-style streams ---- */

typedef struct parsed {
    const mm_provider_info *provider;
    mm_call_result res;
    json_t *calls;  /* the tool-call pieces merged (tool_shape_merge), NULL when none came */
    json_t *deltas; /* when set: the OpenAI deltas the merges gave, in order */
    char text[512];
    bool done, failed, bad;
    mm_error_body error;
} parsed;

static bool parse_event(void *ctx, const char *name, const char *data, size_t len)
{
    parsed *p = ctx;
    mm_stream_delta d = {.error = {.cls = MM_CLASS_COUNT, .retry_after_ms = -1}};
    const char *why = NULL;
    if (!p->provider->ops->parse_stream_event(name, data, len, &d, &p->res, &why)) {
        p->bad = true;
        assert_non_null(why);
        return false;
    }
    if (d.text)
        strncat(p->text, d.text, sizeof p->text - strlen(p->text) - 1);
    free(d.text);
    if (d.tool_calls && !p->calls)
        p->calls = json_array(); /* only streams with tool calls have one to free */
    assert_true(!d.tool_calls || tool_shape_merge(p->calls, d.tool_calls, p->deltas));
    json_decref(d.tool_calls);
    p->done |= d.done;
    if (d.failed) {
        p->failed = true;
        p->error = d.error;
    }
    return !d.failed;
}

/* Reads stream/<file> with the provider's parser, in chunks of `chunk` bytes; deltas (NULL:
 * none) collects the OpenAI deltas of its tool calls. */
static void parse_into(const char *provider, const char *file, size_t chunk, parsed *out,
                       json_t *deltas)
{
    memset(out, 0, sizeof *out);
    out->deltas = deltas;
    out->provider = provider_find(provider);
    mm_call_result_init(&out->res);
    char rel[128];
    snprintf(rel, sizeof rel, "stream/%s", file);
    size_t len = 0;
    char *body = tp_load(rel, &len);
    mm_sse_parser p;
    mm_sse_init(&p, parse_event, out);
    for (size_t at = 0; at < len; at += chunk)
        if (!mm_sse_feed(&p, body + at, len - at < chunk ? len - at : chunk))
            break;
    mm_sse_free(&p);
    free(body);
}

static void parse_file(const char *provider, const char *file, size_t chunk, parsed *out)
{
    parse_into(provider, file, chunk, out, NULL);
}

static void openai_chunks_give_text_usage_and_done(void **state)
{
    (void)state;
    static const size_t CHUNKS[] = {1, 7, 4096};
    for (size_t i = 0; i < 3; i++) {
        parsed p;
        parse_file("openai", "openai.sse", CHUNKS[i], &p);
        assert_false(p.bad);
        assert_string_equal(p.text, "Hello! How can I help?");
        assert_true(p.done);
        assert_true(p.res.usage_known);
        assert_int_equal(p.res.tokens_in, 9);
        assert_int_equal(p.res.tokens_out, 7);
        assert_string_equal(p.res.finish_reason, "stop");
    }
    /* Azure and compatible servers read the same chunks */
    parsed azure;
    parse_file("azure-openai", "openai.sse", 13, &azure);
    assert_string_equal(azure.text, "Hello! How can I help?");
}

static void openai_error_chunk_fails_the_stream(void **state)
{
    (void)state;
    parsed p;
    parse_file("openai", "openai_error.sse", 5, &p);
    assert_string_equal(p.text, "Once upon");
    assert_true(p.failed);
    assert_false(p.done);
    assert_non_null(strstr(p.error.message, "server had an error"));
}

static void mistral_usage_comes_in_the_last_chunk(void **state)
{
    (void)state;
    parsed p;
    parse_file("mistral", "mistral.sse", 11, &p);
    assert_string_equal(p.text, "Bonjour !");
    assert_true(p.done && p.res.usage_known);
    assert_int_equal(p.res.tokens_in, 6);
    assert_int_equal(p.res.tokens_out, 4);
}

static void anthropic_events_sum_usage_across_start_and_delta(void **state)
{
    (void)state;
    parsed p;
    parse_file("anthropic", "anthropic.sse", 3, &p);
    assert_false(p.bad);
    assert_string_equal(p.text, "Hello there, friend");
    assert_true(p.done);
    assert_true(p.res.usage_known);
    assert_int_equal(p.res.tokens_in, 35); /* 25 + 10 cache read; message_delta's 0 ignored */
    assert_int_equal(p.res.tokens_cache_read, 10);
    assert_int_equal(p.res.tokens_out, 15);
    assert_string_equal(p.res.finish_reason, "stop");
}

static void anthropic_error_event_after_the_200(void **state)
{
    (void)state;
    parsed p;
    parse_file("anthropic", "anthropic_error.sse", 9, &p);
    assert_string_equal(p.text, "Partial");
    assert_true(p.failed);
    assert_int_equal(p.error.cls, MM_CLASS_OVERLOADED);
    assert_false(p.res.usage_known); /* no output count came */
}

static void gemini_chunks_with_crlf_and_totals_last(void **state)
{
    (void)state;
    parsed p;
    parse_file("gemini", "gemini.sse", 2, &p);
    assert_false(p.bad);
    assert_string_equal(p.text, "The sky is blue.");
    assert_true(p.done && p.res.usage_known);
    assert_int_equal(p.res.tokens_in, 8);
    assert_int_equal(p.res.tokens_out, 5);
}

static void cohere_v2_events(void **state)
{
    (void)state;
    parsed p;
    parse_file("cohere", "cohere.sse", 6, &p);
    assert_false(p.bad);
    assert_string_equal(p.text, "Coca-Cola is a drink");
    assert_true(p.done && p.res.usage_known);
    assert_int_equal(p.res.tokens_in, 17);
    assert_int_equal(p.res.tokens_out, 6);
    assert_string_equal(p.res.finish_reason, "stop");
}

static void a_non_json_event_is_bad_response(void **state)
{
    (void)state;
    static const char *const IDS[] = {"openai", "anthropic", "gemini", "cohere", "mistral"};
    for (size_t i = 0; i < 5; i++) {
        const mm_provider_info *prov = provider_find(IDS[i]);
        mm_call_result res;
        mm_call_result_init(&res);
        mm_stream_delta d = {0};
        const char *why = NULL;
        assert_false(prov->ops->parse_stream_event("", "<html>", 6, &d, &res, &why));
        assert_non_null(why);
        assert_null(d.text);
    }
}

/* ---- the streaming request forms ---- */

static void streaming_requests_per_dialect(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *base, *body_has, *url_has;
    } CASES[] = {
        {"openai", "https://api.openai.com/v1", "\"include_usage\":true", "/chat/completions"},
        {"mistral", "https://api.mistral.ai/v1", "\"stream\":true", "/chat/completions"},
        {"anthropic", "https://api.anthropic.com", "\"stream\":true", "/v1/messages"},
        {"cohere", "https://api.cohere.com", "\"stream\":true", "/v2/chat"},
        {"gemini", "https://generativelanguage.googleapis.com/v1beta", NULL,
         "/models/gemini-2.0-flash:streamGenerateContent?alt=sse"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_connection conn = tp_conn(CASES[i].provider, CASES[i].base, "sk-test-key-0123456789");
        mm_http_request req;
        mm_error err;
        assert_int_equal(
            provider_build_chat_request(&conn, "gemini-2.0-flash", "hi", 16, &req, &err), MM_OK);
        assert_true(conn.provider->ops->make_streaming(&req));
        if (CASES[i].body_has)
            assert_non_null(strstr(req.body, CASES[i].body_has));
        assert_non_null(strstr(req.url, CASES[i].url_has));
        if (strcmp(CASES[i].provider, "mistral") == 0) /* usage comes unasked */
            assert_null(strstr(req.body, "stream_options"));
        mm_http_request_free(&req);
    }
}

static void finish_reasons_in_openai_words(void **state)
{
    (void)state;
    assert_string_equal(adapter_finish_reason("end_turn"), "stop");
    assert_string_equal(adapter_finish_reason("max_tokens"), "length");
    assert_string_equal(adapter_finish_reason("MAX_TOKENS"), "length");
    assert_string_equal(adapter_finish_reason("tool_use"), "tool_calls");
    assert_string_equal(adapter_finish_reason("SAFETY"), "content_filter");
    assert_string_equal(adapter_finish_reason("COMPLETE"), "stop");
    assert_string_equal(adapter_finish_reason(NULL), "stop");
}

/* Tool calls in each dialect's stream (recorded-style, shapes from the providers' docs):
 * OpenAI delta.tool_calls by index, Anthropic tool_use blocks and input_json_delta, Cohere v2
 * tool-call-start/-delta, Gemini whole functionCall parts (an id made up, the thoughtSignature
 * carried in it); merged into OpenAI's whole calls, whatever the chunking. */
static void streamed_tool_calls_merge_into_whole_calls(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *file, *text, *functions, *id;
    } STREAMS[] = {
        {"openai", "openai_tools.sse", "",
         "[{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
         "{\"name\":\"get_time\",\"arguments\":\"{}\"}]",
         "call_abc"},
        {"anthropic", "anthropic_tools.sse", "Okay, let me check.",
         "[{\"name\":\"get_weather\",\"arguments\":"
         "\"{\\\"location\\\": \\\"San Francisco, CA\\\"}\"}]",
         "toolu_01T1x1fJ34qAmk2tNTrN7Up6"},
        {"cohere", "cohere_tools.sse", "",
         "[{\"name\":\"get_weather\",\"arguments\":"
         "\"{\\n    \\\"location\\\": \\\"Toronto\\\"\\n}\"}]",
         "get_weather_nsz5zm3w56q3"},
        {"gemini", "gemini_tools.sse", "",
         "[{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}]",
         "__thought__c2ln"},
    };
    for (size_t i = 0; i < sizeof STREAMS / sizeof STREAMS[0]; i++) {
        for (size_t chunk = 1; chunk < 4096; chunk *= 64) {
            parsed p;
            parse_file(STREAMS[i].provider, STREAMS[i].file, chunk, &p);
            assert_true(p.done && !p.bad);
            assert_string_equal(p.text, STREAMS[i].text);
            char *merged = tool_shape_finish(p.calls);
            json_t *calls = json_loads(merged, 0, NULL);
            json_t *functions = json_array();
            size_t k;
            json_t *call;
            json_array_foreach(calls, k, call)
                json_array_append(functions, json_object_get(call, "function"));
            json_t *want = json_loads(STREAMS[i].functions, 0, NULL);
            assert_true(json_equal(functions, want));
            assert_non_null(strstr(
                json_string_value(json_object_get(json_array_get(calls, 0), "id")), STREAMS[i].id));
            json_decref(want);
            json_decref(functions);
            json_decref(calls);
            free(merged);
            json_decref(p.calls);
            mm_call_result_free(&p.res);
        }
    }
}

/* The same streams relayed as OpenAI streams tool calls (what serve sends, not merged first):
 * each call's first delta with its index (numbered by order of first appearance, whatever the
 * dialect's own block index), id, type, name and "" arguments, then one delta per piece of
 * arguments as the dialect cut them (Anthropic's empty partial_json gives none); Gemini's whole
 * calls one delta each. The same at every chunking of the bytes. */
static void streamed_tool_calls_relay_as_openai_deltas(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *file, *deltas;
    } STREAMS[] = {
        {"openai", "openai_tools.sse",
         "[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_weather\",\"arguments\":\"\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\"\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\":\\\"Paris\\\"}\"}},"
         "{\"index\":1,\"id\":\"call_def\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_time\",\"arguments\":\"{}\"}}]"},
        {"anthropic", "anthropic_tools.sse",
         "[{\"index\":0,\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\","
         "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\":\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\" \\\"San Francisco, CA\\\"}\"}}]"},
        {"anthropic", "anthropic_parallel_tools.sse",
         "[{\"index\":0,\"id\":\"toolu_01A\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_weather\",\"arguments\":\"\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Par\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\"is\\\"}\"}},"
         "{\"index\":1,\"id\":\"toolu_01B\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_time\",\"arguments\":\"\"}},"
         "{\"index\":1,\"function\":{\"arguments\":\"{\\\"zone\\\": \\\"CET\\\"}\"}}]"},
        {"cohere", "cohere_tools.sse",
         "[{\"index\":0,\"id\":\"get_weather_nsz5zm3w56q3\",\"type\":\"function\",\"function\":"
         "{\"name\":\"get_weather\",\"arguments\":\"\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\"{\\n    \\\"location\\\":\"}},"
         "{\"index\":0,\"function\":{\"arguments\":\" \\\"Toronto\\\"\\n}\"}}]"},
        {"gemini", "gemini_tools.sse",
         "[{\"index\":0,\"id\":\"*\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]"},
        {"gemini", "gemini_parallel_tools.sse",
         "[{\"index\":0,\"id\":\"*\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
         "{\"index\":1,\"id\":\"*\",\"type\":\"function\",\"function\":{\"name\":"
         "\"get_time\",\"arguments\":\"{\\\"zone\\\":\\\"CET\\\"}\"}}]"},
    };
    static const size_t CHUNKS[] = {1, 7, 64, 4096};
    for (size_t i = 0; i < sizeof STREAMS / sizeof STREAMS[0]; i++) {
        for (size_t c = 0; c < sizeof CHUNKS / sizeof CHUNKS[0]; c++) {
            parsed p;
            parse_into(STREAMS[i].provider, STREAMS[i].file, CHUNKS[c], &p, json_array());
            assert_true(p.done && !p.bad);
            /* read as an OpenAI client does (appended by index), they are the merged calls */
            char *merged = tool_shape_finish(p.calls);
            json_t *calls = json_loads(merged, 0, NULL), *read = json_array();
            size_t k;
            json_t *delta;
            json_array_foreach(p.deltas, k, delta)
            {
                size_t at = (size_t)json_integer_value(json_object_get(delta, "index"));
                const json_t *fn = json_object_get(delta, "function");
                if (at == json_array_size(read))
                    json_array_append_new(read,
                                          json_pack("{s:O, s:s, s:{s:O, s:s}}", "id",
                                                    json_object_get(delta, "id"), "type",
                                                    "function", "function", "name",
                                                    json_object_get(fn, "name"), "arguments", ""));
                json_t *into = json_object_get(json_array_get(read, at), "function");
                assert_non_null(into);
                json_object_set_new(
                    into, "arguments",
                    json_sprintf("%s%s", json_string_value(json_object_get(into, "arguments")),
                                 json_string_value(json_object_get(fn, "arguments"))));
            }
            assert_true(json_equal(read, calls));
            json_decref(read);
            json_decref(calls);
            free(merged);
            /* and their sequence is what OpenAI would have sent */
            json_t *want = json_loads(STREAMS[i].deltas, 0, NULL);
            assert_non_null(want);
            json_array_foreach(p.deltas, k, delta)
            {
                const char *id = json_string_value(json_object_get(delta, "id"));
                json_t *wanted_id = json_object_get(json_array_get(want, k), "id");
                if (id && !strcmp(json_string_value(wanted_id), "*")) { /* Gemini's made up */
                    assert_true(strncmp(id, "call_", 5) == 0);
                    json_object_set_new(delta, "id", json_string("*"));
                }
            }
            char *got = json_dumps(p.deltas, JSON_COMPACT);
            if (!json_equal(p.deltas, want))
                fail_msg("%s at %zu-byte chunks: %s", STREAMS[i].file, CHUNKS[c], got);
            free(got);
            json_decref(want);
            json_decref(p.deltas);
            json_decref(p.calls);
            mm_call_result_free(&p.res);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streamed_tool_calls_merge_into_whole_calls),
        cmocka_unit_test(streamed_tool_calls_relay_as_openai_deltas),
        cmocka_unit_test(splitter_reads_every_chunking_alike),
        cmocka_unit_test(splitter_stops_when_asked_and_on_oversize_lines),
        cmocka_unit_test(openai_chunks_give_text_usage_and_done),
        cmocka_unit_test(openai_error_chunk_fails_the_stream),
        cmocka_unit_test(mistral_usage_comes_in_the_last_chunk),
        cmocka_unit_test(anthropic_events_sum_usage_across_start_and_delta),
        cmocka_unit_test(anthropic_error_event_after_the_200),
        cmocka_unit_test(gemini_chunks_with_crlf_and_totals_last),
        cmocka_unit_test(cohere_v2_events),
        cmocka_unit_test(a_non_json_event_is_bad_response),
        cmocka_unit_test(streaming_requests_per_dialect),
        cmocka_unit_test(finish_reasons_in_openai_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
