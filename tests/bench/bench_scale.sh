#!/usr/bin/env bash
# The scale targets of issue 15, each beside a reference measured in the same run and the ratio:
# the first Health frame with 1,000 accounts and BENCH_EVENTS (10M) events this month and with
# 10,000 accounts (htop's first frame), flat from 100k events to BENCH_EVENTS, `health --json`
# at 10,000 accounts (the plain-SQL floor over the rollups; again once the last hour is full of
# probe rounds), console RSS at 1,000 and 10,000
# accounts and the bytes per account between them, a key on each list
# page with 10,000 rows (Down, the first and a later filter key, the first and a later sort: a
# key in htop), and `send` (bench_send.sh: a bare curl of the same
# request to mmsim).
# The catalogs are built here and kept in BENCH_CACHE_DIR (default $TMPDIR/mmadmin-bench-cache,
# one file per size, schema version and recipe; made again only when missing): rows by
# plain SQL (generate_series; the event indexes dropped and rebuilt around the bulk insert),
# the rollups by the catalog's own catch-up at open (events above meta's rollups_upto_id are
# folded in C), then checked against a recount of the raw events in SQL. Each run first tops a
# cached catalog up to now at its own event rate (so the last hour holds as many events as on
# the day it was built), folds those in and checks them, then measures a copy (the console's
# writes never reach the cache), made again from the cache for each first frame, for the json
# row and for the pages row (an earlier run's probe rounds are not in the next run's hour). Ingest is in bench_usage. Figures are medians of BENCH_RUNS
# runs. A first frame ends at its last byte (console_probe.py: output then quiet 30 ms, the same
# rule for htop); the Health page's is the frame that shows the figures ("Status: last"), not
# the "Loading" one before it; RSS 300 ms later and again BENCH_LATER_S (8) s later,
# once the health prober's first round has ended. The console's RSS and its Down key on the Health
# page at 10,000 accounts are measured again once the last hour is full of probe rounds (one
# refused probe event per account every 30 s, as the prober writes them at a dead endpoint,
# folded into the rollups by the catalog at the next open). BENCH_ONLY (a list of: first json
# probe-hour pages send) runs only those rows.
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
events=${BENCH_EVENTS:-10000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in sqlite3 python3 curl htop; do
    command -v "$tool" >/dev/null || { echo "bench_scale: $tool is needed"; exit 0; }
done
export MM_MASTER_KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
now_ms=$(($(date +%s) * 1000))
month_ms=$(($(date -u -d "$(date -u +%Y-%m-01)" +%s) * 1000))
span_ms=$((30 * 86400000))
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2fx" : "n/a"), (b > 0 ? a / b : 0)}'; }
row() { # row FIGURE VALUE REFERENCE REF_VALUE TARGET
    printf 'TARGET %s: %s | %s: %s | ratio %s (target %s)\n' "$1" "$2" "$3" "$4" \
        "$(ratio "${2%% *}" "${4%% *}")" "$5"
}

# make_catalog PATH ACCOUNTS EVENTS ROWS: ACCOUNTS accounts (a closed port: probes fail fast),
# EVENTS request events spread over the 30 days up to now (a month of traffic on any day: on the
# 1st, "this month" would hold them all within minutes), ROWS models (3 targets each),
# workspaces, entitlements and audit entries; the rollups folded in at the next open.
make_catalog() {
    local db=$1 accounts=$2 n=$3 rows=$4 s
    s=$(ms)
    MM_DB=$db "$build/mmadmin" health config --probe-interval 3600 >/dev/null
    sqlite3 "$db" <<SQL >/dev/null
PRAGMA journal_mode=DELETE; -- the bulk rows written once, not to the WAL and then again
PRAGMA synchronous=OFF; PRAGMA cache_size=-500000; -- index builds sort in 500 MB
BEGIN;
INSERT INTO accounts(name, provider, endpoint, created_ms, updated_ms)
  SELECT printf('acct-%05d', value), 'openai-compatible', 'http://127.0.0.1:9/v1', $now_ms, $now_ms
  FROM generate_series(1, $accounts);
INSERT INTO models(name, type, created_ms, updated_ms)
  SELECT printf('model-%05d', value), 'chat', $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO targets(model_id, account_id, provider_model, priority)
  SELECT m.id, 1 + (m.id * 7 + p.value) % $accounts, 'gpt-4o-mini', p.value
  FROM models m, generate_series(1, 3) p;
INSERT INTO workspaces(name, created_ms, updated_ms)
  SELECT printf('team-%05d', value), $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO entitlements(model_id, workspace_id, created_ms, updated_ms)
  SELECT value, value, $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO audit_log(ts_ms, actor, action, entity_kind, entity_name, after_json)
  SELECT $now_ms - value, 'bench', 'create', 'workspace', printf('team-%05d', value), '{}'
  FROM generate_series(1, $rows);
DROP INDEX usage_by_account_ts; DROP INDEX usage_by_workspace_ts; DROP INDEX usage_by_ts;
$(event_rows "$accounts" 0 "$((now_ms - span_ms))" "$span_ms" "$n")
CREATE INDEX usage_by_account_ts ON usage_events(account, ts_ms, kind, model, tokens_in,
  tokens_out, cost_micros);
CREATE INDEX usage_by_workspace_ts ON usage_events(workspace, ts_ms, kind, model, tokens_in,
  tokens_out, cost_micros);
CREATE INDEX usage_by_ts ON usage_events(ts_ms);
DELETE FROM meta WHERE key = 'rollups_upto_id'; -- every event is folded in at the next open
COMMIT;
PRAGMA journal_mode=WAL;
SQL
    echo "  $db: rows and indexes $(( ($(ms) - s) / 1000 )) s" >&2
    s=$(ms)
    MM_DB=$db "$build/mmadmin" account list --json >/dev/null # the rollups, in C
    echo "  $db: rollups $(( ($(ms) - s) / 1000 )) s" >&2
    s=$(ms)
    check_rollups "$db" 0
    sqlite3 "$db" "ANALYZE" # the statistics a catalog that grew by ingest has
    echo "  $db: recount check and ANALYZE $(( ($(ms) - s) / 1000 )) s" >&2
}

# event_rows ACCOUNTS AFTER FROM_MS SPAN_MS COUNT: the INSERT of COUNT request events spread
# evenly over SPAN_MS from FROM_MS, numbered from AFTER + 1 (the number picks the account,
# workspace, outcome and figures, so a top-up continues the same pattern; one success in seven
# is streamed, with a time to first token under its latency).
event_rows() {
    local accounts=$1 after=$2 from=$3 span=$4 count=$5
    cat <<SQL
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message,
  ttft_ms)
  SELECT $from + (value - $after - 1) * $span / $count, 'request',
    printf('acct-%05d', 1 + value % $accounts), 'openai-compatible',
    printf('team-%05d', 1 + value % 50), 'model-00001', 'gpt-4o-mini',
    CASE WHEN value % 20 THEN 'ok' ELSE 'rate_limited' END,
    CASE WHEN value % 20 THEN 200 ELSE 429 END, 100 + value % 900, 50 + value % 500,
    20 + value % 300, 40 + value % 400, -1, '',
    CASE WHEN value % 20 AND value % 7 = 1 THEN 20 + value % 80 END
  FROM generate_series($after + 1, $after + $count);
SQL
}

