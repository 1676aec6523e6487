/* How mmsim answers one HTTP request, independent of the HTTP library: the admin API under
 * /_sim/, or a provider dialect with the scenario's latency, authentication and faults. */
#ifndef MM_SIM_SIM_DISPATCH_H
#define MM_SIM_SIM_DISPATCH_H

#include "sim/sim.h"

typedef struct sim_incoming {
    const char *method;
    const char *url; /* path only, already percent-decoded */
    const char *body;
    size_t body_len;
    bool body_too_large;
    sim_lookup_fn header;
    sim_lookup_fn query;
    void *lookup_source;
} sim_incoming;

/* Fills reply. Returns false when the server is stopping and the connection should just be
 * closed (a hang or latency was cut short). */
bool sim_dispatch(sim_state *state, const sim_incoming *in, sim_reply *reply);
/* The admin API: health, scenario (GET, PUT/POST), reset, stats. */
void sim_admin_route(sim_state *state, const sim_incoming *in, sim_reply *reply);

#endif
