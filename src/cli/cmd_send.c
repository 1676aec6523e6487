/* `mmadmin send MODEL --workspace W --prompt TEXT`: a real chat (or embedding, image,
 * transcription, speech) through the router, printing the answer (or writing the image or
 * audio to --out), the target that served it and every attempt. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/admission.h"
#include "cli/commands.h"
#include "net/curl_lib.h"
#include "net/http.h"
#include "router/router.h"
#include "util/money.h"
#include "util/process.h"

#define INPUT_MAX (1024 * 1024)
#define MAX_TOKENS_MAX 1000000
#define TIMEOUT_MS_MAX 600000
#define AUDIO_MAX (25 * 1024 * 1024) /* OpenAI's transcription upload limit */

enum {
    OPT_WORKSPACE = 256,
    OPT_PROMPT,
    OPT_INPUT,
    OPT_MAX_TOKENS,
    OPT_TIMEOUT,
    OPT_STREAM,
    OPT_JSON,
    OPT_IMAGE_PROMPT,
    OPT_TRANSCRIBE,
    OPT_SPEECH,
    OPT_OUT,
    OPT_SIZE,
    OPT_VOICE
};

static const cli_option send_options[] = {
    {"workspace", "W", OPT_WORKSPACE, "the workspace sending (required)"},
    {"prompt", "TEXT", OPT_PROMPT, "the prompt (or the text to embed)"},
    {"input", "FILE", OPT_INPUT, "read the prompt from FILE ('-' for stdin)"},
    {"max-tokens", "N", OPT_MAX_TOKENS, "most tokens of the answer (chat; default 256)"},
    {"timeout-ms", "N", OPT_TIMEOUT, "per-attempt timeout in milliseconds (default 30000)"},
    {"stream", NULL, OPT_STREAM, "print the answer as it arrives (chat; the provider's streaming)"},
    {"image-prompt", "TEXT", OPT_IMAGE_PROMPT, "image models: make an image of TEXT (--out)"},
    {"transcribe", "FILE", OPT_TRANSCRIBE, "audio models: transcribe the audio FILE"},
    {"speech", "TEXT", OPT_SPEECH, "audio models: read TEXT aloud (--out)"},
    {"out", "FILE", OPT_OUT, "where the image or the speech audio is written"},
    {"size", "WxH", OPT_SIZE, "image size, e.g. 1024x1024 (default: the provider's)"},
    {"voice", "V", OPT_VOICE, "speech voice (default alloy)"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec send_spec = {
    .command = "send",
    .synopsis =
        "MODEL --workspace W (--prompt TEXT | --input FILE | --image-prompt TEXT --out "
        "FILE | --transcribe FILE | --speech TEXT --out FILE) [--max-tokens N] [--size WxH] "
        "[--voice V] [--timeout-ms N] [--stream | --json]",
    .description =
        "Sends a real request through the router: a chat, or an embedding for embedding\n"
        "models; for image models an image (--image-prompt, written to --out), for audio\n"
        "models a transcription (--transcribe, the text printed) or speech (--speech, the\n"
        "audio written to --out), priced per image, second or character. Targets are tried in the "
        "plan's order (see 'mmadmin route'); a network error,\n"
        "timeout, auth or quota failure, 408, 429, 5xx or overload falls through to the next,\n"
        "a request error (400, 404, 422) is returned as is. Every attempt is recorded as a\n"
        "usage event with its cost. With --stream a chat answer is printed as it arrives;\n"
        "a stream falls through only before its first piece, and a failure after it ends\n"
        "the answer (exit 1). Exit 0 served, 1 every attempt failed, 2 refused or a\n"
        "request error.",
    .options = send_options,
    .example = "mmadmin send fast-chat --workspace search --prompt 'Say hi'\n"
               "mmadmin send fast-chat --workspace search --prompt 'Tell a story' --stream\n"
               "mmadmin send embed --workspace search --input doc.txt --json\n"
               "mmadmin send draw --workspace search --image-prompt 'a red fox' --out fox.png\n"
               "mmadmin send voice --workspace search --transcribe memo.wav\n"
               "mmadmin send voice --workspace search --speech 'Hello' --out hello.mp3",
    .min_args = 1,
    .max_args = 1,
    .args_name = "MODEL",
};

typedef struct send_args {
    const char *workspace, *prompt, *input_file;
    const char *image_prompt, *transcribe, *speech, *out, *size, *voice;
    int64_t max_tokens, timeout_ms;
    bool json, stream;
} send_args;

static void parse_media_option(int id, const char *arg, send_args *a)
{
    if (id == OPT_IMAGE_PROMPT)
        a->image_prompt = arg;
    else if (id == OPT_TRANSCRIBE)
        a->transcribe = arg;
    else if (id == OPT_SPEECH)
        a->speech = arg;
    else if (id == OPT_OUT)
        a->out = arg;
    else if (id == OPT_SIZE)
        a->size = arg;
    else if (id == OPT_VOICE)
        a->voice = arg;
}

static int parse_send(cli_parser *p, send_args *a)
{
    int id;
    mm_error err = {0};
    while ((id = cli_next_option(p)) > 0) {
        mm_status st = MM_OK;
        if (id == OPT_WORKSPACE)
            a->workspace = p->arg;
        else if (id == OPT_PROMPT)
            a->prompt = p->arg;
        else if (id == OPT_INPUT)
            a->input_file = p->arg;
        else if (id == OPT_MAX_TOKENS)
            st = cli_parse_positive("--max-tokens", p->arg, MAX_TOKENS_MAX, &a->max_tokens, &err);
        else if (id == OPT_TIMEOUT)
            st = cli_parse_positive("--timeout-ms", p->arg, TIMEOUT_MS_MAX, &a->timeout_ms, &err);
        else if (id == OPT_JSON)
            a->json = true;
        else if (id == OPT_STREAM)
            a->stream = true;
        else
            parse_media_option(id, p->arg, a);
        if (st != MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p->exit_code;
    if (!a->workspace)
        return cli_usage_error("send", "--workspace W is required (the workspace sending)");
    int inputs = !!a->prompt + !!a->input_file + !!a->image_prompt + !!a->transcribe + !!a->speech;
    if (inputs != 1)
        return cli_usage_error("send", "give the input with exactly one of --prompt TEXT, "
                                       "--input FILE, --image-prompt TEXT, --transcribe FILE or "
                                       "--speech TEXT");
    /* An empty text (often an unset shell variable: --prompt "$P") would be sent and billed. */
    const char *text_opt = a->prompt         ? "--prompt"
                           : a->image_prompt ? "--image-prompt"
                           : a->speech       ? "--speech"
                                             : NULL;
    const char *text = a->prompt ? a->prompt : a->image_prompt ? a->image_prompt : a->speech;
    if (text_opt && !*text)
        return cli_usage_error("send",
                               "%s is empty (an unset shell variable?); give the text "
                               "to send",
                               text_opt);
    if ((a->image_prompt || a->speech) && !a->out)
        return cli_usage_error("send", "--out FILE is required with --image-prompt and --speech "
                                       "(where the image or the audio is written)");
    if (a->stream && a->json)
        return cli_usage_error("send", "give --stream or --json, not both (JSON needs the whole "
                                       "answer)");
    return -1;
}

/* curl_global_init (its TLS library's set-up: ~2.2 M instructions; net_global_preload, once a
 * process: the provider call waits for it) on another thread while this one opens the catalog,
 * plans and admits. libcurl and its ~30 libraries are mapped and relocated before that thread
 * starts (mm_curl, on this thread), while no other thread of the process runs: each
 * copy-on-write fault of their relocations beside a running thread flushes that thread's CPU's
 * TLB by an IPI the loader waits for. On this 2-vCPU VM (SCHED_FIFO for a free CPU, 61
 * alternating rounds, twice): loading beside the catalog's work 1.27x of curl's wall and ~3 ms
 * more CPU, no thread 1.28x, loading first and the set-up beside the catalog's work 1.18x with
 * no CPU added. Only when a CPU is likely idle (mm_process_core_idle): on a busy machine the
 * thread would wait for the same CPU and add a wake-up to the request (measured: 1.17x -> 1.35x
 * of curl at a load of 15 on 2 CPUs). The call's errors are reported there. */
static void *set_up_curl(void *unused)
{
    (void)unused;
    net_global_preload();
    return NULL;
}

/* --stream: each piece of the answer goes to stdout as it arrives. */
static bool print_piece(void *ctx, const router_attempt_result *serving, size_t attempts,
                        const char *text, size_t len)
{
    (void)serving;
    (void)attempts;
    bool *printed = ctx;
    *printed = true;
    /* a reader gone (EPIPE: SIGPIPE is blocked) stops the printing, not the request: the stream
     * is read to its end so its usage is recorded exactly, and the command then fails on it */
    if (!ferror(stdout)) {
        fwrite(text, 1, len, stdout);
        fflush(stdout);
    }
    return true;
}

static mm_status read_input(const char *path, char **out, mm_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return mm_error_set(err, MM_E_IO, "input", "cannot open --input %s; check the path", path);
    char *text = malloc(INPUT_MAX + 1);
    size_t len = text ? fread(text, 1, INPUT_MAX + 1, f) : 0;
    bool failed = !text || ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed || len > INPUT_MAX) {
        free(text);
        return mm_error_set(err, failed ? MM_E_IO : MM_E_INVALID, "input",
                            failed ? "cannot read --input %s" : "--input %s is over 1 MiB", path);
    }
    text[len] = '\0';
    if (len == 0 || strlen(text) != len) {
        free(text);
        return mm_error_set(err, MM_E_INVALID, "input",
                            "--input %s is empty or not text (it holds a NUL byte)", path);
    }
    *out = text;
    return MM_OK;
}

/* Reads an audio file (at most 25 MiB, OpenAI's upload limit) into *out (heap). */
static mm_status read_audio(const char *path, unsigned char **out, size_t *len, mm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mm_error_set(err, MM_E_IO, "transcribe",
                            "cannot open --transcribe %s; check the "
                            "path",
                            path);
    unsigned char *data = malloc(AUDIO_MAX + 1);
    size_t n = data ? fread(data, 1, AUDIO_MAX + 1, f) : 0;
    bool failed = !data || ferror(f);
    fclose(f);
    if (failed || n > AUDIO_MAX || n == 0) {
        free(data);
        return mm_error_set(err, failed ? MM_E_IO : MM_E_INVALID, "transcribe",
                            failed ? "cannot read --transcribe %s"
                                   : "--transcribe %s is empty or over 25 MiB",
                            path);
    }
    *out = data;
    *len = n;
    return MM_OK;
}

static mm_status write_file(const char *path, const void *data, size_t len, mm_error *err)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    return ok ? MM_OK
              : mm_error_set(err, MM_E_IO, "out", "cannot write --out %s; check the path", path);
}

/* Writes the served image (the first, decoded from base64) or speech audio to --out. */
static mm_status write_media(const router_send_result *res, const char *path, mm_error *err)
{
    if (res->media)
        return write_file(path, res->media, res->media_len, err);
    if (res->images_b64.count == 0)
        return MM_OK; /* answered with URLs: printed instead */
    const char *b64 = res->images_b64.items[0];
    size_t cap = strlen(b64) / 4 * 3 + 3, len = 0;
    unsigned char *bytes = malloc(cap);
    if (!bytes)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory");
    mm_status st = sodium_base642bin(bytes, cap, b64, strlen(b64), "\n\r", &len, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0
                       ? write_file(path, bytes, len, err)
                       : mm_error_set(err, MM_E_PROVIDER, "out",
                                      "the image the provider sent is not valid base64");
    free(bytes);
    return st;
}

static json_t *attempts_json(const router_send_result *res)
{
    json_t *array = json_array();
    for (size_t i = 0; i < res->n_attempts; i++) {
        const router_attempt_result *r = &res->attempts[i];
        json_t *item = json_object();
        json_object_set_new(item, "account", json_string(r->account));
        json_object_set_new(item, "model", json_string(r->model));
        json_object_set_new(item, "priority", json_integer(r->priority));
        json_object_set_new(item, "class",
                            json_string(r->skipped ? "skipped" : mm_error_class_name(r->cls)));
        json_object_set_new(item, "http_status",
                            r->http_status ? json_integer(r->http_status) : json_null());
        json_object_set_new(item, "latency_ms", json_integer(r->latency_ms));
        json_object_set_new(item, "message", cli_json_text(r->message));
        json_array_append_new(array, item);
    }
    return array;
}

static json_t *media_json(const router_send_result *res)
{
    json_t *urls = json_array();
    for (size_t i = 0; i < res->image_urls.count; i++)
        json_array_append_new(urls, json_string(res->image_urls.items[i]));
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:s}", "images", (json_int_t)res->images,
                     "audio_ms", (json_int_t)res->audio_ms, "characters",
                     (json_int_t)res->characters, "bytes",
                     (json_int_t)(res->media ? res->media_len : 0), "image_urls", urls,
                     "media_type", res->media_type);
}

static json_t *send_json(const router_send_result *res, mm_status st, const mm_error *err)
{
    json_t *obj = json_object();
    if (res->served) {
        const router_attempt_result *r = &res->attempts[res->served_index];
        json_t *by = json_object();
        json_object_set_new(by, "account", json_string(r->account));
        json_object_set_new(by, "model", json_string(r->model));
        json_object_set_new(by, "priority", json_integer(r->priority));
        json_object_set_new(obj, "served_by", by);
    } else {
        json_object_set_new(obj, "served_by", json_null());
    }
    json_object_set_new(obj, "attempts", attempts_json(res));
    json_t *usage = json_object();
    json_object_set_new(usage, "tokens_in", json_integer(res->tokens_in));
    json_object_set_new(usage, "tokens_out", json_integer(res->tokens_out));
    json_object_set_new(usage, "tokens_cache_read", json_integer(res->tokens_cache_read));
    json_object_set_new(usage, "tokens_cache_write", json_integer(res->tokens_cache_write));
    json_object_set_new(usage, "tokens_reasoning", json_integer(res->tokens_reasoning));
    json_object_set_new(usage, "usage_estimated", json_boolean(res->usage_estimated));
    json_object_set_new(usage, "cost_usd",
                        res->served && res->cost_micros >= 0
                            ? json_real(money_micros_to_usd(res->cost_micros))
                            : json_null());
    json_object_set_new(obj, "usage", usage);
    json_object_set_new(obj, "output", res->output ? json_string(res->output) : json_null());
    json_object_set_new(obj, "media",
                        res->images || res->audio_ms || res->characters ? media_json(res)
                                                                        : json_null());
    if (st != MM_OK) {
        json_object_set_new(obj, "error", json_string(err->message));
        if (res->plan.refusal != ROUTER_ADMITTED)
            json_object_set_new(obj, "refusal",
                                json_string(router_refusal_name(res->plan.refusal)));
    }
    return obj;
}

static void print_attempts(const router_send_result *res, FILE *out)
{
    const char *headers[] = {"#", "ACCOUNT", "MODEL", "CLASS", "HTTP", "LATENCY", "MESSAGE"};
    cli_table *table = cli_table_new(7, headers);
    for (size_t i = 0; table && i < res->n_attempts; i++) {
        const router_attempt_result *r = &res->attempts[i];
        char n[24], http[16], latency[32];
        snprintf(n, sizeof n, "%zu", i + 1);
        snprintf(http, sizeof http, "%d", r->http_status);
        snprintf(latency, sizeof latency, "%lld ms", (long long)r->latency_ms);
        const char *row[] = {n,
                             r->account,
                             r->model,
                             r->skipped ? "skipped" : mm_error_class_name(r->cls),
                             r->http_status ? http : "-",
                             r->skipped ? "-" : latency,
                             r->message[0] ? r->message : NULL};
        cli_table_add(table, row);
    }
    cli_table_finish(table, out);
}

static void print_media(const router_send_result *res)
{
    for (size_t i = 0; i < res->image_urls.count; i++)
        printf("image at %s\n", res->image_urls.items[i]);
    if (res->images)
        printf("%lld image(s) made\n\n", (long long)res->images);
    else
        printf("%zu bytes of %s audio for %lld characters\n\n", res->media_len, res->media_type,
               (long long)res->characters);
}

static void print_served(const router_send_result *res, bool streamed)
{
    const router_attempt_result *r = &res->attempts[res->served_index];
    char cost[MONEY_TEXT_MAX], kinds[96] = "";
    money_format_cost(res->cost_micros, cost, sizeof cost);
    const char *est = res->usage_estimated ? "~" : ""; /* the admission estimate, not billed */
    if (res->tokens_cache_read || res->tokens_cache_write || res->tokens_reasoning)
        snprintf(kinds, sizeof kinds, " (%lld cache read, %lld cache write; %lld reasoning)",
                 (long long)res->tokens_cache_read, (long long)res->tokens_cache_write,
                 (long long)res->tokens_reasoning);
    if (res->images || res->characters) {
        print_media(res);
    } else {
        if (!streamed)
            printf("%s", res->output ? res->output : "");
        printf("\n\n");
    }
    printf("served by %s (%s, priority %d) in %lld ms; tokens %s%lld in / %s%lld out%s; cost "
           "%s%s%s\n",
           r->account, r->model, r->priority, (long long)r->latency_ms, est,
           (long long)res->tokens_in, est, (long long)res->tokens_out, kinds,
           res->cost_micros >= 0 ? est : "", cost,
           res->usage_estimated ? " (estimated: the answer carried no usable usage)" : "");
    printf("attempts:\n");
    print_attempts(res, stdout);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static mm_media_request media_request(const send_args *a, const unsigned char *audio,
                                      size_t audio_len)
{
    mm_media_request m = {.kind = MM_MEDIA_NONE};
    if (a->image_prompt)
        m = (mm_media_request){.kind = MM_MEDIA_IMAGE, .text = a->image_prompt, .size = a->size};
    else if (a->speech)
        m = (mm_media_request){.kind = MM_MEDIA_SPEECH, .text = a->speech, .voice = a->voice};
    else if (a->transcribe)
        m = (mm_media_request){.kind = MM_MEDIA_TRANSCRIPTION,
                               .audio = audio,
                               .audio_len = audio_len,
                               .filename = base_name(a->transcribe)};
    return m;
}

/* The send itself, once the arguments are known: input, catalog, request, answer; the exit
 * code. While libcurl is set up on the other thread (loading), the record's statements are prepared
 * too: done then, they no longer add to the time after the answer arrives. */
static int send_with_catalog(cli_context *ctx, const send_args *a, const char *model, bool loading)
{
    mm_error err = {0};
    char *input = NULL;
    if (a->input_file && read_input(a->input_file, &input, &err) != MM_OK)
        return cli_report(&err);
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat) {
        free(input);
        return cli_report(&err);
    }
    catalog_expect_traffic_writes(cat); /* a request's record: no configuration row */
    catalog_keep_wal_on_close(cat);     /* one process a request: no checkpoint per request */
    mm_error ignored; /* a failed prepare fails the record again, reported there */
    if (loading)
        catalog_admission_prepare_record(cat, &ignored);

    unsigned char *audio = NULL;
    size_t audio_len = 0;
    if (a->transcribe && read_audio(a->transcribe, &audio, &audio_len, &err) != MM_OK) {
        free(input);
        return cli_report(&err);
    }
    mm_media_request media = media_request(a, audio, audio_len);
    router_send_request req = {.workspace = a->workspace,
                               .model = model,
                               .input = input ? input : a->prompt,
                               .media = media.kind != MM_MEDIA_NONE ? &media : NULL,
                               .max_tokens = (int)a->max_tokens,
                               .timeout_ms = (long)a->timeout_ms};
    bool printed = false;
    if (a->stream) {
        req.on_text = print_piece;
        req.stream_ctx = &printed;
    }
    router_send_result *res = calloc(1, sizeof *res);
    int code = CLI_EXIT_OK;
    mm_status st = res ? router_send(cat, &req, res, &err)
                       : mm_error_set(&err, MM_E_INTERNAL, "", "out of memory");
    if (st == MM_OK && a->out)
        st = write_media(res, a->out, &err);
    if (res && a->json)
        code = cli_print_json(send_json(res, st, &err));
    else if (res && st == MM_OK)
        print_served(res, printed);
    else if (res && res->n_attempts > 0) {
        if (printed) /* the stream broke after it began: end the partial answer's line */
            printf("\n");
        fprintf(stderr, "attempts:\n");
        print_attempts(res, stderr);
    }
    if (st != MM_OK)
        code = cli_report(&err);
    router_send_result_free(res);
    free(res);
    free(input);
    free(audio);
    return code;
}

int cmd_send(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &send_spec, argc, argv);
    send_args a;
    memset(&a, 0, sizeof a);
    int code = parse_send(&p, &a);
    if (code >= 0)
        return code;
    mm_process_block_sigpipe(); /* before the loader: the provider has served the request by
                                 * the time a closed output is seen, and it must be recorded */
    pthread_t loader;
    bool loading = mm_process_core_idle();
    if (loading) {
        (void)mm_curl(); /* mapped while no other thread runs (see set_up_curl) */
        loading = pthread_create(&loader, NULL, set_up_curl, NULL) == 0;
    }
    code = send_with_catalog(ctx, &a, p.args[0], loading);
    if (loading)
        pthread_join(loader, NULL);
    return code;
}
