/* Replays real recorded provider answers (tests/data/providers/recorded, sources in its README)
 * and canned variants through each adapter: text, tokens by billed kind, cost; empty answers,
 * content-filter blocks, content arrays and unusable usage in every dialect (issue 12). */
#include "test_provider_util.h"

#include "router/pricing.h"

static const char *const OPENAI_SHAPED[] = {"openai", "azure-openai", "mistral",
                                            "openai-compatible"};
#define N_OPENAI_SHAPED (sizeof OPENAI_SHAPED / sizeof OPENAI_SHAPED[0])

/* Parses body (a file under providers/ or, with literal, the text itself) as provider's chat. */
static void parse_chat(const char *provider, const char *body, bool literal, mm_call_result *res)
{
    mm_connection conn = tp_conn(provider, "http://127.0.0.1:1", "k");
    mm_http_response resp;
    if (literal)
        tp_response(&resp, 200, strdup(body), strlen(body), NULL);
    else
        tp_response_file(&resp, 200, body, NULL);
    mm_call_result_init(res);
    provider_parse_chat_response(&conn, &resp, res);
    mm_http_response_free(&resp);
}

static mm_price price_of(double in, double out, double cache_read, double cache_write)
{
    mm_price p = {.input_per_mtok = in,
                  .output_per_mtok = out,
                  .cache_read_per_mtok = cache_read,
                  .cache_write_per_mtok = cache_write};
    return p;
}

static int64_t cost_of(const mm_call_result *res, const mm_price *price)
{
    pricing_tokens t = {.in = res->tokens_in,
                        .out = res->tokens_out,
                        .cache_read = res->tokens_cache_read,
                        .cache_write = res->tokens_cache_write};
    return pricing_cost_tokens(price, &t);
}

/* ---- recorded answers ---- */

static void anthropic_cache_read_is_billed_at_a_tenth(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("anthropic", "recorded/anthropic_cache_read.json", false, &res);
    assert_true(res.ok);
    assert_non_null(strstr(res.output, "A **system** is an organized collection"));
    assert_true(res.usage_known);
    assert_int_equal(res.tokens_in, 2066); /* 11 + 2,055 cache reads */
    assert_int_equal(res.tokens_cache_read, 2055);
    assert_int_equal(res.tokens_cache_write, 0);
    assert_int_equal(res.tokens_out, 100);
    mm_price sonnet = price_of(3.00, 15.00, 0.30, 3.75);
    assert_int_equal(cost_of(&res, &sonnet), 2150); /* $0.00215 (11*3 + 2055*0.3 + 100*15) */
    mm_price no_cache_price = price_of(3.00, 15.00, -1, -1);
    assert_int_equal(cost_of(&res, &no_cache_price), 7698); /* every input token at 3 */
    mm_call_result_free(&res);
}

static void openai_reasoning_tokens_are_inside_completion_tokens(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("openai", "recorded/openai_o3_mini_reasoning.json", false, &res);
    assert_true(res.ok);
    assert_string_equal(res.output, "Hello there! How can I help you today?");
    assert_int_equal(res.tokens_in, 7);
    assert_int_equal(res.tokens_out, 87); /* 64 of them reasoning: not added again */
    assert_int_equal(res.tokens_reasoning, 64);
    assert_int_equal(res.tokens_cache_read, 0);
    mm_price o3_mini = price_of(1.10, 4.40, 0.55, -1);
    assert_int_equal(cost_of(&res, &o3_mini), 391); /* 7*1.10 + 87*4.40 = 390.5 */
    mm_call_result_free(&res);
}

static void mistral_content_array_shows_text_not_thinking(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OPENAI_SHAPED; i++) {
        mm_call_result res;
        parse_chat(OPENAI_SHAPED[i], "recorded/mistral_magistral_thinking.json", false, &res);
        assert_true(res.ok);
        assert_non_null(strstr(res.output, "Crossing a river is quite different"));
        assert_null(strstr(res.output, "Analogizing"));
        assert_int_equal(res.tokens_in, 664);
        assert_int_equal(res.tokens_out, 747);
        mm_call_result_free(&res);
    }
}

