#!/usr/bin/env python3
# Checks that a pop-up clears its rectangle (issue 14): on the rows of the first box opened
# below the frames' top line, nothing but blanks and frame lines shows beside it.
# Usage: popup_margins.py SCREEN_FILE  (exit 1 and the offending rows when page text shows)
import sys

rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
top = next((y for y, r in enumerate(rows) if y > 1 and "┌" in r), None)
if top is None:
    sys.exit("no pop-up on the screen")
left = rows[top].index("┌")
right = rows[top].index("┐", left)
bottom = next((y for y in range(top + 1, len(rows)) if rows[y][left : left + 1] == "└"), None)
if bottom is None:
    sys.exit("the pop-up has no bottom line")
bad = []
for y in range(top + 1, bottom):
    row = rows[y]
    beside = row[:left] + row[right + 1 :]
    if beside.strip(" │"):
        bad.append(f"row {y}: {row}")
if bad:
    print("page text beside the pop-up:\n" + "\n".join(bad))
    sys.exit(1)
