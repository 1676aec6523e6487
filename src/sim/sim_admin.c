/* mmsim's admin API under /_sim/: health, reading and replacing the scenario live, reset to
 * all-healthy, and request statistics. Answers are JSON with "ok" and, on error, "error". */
#include "sim/sim_dispatch.h"
#include "sim/sim_reply.h"

#include <stdio.h>
#include <string.h>

static void admin_error(sim_reply *reply, unsigned status, const char *message)
{
    sim_reply_json(reply, status, json_pack("{s:b,s:s}", "ok", 0, "error", message));
}

static void replace_scenario(sim_state *state, const sim_incoming *in, sim_reply *reply)
{
    if (in->body_too_large) {
        admin_error(reply, 413, "scenario too large: the limit is 1048576 bytes");
        return;
    }
    char problem[400];
    sim_scenario *scenario = sim_scenario_parse(in->body ? in->body : "", in->body_len,
                                                state->default_seed, problem, sizeof problem);
    if (!scenario) {
        char message[480];
        snprintf(message, sizeof message, "scenario refused, the previous one stays: %s", problem);
        admin_error(reply, 400, message);
        return;
    }
    size_t rules = scenario->rule_count;
    sim_state_replace(state, scenario);
    sim_reply_json(reply, 200, json_pack("{s:b,s:I}", "ok", 1, "rules", (json_int_t)rules));
}

static void reset(sim_state *state, sim_reply *reply)
{
    sim_scenario *scenario = sim_scenario_empty(state->default_seed);
    if (!scenario) {
        admin_error(reply, 500, "out of memory");
        return;
    }
    sim_state_replace(state, scenario);
    sim_state_reset_stats(state);
    sim_reply_json(reply, 200, json_pack("{s:b}", "ok", 1));
}

static void wrong_method(sim_reply *reply, const char *allowed)
{
    char message[128];
    snprintf(message, sizeof message, "method not allowed here: use %s", allowed);
    admin_error(reply, 405, message);
    sim_reply_set_header(reply, "Allow", allowed);
}

void sim_admin_route(sim_state *state, const sim_incoming *in, sim_reply *reply)
{
    const char *path = in->url + (in->url[0] == '/' ? 1 : 0);
    bool get = strcmp(in->method, "GET") == 0;
    bool post = strcmp(in->method, "POST") == 0;
    bool put = strcmp(in->method, "PUT") == 0;
    if (strcmp(path, "_sim/health") == 0) {
        if (get)
            sim_reply_json(reply, 200, json_pack("{s:b}", "ok", 1));
        else
            wrong_method(reply, "GET");
    } else if (strcmp(path, "_sim/scenario") == 0) {
        if (get)
            sim_reply_json(reply, 200, sim_state_scenario_json(state));
        else if (put || post)
            replace_scenario(state, in, reply);
        else
            wrong_method(reply, "GET, PUT, POST");
    } else if (strcmp(path, "_sim/reset") == 0) {
        if (post)
            reset(state, reply);
        else
            wrong_method(reply, "POST");
    } else if (strcmp(path, "_sim/stats") == 0) {
        if (get)
            sim_reply_json(reply, 200, sim_state_stats(state));
        else
            wrong_method(reply, "GET");
    } else if (strcmp(path, "_sim/last-request") == 0) {
        if (get)
            sim_reply_json(reply, 200, sim_state_last_request(state));
        else
            wrong_method(reply, "GET");
    } else {
        admin_error(reply, 404,
                    "unknown admin path: use /_sim/health, /_sim/scenario, /_sim/reset, "
                    "/_sim/stats or /_sim/last-request");
    }
}
