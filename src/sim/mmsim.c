/* mmsim entry point (being built: see issue 3). */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "mmsim: not built yet\n");
    return 1;
}
