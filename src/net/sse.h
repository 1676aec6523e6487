/* The server-sent-events splitter every streaming dialect shares: bytes in any chunking ->
 * events (name + data), per the WHATWG "event stream interpretation" rules. */
#ifndef MM_NET_SSE_H
#define MM_NET_SSE_H

#include <stdbool.h>
#include <stddef.h>

#define MM_SSE_LINE_MAX (1024u * 1024u) /* a longer line (or event data) fails the stream */

/* One dispatched event: name is "" when the stream gave no `event:` field (the spec's
 * "message"); data is the `data:` lines joined by "\n" (NUL-terminated, data_len excludes it).
 * Both are valid only during the call. Return false to stop the stream. */
typedef bool (*mm_sse_event_fn)(void *ctx, const char *name, const char *data, size_t data_len);

typedef struct mm_sse_parser {
    mm_sse_event_fn on_event;
    void *ctx;
    char *line; /* the line being read (heap) */
    size_t line_len, line_cap;
    char *data; /* the event's data so far (heap) */
    size_t data_len, data_cap;
    bool has_data;
    char name[64];
    bool after_cr; /* the last byte was CR: a following LF belongs to the same line end */
    bool stopped;  /* on_event returned false, or a line was over MM_SSE_LINE_MAX */
    bool too_long;
} mm_sse_parser;

void mm_sse_init(mm_sse_parser *p, mm_sse_event_fn on_event, void *ctx);
/* Feeds bytes (any split: mid-line, mid-CRLF). Lines end at LF, CR or CRLF; ":" lines are
 * comments; `data:` lines accumulate; a blank line dispatches (nothing when no data came);
 * `id:` and `retry:` are read and ignored. Returns false once stopped (by the callback, or a
 * line over MM_SSE_LINE_MAX: too_long) or out of memory. */
bool mm_sse_feed(mm_sse_parser *p, const char *bytes, size_t len);
/* End of input: an event whose blank line never came is dropped (the spec's rule). */
void mm_sse_free(mm_sse_parser *p);

#endif
