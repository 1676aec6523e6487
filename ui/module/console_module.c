/* The console module's entry (mmadmin-console.so): the checks of --page and --demo, then the
 * demo (src/demo) or the console (ui_main). main.c loads it only when no command is given. */
#include <stdio.h>

#include "cli/cli_util.h"
#include "demo/demo.h"
#include "ui.h"

mm_console_main_fn mm_console_main;

static int open_console(const char *db_path, const char *start_page)
{
    mm_ui_options opts = {.db_path = db_path, .start_page = start_page};
    return ui_main(&opts);
}

int mm_console_main(const mm_console_args *args)
{
    char pages[160];
    if (args->page && !ui_page_id_known(args->page, pages, sizeof pages)) {
        fprintf(stderr, "mmadmin: no page '%s'; --page takes one of: %s\n", args->page, pages);
        return CLI_EXIT_USAGE;
    }
    if (args->demo) {
        if (args->db_path || args->read_only) {
            fprintf(stderr, "mmadmin: --demo makes its own throw-away catalog; drop --db and "
                            "--read-only\n");
            return CLI_EXIT_USAGE;
        }
        return demo_run(args->page, open_console);
    }
    mm_ui_options opts = {
        .db_path = args->db_path, .read_only = args->read_only, .start_page = args->page};
    return ui_main(&opts);
}
