#!/usr/bin/env bash
# mmsim's scenario faults in every dialect (auth, quota, rate_limit, overloaded, server, hang,
# malformed, html, bad_request), per-key rules, fault rates, timed phases, and the admin API.
source "$(dirname "$0")/test_mmsim_lib.sh"

PREFIXES=(openai anthropic azure gemini cohere mistral compat)
FAULTS=(auth quota rate_limit overloaded server malformed html bad_request hang)

# call PREFIX KEY [curl args]: the list-models request of that dialect with that key.
call() {
    local prefix=$1 key=$2
    shift 2
    case $prefix in
    openai | compat | mistral) req GET "$SIM_URL/$prefix/models" -H "Authorization: Bearer $key" "$@" ;;
    cohere) req GET "$SIM_URL/cohere/v1/models" -H "Authorization: Bearer $key" "$@" ;;
    anthropic) req GET "$SIM_URL/anthropic/v1/models" -H "x-api-key: $key" -H "anthropic-version: 2023-06-01" "$@" ;;
    azure) req GET "$SIM_URL/azure/openai/models?api-version=2024-10-21" -H "api-key: $key" "$@" ;;
    gemini) req GET "$SIM_URL/gemini/models" -H "x-goog-api-key: $key" "$@" ;;
    esac
}

# Expected "status marker" for PREFIX:FAULT.
declare -A EXPECT=(
    [openai:auth]='401 "code":"invalid_api_key"'
    [openai:quota]='429 "code":"insufficient_quota"'
    [openai:rate_limit]='429 Please try again in 7s'
    [openai:overloaded]='503 The engine is currently overloaded'
    [openai:server]='500 "type":"server_error"'
    [openai:bad_request]='400 "type":"invalid_request_error"'
    [anthropic:auth]='401 "type":"authentication_error"'
    [anthropic:quota]='402 "type":"billing_error"'
    [anthropic:rate_limit]='429 "type":"rate_limit_error"'
    [anthropic:overloaded]='529 "type":"overloaded_error","message":"Overloaded"'
    [anthropic:server]='500 "type":"api_error"'
    [anthropic:bad_request]='400 "type":"invalid_request_error"'
    [azure:auth]='401 "code":"401","message":"Access denied due to invalid subscription key'
    [azure:quota]='429 "code":"insufficient_quota"'
    [azure:rate_limit]='429 Please retry after 7 seconds'
    [azure:overloaded]='503 "code":"503"'
    [azure:server]='500 "code":"500"'
    [azure:bad_request]='400 "code":"BadRequest"'
    [gemini:auth]='400 "reason":"API_KEY_INVALID"'
    [gemini:quota]='429 PerDayPerProjectPerModel'
    [gemini:rate_limit]='429 "retryDelay":"7s"'
    [gemini:overloaded]='503 "message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"'
    [gemini:server]='500 "status":"INTERNAL"'
    [gemini:bad_request]='400 "status":"INVALID_ARGUMENT"'
    [cohere:auth]='401 {"message":"invalid api token"}'
    [cohere:quota]='402 payment method'
    [cohere:rate_limit]='429 {"message":"You are past the per minute request limit'
    [cohere:overloaded]='503 overloaded'
    [cohere:server]='500 internal server error'
    [cohere:bad_request]='400 {"message":"invalid request:'
    [mistral:auth]='401 {"message":"Unauthorized","request_id":"'
    [mistral:quota]='402 "type":"payment_required"'
    [mistral:rate_limit]='429 "type":"rate_limited","param":null,"code":"1300"'
    [mistral:overloaded]='503 "type":"service_unavailable"'
    [mistral:server]='500 "type":"internal_server_error"'
    [mistral:bad_request]='400 "type":"invalid_request_error"'
    [compat:auth]='401 "code":"invalid_api_key"'
    [compat:quota]='429 "code":"insufficient_quota"'
    [compat:rate_limit]='429 "code":"rate_limit_exceeded"'
    [compat:overloaded]='503 overloaded'
    [compat:server]='500 "type":"server_error"'
    [compat:bad_request]='400 "type":"invalid_request_error"'
)

