/* Implementation of the adapter helpers: request assembly, defensive JSON access, model-id
 * lists and the duration/date formats providers use for retry-after and rate-limit resets. */
#include "providers/adapter.h"
#include "providers/tool_shape.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/curl_lib.h"
#include "util/wipe.h"

#define MAX_SAFE_COUNT 9007199254740992.0 /* 2^53: beyond, doubles lose integers */

char *adapter_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : out;
}

char *adapter_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool adapter_body_merge(mm_http_request *req, const json_t *fields)
{
    json_t *root = req->body ? adapter_json_load(req->body, strlen(req->body)) : NULL;
    if (!json_is_object(root) || json_object_update(root, (json_t *)fields) != 0) {
        json_decref(root);
        return false;
    }
    char *body = adapter_dump_owned(root);
    if (!body)
        return false;
    free(req->body);
    req->body = body;
    return true;
}

bool adapter_make_streaming(mm_http_request *req)
{
    json_t *fields = json_pack("{s:b}", "stream", 1);
    bool ok = fields && adapter_body_merge(req, fields);
    json_decref(fields);
    return ok;
}

bool adapter_parse_named_event(const char *event, const char *data, size_t len,
                               mm_stream_delta *delta, mm_call_result *res, const char **why,
                               adapter_event_reader read)
{
    json_t *root = adapter_json_load(data, len);
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "an event's data is not a JSON object";
        return false;
    }
    const char *type = adapter_json_string(root, "type");
    read(type ? type : event, root, delta, res);
    json_decref(root);
    return true;
}

const char *adapter_finish_reason(const char *provider_reason)
{
    static const struct {
        const char *said, *openai;
    } REASONS[] = {
        {"length", "length"},
        {"max_tokens", "length"},
        {"MAX_TOKENS", "length"},
        {"model_length", "length"},
        {"tool_calls", "tool_calls"},
        {"tool_use", "tool_calls"},
        {"TOOL_CALL", "tool_calls"},
        {"content_filter", "content_filter"},
        {"refusal", "content_filter"},
        {"SAFETY", "content_filter"},
        {"RECITATION", "content_filter"},
        {"ERROR_TOXIC", "content_filter"},
        {"PROHIBITED_CONTENT", "content_filter"},
    };
    for (size_t i = 0; provider_reason && i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (strcmp(provider_reason, REASONS[i].said) == 0)
            return REASONS[i].openai;
    return "stop";
}

const char *adapter_base_url(const mm_connection *conn)
{
    if (mm_present(conn->base_url))
        return conn->base_url;
    const char *def = conn->provider ? conn->provider->default_base_url : NULL;
    return def ? def : "";
}

static bool is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static mm_status check_base_url(const mm_connection *conn, const char *base, mm_error *err)
{
    const char *name = conn->provider ? conn->provider->display_name : "This provider";
    if (!mm_present(base))
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "%s needs an endpoint: enter the base URL (https://...).", name);
    if (!is_http_url(base)) {
        char shown[128];
        mm_sanitize(shown, sizeof shown, base, strlen(base));
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "The endpoint \"%s\" is not a URL: it must start with https:// (or "
                            "http:// for a local server).",
                            shown);
    }
    return MM_OK;
}

