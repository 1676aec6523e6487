/* Building mmsim replies (JSON or text bodies, extra headers) and reading request details
 * (parsed JSON body, query and header values, a masked hint of a key). */
#ifndef MM_SIM_SIM_REPLY_H
#define MM_SIM_SIM_REPLY_H

#include "sim/sim.h"

/* Sets status and a compact JSON body; steals the reference to body. */
void sim_reply_json(sim_reply *reply, unsigned status, json_t *body);
void sim_reply_text(sim_reply *reply, unsigned status, const char *content_type, const char *text);
void sim_reply_header(sim_reply *reply, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets name to value, replacing an earlier value of the same header. */
void sim_reply_set_header(sim_reply *reply, const char *name, const char *value);
void sim_reply_free(sim_reply *reply);

/* The request body parsed as a JSON object (new reference), or NULL if it is not one. */
json_t *sim_request_json(const sim_request *req);
const char *sim_request_header(const sim_request *req, const char *name);
const char *sim_request_query(const sim_request *req, const char *name);
/* The bearer token of an Authorization header, or NULL. */
const char *sim_request_bearer(const sim_request *req);
/* A query number in [1, max] (default when absent); false if present but not such a number. */
bool sim_request_page_size(const sim_request *req, const char *name, size_t fallback, size_t max,
                           size_t *out);
bool sim_request_is(const sim_request *req, const char *method, const char *path);
/* "sk-t…wxyz": enough to recognise a key, never the whole of it. */
void sim_key_hint(const char *key, char *out, size_t outsz);
/* The page size limit: the scenario's cap when set, else the provider's maximum. */
size_t sim_page_cap(const sim_request *req, size_t provider_max);

#endif
