/* The /metrics HTTP endpoint over libmicrohttpd: one listening thread that answers GET /metrics
 * with the text a render callback writes (404 for other paths, 405 for other methods). */
#ifndef MM_METRICS_SERVER_H
#define MM_METRICS_SERVER_H

#include <stdint.h>

#include "error.h"
#include "metrics/promtext.h"

/* Writes the exposition into out (initialized, freed by the server). Called on the server's
 * one thread, one scrape at a time. A status other than MM_OK answers 500 with err's message. */
typedef mm_status (*metrics_render_fn)(void *ctx, mm_promtext *out, mm_error *err);

typedef struct mm_metrics_server mm_metrics_server;

/* Parses "ADDR:PORT" (an IPv4 address or "localhost"; PORT 0..65535, 0 = a free port).
 * MM_E_INVALID naming the option and what is accepted. */
mm_status metrics_listen_parse(const char *text, uint32_t *ipv4_host_order, uint16_t *port,
                               mm_error *err);
/* Listens on addr ("ADDR:PORT") and serves scrapes with render(ctx). MM_E_INVALID for a bad
 * address, MM_E_IO when the port cannot be bound (in use, no permission). */
mm_status metrics_server_start(const char *addr, metrics_render_fn render, void *ctx,
                               mm_metrics_server **out, mm_error *err);
/* The bound port (the chosen one when started with port 0). */
uint16_t metrics_server_port(const mm_metrics_server *server);
/* Stops listening, waits for a scrape in progress, frees the server. NULL is ignored. */
void metrics_server_stop(mm_metrics_server *server);

#endif