# check_rollups PATH SINCE_MS: the rollups from SINCE_MS's day on (minutes: from SINCE_MS, at
# most the last 47 hours) equal a recount of the raw events in SQL, both ways, or the bench
# stops. The whole history is recounted by a table scan (5x faster than in the order of the
# account index), a top-up's day by the time index.
check_rollups() {
    local db=$1 day=$(($2 - $2 % 86400000)) minute=$((now_ms - now_ms % 60000 - 47 * 3600000))
    local events="usage_events INDEXED BY usage_by_ts" bad
    (($2 > 0)) || events="usage_events NOT INDEXED"
    (($2 - $2 % 60000 > minute)) && minute=$(($2 - $2 % 60000)) # a top-up's minutes alone
    local recount="count(*), sum(outcome = 'rate_limited'), sum(tokens_in), sum(tokens_out),
        sum(max(cost_micros, 0)) FROM $events WHERE kind = 'request'"
    local sums="events, rate_limited, tokens_in, tokens_out, cost_micros"
    bad=$(sqlite3 "$db" "
CREATE TEMP TABLE r AS SELECT 'account' AS scope, account AS name, '' AS model,
  ts_ms - ts_ms % 86400000 AS start_ms, $recount AND ts_ms >= $day GROUP BY 2, 4;
INSERT INTO r SELECT 'workspace', workspace, model, ts_ms - ts_ms % 86400000,
  $recount AND ts_ms >= $day GROUP BY 2, 3, 4;
CREATE TEMP TABLE d AS SELECT scope, name, model, start_ms, $sums FROM usage_rollup_day
  WHERE kind = 'request' AND start_ms >= $day;
CREATE TEMP TABLE rm AS SELECT account, ts_ms - ts_ms % 60000,
  $recount AND ts_ms >= $minute GROUP BY 1, 2;
CREATE TEMP TABLE m AS SELECT name, start_ms, $sums FROM usage_rollup_minute
  WHERE kind = 'request' AND scope = 'account' AND start_ms >= $minute;
SELECT (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM d))
  + (SELECT count(*) FROM (SELECT * FROM d EXCEPT SELECT * FROM r))
  + (SELECT count(*) FROM (SELECT * FROM rm EXCEPT SELECT * FROM m))
  + (SELECT count(*) FROM (SELECT * FROM m EXCEPT SELECT * FROM rm)),
  (SELECT count(*) FROM d), (SELECT count(*) FROM m)" | tr '|' ' ')
    if [[ ${bad%% *} != 0 ]]; then
        echo "bench_scale: $db: ${bad%% *} rollup rows differ from a recount of the raw events" >&2
        exit 1
    fi
    read -r _ days minutes <<<"$bad"
    echo "  $db: rollups = recount of the raw events ($days day rows, $minutes minute rows)" >&2
}

