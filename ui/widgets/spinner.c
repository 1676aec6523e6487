/* Spinner frames by time, so every spinner on screen turns together and needs no state. */
#include "widgets/spinner.h"

#include <stdlib.h>
#include <string.h>

static const char *const BRAILLE[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
static const char *const ASCII[] = {"|", "/", "-", "\\"};

const char *ui_spinner_frame(const ui_app *app, int64_t now_ms)
{
    const char *term = getenv("TERM");
    bool braille = ui_screen_utf8(app) && !(term && strcmp(term, "linux") == 0);
    int64_t tick = now_ms / UI_SPINNER_INTERVAL_MS;
    if (braille)
        return BRAILLE[tick % (int64_t)(sizeof BRAILLE / sizeof BRAILLE[0])];
    return ASCII[tick % (int64_t)(sizeof ASCII / sizeof ASCII[0])];
}
