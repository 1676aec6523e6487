/* util/module.c's preload of a library's dependencies (issue 15: libcurl's, deepest first, before
 * libcurl): each listed library that exists is loaded, one that does not is skipped and leaves no
 * error behind, and the library that needs them then loads as before. */
#include "testutil.h"

#include <ctype.h>
#include <dlfcn.h>

#include "util/module.h"

static bool loaded(const char *soname)
{
    void *handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (handle)
        dlclose(handle); /* only the reference RTLD_NOLOAD took */
    return handle != NULL;
}

static void test_loads_those_present_skips_the_rest(void **state)
{
    (void)state;
    assert_false(loaded("libz.so.1")); /* a test program links no zlib (mmadmin's libcurl does) */
    mm_library_preload("  libmm-no-such-library.so.9   libz.so.1 libmm-nor-this.so.1 ");
    assert_null(dlerror()); /* the skipped ones' errors are not left for the next caller */
    assert_true(loaded("libz.so.1"));

    const char *const names[] = {"zlibVersion"};
    void *slot[1] = {NULL};
    char error[256] = "";
    assert_true(mm_library_load("libz.so.1", names, slot, 1, error, sizeof error));
    const char *(*version)(void) = (const char *(*)(void))slot[0];
    assert_true(isdigit((unsigned char)version()[0])); /* "1.2.13": the preloaded copy's */
}

static void test_an_empty_list_loads_nothing(void **state)
{
    (void)state;
    mm_library_preload("");
    mm_library_preload("   ");
    assert_null(dlerror());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_those_present_skips_the_rest),
        cmocka_unit_test(test_an_empty_list_loads_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
