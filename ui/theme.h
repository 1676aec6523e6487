/* The theme: one table mapping each semantic screen element (header, selected row, status
 * ok/warn/bad...) to curses attributes, per color scheme (256, 8 colors, monochrome). */
#ifndef MM_UI_THEME_H
#define MM_UI_THEME_H

#include <curses.h>
#include <stdbool.h>

typedef enum ui_element {
    UI_EL_NORMAL = 0,
    UI_EL_HEADER,
    UI_EL_HEADER_FLAG, /* [READ-ONLY] */
    UI_EL_SIDEBAR,
    UI_EL_SIDEBAR_SELECTED,
    UI_EL_SIDEBAR_CURRENT, /* the current page while the pane has focus */
    UI_EL_BORDER,
    UI_EL_BORDER_FOCUS,
    UI_EL_TITLE,
    UI_EL_TABLE_HEADER,
    UI_EL_ROW_SELECTED,
    UI_EL_ROW_SELECTED_UNFOCUSED,
    UI_EL_OK,
    UI_EL_WARN,
    UI_EL_BAD,
    UI_EL_DIM,
    UI_EL_ERROR,
    UI_EL_BAR_KEY,
    UI_EL_BAR_LABEL,
    UI_EL_DIALOG,
    UI_EL_DIALOG_TITLE,
    UI_EL_FIELD,
    UI_EL_BUTTON,
    UI_EL_BUTTON_FOCUS,
    UI_EL_FILTER,
    UI_EL_COUNT
} ui_element;

typedef enum ui_scheme { UI_SCHEME_MONO = 0, UI_SCHEME_8, UI_SCHEME_256 } ui_scheme;

typedef struct ui_theme {
    ui_scheme scheme;
    attr_t attr[UI_EL_COUNT];
    short pair[UI_EL_COUNT];
} ui_theme;

/* Picks the scheme (NO_COLOR set or no color support: monochrome) and initializes the color
 * pairs. Call after initscr. */
void ui_theme_init(ui_theme *theme);
/* Sets win's attributes (attribute + color pair) for element. */
void ui_theme_set(const ui_theme *theme, WINDOW *win, ui_element element);
/* The attribute and pair as a cchar-ready pair, for wbkgrnd and friends. */
attr_t ui_theme_attr(const ui_theme *theme, ui_element element);
short ui_theme_pair(const ui_theme *theme, ui_element element);
const char *ui_scheme_name(ui_scheme scheme);

#endif
