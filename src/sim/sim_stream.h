/* mmsim's streamed answers: a finished chat answer re-told as its provider's server-sent
 * events (OpenAI chunks, Anthropic and Cohere v2 named events, Gemini GenerateContentResponses). */
#ifndef MM_SIM_SIM_STREAM_H
#define MM_SIM_SIM_STREAM_H

#include "sim/sim.h"

/* Whether the request asks for a stream: "stream": true in the body, or Gemini's
 * :streamGenerateContent. */
bool sim_stream_wanted(const sim_request *req);
/* Turns the 200 chat answer in reply into reply->events (each a whole event with its blank
 * line), the phase's token_ms apart, cut halfway when the stream_break fault fires. Leaves a
 * reply it cannot read (not a chat answer) as it is. */
void sim_stream_answer(const sim_request *req, sim_reply *reply);

#endif
