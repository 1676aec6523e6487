/* A bracketed paste into a form's current field: one value, trimmed of surrounding whitespace
 * (said in the message line), refused when whitespace or a line break is inside it. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "widgets/form.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int ui_form_paste(ui_form *f, ui_app *app, const char *text)
{
    if (f->n == 0)
        return UI_IGNORED;
    size_t len = strlen(text), start = 0;
    while (start < len && is_space(text[start]))
        start++;
    while (len > start && is_space(text[len - 1]))
        len--;
    const ui_field_def *def = &f->defs[f->current];
    for (size_t i = start; i < len; i++)
        if (is_space(text[i]) || (unsigned char)text[i] < 32 || text[i] == 127) {
            ui_form_set_error(f, def->name,
                              "The paste was refused: it has a space, tab or line break inside. "
                              "Paste the value alone.");
            return UI_HANDLED | UI_REDRAW;
        }
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    for (size_t i = start; i < len;) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, text + i, len - i, &ps);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
            break;
        ui_form_handle_key(f, app, (int)wc); /* the field's own insertion, limit included */
        i += n;
    }
    if (start > 0 || len < strlen(text))
        ui_set_message(app, UI_EL_DIM,
                       "Pasted into %s without the spaces or line breaks around it.", def->label);
    return UI_HANDLED | UI_REDRAW;
}
