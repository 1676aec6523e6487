#!/usr/bin/env bash
# `mmadmin health config`: shows the defaults (and says they are), sets each value (seconds
# stored as ms, counts, the rate) with an audit entry, refuses bad values with a message per
# option and the catalog byte for byte unchanged, reports a broken setting, prints the JSON
# shape scripts read; and `mmadmin health` alone works as before.
source "$(dirname "$0")/lib.sh"

setting() { catalog_sql "SELECT value FROM settings WHERE key = '$1';"; }

assert_ok account add alpha --provider openai-compatible --endpoint http://127.0.0.1:9/v1

# ---- defaults, shown as such ----
assert_ok health config
assert_contains out "--probe-interval"
assert_contains out "30 s"
assert_contains out "health.unreachable_no_success_ms"
[ "$(grep -c ' default ' "$OUT")" = 10 ] || fail "not every value is shown as a default"
assert_ok health config --json
assert_json 'd["probe_interval_seconds"] == 30 and d["probe_timeout_seconds"] == 10'
assert_json 'd["lease_seconds"] == 15 and d["recent_window_seconds"] == 300'
assert_json 'd["degraded_error_rate"] == 0.1 and d["degraded_rate_limit_hits"] == 5'
assert_json 'd["degraded_p95_ms"] == 5000 and d["unreachable_failed_probes"] == 3'
assert_json 'd["unreachable_no_success_seconds"] == 180'
assert_json 'len(d["defaults"]) == 10 and d["invalid"] == []'
assert_json 'd["degraded_min_requests"] == 5'
[ -z "$(catalog_sql "SELECT key FROM settings WHERE key LIKE 'health.%'")" ] ||
    fail "showing the settings wrote some"

# ---- each option sets its setting, in the catalog's units ----
while read -r option value key stored; do
    assert_ok health config "$option" "$value"
    assert_contains out "health settings saved:"
    [ "$(setting "$key")" = "$stored" ] ||
        fail "$option $value stored '$(setting "$key")' in $key, expected '$stored'"
done <<'EOF'
--probe-interval 0.5 health.probe_interval_ms 500
--probe-timeout 5 health.probe_timeout_ms 5000
--lease 2.25 health.lease_ms 2250
--recent-window 120 health.recent_window_ms 120000
--degraded-error-rate 0.25 health.degraded_error_rate 0.25
--degraded-rate-limit-hits 7 health.degraded_rate_limit_hits 7
--degraded-p95-ms 800 health.degraded_p95_ms 800
--degraded-min-requests 3 health.degraded_min_requests 3
--unreachable-failed-probes 4 health.unreachable_failed_probes 4
--unreachable-no-success 90 health.unreachable_no_success_ms 90000
EOF
assert_ok health config --json
assert_json 'd["probe_interval_seconds"] == 0.5 and d["lease_seconds"] == 2.25'
assert_json 'd["recent_window_seconds"] == 120 and d["degraded_error_rate"] == 0.25'
assert_json 'd["degraded_p95_ms"] == 800 and d["unreachable_no_success_seconds"] == 90'
assert_json 'd["defaults"] == [] and d["invalid"] == []'
assert_ok health config
assert_not_contains out " default "
# several at once, and the changes are in the audit log
assert_ok health config --probe-interval 60 --unreachable-failed-probes 5
[ "$(setting health.probe_interval_ms)" = 60000 ] || fail "--probe-interval 60 not stored"
[ "$(setting health.unreachable_failed_probes)" = 5 ] || fail "--unreachable-failed-probes not stored"
assert_ok audit --json
assert_json 'any(e["entity_name"] == "health.probe_interval_ms" and e["after"] == {"value": "60000"} for e in d)'
# `mmadmin health --help` points to it
assert_ok health --help
assert_contains out "config"
assert_contains out "mmadmin health config"

# ---- bad values: a message per option, exit 2, nothing written ----
for bad in 0 -1 abc 1e3 0.0001 ''; do
    assert_refused health config --probe-interval "$bad"
    assert_contains err "--probe-interval must be a number of seconds from 0.2 to 86400"
done
for bad in 0 -5 abc 2.5; do
    assert_refused health config --unreachable-failed-probes "$bad"
    assert_contains err "--unreachable-failed-probes must be a whole number from 1 to 1000"
    assert_refused health config --degraded-p95-ms "$bad"
    assert_contains err "--degraded-p95-ms must be a whole number from 1 to 3600000"
done
for bad in 1.5 2 -0.1 abc nan inf; do
    assert_refused health config --degraded-error-rate "$bad"
    assert_contains err "--degraded-error-rate must be a rate from 0 to 1"
done
assert_refused health config --recent-window 30
assert_contains err "--recent-window must be a number of seconds from 60 to 3600"
assert_refused health config --lease 0 --probe-timeout 601 --degraded-rate-limit-hits 0
assert_contains err "--lease must be"
assert_contains err "--probe-timeout must be"
assert_contains err "--degraded-rate-limit-hits must be"
assert_contains err "nothing was saved"
# one good value next to a bad one is not saved either
assert_refused health config --probe-interval 10 --unreachable-no-success 0
assert_contains err "--unreachable-no-success must be a number of seconds from 1 to 86400"
[ "$(setting health.probe_interval_ms)" = 60000 ] || fail "a refused command saved a value"
assert_refused health config --lease
assert_refused health config extra
# 0 is a valid error rate (any error degrades)
assert_ok health config --degraded-error-rate 0
[ "$(setting health.degraded_error_rate)" = 0 ] || fail "--degraded-error-rate 0 not stored"

# ---- a setting written by hand that is not valid: shown as its default, with a warning ----
catalog_sql "UPDATE settings SET value = 'lots' WHERE key = 'health.degraded_error_rate'"
assert_ok health config --json
assert_contains err "health.degraded_error_rate is 'lots'"
assert_json 'd["degraded_error_rate"] == 0.1 and d["invalid"] == ["degraded_error_rate"]'
assert_json '"degraded_error_rate" in d["defaults"]'
# setting it again repairs it
assert_ok health config --degraded-error-rate 0.3
assert_not_contains err "warning"
[ "$(setting health.degraded_error_rate)" = 0.3 ] || fail "the broken setting was not repaired"

# ---- `mmadmin health` alone is unchanged ----
assert_ok health --json
assert_json 'd[0]["account"] == "alpha" and d[0]["status"] == "unknown"'
assert_json 'd[0]["unpriced_requests_month"] == 0'
assert_ok health
assert_contains out "alpha"
assert_exit 2 health conifg
assert_contains err "unexpected argument 'conifg'"

# ---- read-only: shown, not changed ----
assert_ok --read-only health config
assert_exit 1 --read-only health config --probe-interval 5
[ "$(setting health.probe_interval_ms)" = 60000 ] || fail "a read-only catalog was changed"

finish
