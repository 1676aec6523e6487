/* mmsim's image and audio answers (issue 16), deterministic per request: OpenAI-shaped
 * /images/generations, /audio/transcriptions (multipart), /audio/speech, and Gemini Imagen. */
#ifndef MM_SIM_SIM_MEDIA_H
#define MM_SIM_SIM_MEDIA_H

#include "sim/sim.h"

/* Whether an OpenAI-shaped path is a media operation ("/images/generations", ...; the path
 * after the deployment on Azure). */
bool sim_media_path(const char *path);
/* Whether a model id names a media model mmsim serves (dall-e*, gpt-image*, whisper*, tts*,
 * *transcribe*, *-tts, imagen*). */
bool sim_media_model(const char *model);
/* Answers the OpenAI-shaped media operation at path for model (NULL: take the body's "model",
 * as OpenAI does; Azure names the deployment). Returns what is wrong with the request (then
 * reply is untouched) or NULL. */
const char *sim_media_openai(const sim_request *req, sim_reply *reply, const char *path,
                             const char *model);
/* Imagen :predict {"instances":[{"prompt"}],"parameters":{"sampleCount"}} ->
 * {"predictions":[{"bytesBase64Encoded","mimeType"}]}. */
const char *sim_media_imagen(const sim_request *req, sim_reply *reply);

#endif
