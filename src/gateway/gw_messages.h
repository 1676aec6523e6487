/* Reading an OpenAI chat request's conversation for `mmadmin serve`: messages (text, image
 * parts, assistant tool_calls, tool results), tools and tool_choice, checked and bounded. */
#ifndef MM_GW_MESSAGES_H
#define MM_GW_MESSAGES_H

#include <jansson.h>
#include <stddef.h>

#include "providers/provider.h"

#define GW_PROMPT_MAX (1024 * 1024) /* bytes of text (and tool JSON) a conversation may hold */

/* A conversation read from a request: the chat passed to each dialect, its strings (heap, one
 * block per member) and all its text joined for admission's token estimate. */
typedef struct gw_conversation {
    mm_chat chat;
    mm_chat_message *messages;
    char *joined;
    size_t joined_len;
} gw_conversation;

/* What is wrong with a request's conversation: the field ("messages[2].content[1]",
 * "tools[0].function.name", "functions") and a sentence saying what it must be. */
typedef struct gw_conversation_fault {
    char field[80];
    char message[320];
} gw_conversation_fault;

/* Reads root's messages, tools and tool_choice (OpenAI's chat completions shapes: roles
 * system, developer, user, assistant, tool; content a string or parts text / image_url;
 * assistant tool_calls of type function; tools of type function with a name and JSON-schema
 * parameters; tool_choice auto, none, required or a named function). The legacy functions /
 * function_call members and the function role are refused naming their replacement. False with
 * fault filled (c freed) when they are not those shapes. */
bool gw_conversation_read(const json_t *root, gw_conversation *c, gw_conversation_fault *fault);
void gw_conversation_free(gw_conversation *c);

#endif