mm_status adapter_request_init(const mm_connection *conn, const char *method, const char *path,
                               char *body, mm_http_request *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    const char *base = adapter_base_url(conn);
    mm_status st = check_base_url(conn, base, err);
    if (st != MM_OK) {
        free(body);
        return st;
    }
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    out->method = method;
    out->body = body;
    out->url = adapter_format("%.*s%s", (int)base_len, base, path);
    out->connect_timeout_ms = conn->connect_timeout_ms > 0 ? conn->connect_timeout_ms
                                                           : MM_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    out->timeout_ms = conn->timeout_ms > 0 ? conn->timeout_ms : MM_HTTP_DEFAULT_TIMEOUT_MS;
    out->idle_timeout_ms = conn->stream_idle_timeout_ms;
    bool ok = out->url != NULL;
    if (ok && mm_present(conn->ca_bundle))
        ok = (out->ca_bundle = strdup(conn->ca_bundle)) != NULL;
    ok = ok && mm_http_add_header(out, "Accept", "application/json");
    if (ok && body)
        ok = mm_http_add_header(out, "Content-Type", "application/json");
    if (!ok) {
        mm_http_request_free(out);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    return MM_OK;
}

mm_status adapter_url_append_query(mm_http_request *req, const char *name, const char *value,
                                   mm_error *err)
{
    const char *sep = strchr(req->url, '?') ? "&" : "?";
    char *url = adapter_format("%s%s%s=%s", req->url, sep, name, value);
    if (!url)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    free(req->url);
    req->url = url;
    return MM_OK;
}

mm_status adapter_add_bearer(const mm_connection *conn, mm_http_request *req, mm_error *err)
{
    if (!mm_present(conn->api_key))
        return MM_OK;
    char *value = adapter_format("Bearer %s", conn->api_key);
    bool ok = value && mm_http_add_header(req, "Authorization", value);
    if (value) {
        mm_wipe(value, strlen(value)); /* the key should not linger in freed memory */
        free(value);
    }
    return ok ? MM_OK : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
}

mm_status adapter_bearer_request(const mm_connection *conn, const char *method, const char *path,
                                 char *body, mm_http_request *out, mm_error *err)
{
    mm_status st = adapter_request_init(conn, method, path, body, out, err);
    if (st == MM_OK)
        st = adapter_add_bearer(conn, out, err);
    if (st != MM_OK)
        mm_http_request_free(out);
    return st;
}

mm_status adapter_key_request(const mm_connection *conn, const char *method, const char *path,
                              char *body, const char *key_header, mm_http_request *out,
                              mm_error *err)
{
    mm_status st = adapter_request_init(conn, method, path, body, out, err);
    if (st == MM_OK && mm_present(conn->api_key) &&
        !mm_http_add_header(out, key_header, conn->api_key)) {
        mm_http_request_free(out);
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    return st;
}

mm_status adapter_append_page_token(mm_http_request *req, const char *name, const char *token,
                                    mm_error *err)
{
    if (!token)
        return MM_OK;
    char *escaped = mm_url_escape(token);
    mm_status st = escaped ? adapter_url_append_query(req, name, escaped, err)
                           : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    free(escaped);
    if (st != MM_OK)
        mm_http_request_free(req);
    return st;
}

/* Overwrites the number token ending at byte end (jansson's error position) with "null" and
 * spaces; false when no such token (or one too short to hold "null"). */
static bool null_number_before(char *text, size_t end)
{
    size_t start = end;
    while (start > 0 && strchr("0123456789+-.eE", text[start - 1]) && text[start - 1] != '\0')
        start--;
    if (end - start < 4)
        return false;
    memcpy(text + start, "null", 4);
    memset(text + start + 4, ' ', end - start - 4);
    return true;
}

/* A body whose only fault is a number no double or int64 holds (a usage count of 2^63 or
 * 1e400): parsed with those numbers read as null, so the rest of the answer still counts. */
static json_t *load_without_overflows(const char *body, size_t len)
{
    char *copy = malloc(len);
    if (!copy)
        return NULL;
    memcpy(copy, body, len);
    json_t *root = NULL;
    json_error_t jerr;
    for (int tries = 0; tries < 32 && !root; tries++) {
        root = json_loadb(copy, len, 0, &jerr);
        if (!root &&
            (json_error_code(&jerr) != json_error_numeric_overflow || jerr.position <= 0 ||
             (size_t)jerr.position > len || !null_number_before(copy, (size_t)jerr.position)))
            break;
    }
    free(copy);
    return root;
}

json_t *adapter_json_load(const char *body, size_t len)
{
    if (!body || len == 0)
        return NULL;
    json_error_t jerr;
    /* Without JSON_DECODE_ANY jansson accepts only an object or an array; it refuses invalid
     * UTF-8, NUL escapes and nesting deeper than its parser limit. */
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root && json_error_code(&jerr) == json_error_numeric_overflow)
        root = load_without_overflows(body, len);
    return root;
}

const char *adapter_json_string(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *adapter_json_object(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

json_t *adapter_json_array(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

bool adapter_read_count(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!isfinite(d) || d < 0 || d >= MAX_SAFE_COUNT || d != floor(d))
        return false; /* a count is a whole number: 12.5 tokens is not a reading */
    *out = (int64_t)d;
    return true;
}

int64_t adapter_optional_count(const json_t *obj, const char *key)
{
    int64_t n = 0;
    return adapter_read_count(obj, key, &n) ? n : 0;
}

char *adapter_dump(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT);
}

/* True for a block that is part of the answer: a "text"/"output_text" block, or one without a
 * type, but never reasoning (Mistral "thinking" chunks, Gemini parts marked "thought"). */
static bool is_answer_block(const json_t *block)
{
    const char *type = adapter_json_string(block, "type");
    if (json_is_true(json_object_get(block, "thought")))
        return false;
    return !type || strcmp(type, "text") == 0 || strcmp(type, "output_text") == 0;
}

static const char *answer_text(const json_t *block)
{
    return is_answer_block(block) ? adapter_json_string(block, "text") : NULL;
}

char *adapter_join_text(const json_t *blocks)
{
    size_t total = 0, i;
    json_t *block;
    json_array_foreach(blocks, i, block)
    {
        const char *text = answer_text(block);
        total += text ? strlen(text) : 0;
    }
    char *out = malloc(total + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    json_array_foreach(blocks, i, block)
    {
        const char *text = answer_text(block);
        size_t n = text ? strlen(text) : 0;
        memcpy(out + used, text ? text : "", n);
        used += n;
    }
    out[used] = '\0';
    return out;
}

bool adapter_blocks_have_type(const json_t *blocks, const char *type)
{
    size_t i;
    json_t *block;
    json_array_foreach(blocks, i, block)
    {
        const char *t = adapter_json_string(block, "type");
        if (t && strcmp(t, type) == 0)
            return true;
    }
    return false;
}

bool adapter_set_answer(mm_call_result *res, char *text, json_t *calls, const char **why)
{
    bool has_calls = json_array_size(calls) > 0;
    free(res->output);
    free(res->tool_calls);
    res->output = text;
    res->tool_calls = has_calls ? json_dumps(calls, JSON_COMPACT) : NULL;
    json_decref(calls);
    if (has_calls)
        mm_copy(res->finish_reason, sizeof res->finish_reason, "tool_calls");
    if (!text) {
        *why = "out of memory";
        return false;
    }
    if (text[0] != '\0' || has_calls) {
        res->blocked = NULL; /* a filter that let an answer through withheld nothing */
        return true;
    }
    if (!res->blocked)
        *why = "the answer carries nothing: no text and no tool calls";
    return res->blocked != NULL;
}

void adapter_set_usage(mm_call_result *res, bool have_in, int64_t in, bool have_out, int64_t out)
{
    res->usage_known = have_in && have_out;
    res->tokens_in = res->usage_known ? in : 0;
    res->tokens_out = res->usage_known ? out : 0;
    res->tokens_cache_read = res->tokens_cache_write = res->tokens_reasoning = 0;
}

static int64_t clamp_count(int64_t n, int64_t max)
{
    return n < 0 ? 0 : (n > max ? max : n);
}

void adapter_set_token_kinds(mm_call_result *res, int64_t cache_read, int64_t cache_write,
                             int64_t reasoning)
{
    if (!res->usage_known)
        return;
    res->tokens_cache_read = clamp_count(cache_read, res->tokens_in);
    res->tokens_cache_write = clamp_count(cache_write, res->tokens_in - res->tokens_cache_read);
    res->tokens_reasoning = clamp_count(reasoning, res->tokens_out);
}

bool adapter_embedding_output(const json_t *vec, mm_call_result *res, const char **why)
{
    size_t n = json_is_array(vec) ? json_array_size(vec) : 0;
    if (n == 0) {
        *why = "the embedding is missing or empty";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_is_number(json_array_get(vec, i))) {
            *why = "the embedding holds something other than numbers";
            return false;
        }
    }
    free(res->output);
    res->output = adapter_format("%zu-dimensional vector", n);
    free(res->embedding);
    res->embedding = malloc(n * sizeof *res->embedding);
    res->embedding_dims = res->embedding ? n : 0;
    for (size_t i = 0; res->embedding && i < n; i++)
        res->embedding[i] = json_number_value(json_array_get(vec, i));
    return res->output != NULL && res->embedding != NULL;
}

bool adapter_add_model_id(mm_string_list *ids, const char *id, const char **why)
{
    if (!mm_present(id) || mm_string_list_contains(ids, id))
        return true;
    if (ids->count >= MM_MODELS_MAX) {
        *why = "it lists more than 5000 models";
        return false;
    }
    if (!mm_string_list_append(ids, id)) {
        *why = "out of memory";
        return false;
    }
    return true;
}

bool adapter_read_model_list(const json_t *entries, const char *id_key, const char *strip_prefix,
                             mm_string_list *ids, const char **last_id, const char **why)
{
    size_t i, prefix_len = strip_prefix ? strlen(strip_prefix) : 0;
    json_t *entry;
    json_array_foreach(entries, i, entry)
    {
        const char *id = adapter_json_string(entry, id_key);
        if (!id) {
            *why = adapter_missing_id_why(id_key);
            return false;
        }
        if (prefix_len && strncmp(id, strip_prefix, prefix_len) == 0)
            id += prefix_len;
        if (!adapter_add_model_id(ids, id, why))
            return false;
        if (last_id)
            *last_id = id;
    }
    return true;
}

const char *adapter_missing_id_why(const char *id_key)
{
    return strcmp(id_key, "name") == 0 ? "a model entry has no \"name\" string"
                                       : "a model entry has no \"id\" string";
}

bool adapter_list_page(const char *body, size_t len, const char *list_key, const char *id_key,
                       const char *next_key, mm_string_list *ids, char **next_page,
                       const char **why)
{
    *next_page = NULL;
    json_t *root = adapter_json_load(body, len);
    json_t *list = adapter_json_array(root, list_key);
    bool ok = list != NULL;
    if (!ok)
        *why = !root ? "the body is not JSON"
                     : (strcmp(list_key, "data") == 0 ? "it has no \"data\" list of models"
                                                      : "it has no \"models\" list");
    else
        ok = adapter_read_model_list(list, id_key, NULL, ids, NULL, why);
    const char *next = adapter_json_string(root, next_key);
    if (ok && mm_present(next))
        *next_page = strdup(next);
    json_decref(root);
    return ok;
}

char *adapter_dump_owned(json_t *root)
{
    char *body = root ? adapter_dump(root) : NULL;
    json_decref(root);
    return body;
}

/* Reads "123" or "1.5" at *s; advances *s. Returns false when no digit. */
static bool read_decimal(const char **s, double *out)
{
    const char *p = *s;
    double v = 0, scale = 1;
    bool digits = false;
    while (isdigit((unsigned char)*p) && v < 1e12) {
        v = v * 10 + (*p++ - '0');
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            scale /= 10;
            v += (*p++ - '0') * scale;
            digits = true;
        }
    }
    if (!digits || isdigit((unsigned char)*p))
        return false;
    *s = p;
    *out = v;
    return true;
}

/* Multiplier to ms of the unit at *s (advanced past it); 0 when unknown. */
static double read_unit_ms(const char **s)
{
    static const struct {
        const char *unit;
        double ms;
    } UNITS[] = {{"ms", 1},      {"us", 0.001}, {"\xc2\xb5s", 0.001}, {"ns", 0.000001},
                 {"h", 3600000}, {"m", 60000},  {"s", 1000}};
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
        size_t n = strlen(UNITS[i].unit);
        if (strncmp(*s, UNITS[i].unit, n) == 0) {
            *s += n;
            return UNITS[i].ms;
        }
    }
    return 0;
}

