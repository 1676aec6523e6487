#!/usr/bin/env python3
# Makes a captured screen constant between runs for the golden screens: the header line (the
# prober's state), mmsim's port and call latencies; each line keeps its width (the gap after a
# replaced text takes up or gives back the difference). Usage: golden_normalize.py PORT < screen
import re
import sys

PORT = sys.argv[1] if len(sys.argv) > 1 else ""
RULES = [(re.compile(r"\d+ ?ms\b"), "N ms")]
if PORT:
    RULES.append((re.compile(re.escape("127.0.0.1:" + PORT)), "127.0.0.1:PORT"))


def keep_width(line, start, delta):
    """Adds delta spaces to (or removes -delta from) the first gap at or after start."""
    if delta > 0:
        at = line.find("  ", start)
        return line if at < 0 else line[:at] + " " * delta + line[at:]
    if delta < 0:
        at = line.find(" " * (1 - delta), start)
        return line if at < 0 else line[:at] + line[at - delta :]
    return line


def normalize(line):
    for pattern, text in RULES:
        pos = 0
        while True:
            m = pattern.search(line, pos)
            if not m:
                break
            line = line[: m.start()] + text + line[m.end() :]
            end = m.start() + len(text)
            line = keep_width(line, end, len(m.group(0)) - len(text))
            pos = end
    return line


lines = sys.stdin.read().split("\n")
if lines and lines[0]:
    lines[0] = " mmadmin  (header not compared: the prober state moves)"
sys.stdout.write("\n".join(normalize(line) for line in lines))
