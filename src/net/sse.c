/* The server-sent-events splitter: a byte-at-a-time line reader (LF, CR, CRLF) and the field
 * rules (data joined by LF, event name, comments, blank line dispatches). */
#include "net/sse.h"

#include <stdlib.h>
#include <string.h>

void mm_sse_init(mm_sse_parser *p, mm_sse_event_fn on_event, void *ctx)
{
    memset(p, 0, sizeof *p);
    p->on_event = on_event;
    p->ctx = ctx;
}

void mm_sse_free(mm_sse_parser *p)
{
    free(p->line);
    free(p->data);
    p->line = p->data = NULL;
    p->line_len = p->line_cap = p->data_len = p->data_cap = 0;
}

static bool grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    char *bigger = realloc(*buf, n);
    if (!bigger)
        return false;
    *buf = bigger;
    *cap = n;
    return true;
}

static bool append_data(mm_sse_parser *p, const char *value, size_t len)
{
    size_t sep = p->has_data ? 1 : 0;
    if (p->data_len + sep + len > MM_SSE_LINE_MAX) {
        p->too_long = true;
        return false;
    }
    if (!grow(&p->data, &p->data_cap, p->data_len + sep + len + 1))
        return false;
    if (sep)
        p->data[p->data_len++] = '\n';
    memcpy(p->data + p->data_len, value, len);
    p->data_len += len;
    p->data[p->data_len] = '\0';
    p->has_data = true;
    return true;
}

static bool dispatch(mm_sse_parser *p)
{
    bool keep = true;
    if (p->has_data)
        keep = p->on_event(p->ctx, p->name, p->data, p->data_len);
    p->has_data = false;
    p->data_len = 0;
    p->name[0] = '\0';
    return keep;
}

/* One complete line (without its end). */
static bool take_line(mm_sse_parser *p, const char *line, size_t len)
{
    if (len == 0)
        return dispatch(p);
    if (line[0] == ':')
        return true; /* a comment (keep-alive) */
    const char *colon = memchr(line, ':', len);
    size_t field_len = colon ? (size_t)(colon - line) : len;
    const char *value = colon ? colon + 1 : line + len;
    size_t value_len = len - field_len - (colon ? 1 : 0);
    if (value_len && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (field_len == 4 && memcmp(line, "data", 4) == 0)
        return append_data(p, value, value_len);
    if (field_len == 5 && memcmp(line, "event", 5) == 0) {
        size_t n = value_len < sizeof p->name - 1 ? value_len : sizeof p->name - 1;
        memcpy(p->name, value, n);
        p->name[n] = '\0';
    }
    return true; /* id, retry and unknown fields are ignored */
}

static bool end_line(mm_sse_parser *p)
{
    bool ok = take_line(p, p->line ? p->line : "", p->line_len);
    p->line_len = 0;
    return ok;
}

bool mm_sse_feed(mm_sse_parser *p, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len && !p->stopped; i++) {
        char c = bytes[i];
        if (c == '\n' && p->after_cr) {
            p->after_cr = false;
            continue;
        }
        p->after_cr = c == '\r';
        if (c == '\n' || c == '\r') {
            p->stopped = !end_line(p);
            continue;
        }
        if (p->line_len + 2 > MM_SSE_LINE_MAX) {
            p->too_long = p->stopped = true;
            break;
        }
        if (!grow(&p->line, &p->line_cap, p->line_len + 2)) {
            p->stopped = true;
            break;
        }
        p->line[p->line_len++] = c;
        p->line[p->line_len] = '\0';
    }
    return !p->stopped;
}
