/* libFuzzer harness of the price file parser (mmadmin's own format and LiteLLM's price map,
 * told apart by shape): any input parses or is refused with a message, never half-read. */
#include <stdint.h>
#include <stdlib.h>

#include "router/pricing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pricing_file file;
    mm_error err = {0};
    if (pricing_parse_text((const char *)data, size, "fuzz", &file, &err) == MM_OK)
        pricing_file_free(&file);
    else if (!err.message[0])
        abort(); /* a refusal always says why */
    return 0;
}
