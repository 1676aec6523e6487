/* Pieces of `mmadmin model` shared with `mmadmin target`: printing a fallback chain and the
 * JSON form of a logical model. */
#ifndef MM_CLI_CMD_MODEL_H
#define MM_CLI_CMD_MODEL_H

#include <stdio.h>

#include <jansson.h>

#include "catalog/catalog.h"

/* Prints the numbered chain ("  1. gpt-4o @ prod-openai"), or a line saying it is empty. */
void cli_print_chain(const mm_model *model, FILE *out);
/* The model as scripts see it: name type description targets [{priority account model}]
 * entitled_workspaces [names, from `entitlements`, which may list other models too]. */
json_t *cli_model_json(const mm_model *model, const mm_entitlement_list *entitlements);

#endif
