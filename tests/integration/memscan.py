#!/usr/bin/env python3
# Counts how many times each given key occurs in a live process's memory (/proc/PID/mem, every
# readable mapping under 64 MiB: ASan's shadow is skipped), as a core file would show it.
# Usage: memscan.py PID KEY...  -> prints "KEY COUNT" lines; exit 2 when memory is unreadable.
import re
import sys

pid, keys = sys.argv[1], [k.encode() for k in sys.argv[2:]]
counts = {k: 0 for k in keys}
try:
    maps = open(f"/proc/{pid}/maps").read().splitlines()
    mem = open(f"/proc/{pid}/mem", "rb", 0)
except OSError as e:
    print(f"cannot read the memory of {pid}: {e}", file=sys.stderr)
    sys.exit(2)
read_any = False
for line in maps:
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    if perms[0] != "r" or end - start > (64 << 20) or "[vvar]" in line or "[vsyscall]" in line:
        continue
    try:
        mem.seek(start)
        data = mem.read(end - start)
    except OSError:
        continue
    read_any = True
    for k in keys:
        counts[k] += data.count(k)
if not read_any:
    print(f"no readable memory in {pid}", file=sys.stderr)
    sys.exit(2)
for k in keys:
    print(k.decode(), counts[k])