static void gemini_thoughts_are_billed_output_and_not_shown(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("gemini", "recorded/gemini_thoughts.json", false, &res);
    assert_true(res.ok);
    assert_non_null(strstr(res.output, "Crossing the street safely"));
    assert_null(strstr(res.output, "My Thought Process"));
    assert_int_equal(res.tokens_in, 29);
    assert_int_equal(res.tokens_out, 1737); /* 736 + 1,001 thoughts: adds up to 1,766 total */
    assert_int_equal(res.tokens_reasoning, 1001);
    mm_price pro = price_of(1.25, 10.00, 0.31, -1);
    assert_int_equal(cost_of(&res, &pro), 17406); /* 29*1.25 + 1737*10 = 17406.25 */
    mm_call_result_free(&res);
}

static void gemini_safety_block_is_a_request_outcome(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("gemini", "recorded/gemini_safety_blocked.json", false, &res);
    assert_false(res.ok);
    assert_int_equal(res.cls, MM_CLASS_BAD_REQUEST); /* returned, not retried, not a fault */
    assert_non_null(strstr(res.message, "content_filter"));
    assert_non_null(strstr(res.message, "finishReason SAFETY"));
    assert_true(res.usage_known); /* the prompt was billed */
    assert_int_equal(res.tokens_in, 14);
    assert_int_equal(res.tokens_out, 0);
    mm_call_result_free(&res);
}

static void gemini_empty_candidate_is_bad_response(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("gemini", "recorded/gemini_empty_max_tokens.json", false, &res);
    assert_false(res.ok);
    assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE); /* the next target tries */
    assert_non_null(strstr(res.message, "carries nothing"));
    mm_call_result_free(&res);
}

static void cohere_billed_units_not_tokens(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("cohere", "recorded/cohere_billed_units.json", false, &res);
    assert_true(res.ok);
    assert_string_equal(res.output, "Hello! How can I assist you today?");
    assert_int_equal(res.tokens_in, 1); /* billed_units, not tokens (496 / 11) */
    assert_int_equal(res.tokens_out, 9);
    mm_call_result_free(&res);
}

/* ---- every dialect: empty answers and content filters ---- */

static void empty_answers_are_bad_response_in_every_dialect(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *body;
    } CASES[] = {
        {"anthropic", "{\"content\":[],\"stop_reason\":\"end_turn\","
                      "\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}"},
        {"gemini", "{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
                   "\"usageMetadata\":{\"promptTokenCount\":5,\"totalTokenCount\":5}}"},
        {"cohere", "{\"finish_reason\":\"COMPLETE\",\"message\":{\"role\":\"assistant\","
                   "\"content\":[]},\"usage\":{\"billed_units\":{\"input_tokens\":5,"
                   "\"output_tokens\":0}}}"},
    };
    const char *openai_null = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                              "\"content\":null},\"finish_reason\":\"stop\"}],"
                              "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":0}}";
    mm_call_result res;
    for (size_t i = 0; i < N_OPENAI_SHAPED; i++) {
        parse_chat(OPENAI_SHAPED[i], openai_null, true, &res);
        assert_false(res.ok);
        assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
        assert_non_null(strstr(res.message, "carries nothing"));
        mm_call_result_free(&res);
    }
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        parse_chat(CASES[i].provider, CASES[i].body, true, &res);
        assert_false(res.ok);
        assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
        mm_call_result_free(&res);
    }
}

static void tool_calls_are_an_answer(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("openai",
               "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
               "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
               "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":5,"
               "\"completion_tokens\":7}}",
               true, &res);
    assert_true(res.ok);
    assert_string_equal(res.output, "");
    mm_call_result_free(&res);
    parse_chat("anthropic",
               "{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}],"
               "\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}",
               true, &res);
    assert_true(res.ok);
    mm_call_result_free(&res);
}

static void content_filters_are_request_outcomes(void **state)
{
    (void)state;
    static const struct {
        const char *provider, *body, *reason;
    } CASES[] = {
        {"openai",
         "{\"choices\":[{\"message\":{\"content\":null},\"finish_reason\":\"content_filter\"}],"
         "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":0}}",
         "finish_reason content_filter"},
        {"azure-openai",
         "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"content_filter\"}]}",
         "finish_reason content_filter"},
        {"anthropic",
         "{\"content\":[],\"stop_reason\":\"refusal\",\"usage\":{\"input_tokens\":5,"
         "\"output_tokens\":0}}",
         "stop_reason refusal"},
        {"gemini", "{\"candidates\":[{\"finishReason\":\"OTHER\"}]}", "finishReason OTHER"},
        {"gemini", "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}", "blockReason"},
        {"cohere", "{\"finish_reason\":\"ERROR_TOXIC\",\"message\":{\"content\":[]}}",
         "ERROR_TOXIC"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        mm_call_result res;
        parse_chat(CASES[i].provider, CASES[i].body, true, &res);
        assert_false(res.ok);
        assert_int_equal(res.cls, MM_CLASS_BAD_REQUEST);
        assert_non_null(strstr(res.message, CASES[i].reason));
        mm_call_result_free(&res);
    }
}

