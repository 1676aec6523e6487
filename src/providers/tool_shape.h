/* Tools and images across dialects: OpenAI's tools, tool_choice, assistant tool_calls, tool
 * results and image parts written in each dialect's shape, and each dialect's tool calls read
 * back into OpenAI's shape (whole answers and stream pieces). */
#ifndef MM_PROVIDERS_TOOL_SHAPE_H
#define MM_PROVIDERS_TOOL_SHAPE_H

#include "providers/adapter.h"

/* Message i of chat as the dialect's content blocks (Anthropic) or parts (Gemini): its text,
 * images, tool calls (assistant) or tool result (role tool). Sets *blocks (new reference).
 * MM_E_INVALID with the field at fault (messages[i].content[j], messages[i].tool_call_id, ...)
 * when the dialect cannot take a part (Anthropic: images other than JPEG, PNG, GIF, WebP) or a
 * part is malformed; MM_E_INTERNAL on out-of-memory. Facts: Anthropic's and Gemini's API
 * references (Messages "tool use" and "vision"; generateContent "function calling"). */
mm_status tool_shape_blocks(const mm_chat *chat, size_t i, tool_dialect dialect, json_t **blocks,
                            mm_error *err);
/* A block holding only text ({"type":"text","text"} / {"text"}), NULL for any other. */
const char *tool_shape_block_text(const json_t *block, tool_dialect dialect);
json_t *tool_shape_text_block(const char *text, tool_dialect dialect);

/* Sets the dialect's tools and tool choice on a request body from chat->tools and
 * chat->tool_choice (nothing when the chat has none): OpenAI "tools"/"tool_choice" as given;
 * Anthropic "tools":[{"name","description","input_schema"}], "tool_choice":{"type":"auto"|
 * "any"|"none"|"tool","name"}; Gemini "tools":[{"functionDeclarations"}], "toolConfig":
 * {"functionCallingConfig":{"mode":"AUTO"|"ANY"|"NONE","allowedFunctionNames"}}; Cohere v2
 * "tools" as OpenAI, "tool_choice":"REQUIRED"|"NONE" (a named function: REQUIRED with only it
 * offered). MM_E_INVALID naming "tools" / "tool_choice" when they are not those shapes. */
mm_status tool_shape_set_tools(json_t *body, const mm_chat *chat, tool_dialect dialect,
                               mm_error *err);

/* The OpenAI message {"role","content"} of m with its image parts, tool_calls and tool_call_id
 * (OpenAI's and Cohere v2's shape); NULL on out-of-memory or unreadable JSON. */
json_t *tool_shape_openai_message(const mm_chat_message *m);

/* ---- answers ---- */

/* The tool calls of an answer in OpenAI's shape (new array, empty when none): Anthropic
 * content blocks typed tool_use {id,name,input}; Gemini parts' functionCall {name,args,id?}
 * (an id made up when absent); OpenAI and Cohere v2 message.tool_calls. */
json_t *tool_shape_anthropic_calls(const json_t *content);
json_t *tool_shape_gemini_calls(const json_t *parts);
json_t *tool_shape_openai_calls(const json_t *tool_calls);

/* Streams: the pieces of one event in OpenAI's delta shape (see mm_stream_delta.tool_calls);
 * NULL when the event carries none. Anthropic: content_block_start of a tool_use block and
 * its input_json_delta; Cohere v2: tool-call-start / tool-call-delta; Gemini: each whole
 * functionCall; OpenAI: delta.tool_calls as they are. */
json_t *tool_shape_anthropic_piece(const char *type, const json_t *event);
json_t *tool_shape_cohere_piece(const char *type, const json_t *event);
json_t *tool_shape_gemini_pieces(const json_t *parts);
/* Merges pieces into acc (the calls so far, each with its dialect "index"): a piece with a
 * known index appends its arguments (and fills id / name), others start a call. When deltas is
 * not NULL, appends to it what the pieces add in OpenAI's streamed shape, numbered by order of
 * first appearance (Anthropic's block index 1 reads 0): a new call's {"index","id","type":
 * "function","function":{"name","arguments"}} (arguments "" or the first piece; an id made up
 * when the dialect gave none), then {"index","function":{"arguments"}} per piece that brings
 * arguments (OpenAI's chat.completion.chunk delta.tool_calls). False on out-of-memory or past
 * 128 calls. */
bool tool_shape_merge(json_t *acc, const json_t *pieces, json_t *deltas);
/* acc as the answer's calls (the "index" members dropped): a heap JSON text, NULL when acc is
 * empty. */
char *tool_shape_finish(json_t *acc);

/* ---- Mistral's call ids ---- */

/* Mistral refuses a tool call id that is not exactly 9 characters of [a-zA-Z0-9] (400
 * invalid_function_call, code 3280: "Tool call id was call_… but must be a-z, A-Z, 0-9, with a
 * length of 9."), so a conversation begun on another provider (call_…, toolu_…) is replayed to
 * it with each id mapped: a valid id stays; any other becomes 9 characters of an unkeyed
 * BLAKE2b hash of it (as LangChain's Mistral adapter hashes them). The same id always maps to
 * the same one, so an assistant's tool_calls[].id and the tool message answering it still
 * match, in this request and any later one; Mistral's answers carry only the ids it makes
 * itself, so nothing is mapped back. */
#define TOOL_SHAPE_MISTRAL_ID_LEN 9
void tool_shape_mistral_id(const char *id, char out[TOOL_SHAPE_MISTRAL_ID_LEN + 1]);
/* Maps every tool_calls[].id and tool_call_id of OpenAI-shaped messages in place; false on
 * out-of-memory. */
bool tool_shape_mistral_ids(json_t *messages);

#endif