# top_up PATH ACCOUNTS: events from the newest stored one up to now at the catalog's own rate,
# folded into the rollups at the open that follows, and checked.
top_up() {
    local db=$1 accounts=$2 after top step count
    read -r after top step < <(sqlite3 -separator ' ' "$db" "SELECT max(id), max(ts_ms),
        (max(ts_ms) - min(ts_ms)) / max(count(*) - 1, 1) FROM usage_events")
    count=$(((now_ms - top) / step))
    ((count > 0)) || return 0
    sqlite3 "$db" "$(event_rows "$accounts" "$after" "$((top + step))" "$((count * step))" \
        "$count")"
    MM_DB=$db "$build/mmadmin" account list --json >/dev/null
    check_rollups "$db" "$top"
    echo "  $db: topped up with $count events to now" >&2
}

# probe_hour PATH ACCOUNTS: the last hour of the health prober at a dead endpoint: a refused
# probe per account every 30 s (outcome network, the prober's message), by plain SQL, then
# folded into the rollups by the catalog's catch-up at the open that follows.
probe_hour() {
    local db=$1 accounts=$2 from=$(($(ms) - 3600000))
    sqlite3 "$db" <<SQL >/dev/null
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message)
  SELECT $from + r.value * 30000 + (a.value * 30000) / $accounts, 'probe',
    printf('acct-%05d', a.value), 'openai-compatible', '', '', '', 'network', 0, 1, 0, 0, 0, -1,
    'Failed to connect to 127.0.0.1 port 9 after 0 ms: Could not connect to server'
  FROM generate_series(0, 119) r, generate_series(1, $accounts) a ORDER BY 1;
SQL
    MM_DB=$db "$build/mmadmin" account list --json >/dev/null
}
want() { [[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" $1 "* ]]; }

# catalog ACCOUNTS EVENTS ROWS: the path of a copy of the cached catalog of that size, built
# when missing and topped up to now.
catalog() {
    local accounts=$1 n=$2 rows=$3 cached
    cached=$cache/a$accounts-e$n-r$rows-v$schema-$recipe.db
    if [[ ! -f $cached ]]; then
        rm -f "$cached.part"
        make_catalog "$cached.part" "$accounts" "$n" "$rows"
        mv "$cached.part" "$cached"
    fi
    top_up "$cached" "$accounts"
    cp "$cached" "$tmp/a$accounts-e$n.db"
    echo "$cached" >"$tmp/a$accounts-e$n.db.source"
    echo "$tmp/a$accounts-e$n.db"
}
# fresh COPY: the copy made again from its cached catalog, so a run does not see the probe
# rounds an earlier run's console wrote (a first frame "with no history": at 10,000 accounts each
# round adds 10,000 probe events to the hour the next first frame reads)
fresh() { cp "$(cat "$1.source")" "$1"; }

