/* Field text as an array of code points: insert and delete by code point at a cursor that
 * moves by grapheme (a base character and the zero-width characters after it). */
#include "field_text.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void ui_field_text_init(ui_field_text *t, size_t max_code_points)
{
    memset(t, 0, sizeof *t);
    t->max = max_code_points;
}

static void wipe(uint32_t *cps, size_t n)
{
    volatile uint32_t *p = cps;
    for (size_t i = 0; i < n; i++)
        p[i] = 0;
}

void ui_field_text_free(ui_field_text *t)
{
    if (t->cps)
        wipe(t->cps, t->cap);
    free(t->cps);
    size_t max = t->max;
    ui_field_text_init(t, max);
}

static bool reserve(ui_field_text *t, size_t need)
{
    if (need <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap * 2 : 32;
    while (cap < need)
        cap *= 2;
    uint32_t *grown = calloc(cap, sizeof *grown);
    if (!grown)
        return false;
    if (t->cps) {
        memcpy(grown, t->cps, t->len * sizeof *grown);
        wipe(t->cps, t->cap);
        free(t->cps);
    }
    t->cps = grown;
    t->cap = cap;
    return true;
}

void ui_field_text_set(ui_field_text *t, const char *utf8)
{
    t->len = t->cursor = t->scroll = 0;
    for (const char *p = utf8 ? utf8 : ""; *p && t->len < t->max;) {
        uint32_t cp = mm_utf8_next(&p);
        if (!reserve(t, t->len + 1))
            break;
        t->cps[t->len++] = cp;
    }
    t->cursor = t->len;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *ui_field_text_utf8(const ui_field_text *t)
{
    char *out = malloc(t->len * 4 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < t->len; i++)
        n += utf8_encode(t->cps[i], out + n);
    out[n] = '\0';
    return out;
}

/* A zero-width code point (combining mark, format character) belongs to the one before it. */
static bool attaches(uint32_t cp)
{
    return cp >= 0x300 && (mm_char_width(cp) == 0 || mm_is_format_char(cp));
}

static size_t next_boundary(const ui_field_text *t, size_t i)
{
    if (i >= t->len)
        return t->len;
    i++;
    while (i < t->len && attaches(t->cps[i]))
        i++;
    return i;
}

static size_t previous_boundary(const ui_field_text *t, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && attaches(t->cps[i]))
        i--;
    return i;
}

bool ui_field_text_insert(ui_field_text *t, uint32_t cp)
{
    if (t->len >= t->max || !reserve(t, t->len + 1))
        return false;
    memmove(t->cps + t->cursor + 1, t->cps + t->cursor, (t->len - t->cursor) * sizeof *t->cps);
    t->cps[t->cursor++] = cp;
    t->len++;
    return true;
}

static void erase(ui_field_text *t, size_t from, size_t to)
{
    if (!t->cps) /* an empty field that never held text: nothing to erase */
        return;
    memmove(t->cps + from, t->cps + to, (t->len - to) * sizeof *t->cps);
    t->len -= to - from;
    wipe(t->cps + t->len, to - from);
    t->cursor = from;
    if (t->scroll > from)
        t->scroll = from;
}

void ui_field_text_backspace(ui_field_text *t)
{
    if (t->cursor > 0)
        erase(t, t->cursor - 1, t->cursor);
}

void ui_field_text_delete(ui_field_text *t)
{
    if (t->cursor < t->len)
        erase(t, t->cursor, next_boundary(t, t->cursor));
}

void ui_field_text_left(ui_field_text *t)
{
    t->cursor = previous_boundary(t, t->cursor);
}

void ui_field_text_right(ui_field_text *t)
{
    t->cursor = next_boundary(t, t->cursor);
}

void ui_field_text_home(ui_field_text *t)
{
    t->cursor = 0;
}

void ui_field_text_end(ui_field_text *t)
{
    t->cursor = t->len;
}

void ui_field_text_clear(ui_field_text *t)
{
    erase(t, 0, t->len);
    t->scroll = 0;
}

void ui_field_text_kill_to_end(ui_field_text *t)
{
    erase(t, t->cursor, t->len);
}

int ui_field_text_cp_columns(uint32_t cp)
{
    if (mm_is_format_char(cp)) {
        char escape[MM_FORMAT_ESCAPE_MAX];
        mm_format_char_escape(cp, escape, sizeof escape);
        return (int)strlen(escape);
    }
    if (cp < 0x80)
        return 1;
    int w = mm_char_width(cp);
    return w < 0 ? 1 : w;
}

int ui_field_text_columns(const ui_field_text *t, size_t from, size_t to)
{
    int cols = 0;
    for (size_t i = from; i < to && i < t->len; i++)
        cols += ui_field_text_cp_columns(t->cps[i]);
    return cols;
}

void ui_field_text_scroll_to_cursor(ui_field_text *t, int width)
{
    if (t->scroll > t->cursor)
        t->scroll = t->cursor;
    while (t->scroll < t->cursor && ui_field_text_columns(t, t->scroll, t->cursor) > width - 1)
        t->scroll = next_boundary(t, t->scroll);
}
