/* Drawing helpers every widget uses: text clipped and padded to a width in screen columns
 * (UTF-8 aware, ASCII fallbacks), glyphs, borders, word wrapping. */
#ifndef MM_UI_DRAW_H
#define MM_UI_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "modal.h"
#include "util/text.h" /* mm_text_width: the display width every widget measures with */

typedef enum ui_align { UI_ALIGN_LEFT = 0, UI_ALIGN_RIGHT, UI_ALIGN_CENTER } ui_align;

typedef enum ui_glyph_id {
    UI_G_CHECK,    /* ✓ / + */
    UI_G_CROSS,    /* ✗ / x */
    UI_G_ELLIPSIS, /* … / ~ */
    UI_G_DASH,     /* – / - */
    UI_G_ARROW,    /* → / -> */
    UI_G_UP,       /* ▲ / ^ */
    UI_G_DOWN,     /* ▼ / v */
    UI_G_BULLET,   /* • / * */
    UI_G_WARN,     /* ! */
    UI_G_COUNT
} ui_glyph_id;

const char *ui_glyph(const ui_app *app, ui_glyph_id id);

/* Draws text at (y, x) in exactly width columns: clipped with an ellipsis or padded with
 * spaces, aligned. In ASCII mode non-ASCII glyphs are replaced. Returns the columns drawn. */
int ui_draw_text(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element,
                 ui_align align, const char *text);
/* Draws text without padding (clipped at width). Returns the columns drawn. */
int ui_draw_clip(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element,
                 const char *text);
/* Fills a window with an element's background and draws its border (UTF-8 lines or ASCII). */
void ui_draw_frame(const ui_app *app, WINDOW *win, ui_element fill, ui_element border);
void ui_draw_box(const ui_app *app, WINDOW *win, ui_element border);
void ui_draw_hline(const ui_app *app, WINDOW *win, int y, int x, int width, ui_element element);

/* Word-wraps text into lines of at most width columns (hard breaks at '\n'). The result is
 * an array of malloc'd strings; free with ui_lines_free. */
typedef struct ui_lines {
    char **items;
    size_t count;
} ui_lines;
void ui_wrap(const char *text, int width, ui_lines *out);
void ui_lines_free(ui_lines *lines);

/* "3m ago", "2h ago", "5d ago", "just now" for a past time in ms. */
void ui_format_ago(char *out, size_t outsz, int64_t then_ms, int64_t now_ms);
/* Shortens text to at most width columns, keeping the start and the end with an ellipsis
 * between ("https://my-res…azure.com"). */
void ui_shorten_middle(const ui_app *app, char *out, size_t outsz, const char *text, int width);

#endif
