/* The header's alert slot: how many alerts fire and the worst of them ("ALERTS 2: critical
 * provider_unreachable oa"), read from the catalog's open alerts. */
#ifndef MM_UI_ALERT_BAR_H
#define MM_UI_ALERT_BAR_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"

/* Writes the slot's text into out ("" when no alert fires); *critical tells whether the worst
 * is critical. */
void ui_alert_bar_text(mm_catalog *cat, char *out, size_t outsz, bool *critical);

#endif
