/* Who holds a router reservation: a process's identity (pid, its start time since boot, the
 * boot's id) and whether the process it names has ended; whether a second thread would likely
 * find a CPU idle (Linux /proc facts); how a finished command's process ends; SIGPIPE blocked. */
#ifndef MM_UTIL_PROCESS_H
#define MM_UTIL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#define MM_BOOT_ID_MAX 40 /* /proc/sys/kernel/random/boot_id: a 36-character UUID */

typedef struct mm_process_identity {
    int64_t pid;
    int64_t start_ticks; /* /proc/<pid>/stat field 22: clock ticks after boot; 0 when unknown */
    char boot_id[MM_BOOT_ID_MAX]; /* "" when unknown */
} mm_process_identity;

typedef enum mm_process_state {
    MM_PROCESS_RUNNING = 0, /* the same process still runs */
    MM_PROCESS_ENDED,       /* this boot has no such process (or the pid was reused) */
    MM_PROCESS_UNKNOWN      /* another boot or machine, or no identity: cannot tell */
} mm_process_state;

/* This process's identity (fields left 0 / "" when /proc cannot say). */
void mm_process_self(mm_process_identity *out);
/* Whether the process id names still runs, judged on this machine's /proc. */
mm_process_state mm_process_state_of(const mm_process_identity *id);

/* Whether a second thread of this process would likely run at once: the 1-minute load average
 * (getloadavg) leaves at least one of the CPUs this process may run on (sched_getaffinity) idle.
 * False when either cannot be read. */
bool mm_process_core_idle(void);
/* The rule of mm_process_core_idle: at least two CPUs (one runs this thread), and load1
 * (runnable tasks, averaged over a minute) + 1 <= cpus. */
bool mm_process_core_idle_at(double load1, int cpus);

/* Blocks SIGPIPE in the calling thread and the threads it starts after: a write to a pipe or
 * socket whose reader has gone then fails with EPIPE, for the writer to handle, instead of
 * killing the process with its work unwritten (a request's usage, a lease). */
void mm_process_block_sigpipe(void);

/* Ends the process of a finished command with exit status code: every output stream flushed
 * (fflush(NULL)), then _exit, without the exit handlers and the libraries' destructors
 * (OpenSSL, loaded with libcurl, frees its tables at exit: ~0.6 M instructions after a send's
 * answer). The catalog must be closed first. Returns code instead, for the caller to exit
 * normally, when a flush fails (stdio reports nothing more either way) or in a build that checks
 * leaks at exit (AddressSanitizer), which needs the whole teardown. */
int mm_process_end(int code);
/* The rule of mm_process_end: full_teardown returns code at once; otherwise flush and _exit. */
int mm_process_end_at(int code, bool full_teardown);

#endif