# probe KEYS ARGS...: median over runs of "first_ms rss_kb key_ms later_rss_kb" (each column
# apart; later_rss_kb 0 unless PROBE_LATER_S is set)
probe() {
    local keys=$1
    shift
    for _ in $(seq "$runs"); do python3 "$here/console_probe.py" "$keys" "$@"; done >"$tmp/probe"
    echo "$(awk '{print $1}' "$tmp/probe" | median) $(awk '{print $2}' "$tmp/probe" | median) \
$(awk '{print $3}' "$tmp/probe" | median) $(awk '{print $4}' "$tmp/probe" | median)"
}
later_s=${BENCH_LATER_S:-8}

t0=$(ms)
cache=${BENCH_CACHE_DIR:-${TMPDIR:-/tmp}/mmadmin-bench-cache}
mkdir -p "$cache"
MM_DB=$tmp/empty.db "$build/mmadmin" account list --json >/dev/null
schema=$(sqlite3 "$tmp/empty.db" "PRAGMA user_version")
recipe=$(declare -f make_catalog event_rows | grep -v PRAGMA | md5sum | cut -c1-8)
sizes=(100000)
((events > 1000000)) && sizes+=(1000000)
((events > 100000)) && sizes+=("$events")
declare -A a1k
for n in "${sizes[@]}"; do a1k[$n]=$(catalog 1000 "$n" 100); done
a10k=$(catalog 10000 100000 10000)
echo "catalogs ready in $(( ($(ms) - t0) / 1000 )) s (cache $cache): 1,000 accounts x ${sizes[*]} events; 10,000 accounts x 100,000 events with 10,000 models (30,000 targets), workspaces, entitlements, audit entries"

t1=$(ms)
if want first; then
# the first frames in alternating rounds (htop, then each catalog), so all see the same load
health() { PROBE_READY_TEXT="Status: last" python3 "$here/console_probe.py" 0 \
    "$build/mmadmin" --page health; }
for _ in $(seq "$runs"); do
    python3 "$here/console_probe.py" 5 htop >>"$tmp/htop"
    for n in "${sizes[@]}"; do # RSS later too at 100k (the 1,000 accounts of the per-account row)
        later=0; [[ $n == 100000 ]] && later=$later_s
        fresh "${a1k[$n]}"
        MM_DB=${a1k[$n]} PROBE_LATER_S=$later health >>"$tmp/first-$n"
    done
    fresh "$a10k"
    MM_DB=$a10k PROBE_LATER_S=$later_s health >>"$tmp/first-10k"
done
med_col() { awk -v c="$1" '{print $c}' "$2" | median; }
htop_first=$(med_col 1 "$tmp/htop") htop_rss=$(med_col 2 "$tmp/htop") htop_key=$(med_col 3 "$tmp/htop")
declare -A first rss
for n in "${sizes[@]}"; do first[$n]=$(med_col 1 "$tmp/first-$n") rss[$n]=$(med_col 2 "$tmp/first-$n"); done
k10_first=$(med_col 1 "$tmp/first-10k") k10_rss=$(med_col 2 "$tmp/first-10k")
k10_later=$(med_col 4 "$tmp/first-10k") small_later=$(med_col 4 "$tmp/first-100000")
for n in "${sizes[@]}"; do
    row "first Health frame, 1,000 accounts, $n events this month" "${first[$n]} ms" \
        "htop first frame" "$htop_first ms" "<= 0.5x"
done
row "first Health frame, 10,000 accounts, 100000 events" "$k10_first ms" "htop first frame" \
    "$htop_first ms" "<= 1x"
for n in "${sizes[@]:1}"; do
    row "first Health frame, 1,000 accounts: $n events vs 100000" "${first[$n]} ms" \
        "100000 events" "${first[100000]} ms" "1.00x +-20%"
