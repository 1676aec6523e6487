/* The help screen: every key of the current page, the table keys and the frame keys. */
#ifndef MM_UI_HELP_H
#define MM_UI_HELP_H

#include "app.h"

void ui_help_show(ui_app *app);

#endif
