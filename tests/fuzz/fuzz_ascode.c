/* libFuzzer harness of the catalog-file reader and the LiteLLM importer: any input parses into
 * a tree or is refused with a positioned error; a parsed tree either translates (notes for what
 * does not map) or is refused with a message — never a crash, leak or half-built tree. */
#include <stdint.h>
#include <stdlib.h>

#include "ascode/ascode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ASC_FILE_MAX)
        return 0;
    asc_report report = {0};
    asc_doc doc;
    mm_error err = {0};
    if (asc_doc_parse((const char *)data, size, "fuzz", &doc, &report, &err) != MM_OK) {
        if (!err.message[0] || report.errors.count == 0)
            abort(); /* a refusal always says why and where */
    } else if (asc_litellm_import(&doc, NULL, &report, &err) != MM_OK) {
        if (!err.message[0])
            abort();
    } else {
        char *text = NULL;
        if (!json_is_object(doc.root) || asc_text_write(doc.root, true, &text, &err) != MM_OK)
            abort(); /* the translation is a tree export can write */
        free(text);
    }
    asc_doc_free(&doc);
    asc_report_free(&report);
    return 0;
}