/* ---- token kinds and unusable usage ---- */

static void openai_cached_tokens_are_discounted_input(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("azure-openai",
               "{\"choices\":[{\"message\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
               "\"usage\":{\"prompt_tokens\":1154,\"completion_tokens\":428,"
               "\"prompt_tokens_details\":{\"cached_tokens\":1024},"
               "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}",
               true, &res);
    assert_true(res.ok);
    assert_int_equal(res.tokens_in, 1154);
    assert_int_equal(res.tokens_cache_read, 1024);
    mm_price gpt4o = price_of(2.50, 10.00, 1.25, -1);
    assert_int_equal(cost_of(&res, &gpt4o), 5885); /* 130*2.5 + 1024*1.25 + 428*10 */
    mm_call_result_free(&res);
}

static void anthropic_cache_writes_cost_more(void **state)
{
    (void)state;
    mm_call_result res;
    parse_chat("anthropic", "anthropic/chat.json", false, &res); /* 10 + 3 writes + 2 reads */
    assert_int_equal(res.tokens_in, 15);
    assert_int_equal(res.tokens_cache_write, 3);
    assert_int_equal(res.tokens_cache_read, 2);
    mm_price sonnet = price_of(3.00, 15.00, 0.30, 3.75);
    assert_int_equal(cost_of(&res, &sonnet), 102); /* 10*3 + 3*3.75 + 2*0.3 + 4*15 = 101.85 */
    mm_call_result_free(&res);
}

static void unusable_usage_is_unknown_not_zero(void **state)
{
    (void)state;
    static const char *const COUNTS[] = {"-5", "12.5", "9223372036854775808", "1e400", "\"12\""};
    for (size_t i = 0; i < sizeof COUNTS / sizeof COUNTS[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                 "\"usage\":{\"prompt_tokens\":%s,\"completion_tokens\":3}}",
                 COUNTS[i]);
        for (size_t d = 0; d < N_OPENAI_SHAPED; d++) {
            mm_call_result res;
            parse_chat(OPENAI_SHAPED[d], body, true, &res);
            assert_true(res.ok); /* the answer is served... */
            assert_string_equal(res.output, "hi");
            assert_false(res.usage_known); /* ...and the router charges its estimate */
            mm_call_result_free(&res);
        }
    }
    mm_call_result res;
    parse_chat("anthropic",
               "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"usage\":{\"input_tokens\":"
               "1e400,\"output_tokens\":3}}",
               true, &res);
    assert_true(res.ok);
    assert_false(res.usage_known);
    mm_call_result_free(&res);
    parse_chat("gemini",
               "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}],"
               "\"usageMetadata\":{\"promptTokenCount\":-1,\"candidatesTokenCount\":3}}",
               true, &res);
    assert_true(res.ok);
    assert_false(res.usage_known);
    mm_call_result_free(&res);
    parse_chat("cohere",
               "{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"usage\":"
               "{\"billed_units\":{\"input_tokens\":2.5,\"output_tokens\":3}}}",
               true, &res);
    assert_true(res.ok);
    assert_false(res.usage_known);
    mm_call_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(anthropic_cache_read_is_billed_at_a_tenth),
        cmocka_unit_test(openai_reasoning_tokens_are_inside_completion_tokens),
        cmocka_unit_test(mistral_content_array_shows_text_not_thinking),
        cmocka_unit_test(gemini_thoughts_are_billed_output_and_not_shown),
        cmocka_unit_test(gemini_safety_block_is_a_request_outcome),
        cmocka_unit_test(gemini_empty_candidate_is_bad_response),
        cmocka_unit_test(cohere_billed_units_not_tokens),
        cmocka_unit_test(empty_answers_are_bad_response_in_every_dialect),
        cmocka_unit_test(tool_calls_are_an_answer),
        cmocka_unit_test(content_filters_are_request_outcomes),
        cmocka_unit_test(openai_cached_tokens_are_discounted_input),
        cmocka_unit_test(anthropic_cache_writes_cost_more),
        cmocka_unit_test(unusable_usage_is_unknown_not_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
