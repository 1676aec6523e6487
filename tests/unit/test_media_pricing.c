/* Image and audio models (issue 16): cost per image, per second of audio and per character,
 * media prices read from LiteLLM's map and mmadmin's own format, the media answers of each
 * dialect parsed (images, transcription duration, a WAV's length), and which providers serve
 * which model type. */
#include "test_provider_util.h"

#include "router/pricing.h"

static mm_price media_price(double per_image, double per_second, double per_character)
{
    mm_price p = {.input_per_mtok = -1,
                  .output_per_mtok = -1,
                  .cache_read_per_mtok = -1,
                  .cache_write_per_mtok = -1,
                  .per_image = per_image,
                  .per_second = per_second,
                  .per_character = per_character};
    return p;
}

static void prices_images_seconds_and_characters(void **state)
{
    (void)state;
    mm_price dalle = media_price(0.04, 0, 0);
    pricing_tokens three = {.images = 3};
    assert_int_equal(pricing_cost_tokens(&dalle, &three), 120000); /* 3 x $0.04 */
    mm_price whisper = media_price(0, 0.0001, 0);
    pricing_tokens clip = {.audio_ms = 2500}; /* billed to the millisecond */
    assert_int_equal(pricing_cost_tokens(&whisper, &clip), 250);
    mm_price tts = media_price(0, 0, 0.000015);
    pricing_tokens text = {.characters = 1000};
    assert_int_equal(pricing_cost_tokens(&tts, &text), 15000);
}

static void a_missing_unit_price_is_no_price(void **state)
{
    (void)state;
    mm_price dalle = media_price(0.04, 0, 0);
    pricing_tokens clip = {.audio_ms = 1000};
    assert_int_equal(pricing_cost_tokens(&dalle, &clip), -1); /* never $0 */
    pricing_tokens nothing = {0};
    assert_int_equal(pricing_cost_tokens(&dalle, &nothing), -1); /* no tokens, no input price */
}

static void token_billed_images_add_their_tokens(void **state)
{
    (void)state;
    mm_price gpt_image = media_price(0.01, 0, 0);
    gpt_image.input_per_mtok = 5;
    gpt_image.output_per_mtok = 40;
    pricing_tokens t = {.in = 100, .out = 1000, .images = 1};
    assert_int_equal(pricing_cost_tokens(&gpt_image, &t), 10000 + 500 + 40000);
    mm_price tokens_only = media_price(0, 0, 0);
    tokens_only.input_per_mtok = 5;
    tokens_only.output_per_mtok = 40;
    assert_int_equal(pricing_cost_tokens(&tokens_only, &t), 500 + 40000);
}

static void reads_media_prices_from_litellm_and_own_files(void **state)
{
    (void)state;
    const char *litellm =
        "{\"whisper-1\": {\"input_cost_per_second\": 0.0001, \"output_cost_per_second\": 0.0001,"
        " \"litellm_provider\": \"openai\", \"mode\": \"audio_transcription\"},"
        " \"tts-1\": {\"input_cost_per_character\": 1.5e-05, \"litellm_provider\": \"openai\","
        " \"mode\": \"audio_speech\"},"
        " \"gemini/imagen-3.0-generate-002\": {\"output_cost_per_image\": 0.04,"
        " \"litellm_provider\": \"gemini\", \"mode\": \"image_generation\"},"
        " \"dall-e-2\": {\"input_cost_per_pixel\": 2e-08, \"litellm_provider\": \"openai\","
        " \"mode\": \"image_generation\"}}";
    pricing_file file;
    mm_error err = {0};
    assert_int_equal(pricing_parse_text(litellm, strlen(litellm), "t", &file, &err), MM_OK);
    assert_int_equal(file.prices.count, 3);
    assert_int_equal(file.skipped_no_price, 1); /* per pixel: not read */
    for (size_t i = 0; i < file.prices.count; i++) {
        const mm_price *p = &file.prices.items[i];
        if (strcmp(p->model, "whisper-1") == 0)
            assert_true(p->per_second == 0.0001 && p->input_per_mtok < 0);
        else if (strcmp(p->model, "tts-1") == 0)
            assert_true(p->per_character == 1.5e-05);
        else
            assert_true(strcmp(p->provider, "gemini") == 0 && p->per_image == 0.04);
    }
    pricing_file_free(&file);
    const char *own = "{\"date\": \"2026-01-01\", \"prices\": [{\"provider\": \"openai\", "
                      "\"model\": \"dall-e-3\", \"per_image\": 0.08}]}";
    assert_int_equal(pricing_parse_text(own, strlen(own), "t", &file, &err), MM_OK);
    assert_true(file.prices.items[0].per_image == 0.08);
    pricing_file_free(&file);
    const char *bad = "{\"date\": \"2026-01-01\", \"prices\": [{\"provider\": \"openai\", "
                      "\"model\": \"dall-e-3\", \"per_image\": -2}]}";
    assert_int_not_equal(pricing_parse_text(bad, strlen(bad), "t", &file, &err), MM_OK);
    assert_non_null(strstr(err.message, "per-image"));
}

