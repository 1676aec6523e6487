#!/usr/bin/env bash
# `mmadmin send` beside a bare curl of the same chat request to mmsim (issue 15: <= 1.15x):
# alternating rounds (send, then curl, BENCH_SEND_ROUNDS times) so both see the same load;
# medians of the wall times and their ratio. BENCH_SEND_DB sends with a copy of that catalog
# (bench_scale passes its 10,000-account one); otherwise a small catalog is built here.
# BENCH_SEND_COMPARE="A/mmadmin B/mmadmin" adds other builds to the same rounds (A/B runs).
# BENCH_SEND_INSTRUCTIONS=N (valgrind installed) adds N alternating runs of each under callgrind:
# the mean instructions of a run, every thread counted, beside curl's; they do not depend on the
# machine's load (a send's vary with the WAL it reads at open: N >= 15 spans a checkpoint cycle).
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
build=$(cd "$build" && pwd)
rounds=${BENCH_SEND_ROUNDS:-21}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmadmin-sendbench.XXXXXX")
sim=""
cleanup() {
    if [[ -n "$sim" ]]; then kill -TERM "$sim" 2>/dev/null && wait "$sim" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
command -v curl >/dev/null || { echo "bench_send: curl is needed"; exit 0; }
export MM_MASTER_KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
export SIM_KEY=sk-bench-0123456789abcdef HOME=$tmp
now_us() { echo "${EPOCHREALTIME/./}"; } # bash's clock: no process started to read it
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2fx" : "n/a"), (b > 0 ? a / b : 0)}'; }

"$build/mmsim" --port 0 --quiet >"$tmp/sim.out" &
sim=$!
for _ in $(seq 100); do [[ -s $tmp/sim.out ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(head -n 1 "$tmp/sim.out")"

# catalog BINARY PATH: the catalog BINARY sends with (a copy of BENCH_SEND_DB, or a small one)
catalog() {
    local mm=$1 db=$2
    if [[ -n "${BENCH_SEND_DB:-}" ]]; then cp "$BENCH_SEND_DB" "$db"; fi
    export MM_DB=$db
    "$mm" account add sim --provider openai --endpoint "$url/openai" --api-key-env SIM_KEY \
        >/dev/null
    "$mm" model add chat --type chat >/dev/null
    "$mm" target add chat --account sim --model gpt-4o-mini >/dev/null 2>&1
    "$mm" workspace add bench >/dev/null
    "$mm" entitle chat bench >/dev/null
}

binaries=("$build/mmadmin")
for b in ${BENCH_SEND_COMPARE:-}; do binaries+=("$(cd "$(dirname "$b")" && pwd)/mmadmin"); done
for i in "${!binaries[@]}"; do catalog "${binaries[$i]}" "$tmp/catalog$i.db"; done
body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
send() { MM_DB=$tmp/catalog$1.db "${binaries[$1]}" send chat --workspace bench --prompt "Say hello"; }
bare_curl() {
    curl -s -o /dev/null -H "Authorization: Bearer $SIM_KEY" -H 'Content-Type: application/json' \
        --data-binary "$body" "$url/openai/chat/completions"
}
for i in "${!binaries[@]}"; do send "$i" >/dev/null; done # warm the page cache
echo "bench_send: load at the start $(cut -d' ' -f1-3 /proc/loadavg)"
bare_curl
for _ in $(seq "$rounds"); do
    for i in "${!binaries[@]}"; do
        s=$(now_us); send "$i" >/dev/null; echo $(($(now_us) - s)) >>"$tmp/send$i"
    done
    s=$(now_us); bare_curl; echo $(($(now_us) - s)) >>"$tmp/curl"
done
ms() { median <"$1" | awk '{printf "%.1f", $1 / 1000}'; }
curl_ms=$(ms "$tmp/curl")
for i in "${!binaries[@]}"; do
    send_ms=$(ms "$tmp/send$i")
    printf 'TARGET mmadmin send (%s): %s ms | bare curl to mmsim: %s ms | ratio %s (target <= 1.15x)\n' \
        "${binaries[$i]}" "$send_ms" "$curl_ms" "$(ratio "$send_ms" "$curl_ms")"
done
echo "bench_send: medians of $rounds alternating rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"

# instructions NAME COMMAND...: one run under callgrind, its instruction count appended to NAME
instructions() {
    local name=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >/dev/null 2>&1
    awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.out" >>"$tmp/ir-$name"
}
runs=${BENCH_SEND_INSTRUCTIONS:-0}
if ((runs > 0)) && command -v valgrind >/dev/null; then
    for _ in $(seq "$runs"); do
        for i in "${!binaries[@]}"; do
            MM_DB=$tmp/catalog$i.db instructions "send$i" "${binaries[$i]}" send chat \
                --workspace bench --prompt "Say hello"
        done
        instructions curl curl -s -o /dev/null -H "Authorization: Bearer $SIM_KEY" \
            -H 'Content-Type: application/json' --data-binary "$body" "$url/openai/chat/completions"
    done
    mean_m() { awk '{s += $1} END {printf "%.2f", s / NR / 1e6}' "$1"; }
    curl_ir=$(mean_m "$tmp/ir-curl")
    for i in "${!binaries[@]}"; do
        send_ir=$(mean_m "$tmp/ir-send$i")
        printf 'instructions mmadmin send (%s): %s M | bare curl: %s M | ratio %s (callgrind, mean of %s)\n' \
            "${binaries[$i]}" "$send_ir" "$curl_ir" "$(ratio "$send_ir" "$curl_ir")" "$runs"
    done
fi
