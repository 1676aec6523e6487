#!/usr/bin/env bash
# docs/prometheus-alerts.yml passes `promtool check rules` and its unit tests (`promtool test
# rules`); docs/grafana-dashboard.json is valid JSON whose every query parses as PromQL
# (checked by promtool as recording rules) and names only metrics mmadmin exposes.
set -u
: "${MM_SOURCE_DIR:?}"
command -v promtool >/dev/null || { echo "FAIL: promtool missing (make deps installs it)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
cd "$MM_SOURCE_DIR/docs"
promtool check rules prometheus-alerts.yml >"$TMP/out" 2>&1 || fail "check rules: $(cat "$TMP/out")"
grep -q "SUCCESS: 6 rules found" "$TMP/out" || fail "expected 6 rules: $(cat "$TMP/out")"
promtool test rules prometheus-alerts.test.yml >"$TMP/out" 2>&1 || fail "test rules: $(cat "$TMP/out")"
echo "ok - the alerting rules pass promtool check rules and their unit tests"

# Every metric the rules and the dashboard name is one the exposition renders.
grep -o '"mmadmin_[a-z_]*"' "$MM_SOURCE_DIR/src/metrics/exposition.c" | tr -d '"' | sort -u >"$TMP/exposed"
python3 - "$TMP" <<'PY' || exit 1
import json, re, sys
tmp = sys.argv[1]
exposed = set(open(tmp + "/exposed").read().split())
for family in list(exposed):
    exposed |= {family + "_bucket", family + "_sum", family + "_count"}
d = json.load(open("grafana-dashboard.json"))
exprs = [t["expr"] for p in d["panels"] for t in p["targets"]]
exprs += [a["expr"] for a in d["annotations"]["list"] if "expr" in a]
assert len(exprs) >= 15, "the dashboard has few queries"
rules = open("prometheus-alerts.yml").read()
names = set(re.findall(r"\bmmadmin_[a-z_]+", " ".join(exprs) + rules))
unknown = sorted(n for n in names if n not in exposed)
if unknown:
    sys.exit("FAIL: named but not exposed: %s" % unknown)
with open(tmp + "/dashboard-rules.yml", "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$account", ".*").replace("$workspace", ".*")
        out.write("      - record: dashboard:query%d\n        expr: %s\n" % (i, json.dumps(e)))
PY
promtool check rules "$TMP/dashboard-rules.yml" >"$TMP/out" 2>&1 ||
    fail "a dashboard query is not valid PromQL: $(cat "$TMP/out")"
echo "ok - the Grafana dashboard's queries parse and name only exposed metrics"
