#!/usr/bin/env bash
# Gateway bench: `mmadmin serve` in front of mmsim's OpenAI dialect against calling mmsim
# directly — added latency p50/p99 (one client), throughput at 64 clients (best of three
# alternating rounds a side), RSS over 100,000 requests — and Portkey's gateway as the
# reference when npm can install it. A second workspace with limits (10M requests/min, 10G
# tokens/min: admitted against leased slices) gets the same latency and throughput rows.
# GW_SERVE_ARGS replaces serve's tuning flags (default --max-upstream 64) to compare settings.
set -u
build=${MM_BUILD_DIR:-build-bench}
requests=${GW_BENCH_REQUESTS:-100000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmadmin-gwbench.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export MM_DB=$tmp/catalog.db HOME=$tmp MM_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
mm() { "$build/mmadmin" "$@" >/dev/null 2>&1; }

first_line() { # FILE: waits for the port a server prints
    local i
    for ((i = 0; i < 200; i++)); do
        [[ $(head -n 1 "$1" 2>/dev/null) =~ ^[0-9]+$ ]] && { head -n 1 "$1"; return; }
        sleep 0.05
    done
    echo "server did not start" >&2
    exit 1
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

"$build/mmsim" --port 0 --quiet >"$tmp/sim.out" 2>/dev/null &
pids+=("$!")
sim=http://127.0.0.1:$(first_line "$tmp/sim.out")
export BENCH_KEY=sk-bench-key-0123456789
mm account add bench --provider openai --endpoint "$sim/openai" --api-key-env BENCH_KEY
mm model add chat --type chat
mm target add chat --account bench --model gpt-4o-mini
mm workspace add bench
mm entitle chat bench
key=$("$build/mmadmin" workspace key add bench 2>/dev/null)
mm workspace add limited
mm entitle chat limited --rpm 10000000 --tpm 10000000000 --monthly-tokens 100000000000
limited_key=$("$build/mmadmin" workspace key add limited 2>/dev/null)
"$build/mmadmin" serve --listen 127.0.0.1:0 ${GW_SERVE_ARGS:---max-upstream 64} >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
gw=http://127.0.0.1:$(first_line "$tmp/serve.out")
body='{"model":"MODEL","messages":[{"role":"user","content":"hi"}],"max_tokens":16}'
direct_body=${body/MODEL/gpt-4o-mini}
gw_body=${body/MODEL/chat}
# mmsim's OpenAI dialect answers at the account's endpoint + /chat/completions (the URL serve
# calls); a round with a failed request fails the bench, so no row compares against errors.
direct_url=$sim/openai/chat/completions
load() {
    local out
    out=$("$build/mm_loadgen" "$1" "$2" "$3" "$4" "$5")
    [[ $(field failed "$out") == 0 ]] || echo "requests failed at $1: $out" >>"$tmp/failures"
    printf '%s' "$out"
}

load "$gw/v1/chat/completions" "$key" "$gw_body" 4 500 >/dev/null # warm up
d1=$(load "$direct_url" "$BENCH_KEY" "$direct_body" 1 2000)
g1=$(load "$gw/v1/chat/completions" "$key" "$gw_body" 1 2000)
# Throughput at 64 clients: three rounds of direct then gateway, each side's best round (the one
# least slowed by whatever else the machine runs), so the ratio compares like with like.
best_of() { # the load output with the highest rps of its arguments
    local best= out
    for out in "$@"; do
        [[ -z $best ]] || awk -v a="$(field rps "$out")" -v b="$(field rps "$best")" 'BEGIN { exit !(a > b) }' && best=$out
    done
    printf '%s' "$best"
}
rss_start=$(rss_kb "$serve_pid")
d64s=() g64s=()
for round in 1 2 3; do
    d64s+=("$(load "$direct_url" "$BENCH_KEY" "$direct_body" 64 20000)")
    g64s+=("$(load "$gw/v1/chat/completions" "$key" "$gw_body" 64 20000)")
    [[ $round == 1 ]] && rss_mid=$(rss_kb "$serve_pid") # after 20,000 requests at 64 clients
done
d64=$(best_of "${d64s[@]}")
g64=$(best_of "${g64s[@]}")
rest=$((requests - 60000 > 0 ? requests - 60000 : 0))
load "$gw/v1/chat/completions" "$key" "$gw_body" 64 "$rest" >/dev/null
rss_end=$(rss_kb "$serve_pid")
l1=$(load "$gw/v1/chat/completions" "$limited_key" "$gw_body" 1 2000)
l64=$(load "$gw/v1/chat/completions" "$limited_key" "$gw_body" 64 20000)
if [[ -s $tmp/failures ]]; then
    cat "$tmp/failures" >&2
    exit 1
fi

awk -v dp50="$(field p50_ms "$d1")" -v dp99="$(field p99_ms "$d1")" \
    -v gp50="$(field p50_ms "$g1")" -v gp99="$(field p99_ms "$g1")" \
    -v drps="$(field rps "$d64")" -v grps="$(field rps "$g64")" \
    -v lp50="$(field p50_ms "$l1")" -v lp99="$(field p99_ms "$l1")" -v lrps="$(field rps "$l64")" \
    -v r0="$rss_start" -v r1="$rss_mid" -v r2="$rss_end" -v n="$((requests > 60000 ? requests : 60000))" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "load average during the run:    %s (the machine is shared: compare ratios of one run)\n", load
    printf "direct mmsim (openai dialect):  p50 %.3f ms  p99 %.3f ms (1 client)  %d req/s (64 clients)\n", dp50, dp99, drps
    printf "mmadmin serve:                  p50 %.3f ms  p99 %.3f ms (1 client)  %d req/s (64 clients)\n", gp50, gp99, grps
    printf "mmadmin serve added latency:    p50 %+.3f ms  p99 %+.3f ms\n", gp50 - dp50, gp99 - dp99
    printf "mmadmin serve throughput:       %.3fx direct at 64 clients (best of 3 rounds each)\n", grps / drps
    printf "mmadmin serve RSS over %d requests: %.1f MB -> %.1f MB (after 20,000) -> %.1f MB (%+.1f%%)\n", n, r0 / 1024, r1 / 1024, r2 / 1024, (r2 - r1) * 100 / r1
    printf "serve, workspace with limits:   added p50 %+.3f ms  p99 %+.3f ms  %d req/s = %.3fx direct (leased)\n", lp50 - dp50, lp99 - dp99, lrps, lrps / drps
}'
# Portkey's gateway (the issue's reference) in the same run, on the same mmsim: installed with
# npm into this run's temp dir, routed by its headers to mmsim's OpenAI dialect.
portkey_version=1.15.2
portkey_install() {
    timeout 10 npm view "@portkey-ai/gateway@$portkey_version" version >/dev/null 2>&1 &&
        timeout 300 npm install --prefix "$tmp/portkey" --no-audit --no-fund --silent \
            "@portkey-ai/gateway@$portkey_version" >/dev/null 2>&1
}
if command -v node >/dev/null && portkey_install; then
    pk_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    PORT=$pk_port node "$tmp/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" \
        --port="$pk_port" >"$tmp/portkey.log" 2>&1 &
    pk_pid=$!
    pids+=("$pk_pid")
    pk=http://127.0.0.1:$pk_port
    pk_headers=("x-portkey-provider: openai" "x-portkey-custom-host: $sim/openai")
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null -m 2 "$pk/" && break
        sleep 0.1
    done
    pk_load() { "$build/mm_loadgen" "$pk/v1/chat/completions" "$BENCH_KEY" "$direct_body" "$1" "$2" "${pk_headers[@]}"; }
    pk_load 4 500 >/dev/null # warm up
    p1=$(pk_load 1 2000)
    p64=$(pk_load 64 20000)
    pk_rss=$(rss_kb "$pk_pid")
    awk -v dp50="$(field p50_ms "$d1")" -v dp99="$(field p99_ms "$d1")" \
        -v pp50="$(field p50_ms "$p1")" -v pp99="$(field p99_ms "$p1")" \
        -v drps="$(field rps "$d64")" -v prps="$(field rps "$p64")" -v grps="$(field rps "$g64")" \
        -v rss="$pk_rss" -v v="$portkey_version" 'BEGIN {
        printf "portkey gateway %s:          p50 %.3f ms  p99 %.3f ms (1 client)  %d req/s (64 clients)\n", v, pp50, pp99, prps
        printf "portkey added latency:          p50 %+.3f ms  p99 %+.3f ms\n", pp50 - dp50, pp99 - dp99
        printf "portkey throughput:             %.3fx direct at 64 clients; RSS %.1f MB\n", prps / drps, rss / 1024
        printf "mmadmin serve vs portkey:       %.2fx the throughput at 64 clients\n", grps / prps
    }'
else
    echo "portkey (@portkey-ai/gateway $portkey_version): skipped: node missing or npm registry unreachable"
fi
kill -TERM "$serve_pid"
wait "$serve_pid"
echo "mmadmin serve exit after SIGTERM: $?"