sim_start main --quiet

# One rule per prefix and fault, chosen by key "k-FAULT-1234".
rules=""
for prefix in "${PREFIXES[@]}"; do
    for fault in "${FAULTS[@]}"; do
        rules+="{\"prefix\":\"$prefix\",\"key\":\"k-$fault-1234\",\"phases\":[{\"fault\":\"$fault\",\"retry_after_s\":7,\"hang_s\":1}]},"
    done
done
put_scenario "{\"rules\":[${rules%,}]}"

for prefix in "${PREFIXES[@]}"; do
    call "$prefix" k-healthy-1234
    expect_status 200 "$prefix healthy"
    healthy_len=${#BODY}
    for fault in auth quota rate_limit overloaded server bad_request; do
        call "$prefix" "k-$fault-1234"
        expected=${EXPECT[$prefix:$fault]}
        expect_status "${expected%% *}" "$prefix $fault"
        expect_body "${expected#* }" "$prefix $fault"
    done
    call "$prefix" k-malformed-1234
    expect_status 200 "$prefix malformed"
    expect_header content-type 'application/json'
    ((${#BODY} == healthy_len / 2)) || fail "$prefix malformed: ${#BODY} bytes, expected the first half of $healthy_len"
    call "$prefix" k-html-1234
    expect_status 502 "$prefix html"
    expect_header content-type 'text/html'
    expect_body '<title>502 Bad Gateway</title>'
done
ok "every dialect answers each fault in its provider's shape"

call openai k-rate_limit-1234
expect_header retry-after 7
expect_header x-ratelimit-remaining-requests 0
expect_header x-ratelimit-reset-requests 7s
call anthropic k-rate_limit-1234
expect_header retry-after 7
expect_header anthropic-ratelimit-requests-remaining 0
call azure k-rate_limit-1234
expect_header retry-after 7
expect_header retry-after-ms 7000
expect_header x-ratelimit-remaining-requests 0
call mistral k-rate_limit-1234
expect_header retry-after 7
call cohere k-rate_limit-1234
expect_header retry-after 7
call gemini k-rate_limit-1234
expect_body '"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"'
call gemini k-quota-1234
expect_no_body RetryInfo
ok "rate limits carry retry-after (and retry-after-ms, retryDelay) and zero remaining"

# Hangs answer after hang_s (1 s here), all at once, without blocking each other.
hangs=()
for prefix in "${PREFIXES[@]}"; do
    (call "$prefix" k-hang-1234 && echo "$STATUS" >"$SIM_TMP/hang.$prefix") &
    hangs+=($!)
done
call openai k-healthy-1234
expect_status 200 "request beside hangs"
wait "${hangs[@]}"
for prefix in "${PREFIXES[@]}"; do
    [[ $(cat "$SIM_TMP/hang.$prefix") == 200 ]] || fail "$prefix hang did not answer afterwards"
done
put_scenario '{"rules":[{"prefix":"openai","phases":[{"fault":"hang","hang_s":120}]}]}'
curl -s -m 1 -o /dev/null -H "Authorization: Bearer sk-1" "$SIM_URL/openai/models"
[[ $? == 28 ]] || fail "a client with a 1 s timeout should time out on a hang"
ok "hang: answers after hang_s, never blocks other requests, makes clients time out"

# retry_after_s not given: no retry-after header, no delay in the message.
put_scenario '{"rules":[{"prefix":"openai","phases":[{"fault":"rate_limit"}]}]}'
call openai sk-1
expect_status 429
expect_no_header retry-after
expect_no_body 'Please try again in'
ok "rate_limit without retry_after_s sends no retry hint"

# Per-key rules beat rules without a key; the first matching rule wins.
put_scenario '{"rules":[
  {"prefix":"openai","phases":[{"fault":"server"}]},
  {"prefix":"openai","phases":[{"fault":"overloaded"}]},
  {"prefix":"openai","key":"sk-vip-1","phases":[{"latency_ms":20,"jitter_ms":10}]}]}'
call openai sk-vip-1
expect_status 200 "keyed rule"
call openai sk-other-1
expect_status 500 "first rule without key"
call anthropic sk-other-1
expect_status 200 "other prefix untouched"
ok "a rule with the request's key beats rules without; the first matching rule wins"

# fault_rate: seeded draws, same sequence each time the scenario is loaded.
rate='{"seed":11,"rules":[{"prefix":"cohere","phases":[{"fault":"server","fault_rate":0.5}]}]}'
sequence() {
    local out="" i
    put_scenario "$rate"
    for ((i = 0; i < 30; i++)); do
        call cohere co-1
        out+="$STATUS "
    done
    echo "$out"
}
first=$(sequence)
second=$(sequence)
[[ $first == "$second" ]] || fail "fault draws differ for the same seed: $first / $second"
[[ $first == *200* && $first == *500* ]] || fail "fault_rate 0.5 should mix answers: $first"
put_scenario '{"rules":[{"prefix":"cohere","phases":[{"fault":"server","fault_rate":0}]}]}'
for i in 1 2 3 4 5; do
    call cohere co-1
    expect_status 200 "fault_rate 0"
done
ok "fault_rate draws are seeded and repeat after a reload; 0 never fires"

# Phases switch on the clock that starts when the scenario loads.
# Phases of 3 s and calls in the middle of each leave 1.5 s either side for a loaded machine.
put_scenario '{"rules":[{"prefix":"gemini","phases":[{"duration_s":3},{"fault":"overloaded"}]}]}'
call gemini g-1
expect_status 200 "phase 1 healthy"
sleep 3.5
call gemini g-1
expect_status 503 "phase 2 overloaded"
put_scenario '{"rules":[{"prefix":"gemini","loop":true,"phases":[{"duration_s":3,"fault":"server"},{"duration_s":3}]}]}'
call gemini g-1
expect_status 500 "loop phase 1"
sleep 4
call gemini g-1
expect_status 200 "loop phase 2"
sleep 3
call gemini g-1
expect_status 500 "loop back to phase 1"
ok "timed phases switch, the last one stays, loop repeats them"

# Admin API.
req PUT "$SIM_URL/_sim/scenario" --data-binary '{"rules":[{"prefix":"openai","phases":[{"fault":"server"}]}]}'
expect_status 200
req GET "$SIM_URL/_sim/scenario"
expect_body '"fault":"server"'
req PUT "$SIM_URL/_sim/scenario" --data-binary '{"rules":[{"prefix":"openai",'
expect_status 400 "invalid scenario JSON"
expect_body '"ok":false'
expect_body 'not valid JSON at line 1'
req POST "$SIM_URL/_sim/scenario" --data-binary '{"rules":[{"prefix":"openai","phases":[{"fault_rat":1}]}]}'
expect_status 400 "unknown field"
expect_body 'rules[0].phases[0]: unknown field \"fault_rat\"'
req POST "$SIM_URL/_sim/scenario" --data-binary '{"rules":[{"prefix":"watsonx","phases":[{}]}]}'
expect_status 400 "unknown prefix"
expect_body 'rules[0].prefix'
req POST "$SIM_URL/_sim/scenario" --data-binary '{"rules":[{"prefix":"openai","phases":[{"duration_s":0},{}]}]}'
expect_status 400 "phase without duration before the last"
call openai sk-1
expect_status 500 "refused scenarios leave the previous one"
req POST "$SIM_URL/_sim/reset"
expect_status 200
expect_body '{"ok":true}'
req GET "$SIM_URL/_sim/scenario"
[[ $BODY == '{}' ]] || fail "reset scenario is $BODY"
call openai sk-1
expect_status 200 "after reset"
call openai sk-2
call openai invalid-1
req GET "$SIM_URL/_sim/stats"
expect_status 200
expect_body '"openai":3'
expect_body '"anthropic":0'
expect_body '"200":2'
expect_body '"401":1'
req DELETE "$SIM_URL/_sim/scenario"
expect_status 405 "wrong admin method"
expect_header allow 'GET, PUT, POST'
req GET "$SIM_URL/_sim/nothing"
expect_status 404 "unknown admin path"
ok "admin API: read/replace scenario (refusals keep the old one), reset, stats, errors"
