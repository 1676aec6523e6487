/* libFuzzer harness of mmsim's scenario parser: any input is a valid scenario or refused with
 * a message naming the field. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/sim_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    sim_scenario *s = sim_scenario_parse((const char *)data, size, 42, err, sizeof err);
    if (s)
        sim_scenario_free(s);
    else if (!err[0])
        abort();
    return 0;
}