int64_t adapter_parse_duration_ms(const char *s)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    double total = 0, v;
    if (!read_decimal(&s, &v))
        return -1;
    if (*s == '\0' || isspace((unsigned char)*s))
        return (int64_t)llround(v * 1000); /* a bare number is seconds */
    for (;;) {
        double unit = read_unit_ms(&s);
        if (unit == 0)
            return -1;
        total += v * unit;
        if (total > 1e15) /* beyond 30 000 years: not a real duration */
            return -1;
        if (*s == '\0' || isspace((unsigned char)*s))
            break;
        if (!read_decimal(&s, &v))
            return -1;
    }
    return (int64_t)llround(total);
}

static int64_t ms_from_utc_fields(int y, int mo, int d, int h, int mi, int sec)
{
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    return t < 0 ? -1 : (int64_t)t * 1000;
}

int64_t adapter_parse_rfc3339_ms(const char *s)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used == 0)
        return -1;
    int64_t ms = ms_from_utc_fields(y, mo, d, h, mi, sec);
    if (ms < 0)
        return -1;
    const char *p = s + used;
    if (*p == '.') {
        double frac = 0, scale = 1;
        for (p++; isdigit((unsigned char)*p); p++) {
            scale /= 10;
            frac += (*p - '0') * scale;
        }
        ms += (int64_t)(frac * 1000);
    }
    if (*p == 'Z' || *p == 'z')
        return p[1] == '\0' ? ms : -1;
    int oh, om;
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && oh < 24 && om < 60) {
        int64_t offset = ((int64_t)oh * 60 + om) * 60000;
        return *p == '+' ? ms - offset : ms + offset;
    }
    return -1;
}

