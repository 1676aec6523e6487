/* Page ids for callers outside the console (the CLI's --page option): whether an id names a
 * page of the registry, and the list of ids for the message when it does not. */
#include <stdio.h>
#include <string.h>

#include "page.h"
#include "ui.h"

bool ui_page_id_known(const char *id, char *list, unsigned long listsz)
{
    size_t count;
    const ui_page_entry *entries = ui_page_registry(&count);
    bool known = false;
    size_t used = 0;
    if (listsz)
        list[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        known = known || strcmp(entries[i].id, id) == 0;
        if (used < listsz) {
            int n = snprintf(list + used, listsz - used, "%s%s", i ? ", " : "", entries[i].id);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return known;
}
