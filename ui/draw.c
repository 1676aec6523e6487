/* Text and line drawing for every widget: clipping with an ellipsis, ASCII fallbacks, borders
 * and word wrapping (UTF-8 decoding and widths: util/text). */
#include "draw.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/text.h"

static const char *const GLYPHS_UTF8[UI_G_COUNT] = {"✓", "✗", "…", "–", "→", "▲", "▼", "•", "!"};
static const char *const GLYPHS_ASCII[UI_G_COUNT] = {"+", "x", "~", "-", "->", "^", "v", "*", "!"};

const char *ui_glyph(const ui_app *app, ui_glyph_id id)
{
    return ui_screen_utf8(app) ? GLYPHS_UTF8[id] : GLYPHS_ASCII[id];
}

/* The ASCII stand-in for a character when the terminal is not UTF-8. */
static wchar_t ascii_fallback(uint32_t cp)
{
    switch (cp) {
    case 0x2713:
    case 0x2714:
        return '+';
    case 0x2717:
    case 0x2718:
        return 'x';
    case 0x2026:
        return '~';
    case 0x2013:
    case 0x2014:
    case 0x2500:
        return '-';
    case 0x2192:
        return '>';
    case 0x25B2:
        return '^';
    case 0x25BC:
        return 'v';
    case 0x2022:
        return '*';
    case 0x2502:
        return '|';
    case 0x2191:
        return '^';
    case 0x2193:
        return 'v';
    case 0x21B5:
        return '<';
    case 0x203A:
        return '>';
    default:
        return '?';
    }
}

/* Converts one code point to what we draw and its width in columns. */
static wchar_t drawable(const ui_app *app, uint32_t cp, int *width)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
        *width = 1;
        return ' ';
    }
    if (cp < 0x80) {
        *width = 1;
        return (wchar_t)cp;
    }
    if (!app || !ui_screen_utf8(app)) {
        *width = 1;
        return ascii_fallback(cp);
    }
    int w = mm_char_width(cp);
    if (w < 0) {
        *width = 1;
        return L'?';
    }
    *width = w;
    return (wchar_t)cp;
}

/* Converts text to at most width columns of wide characters; sets *cols to the width used.
 * When the text does not fit, the last column is an ellipsis. */
static size_t fit_wide(const ui_app *app, const char *text, int width, wchar_t *out, size_t outcap,
                       int *cols)
{
    const char *p = text ? text : "";
    int total = 0, w;
    for (const char *q = p; *q;) {
        drawable(app, mm_utf8_next(&q), &w);
        total += w;
    }
    int budget = total <= width ? width : width - 1;
    size_t n = 0;
    int used = 0;
    while (*p && n + 2 < outcap) {
        wchar_t wc = drawable(app, mm_utf8_next(&p), &w);
        if (used + w > budget)
            break;
        out[n++] = wc;
        used += w;
    }
    if (total > width && width > 0) {
        out[n++] = (app && ui_screen_utf8(app)) ? L'\x2026' : L'~';
        used++;
    }
    out[n] = 0;
    *cols = used;
    return n;
}

int ui_draw_clip(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element,
                 const char *text)
{
    if (width <= 0)
        return 0;
    wchar_t buf[1024];
    int cols;
    size_t n = fit_wide(app, text, width, buf, sizeof buf / sizeof buf[0], &cols);
    ui_theme_set(ui_screen_theme(app), win, element);
    mvwaddnwstr(win, y, x, buf, (int)n);
    return cols;
}

int ui_draw_text(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element,
                 ui_align align, const char *text)
{
    if (width <= 0)
        return 0;
    wchar_t buf[1024];
    int cols;
    size_t n = fit_wide(app, text, width, buf, sizeof buf / sizeof buf[0], &cols);
    int pad = width - cols;
    int left = align == UI_ALIGN_RIGHT ? pad : align == UI_ALIGN_CENTER ? pad / 2 : 0;
    ui_theme_set(ui_screen_theme(app), win, element);
    wmove(win, y, x);
    for (int i = 0; i < left; i++)
        waddch(win, ' ');
    waddnwstr(win, buf, (int)n);
    for (int i = left + cols; i < width; i++)
        waddch(win, ' ');
    return width;
}