int64_t adapter_header_int(const mm_http_response *resp, const char *name)
{
    const char *v = mm_http_header(resp, name);
    if (!v || !isdigit((unsigned char)*v))
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && n >= 0 ? (int64_t)n : -1;
}

static int64_t seconds_to_ms(const char *v)
{
    double d;
    const char *p = v;
    if (!read_decimal(&p, &d))
        return -1;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '\0' ? (int64_t)llround(d * 1000) : -1;
}

int64_t adapter_retry_after_from_headers(const mm_http_response *resp, int64_t now_ms)
{
    const char *ms = mm_http_header(resp, "retry-after-ms");
    if (ms) {
        int64_t v = seconds_to_ms(ms);
        if (v >= 0)
            return (v + 500) / 1000; /* the value was ms, not seconds */
    }
    const char *ra = mm_http_header(resp, "retry-after");
    if (!ra)
        return -1;
    int64_t secs = seconds_to_ms(ra);
    if (secs >= 0)
        return secs;
    time_t when = mm_curl()->loaded ? mm_curl()->getdate(ra, NULL) : -1;
    if (when < 0)
        return -1;
    int64_t delta = (int64_t)when * 1000 - now_ms;
    return delta > 0 ? delta : 0;
}

/* Reads "<number><unit>" or "<number> seconds" at p into ms; -1 when not a duration. */
static int64_t duration_in_text(const char *p)
{
    char token[32];
    size_t n = 0;
    while (n + 1 < sizeof token && (isdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == 'h' ||
                                    p[n] == 'm' || p[n] == 's'))
        n++;
    memcpy(token, p, n);
    token[n] = '\0';
    while (n > 0 && token[n - 1] == '.')
        token[--n] = '\0';
    const char *rest = p + n;
    double v;
    const char *q = token;
    if (read_decimal(&q, &v) && *q == '\0') { /* a bare number: look at the word after it */
        while (*rest == ' ')
            rest++;
        if (strncasecmp(rest, "ms", 2) == 0 || strncasecmp(rest, "millisecond", 11) == 0)
            return (int64_t)llround(v);
        if (strncasecmp(rest, "minute", 6) == 0)
            return (int64_t)llround(v * 60000);
        return (int64_t)llround(v * 1000);
    }
    return adapter_parse_duration_ms(token);
}

