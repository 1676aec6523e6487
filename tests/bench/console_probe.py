#!/usr/bin/env python3
# Measures a full-screen program on a 120x40 pseudo-terminal: ms to the last byte of its first
# frame, its resident memory then (VmRSS, KB), and the median ms from a key (Down arrow, KEYS
# times) to the last byte of the redraw it causes (a key with no redraw within 2 s counts as
# 2000 ms).
# The first frame ends at the last byte before output is quiet for PROBE_QUIET_MS (30 ms: the
# frame's bytes are complete; a later frame, such as a second snapshot or htop's next refresh,
# is not counted), once 1,000 bytes came (curses sends ~65 bytes of terminal set-up first); the
# same rule for every program measured, and for a key's redraw. With PROBE_READY_TEXT set, the first frame is the one
# that shows that text (the Health page: "Status: last", drawn once the figures are there, not
# the "reading" frame before them). RSS is read 300 ms after that frame (settled), and again
# PROBE_LATER_S seconds after it (default 0: not read, printed as 0), after the keys, while the
# console runs on (the health prober's first round has ended by then). The keys are sent once
# the screen has been quiet for PROBE_SETTLE_MS (300; at most 5 s of waiting for it).
# PROBE_PREFIX: keys sent first, one at a time, each waited for and not measured (a filter's
# "/"); PROBE_SEQUENCE: the keys measured instead of KEYS Down arrows (one byte each; both take
# Python escapes, "\x7f" for Backspace).
# Usage: console_probe.py KEYS PROGRAM [ARGS...]
#   -> "first_ms rss_kb key_ms later_rss_kb" on stdout
import fcntl, os, pty, select, statistics, struct, sys, termios, time

def read_until_quiet(fd, quiet, first_wait, at_least=1, ready_text=b""):
    """Time of the last byte read before quiet seconds without output, once at_least bytes
    and ready_text came (waiting up to first_wait seconds for them), or None when nothing
    came."""
    last, total, seen = None, 0, b""
    while True:
        ready_seen = not ready_text or ready_text in seen
        done = total >= at_least and ready_seen
        ready, _, _ = select.select([fd], [], [], quiet if done else first_wait)
        if not ready:
            return last
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return last
        if not chunk:
            return last
        total += len(chunk)
        if ready_text and ready_text not in seen:
            seen = seen[-len(ready_text):] + chunk
        last = time.monotonic()

keys = int(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    os.environ["TERM"] = "xterm-256color"
    os.execvp(argv[0], argv)
start = time.monotonic()
# a frame, not the terminal set-up alone (curses sends ~65 bytes before drawing anything)
ready_text = os.environ.get("PROBE_READY_TEXT", "").encode()
quiet = float(os.environ.get("PROBE_QUIET_MS", "30")) / 1000.0
first = read_until_quiet(fd, quiet, 60, at_least=1000, ready_text=ready_text) or start
# later frames (a second snapshot, the prober's first state in the header) before RSS and keys:
# the keys are pressed once the screen has settled, as a person does after it opens, so a key's
# time is its own redraw and not the start-up's frames that happen to follow it
settle = float(os.environ.get("PROBE_SETTLE_MS", "300")) / 1000.0
settle_until = time.monotonic() + 5.0
while time.monotonic() < settle_until and read_until_quiet(fd, settle, settle):
    pass
def resident_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

rss = resident_kb(pid)
def key_bytes(name):
    text = os.environ.get(name, "").encode().decode("unicode_escape")
    return [bytes([c]) for c in text.encode("latin-1")]
for key in key_bytes("PROBE_PREFIX"):
    os.write(fd, key)
    read_until_quiet(fd, 0.1, 2)
lat = []
# Down in application cursor mode (keypad on), unless PROBE_SEQUENCE names the keys
for key in key_bytes("PROBE_SEQUENCE") or [b"\x1bOB"] * keys:
    sent = time.monotonic()
    os.write(fd, key)
    last = read_until_quiet(fd, quiet, 2)
    # no redraw within the 2 s waited is counted as 2 s (a floor), never as 0 ms
    lat.append((last - sent) * 1000.0 if last else 2000.0)
later_rss, later_s = 0, float(os.environ.get("PROBE_LATER_S", "0"))
if later_s > 0:
    until = first + later_s
    while time.monotonic() < until:  # drain the frames meanwhile, so the console never blocks
        ready, _, _ = select.select([fd], [], [], max(0.0, until - time.monotonic()))
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    later_rss = resident_kb(pid)
os.write(fd, b"q")
try:
    read_until_quiet(fd, 0.2, 0.2)
except Exception:
    pass
try:
    os.kill(pid, 15)
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
print("%.1f %d %.2f %d" % ((first - start) * 1000.0, rss, statistics.median(lat) if lat else 0.0,
                          later_rss))
