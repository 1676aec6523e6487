/* The model catalogue each mmsim dialect lists: realistic ids with the details each provider
 * shows (display name, creation time, context and output limits, what the model can do). */
#ifndef MM_SIM_SIM_MODELS_H
#define MM_SIM_SIM_MODELS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/sim_scenario.h"

enum { SIM_CAN_CHAT = 1, SIM_CAN_EMBED = 2, SIM_CAN_OTHER = 4 };

typedef struct sim_model {
    const char *id;
    const char *display_name;
    long created;            /* unix seconds */
    const char *created_iso; /* "2025-05-22T00:00:00Z" */
    long context_length;
    long max_output;
    unsigned can;
    const char *owner;
} sim_model;

/* The models of a dialect, in the order the provider lists them. */
const sim_model *sim_models(sim_dialect_id dialect, size_t *count);
/* The model with this id (Gemini ids with or without "models/"), or NULL. */
const sim_model *sim_model_find(sim_dialect_id dialect, const char *id);

#endif
