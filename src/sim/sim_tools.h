/* mmsim's tool calls: whether a chat request is answered with a call to one of the tools it
 * offers (in any dialect's shape), and that call written in each dialect's answer shape. */
#ifndef MM_SIM_SIM_TOOLS_H
#define MM_SIM_SIM_TOOLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"
#include "sim/sim_scenario.h"

typedef struct sim_tool_call {
    char id[48];   /* call_… (OpenAI, Cohere), toolu_… (Anthropic), 9 of [a-zA-Z0-9] (Mistral);
                      Gemini gives none */
    char name[80]; /* the tool's name */
    json_t *args;  /* the arguments object (a value for each required property) */
} sim_tool_call;

/* Whether the answer to body is a tool call: the request offers tools (OpenAI / Cohere
 * tools[].function, Anthropic tools[].name, Gemini tools[].functionDeclarations[]), its last
 * message is not a tool result, and either the tool choice forces one (required / any / a
 * named tool; Gemini mode ANY) or the last user text names a tool. A choice of none answers
 * text. Fills call (args: release with sim_tool_call_free). */
bool sim_tool_wanted(const json_t *body, sim_dialect_id dialect, uint64_t seed,
                     sim_tool_call *call);
void sim_tool_call_free(sim_tool_call *call);
/* The first tool call id of an OpenAI-shaped chat body (an assistant's tool_calls[].id, a tool
 * message's tool_call_id) Mistral refuses — not 9 characters of [a-zA-Z0-9] — or NULL. */
const char *sim_tool_mistral_bad_id(const json_t *body);
/* The arguments as JSON text (heap). */
char *sim_tool_arguments(const sim_tool_call *call);
/* Rewrites the 200 text answer in reply as a tool call when sim_tool_wanted says so, in the
 * dialect's shape: OpenAI message.content null + tool_calls, finish_reason tool_calls;
 * Anthropic a tool_use block, stop_reason tool_use; Gemini a functionCall part (finishReason
 * STOP, as Google answers); Cohere v2 message.tool_plan + tool_calls, finish_reason TOOL_CALL. */
void sim_tool_answer(const sim_request *req, sim_reply *reply, const json_t *body);

#endif
