/* Reply construction and request reading helpers shared by all mmsim dialects. */
#include "sim/sim_reply.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void set_body(sim_reply *reply, char *body)
{
    free(reply->body);
    reply->body = body;
    reply->body_len = body ? strlen(body) : 0;
}

void sim_reply_json(sim_reply *reply, unsigned status, json_t *body)
{
    reply->status = status;
    reply->content_type = "application/json";
    set_body(reply, body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(7)) : NULL);
    json_decref(body);
}

void sim_reply_text(sim_reply *reply, unsigned status, const char *content_type, const char *text)
{
    reply->status = status;
    reply->content_type = content_type;
    set_body(reply, strdup(text));
}

void sim_reply_set_header(sim_reply *reply, const char *name, const char *value)
{
    size_t i = 0;
    while (i < reply->header_count && strcasecmp(reply->headers[i].name, name) != 0)
        i++;
    if (i == SIM_MAX_HEADERS)
        return;
    if (i == reply->header_count)
        reply->header_count++;
    snprintf(reply->headers[i].name, sizeof reply->headers[i].name, "%s", name);
    snprintf(reply->headers[i].value, sizeof reply->headers[i].value, "%s", value);
}

void sim_reply_header(sim_reply *reply, const char *name, const char *fmt, ...)
{
    char value[sizeof reply->headers[0].value];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    sim_reply_set_header(reply, name, value);
}

void sim_reply_free(sim_reply *reply)
{
    free(reply->body);
    reply->body = NULL;
    reply->body_len = 0;
    for (size_t i = 0; i < reply->event_count; i++)
        free(reply->events[i]);
    free(reply->events);
    reply->events = NULL;
    reply->event_count = 0;
}

json_t *sim_request_json(const sim_request *req)
{
    if (!req->body || req->body_len == 0)
        return NULL;
    json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
    if (root && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

const char *sim_request_header(const sim_request *req, const char *name)
{
    return req->header ? req->header(req->lookup_source, name) : NULL;
}

const char *sim_request_query(const sim_request *req, const char *name)
{
    return req->query ? req->query(req->lookup_source, name) : NULL;
}

const char *sim_request_bearer(const sim_request *req)
{
    const char *value = sim_request_header(req, "Authorization");
    if (!value || strncasecmp(value, "Bearer ", 7) != 0)
        return NULL;
    value += 7;
    while (*value == ' ')
        value++;
    return value;
}

bool sim_request_page_size(const sim_request *req, const char *name, size_t fallback, size_t max,
                           size_t *out)
{
    const char *text = sim_request_query(req, name);
    *out = fallback < max ? fallback : max;
    if (!text)
        return true;
    char *end;
    long value = strtol(text, &end, 10);
    if (end == text || *end || value < 1)
        return false;
    *out = (size_t)value < max ? (size_t)value : max;
    return true;
}

bool sim_request_is(const sim_request *req, const char *method, const char *path)
{
    return strcmp(req->method, method) == 0 && strcmp(req->path, path) == 0;
}

void sim_key_hint(const char *key, char *out, size_t outsz)
{
    size_t len = key ? strlen(key) : 0;
    if (len < 12) {
        snprintf(out, outsz, "****");
        return;
    }
    char head[16], tail[16];
    mm_sanitize(head, sizeof head, key, 4);
    mm_sanitize(tail, sizeof tail, key + len - 4, 4);
    snprintf(out, outsz, "%s****%s", head, tail);
}

size_t sim_page_cap(const sim_request *req, size_t provider_max)
{
    size_t cap = req->plan.max_page_size;
    return cap && cap < provider_max ? cap : provider_max;
}