int64_t adapter_retry_after_from_text(const char *message)
{
    static const char *const PHRASES[] = {"try again in ", "retry after ", "retry in ",
                                          "try again after "};
    if (!message)
        return -1;
    for (size_t i = 0; i < sizeof PHRASES / sizeof PHRASES[0]; i++) {
        const char *at = strcasestr(message, PHRASES[i]);
        if (at) {
            int64_t ms = duration_in_text(at + strlen(PHRASES[i]));
            if (ms >= 0)
                return ms;
        }
    }
    return -1;
}

void adapter_set_error_message(mm_error_body *out, const char *message)
{
    if (message)
        mm_copy(out->message, sizeof out->message, message);
}

json_t *adapter_chat_messages(const mm_chat *chat)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < chat->n; i++) {
        if (json_array_append_new(out, tool_shape_openai_message(&chat->messages[i])) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* Appends text to *acc (a JSON string, created when NULL), a blank line between. */
static bool append_turn_text(json_t **acc, const char *text)
{
    if (!*acc) {
        *acc = json_string(text);
        return *acc != NULL;
    }
    json_t *joined = json_sprintf("%s\n\n%s", json_string_value(*acc), text);
    if (!joined)
        return false;
    json_decref(*acc);
    *acc = joined;
    return true;
}

/* Appends block to a turn's blocks; text after text joins it (a blank line between). */
static bool append_block(json_t *blocks, json_t *block, tool_dialect dialect)
{
    size_t n = json_array_size(blocks);
    const char *text = tool_shape_block_text(block, dialect);
    const char *before = n ? tool_shape_block_text(json_array_get(blocks, n - 1), dialect) : NULL;
    if (text && before) {
        json_t *joined = json_sprintf("%s\n\n%s", before, text);
        json_decref(block);
        return joined && json_object_set_new(json_array_get(blocks, n - 1), "text", joined) == 0;
    }
    return json_array_append_new(blocks, block) == 0;
}

/* One turn: Gemini {"role","parts"}; Anthropic {"role","content"}, content a string when the
 * turn is text only. */
static json_t *turn_json(const char *role, json_t *blocks, tool_dialect dialect)
{
    if (dialect == TOOL_GEMINI)
        return json_pack("{s:s, s:O}", "role", role, "parts", blocks);
    const char *text = json_array_size(blocks) == 1
                           ? tool_shape_block_text(json_array_get(blocks, 0), dialect)
                           : NULL;
    if (text)
        return json_pack("{s:s, s:s}", "role", role, "content", text);
    return json_pack("{s:s, s:O}", "role", role, "content", blocks);
}

/* Collects the non-system messages into turns, merging runs of one role (tool results are the
 * user's turn). */
static mm_status collect_turns(const mm_chat *chat, tool_dialect dialect, json_t *turns,
                               mm_error *err)
{
    const char *assistant = dialect == TOOL_GEMINI ? "model" : "assistant";
    const char *role = NULL;
    json_t *blocks = NULL;
    mm_status st = MM_OK;
    for (size_t i = 0; st == MM_OK && i <= chat->n; i++) {
        const mm_chat_message *m = i < chat->n ? &chat->messages[i] : NULL;
        if (m && !strcmp(m->role, "system"))
            continue;
        const char *r = m ? (!strcmp(m->role, "assistant") ? assistant : "user") : NULL;
        if (blocks && (!r || strcmp(r, role) != 0)) {
            if (json_array_append_new(turns, turn_json(role, blocks, dialect)) != 0)
                st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
            json_decref(blocks);
            blocks = NULL;
        }
        json_t *mine = NULL;
        if (m && st == MM_OK)
            st = tool_shape_blocks(chat, i, dialect, &mine, err);
        if (mine && !blocks && !(blocks = json_array()))
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
        role = r;
        size_t k;
        json_t *block;
        json_array_foreach(mine, k, block)
        {
            if (st == MM_OK && !append_block(blocks, json_incref(block), dialect))
                st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
        }
        json_decref(mine);
    }
    json_decref(blocks);
    return st;
}

mm_status adapter_chat_turns(const mm_chat *chat, tool_dialect dialect, json_t **turns,
                             json_t **system, mm_error *err)
{
    *system = NULL;
    *turns = json_array();
    mm_status st = *turns ? MM_OK : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; st == MM_OK && i < chat->n; i++)
        if (!strcmp(chat->messages[i].role, "system") &&
            !append_turn_text(system, chat->messages[i].content))
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    if (st == MM_OK)
        st = collect_turns(chat, dialect, *turns, err);
    if (st == MM_OK && json_array_size(*turns) == 0 && *system) {
        json_t *blocks =
            json_pack("[o]", tool_shape_text_block(json_string_value(*system), dialect));
        if (json_array_append_new(*turns, turn_json("user", blocks, dialect)) != 0)
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
        json_decref(blocks);
        json_decref(*system);
        *system = NULL;
    }
    if (st != MM_OK) {
        json_decref(*turns);
        json_decref(*system);
        *turns = *system = NULL;
    }
    return st;
}
