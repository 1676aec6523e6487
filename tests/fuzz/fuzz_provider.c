/* libFuzzer harness of every provider adapter's answer parsers: the first byte picks the
 * provider and the answer kind (list, chat, embed, error), the second the HTTP status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/provider_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const mm_provider_info *p = provider_at(data[0] % provider_count());
    int kind = (data[0] / 16) % 4;
    static const long STATUSES[] = {200, 400, 401, 403, 404, 429, 500, 503, 529, 302};
    long status = STATUSES[data[1] % (sizeof STATUSES / sizeof STATUSES[0])];
    mm_http_response resp;
    memset(&resp, 0, sizeof resp);
    resp.status = status;
    resp.body_len = size - 2;
    resp.body = malloc(resp.body_len + 1);
    memcpy(resp.body, data + 2, resp.body_len);
    resp.body[resp.body_len] = '\0';
    resp.transport_class = MM_CLASS_OK;
    mm_string_list_append(&resp.headers, "retry-after: 7");
    mm_connection conn = {
        .provider = p, .base_url = "http://127.0.0.1:9/v1", .api_key = "sk-fuzz-key-0123456789"};
    mm_call_result res;
    mm_call_result_init(&res);
    char *next = NULL;
    if (kind == 0)
        provider_parse_list_response(&conn, &resp, &res, &next);
    else if (kind == 1)
        provider_parse_chat_response(&conn, &resp, &res);
    else if (kind == 2)
        provider_parse_embed_response(&conn, &resp, &res);
    else
        provider_classify_failure(&conn, &resp, &res);
    if (strstr(res.message, "sk-fuzz-key-0123456789") ||
        (res.output && strstr(res.output, "fuzz-key-01")))
        abort(); /* the key must never come back out */
    free(next);
    mm_call_result_free(&res);
    mm_http_response_free(&resp);
    return 0;
}
