/* Process identities from /proc: pid + start time + boot id, so a pid reused after the process
 * ended, or a process of an earlier boot, is never mistaken for the one that is gone; whether
 * the load average leaves one of this process's CPUs idle; the end of a finished command. */
#include "util/process.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_boot_id(char *out, size_t outsz)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (fgets(out, (int)outsz, f))
        out[strcspn(out, "\r\n")] = '\0';
    else
        out[0] = '\0';
    fclose(f);
}

/* Field 22 of /proc/<pid>/stat, counted after the command name's closing parenthesis (the
 * name may itself hold spaces and parentheses). 0 when the process does not exist or is a
 * zombie (it ended; its parent has not collected it yet). */
static int64_t read_start_ticks(int64_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *p = strrchr(line, ')');
    if (!p)
        return 0;
    p++;
    while (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'X') /* field 3, the state: ended */
        return 0;
    for (int field = 3; field <= 22 && p; field++) { /* p is before field `field` */
        while (*p == ' ')
            p++;
        if (field == 22)
            return strtoll(p, NULL, 10);
        p = strchr(p, ' ');
    }
    return 0;
}

void mm_process_self(mm_process_identity *out)
{
    memset(out, 0, sizeof *out);
    out->pid = (int64_t)getpid();
    out->start_ticks = read_start_ticks(out->pid);
    read_boot_id(out->boot_id, sizeof out->boot_id);
}

mm_process_state mm_process_state_of(const mm_process_identity *id)
{
    if (!id || id->pid <= 0 || !id->boot_id[0])
        return MM_PROCESS_UNKNOWN;
    char boot[MM_BOOT_ID_MAX];
    read_boot_id(boot, sizeof boot);
    if (strcmp(boot, id->boot_id) != 0)
        return MM_PROCESS_UNKNOWN; /* another machine sharing the catalog, or before a reboot */
    if (kill((pid_t)id->pid, 0) != 0 && errno == ESRCH)
        return MM_PROCESS_ENDED;
    int64_t start = read_start_ticks(id->pid);
    if (start == 0)
        return MM_PROCESS_ENDED; /* a zombie, or gone since kill() */
    return id->start_ticks == 0 || start == id->start_ticks ? MM_PROCESS_RUNNING : MM_PROCESS_ENDED;
}

bool mm_process_core_idle_at(double load1, int cpus)
{
    return cpus >= 2 && load1 >= 0 && load1 + 1.0 <= (double)cpus; /* one for this thread */
}

bool mm_process_core_idle(void)
{
    double load1 = 0;
    cpu_set_t cpus;
    if (getloadavg(&load1, 1) != 1 || sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        return false;
    return mm_process_core_idle_at(load1, CPU_COUNT(&cpus));
}

void mm_process_block_sigpipe(void)
{
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
}

/* AddressSanitizer's leak check runs at exit: such a build keeps the whole teardown. */
#if defined(__SANITIZE_ADDRESS__)
#define MM_CHECKS_AT_EXIT true
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MM_CHECKS_AT_EXIT true
#endif
#endif
#ifndef MM_CHECKS_AT_EXIT
#define MM_CHECKS_AT_EXIT false
#endif

int mm_process_end_at(int code, bool full_teardown)
{
    if (full_teardown || fflush(NULL) != 0)
        return code;
    _exit(code);
}

int mm_process_end(int code)
{
    return mm_process_end_at(code, MM_CHECKS_AT_EXIT);
}