done
small_rss=${rss[100000]}
fi
# health --json at 10,000 accounts beside the plain-SQL floor over the same rollups (the
# accounts and their month-to-date sums from the day rollups, by the same month-by-time plan as
# the catalog's query: +scope keeps SQLite off the name index), in alternating runs; and again
# once the last hour is full of probe rounds (hour_catalog), where the JSON's hour figures come
# from 600,000 minute rollups the floor does not read: beside it too, for reference, the floor
# that also sums each account's hour from the minute rollups.
hour_catalog() { # the 10,000-account catalog with the last hour full of probe rounds, made once
    if [[ ! -f $tmp/a10k-hour.db ]]; then
        cp "$(cat "$a10k.source")" "$tmp/a10k-hour.db"
        probe_hour "$tmp/a10k-hour.db" 10000
    fi
    echo "$tmp/a10k-hour.db"
}
floor_sql() { # floor_sql [HOUR_FROM_MS]: the floor's query (with the hour's sums when given)
    local hour_join="" hour_cols=""
    if [[ -n ${1:-} ]]; then
        hour_cols=", h.events, h.errors, h.rate_limited, h.tokens_in, h.tokens_out, h.cost"
        hour_join="LEFT JOIN (SELECT name, sum(events) AS events, sum(errors) AS errors,
        sum(rate_limited) AS rate_limited, sum(tokens_in) AS tokens_in,
        sum(tokens_out) AS tokens_out, sum(cost_micros) AS cost FROM usage_rollup_minute
        WHERE start_ms >= $1 AND +scope = 'account' GROUP BY name) h ON h.name = a.name"
    fi
    echo "SELECT a.name, a.provider, a.enabled, a.monthly_cap_cents, m.cost, m.unpriced$hour_cols
        FROM accounts a LEFT JOIN (SELECT name, sum(cost_micros) AS cost,
        sum(unpriced) AS unpriced FROM usage_rollup_day WHERE start_ms >= $month_ms
        AND +scope = 'account' AND kind = 'request' GROUP BY name) m ON m.name = a.name $hour_join"
}
json_vs_floor() { # json_vs_floor DB LABEL [hour]: the rows, runs alternating
    local db=$1 label=$2 hour=${3:-} s
    [[ -z $hour ]] || hour=$(($(ms) - $(ms) % 60000 - 59 * 60000)) # the hour's first minute
    : >"$tmp/json" && : >"$tmp/floor" && : >"$tmp/floor-hour"
    for _ in $(seq "$runs"); do
        s=$(ms); MM_DB=$db "$build/mmadmin" health --json >/dev/null; echo $(($(ms) - s)) >>"$tmp/json"
        s=$(ms); sqlite3 -json "$db" "$(floor_sql)" >/dev/null; echo $(($(ms) - s)) >>"$tmp/floor"
        if [[ -n $hour ]]; then
            s=$(ms); sqlite3 -json "$db" "$(floor_sql "$hour")" >/dev/null
            echo $(($(ms) - s)) >>"$tmp/floor-hour"
        fi
    done
    row "health --json, 10,000 accounts$label" "$(median <"$tmp/json") ms" \
        "plain SQL floor over the rollups" "$(median <"$tmp/floor") ms" "<= 2x"
    [[ -z $hour ]] || row "health --json, 10,000 accounts$label" "$(median <"$tmp/json") ms" \
        "the same floor with the hour's sums from the minute rollups (for reference)" \
        "$(median <"$tmp/floor-hour") ms" "-"
}
if want json; then
    fresh "$a10k"
    json_vs_floor "$a10k" "" hour
    json_vs_floor "$(hour_catalog)" ", the last hour full of probe rounds" hour
fi
if want first; then
row "console RSS, 1,000 accounts (Health page)" "$((small_rss / 1024)) MB" "htop RSS" \
    "$((htop_rss / 1024)) MB" "(10,000: <= 60 MB)"
row "console RSS, 10,000 accounts (Health page)" "$((k10_rss / 1024)) MB" "htop RSS" \
    "$((htop_rss / 1024)) MB" "<= 60 MB"
row "console RSS, 10,000 accounts (Health page), $later_s s later: probe round done" \
    "$((k10_later / 1024)) MB" "htop RSS" "$((htop_rss / 1024)) MB" "<= 60 MB"
