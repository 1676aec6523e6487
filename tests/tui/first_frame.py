#!/usr/bin/env python3
# Measures the console's start-up: wall time from spawning mmadmin on a 120x40 pseudo-terminal
# to the last byte of its first frame (output then quiet for 300 ms), and the bytes written for
# that frame. Usage: first_frame.py MMADMIN [runs]  (MM_DB / MM_MASTER_KEY from the environment)
import fcntl, os, pty, select, statistics, struct, sys, termios, time

def one_run(binary):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.environ.setdefault("TERM", "xterm-256color")
        os.execv(binary, [binary])
    start = time.monotonic()
    total, last = 0, start
    while True:
        ready, _, _ = select.select([fd], [], [], 0.3)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        total += len(chunk)
        last = time.monotonic()
    os.write(fd, b"q")
    os.waitpid(pid, 0)
    os.close(fd)
    return (last - start) * 1000.0, total

runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
results = [one_run(sys.argv[1]) for _ in range(runs)]
times = [r[0] for r in results]
print("first frame at 120x40: median %.1f ms (min %.1f, max %.1f), %d bytes"
      % (statistics.median(times), min(times), max(times), results[-1][1]))