void ui_draw_box(const ui_app *app, WINDOW *win, ui_element border)
{
    ui_theme_set(ui_screen_theme(app), win, border);
    if (ui_screen_ascii_lines(app))
        wborder(win, '|', '|', '-', '-', '+', '+', '+', '+');
    else
        box(win, 0, 0);
}

void ui_draw_frame(const ui_app *app, WINDOW *win, ui_element fill, ui_element border)
{
    wbkgdset(win, (chtype)' ' | ui_theme_attr(ui_screen_theme(app), fill) |
                      (chtype)COLOR_PAIR(ui_theme_pair(ui_screen_theme(app), fill)));
    werase(win);
    ui_draw_box(app, win, border);
}

void ui_draw_hline(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element)
{
    ui_theme_set(ui_screen_theme(app), win, element);
    mvwhline(win, y, x, ui_screen_ascii_lines(app) ? '-' : ACS_HLINE, width);
}

/* ---- word wrapping ---- */

static void lines_push(ui_lines *lines, const char *start, size_t len)
{
    char **grown = realloc(lines->items, (lines->count + 1) * sizeof *grown);
    if (!grown)
        return;
    lines->items = grown;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, start, len);
    copy[len] = '\0';
    lines->items[lines->count++] = copy;
}

/* Width of the bytes [start, end). */
static int span_width(const char *start, const char *end)
{
    char tmp[1024];
    size_t len = (size_t)(end - start);
    if (len >= sizeof tmp)
        len = sizeof tmp - 1;
    memcpy(tmp, start, len);
    tmp[len] = '\0';
    return mm_text_width(tmp);
}

/* Wraps one paragraph (no '\n'). */
static void wrap_paragraph(const char *start, const char *end, int width, ui_lines *out)
{
    const char *line = start;
    while (line < end) {
        while (line < end && *line == ' ' && line != start)
            line++;
        const char *p = line, *last_break = NULL;
        while (p < end) {
            const char *next = p;
            mm_utf8_next(&next);
            if (span_width(line, next) > width)
                break;
            if (*p == ' ')
                last_break = p;
            p = next;
        }
        if (p >= end) {
            lines_push(out, line, (size_t)(end - line));
            return;
        }
        const char *cut = last_break && last_break > line ? last_break : p;
        if (cut == line) { /* a single character wider than the line */
            mm_utf8_next(&cut);
        }
        lines_push(out, line, (size_t)(cut - line));
        line = cut;
    }
    if (start == end)
        lines_push(out, start, 0);
}

void ui_wrap(const char *text, int width, ui_lines *out)
{
    out->items = NULL;
    out->count = 0;
    if (width < 1)
        width = 1;
    const char *p = text ? text : "";
    for (;;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        wrap_paragraph(p, end, width, out);
        if (!nl)
            break;
        p = nl + 1;
    }
}

void ui_lines_free(ui_lines *lines)
{
    for (size_t i = 0; i < lines->count; i++)
        free(lines->items[i]);
    free(lines->items);
    lines->items = NULL;
    lines->count = 0;
}

void ui_format_ago(char *out, size_t outsz, int64_t then_ms, int64_t now_ms)
{
    int64_t secs = (now_ms - then_ms) / 1000;
    if (secs < 0)
        secs = 0;
    if (secs < 60)
        snprintf(out, outsz, "just now");
    else if (secs < 3600)
        snprintf(out, outsz, "%lldm ago", (long long)(secs / 60));
    else if (secs < 86400)
        snprintf(out, outsz, "%lldh ago", (long long)(secs / 3600));
    else
        snprintf(out, outsz, "%lldd ago", (long long)(secs / 86400));
}

void ui_shorten_middle(const ui_app *app, char *out, size_t outsz, const char *text, int width)
{
    if (mm_text_width(text) <= width || width < 5) {
        snprintf(out, outsz, "%s", text);
        return;
    }
    /* URLs and names here are ASCII in practice; keep head and tail by bytes on ASCII text. */
    size_t len = strlen(text);
    int keep = width - 1;
    int head = (keep * 3) / 5, tail = keep - head;
    const char *ell = ui_glyph(app, UI_G_ELLIPSIS);
    snprintf(out, outsz, "%.*s%s%s", head, text, ell, text + len - (size_t)tail);
}
