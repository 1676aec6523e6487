/* mmsim's HTTP front: a libmicrohttpd daemon on 127.0.0.1 with a thread per connection (so a
 * hanging answer never blocks others), request bodies capped, one log line per request. */
#ifndef MM_SIM_SIM_SERVER_H
#define MM_SIM_SIM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_scenario.h"

typedef struct sim_server {
    struct MHD_Daemon *daemon;
    sim_state *state;
    bool quiet;
    uint16_t port;
} sim_server;

/* Listens on 127.0.0.1:port (0 = a free port, then server->port says which). On failure
 * writes a message into err and returns false. */
bool sim_server_start(sim_server *server, sim_state *state, uint16_t port, bool quiet, char *err,
                      size_t errsz);
/* Stops accepting, wakes sleeping handlers (via the state) and joins every thread. */
void sim_server_stop(sim_server *server);

#endif
