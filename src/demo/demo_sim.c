/* The demo's simulator child: finds the mmsim binary, starts it on a free loopback port with
 * the demo scenario, reads the port it prints, and stops it without leaving it behind. */
#include "demo/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"

#define DEMO_SIM_START_TIMEOUT_MS 10000
#define DEMO_SIM_STOP_GRACE_MS 3000

/* $MMSIM, else mmsim beside this executable, else "mmsim" (looked up on PATH). */
static void find_mmsim(char *out, size_t outsz)
{
    const char *env = getenv("MMSIM");
    if (mm_present(env)) {
        mm_copy(out, outsz, env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        size_t dir_len = slash ? (size_t)(slash - self) + 1 : 0;
        if (slash && dir_len + sizeof "mmsim" <= outsz) {
            memcpy(out, self, dir_len);
            memcpy(out + dir_len, "mmsim", sizeof "mmsim");
            if (access(out, X_OK) == 0)
                return;
        }
    }
    mm_copy(out, outsz, "mmsim");
}

static void exec_child(const char *binary, const char *scenario, const char *log_path,
                       int stdout_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the console */
    int devnull = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    dup2(stdout_fd, STDOUT_FILENO);
    dup2(log >= 0 ? log : devnull, STDERR_FILENO);
    execlp(binary, binary, "--port", "0", "--scenario", scenario, "--quiet", (char *)NULL);
    _exit(127);
}

/* Reads the first line (the port) within the start timeout. */
static int read_port(int fd)
{
    char line[32];
    size_t used = 0;
    while (used < sizeof line - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, DEMO_SIM_START_TIMEOUT_MS) <= 0)
            return -1;
        ssize_t n = read(fd, line + used, 1);
        if (n <= 0)
            return -1;
        if (line[used] == '\n')
            break;
        used++;
    }
    line[used] = '\0';
    char *end = NULL;
    long port = strtol(line, &end, 10);
    return (end != line && port > 0 && port < 65536) ? (int)port : -1;
}

mm_status demo_sim_start(const char *scenario_path, const char *log_path, demo_sim *sim,
                         mm_error *err)
{
    char binary[PATH_MAX];
    find_mmsim(binary, sizeof binary);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return mm_error_set(err, MM_E_IO, NULL, "cannot create a pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return mm_error_set(err, MM_E_IO, NULL, "cannot start mmsim: %s", strerror(errno));
    }
    if (pid == 0)
        exec_child(binary, scenario_path, log_path, fds[1]);
    close(fds[1]);
    sim->pid = pid;
    sim->stdout_fd = fds[0];
    sim->port = read_port(fds[0]);
    if (sim->port < 0) {
        demo_sim_stop(sim);
        return mm_error_set(err, MM_E_IO, NULL,
                            "the simulator '%s' did not start (see %s); build it with 'make' or "
                            "set MMSIM to its path",
                            binary, log_path);
    }
    return MM_OK;
}

static bool wait_exit(pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000L}, NULL);
    }
    return false;
}

void demo_sim_stop(demo_sim *sim)
{
    if (sim->pid > 0) {
        kill(sim->pid, SIGTERM);
        if (!wait_exit(sim->pid, DEMO_SIM_STOP_GRACE_MS)) {
            kill(sim->pid, SIGKILL);
            waitpid(sim->pid, NULL, 0);
        }
        sim->pid = 0;
    }
    if (sim->stdout_fd >= 0) {
        close(sim->stdout_fd);
        sim->stdout_fd = -1;
    }
}
