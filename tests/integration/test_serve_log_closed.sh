#!/usr/bin/env bash
# `mmadmin serve` whose log (stderr) is a pipe nobody reads any more (`mmadmin serve 2>&1 |
# head -3`, a log collector gone) keeps serving: a log line meeting the closed pipe killed the
# gateway by SIGPIPE, at its first line (or later, mid-request), with its usage unwritten. It
# still stops on SIGTERM with every served request's event written, and exits 0.
source "$(dirname "$0")/router_lib.sh"

sim_start
add_account up
chain chat up
assert_ok workspace add free
assert_ok entitle chat free
assert_ok workspace key add free
KEY=$(tr -d '\n' <"$OUT")

# stderr: a pipe whose reading end is closed before serve starts (python holds the writing end)
python3 - "$MMADMIN" "$TEST_TMP" <<'PY' &
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
with open(sys.argv[2] + "/serve.out", "w") as out:
    serve = subprocess.Popen([sys.argv[1], "serve", "--listen", "127.0.0.1:0"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=w)
    with open(sys.argv[2] + "/serve.pid", "w") as f:
        f.write(str(serve.pid))
    code = serve.wait()
with open(sys.argv[2] + "/serve.rc", "w") as f:
    f.write(str(code if code >= 0 else 128 - code))
PY
RUNNER=$!
CLEANUP_PIDS+=("$RUNNER")
port=
for _ in $(seq 300); do # a bound on the wait, not a timing check
    port=$(head -n 1 "$TEST_TMP/serve.out" 2>/dev/null)
    [[ $port =~ ^[0-9]+$ ]] && break
    [ -s "$TEST_TMP/serve.rc" ] && break
    sleep 0.1
done
if [[ ! $port =~ ^[0-9]+$ ]]; then
    wait "$RUNNER"
    fail "serve ended before it served (exit $(cat "$TEST_TMP/serve.rc" 2>/dev/null))"
    finish
fi
for i in 1 2 3; do
    code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
        -H "Authorization: Bearer $KEY" \
        -d '{"model":"chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4}')
    [ "$code" = 200 ] || fail "request $i: HTTP $code"
done
kill -TERM "$(cat "$TEST_TMP/serve.pid")"
wait "$RUNNER"
[ "$(cat "$TEST_TMP/serve.rc")" = 0 ] || fail "serve exited $(cat "$TEST_TMP/serve.rc") on SIGTERM"
events=$(catalog_sql "SELECT count(*) FROM usage_events WHERE workspace = 'free'")
[ "$events" = 3 ] || fail "3 requests served, $events usage events written"
finish
