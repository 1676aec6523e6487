/* The color schemes as constant tables (256 colors, 8 colors, monochrome) and their setup: the
 * one place that decides what each semantic element looks like. */
#include "theme.h"

#include <stdlib.h>

typedef struct style {
    short fg, bg; /* -1 = terminal default */
    attr_t attr;
} style;

/* 256 colors: calm blue-gray chrome, clear status colors. */
static const style SCHEME_256[UI_EL_COUNT] = {
    [UI_EL_NORMAL] = {-1, -1, A_NORMAL},
    [UI_EL_HEADER] = {255, 24, A_BOLD},
    [UI_EL_HEADER_FLAG] = {226, 124, A_BOLD},
    [UI_EL_SIDEBAR] = {252, -1, A_NORMAL},
    [UI_EL_SIDEBAR_SELECTED] = {16, 117, A_BOLD},
    [UI_EL_SIDEBAR_CURRENT] = {117, -1, A_BOLD},
    [UI_EL_BORDER] = {244, -1, A_NORMAL},
    [UI_EL_BORDER_FOCUS] = {117, -1, A_NORMAL},
    [UI_EL_TITLE] = {117, -1, A_BOLD},
    [UI_EL_TABLE_HEADER] = {16, 250, A_BOLD},
    [UI_EL_ROW_SELECTED] = {16, 117, A_NORMAL},
    [UI_EL_ROW_SELECTED_UNFOCUSED] = {16, 245, A_NORMAL},
    [UI_EL_OK] = {41, -1, A_BOLD},
    [UI_EL_WARN] = {214, -1, A_BOLD},
    [UI_EL_BAD] = {203, -1, A_BOLD},
    [UI_EL_DIM] = {244, -1, A_NORMAL},
    [UI_EL_ERROR] = {203, -1, A_BOLD},
    [UI_EL_BAR_KEY] = {255, 16, A_BOLD},
    [UI_EL_BAR_LABEL] = {16, 38, A_NORMAL},
    [UI_EL_DIALOG] = {252, 236, A_NORMAL},
    [UI_EL_DIALOG_TITLE] = {117, 236, A_BOLD},
    [UI_EL_FIELD] = {255, 238, A_UNDERLINE},
    [UI_EL_BUTTON] = {252, 240, A_NORMAL},
    [UI_EL_BUTTON_FOCUS] = {16, 117, A_BOLD},
    [UI_EL_FILTER] = {226, -1, A_BOLD},
};

/* 8 colors: the same roles with the basic palette. */
static const style SCHEME_8[UI_EL_COUNT] = {
    [UI_EL_NORMAL] = {-1, -1, A_NORMAL},
    [UI_EL_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_BOLD},
    [UI_EL_HEADER_FLAG] = {COLOR_YELLOW, COLOR_RED, A_BOLD},
    [UI_EL_SIDEBAR] = {-1, -1, A_NORMAL},
    [UI_EL_SIDEBAR_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL},
    [UI_EL_SIDEBAR_CURRENT] = {COLOR_CYAN, -1, A_BOLD},
    [UI_EL_BORDER] = {-1, -1, A_NORMAL},
    [UI_EL_BORDER_FOCUS] = {COLOR_CYAN, -1, A_BOLD},
    [UI_EL_TITLE] = {COLOR_CYAN, -1, A_BOLD},
    [UI_EL_TABLE_HEADER] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL},
    [UI_EL_ROW_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL},
    [UI_EL_ROW_SELECTED_UNFOCUSED] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL},
    [UI_EL_OK] = {COLOR_GREEN, -1, A_BOLD},
    [UI_EL_WARN] = {COLOR_YELLOW, -1, A_BOLD},
    [UI_EL_BAD] = {COLOR_RED, -1, A_BOLD},
    [UI_EL_DIM] = {-1, -1, A_DIM},
    [UI_EL_ERROR] = {COLOR_RED, -1, A_BOLD},
    [UI_EL_BAR_KEY] = {COLOR_WHITE, COLOR_BLACK, A_BOLD},
    [UI_EL_BAR_LABEL] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL},
    [UI_EL_DIALOG] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL},
    [UI_EL_DIALOG_TITLE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD},
    [UI_EL_FIELD] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL},
    [UI_EL_BUTTON] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL},
    [UI_EL_BUTTON_FOCUS] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL},
    [UI_EL_FILTER] = {COLOR_YELLOW, -1, A_BOLD},
};