row "console resident bytes per account (10,000 less 1,000, / 9,000)" \
    "$(((k10_rss - small_rss) * 1024 / 9000)) B" "4 KB" "4096 B" "<= 1x"
row "console resident bytes per account, $later_s s later" \
    "$(((k10_later - small_later) * 1024 / 9000)) B" "4 KB" "4096 B" "<= 1x"
fi

# the console at 10,000 accounts once the last hour is full of probe rounds (a fresh copy each
# run: the console's own prober adds a round), beside htop in alternating rounds
if want probe-hour; then
    hour_catalog >/dev/null
    for _ in $(seq "$runs"); do
        python3 "$here/console_probe.py" 10 htop >>"$tmp/htop-hour"
        cp "$tmp/a10k-hour.db" "$tmp/a10k-hour-run.db"
        MM_DB=$tmp/a10k-hour-run.db PROBE_READY_TEXT="Status: last" \
            python3 "$here/console_probe.py" 10 "$build/mmadmin" --page health >>"$tmp/hour"
    done
    row "console RSS, 10,000 accounts (Health page), the last hour full of probe rounds" \
        "$(($(awk '{print $2}' "$tmp/hour" | median) / 1024)) MB" "htop RSS" \
        "$(($(awk '{print $2}' "$tmp/htop-hour" | median) / 1024)) MB" "<= 60 MB"
    row "Health page, 10,000 accounts, the last hour full of probe rounds: Down to the last byte" \
        "$(awk '{print $3}' "$tmp/hour" | median) ms" "htop key" \
        "$(awk '{print $3}' "$tmp/htop-hour" | median) ms" "<= 5 ms"
fi

if want pages; then
    fresh "$a10k"
    [[ -n ${htop_key:-} ]] || htop_key=$(python3 "$here/console_probe.py" 5 htop | awk '{print $3}')
    # keys once the console has settled (1 s without output: the prober's first round followed)
    export PROBE_SETTLE_MS=1000
    for page in entitlements models accounts workspaces audit; do
        read -r _ _ key _ < <(MM_DB=$a10k probe 10 "$build/mmadmin" --page "$page")
        row "$page page, 10,000 rows: Down to the last byte of the redraw" "$key ms" "htop key" \
            "$htop_key ms" "<= 5 ms"
        # the first filter key ("/" then "0"), later ones (typing on, Backspace widening the view
        # again), the first sort and later ones: the rows' texts read between keys serve them
        read -r _ _ key _ < <(MM_DB=$a10k PROBE_PREFIX=/ PROBE_SEQUENCE=0 \
            probe 0 "$build/mmadmin" --page "$page")
        row "$page page, 10,000 rows: the first filter key" "$key ms" "htop key" "$htop_key ms" \
            "<= 5 ms"
        read -r _ _ key _ < <(MM_DB=$a10k PROBE_PREFIX=/0 PROBE_SEQUENCE='1\x7f\x7f' \
            probe 0 "$build/mmadmin" --page "$page")
        row "$page page, 10,000 rows: a later filter key" "$key ms" "htop key" "$htop_key ms" \
            "<= 5 ms"
        read -r _ _ key _ < <(MM_DB=$a10k PROBE_SEQUENCE=s probe 0 "$build/mmadmin" --page "$page")
        row "$page page, 10,000 rows: the first sort key" "$key ms" "htop key" "$htop_key ms" \
            "<= 5 ms"
        read -r _ _ key _ < <(MM_DB=$a10k PROBE_PREFIX=s PROBE_SEQUENCE=sSs \
            probe 0 "$build/mmadmin" --page "$page")
        row "$page page, 10,000 rows: a later sort key" "$key ms" "htop key" "$htop_key ms" \
            "<= 5 ms"
    done
    unset PROBE_SETTLE_MS
fi

# send beside a bare curl of the same request to mmsim, with the 10,000-account catalog
if want send; then
    BENCH_SEND_DB=$a10k BENCH_SEND_ROUNDS=$((runs * 4 + 1)) MM_BUILD_DIR=$build \
        bash "$here/bench_send.sh"
fi
echo "bench_scale: $(( ($(ms) - t1) / 1000 )) s measuring, $(( ($(ms) - t0) / 1000 )) s in all; load $(cut -d' ' -f1-3 /proc/loadavg)"
