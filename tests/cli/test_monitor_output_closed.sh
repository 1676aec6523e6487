#!/usr/bin/env bash
# `mmadmin monitor` whose output is a pipe nobody reads any more (`mmadmin monitor | head -1`)
# stops as SIGTERM stops it: the prober lease released at once for another monitor or console,
# and it says why on stderr and exits 1; it was killed by SIGPIPE (141) holding the lease, so no
# one probed until the lease ran out.
source "$(dirname "$0")/lib.sh"

assert_ok account add a1 --provider openai-compatible --endpoint http://127.0.0.1:9/v1

# the reader stops once the monitor holds the lease: the next round's line meets a closed pipe
LAST_CMD="mmadmin monitor --interval 1 | (read up to 'prober now')"
RC=$(python3 - "$MMADMIN" "$ERR" <<'PY'
import subprocess, sys
with open(sys.argv[2], "w") as err:
    mon = subprocess.Popen([sys.argv[1], "monitor", "--interval", "1"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=err)
    for line in mon.stdout:
        if b"prober now" in line:
            break
    mon.stdout.close()
    code = mon.wait()
print(code if code >= 0 else 128 - code)
PY
)
: >"$OUT"
assert_rc 1 && assert_contains err "writing the output failed"
held=$(catalog_sql "SELECT count(*) FROM leases WHERE name = 'prober'")
[ "$held" = 0 ] || fail "the prober lease is still held: $(catalog_sql "SELECT * FROM leases")"
finish