static void parse_media(const char *provider, const char *body, provider_success_parser parse,
                        mm_call_result *res)
{
    mm_connection conn = tp_conn(provider, "http://127.0.0.1:1", "k");
    mm_http_response resp;
    tp_response(&resp, 200, strdup(body), strlen(body), NULL);
    mm_call_result_init(res);
    provider_parse_answer(&conn, &resp, res, parse);
    mm_http_response_free(&resp);
}

static void parses_each_dialects_media_answers(void **state)
{
    (void)state;
    const mm_provider_ops *openai = provider_find("openai")->ops;
    mm_call_result res;
    parse_media("openai",
                "{\"created\":1,\"data\":[{\"b64_json\":\"AAAA\"},{\"url\":\"https://x\"}]}",
                openai->parse_image, &res);
    assert_true(res.ok);
    assert_int_equal(res.images, 2);
    assert_int_equal(res.images_b64.count, 1);
    assert_string_equal(res.image_urls.items[0], "https://x");
    mm_call_result_free(&res);
    parse_media("openai", "{\"data\":[]}", openai->parse_image, &res);
    assert_false(res.ok);
    assert_int_equal(res.cls, MM_CLASS_BAD_RESPONSE);
    mm_call_result_free(&res);
    parse_media("openai", "{\"text\":\"hello\",\"duration\":2.5}", openai->parse_transcription,
                &res);
    assert_true(res.ok);
    assert_string_equal(res.output, "hello");
    assert_int_equal(res.audio_ms, 2500);
    mm_call_result_free(&res);
    const mm_provider_ops *gemini = provider_find("gemini")->ops;
    parse_media("gemini",
                "{\"predictions\":[{\"bytesBase64Encoded\":\"AAAA\",\"mimeType\":"
                "\"image/png\"}]}",
                gemini->parse_image, &res);
    assert_true(res.ok);
    assert_int_equal(res.images, 1);
    mm_call_result_free(&res);
}

static void only_openai_azure_and_gemini_serve_media(void **state)
{
    (void)state;
    assert_true(provider_supports_type(provider_find("openai"), "image"));
    assert_true(provider_supports_type(provider_find("azure-openai"), "audio"));
    assert_true(provider_supports_type(provider_find("gemini"), "image"));
    assert_false(provider_supports_type(provider_find("gemini"), "audio"));
    assert_false(provider_supports_type(provider_find("anthropic"), "image"));
    assert_false(provider_supports_type(provider_find("cohere"), "audio"));
    assert_false(provider_supports_type(provider_find("mistral"), "image"));
    char why[200];
    provider_type_refusal(provider_find("mistral"), "audio", why, sizeof why);
    assert_string_equal(why, "Mistral has no audio API: use an OpenAI or Azure OpenAI account for "
                             "audio models");
    mm_connection conn = tp_conn("anthropic", "http://127.0.0.1:1", "k");
    mm_media_request image = {.kind = MM_MEDIA_IMAGE, .text = "a fox"};
    mm_call_result res;
    mm_error err = {0};
    assert_int_equal(provider_media(&conn, "claude", &image, &res, &err), MM_E_INVALID);
    assert_int_equal(res.cls, MM_CLASS_BAD_REQUEST);
    mm_call_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prices_images_seconds_and_characters),
        cmocka_unit_test(a_missing_unit_price_is_no_price),
        cmocka_unit_test(token_billed_images_add_their_tokens),
        cmocka_unit_test(reads_media_prices_from_litellm_and_own_files),
        cmocka_unit_test(parses_each_dialects_media_answers),
        cmocka_unit_test(only_openai_azure_and_gemini_serve_media),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