/* Monochrome (NO_COLOR, or a terminal without colors): attributes only. */
static const attr_t SCHEME_MONO[UI_EL_COUNT] = {
    [UI_EL_NORMAL] = A_NORMAL,
    [UI_EL_HEADER] = A_REVERSE,
    [UI_EL_HEADER_FLAG] = A_REVERSE | A_BOLD,
    [UI_EL_SIDEBAR] = A_NORMAL,
    [UI_EL_SIDEBAR_SELECTED] = A_REVERSE,
    [UI_EL_SIDEBAR_CURRENT] = A_BOLD | A_UNDERLINE,
    [UI_EL_BORDER] = A_NORMAL,
    [UI_EL_BORDER_FOCUS] = A_BOLD,
    [UI_EL_TITLE] = A_BOLD,
    [UI_EL_TABLE_HEADER] = A_UNDERLINE | A_BOLD,
    [UI_EL_ROW_SELECTED] = A_REVERSE,
    [UI_EL_ROW_SELECTED_UNFOCUSED] = A_UNDERLINE,
    [UI_EL_OK] = A_NORMAL,
    [UI_EL_WARN] = A_BOLD,
    [UI_EL_BAD] = A_BOLD,
    [UI_EL_DIM] = A_DIM,
    [UI_EL_ERROR] = A_BOLD,
    [UI_EL_BAR_KEY] = A_BOLD,
    [UI_EL_BAR_LABEL] = A_REVERSE,
    [UI_EL_DIALOG] = A_NORMAL,
    [UI_EL_DIALOG_TITLE] = A_BOLD,
    [UI_EL_FIELD] = A_UNDERLINE,
    [UI_EL_BUTTON] = A_NORMAL,
    [UI_EL_BUTTON_FOCUS] = A_REVERSE,
    [UI_EL_FILTER] = A_BOLD,
};

/* COLORS is known only after start_color(), which is called only when colors will be used. */
static ui_scheme pick_scheme(void)
{
    const char *no_color = getenv("NO_COLOR");
    if ((no_color && *no_color) || !has_colors() || start_color() != OK)
        return UI_SCHEME_MONO;
    return COLORS >= 256 ? UI_SCHEME_256 : UI_SCHEME_8;
}

void ui_theme_init(ui_theme *theme)
{
    theme->scheme = pick_scheme();
    if (theme->scheme == UI_SCHEME_MONO) {
        for (int el = 0; el < UI_EL_COUNT; el++) {
            theme->attr[el] = SCHEME_MONO[el];
            theme->pair[el] = 0;
        }
        return;
    }
    use_default_colors();
    const style *table = theme->scheme == UI_SCHEME_256 ? SCHEME_256 : SCHEME_8;
    for (int el = 0; el < UI_EL_COUNT; el++) {
        short pair = (short)(el + 1);
        init_pair(pair, table[el].fg, table[el].bg);
        theme->pair[el] = pair;
        theme->attr[el] = table[el].attr;
    }
}

void ui_theme_set(const ui_theme *theme, WINDOW *win, ui_element element)
{
    wattr_set(win, theme->attr[element], theme->pair[element], NULL);
}

attr_t ui_theme_attr(const ui_theme *theme, ui_element element)
{
    return theme->attr[element];
}

short ui_theme_pair(const ui_theme *theme, ui_element element)
{
    return theme->pair[element];
}

const char *ui_scheme_name(ui_scheme scheme)
{
    switch (scheme) {
    case UI_SCHEME_256:
        return "256 colors";
    case UI_SCHEME_8:
        return "8 colors";
    default:
        return "monochrome";
    }
}
