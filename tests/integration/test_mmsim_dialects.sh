#!/usr/bin/env bash
# mmsim speaks each provider's dialect: model lists (with pagination), chat and embeddings with
# usage, the provider's own answers to a wrong or missing key, bad requests and unknown paths.
source "$(dirname "$0")/test_mmsim_lib.sh"

sim_start main --quiet --seed 5
OA=(-H "Authorization: Bearer sk-test-abcdefgh1234")
AN=(-H "x-api-key: sk-ant-test-1234" -H "anthropic-version: 2023-06-01")
AZ=(-H "api-key: 0123456789abcdef")
GE=(-H "x-goog-api-key: AIza-test-key-123")
JSON=(-H "Content-Type: application/json")
AZV="api-version=2024-10-21"

# ---- openai ----
req GET "$SIM_URL/openai/models" "${OA[@]}"
expect_status 200 "openai models"
expect_body '"object":"list"'
expect_body '{"id":"gpt-4o-mini","object":"model"'
expect_body '"id":"text-embedding-3-small"'
expect_header x-ratelimit-limit-requests '[0-9]+'
expect_header x-ratelimit-remaining-tokens '[0-9]+'
expect_header x-ratelimit-reset-requests '[0-9]+m?s'
chat='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}'
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" "${JSON[@]}" -d "$chat"
expect_status 200 "openai chat"
expect_body '"object":"chat.completion"'
expect_body '"prompt_tokens":6' # ceil(11 bytes / 4) + 3 per message
completion=$(body_number completion_tokens)
total=$(body_number total_tokens)
((completion >= 1 && completion <= 10)) || fail "completion_tokens $completion not within max_tokens"
((total == completion + 6)) || fail "total_tokens $total"
first_reply=$(body_string content)
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" -d "$chat"
[[ $(body_string content) == "$first_reply" ]] || fail "same seed and request, different reply"
ok "openai: models, chat with usage, deterministic replies"

req POST "$SIM_URL/openai/embeddings" "${OA[@]}" -d '{"model":"text-embedding-3-small","input":["abcdefgh","x"]}'
expect_status 200 "openai embeddings"
[[ $(count_in_body '"object":"embedding"') == 2 ]] || fail "two inputs, two embeddings"
vector=$(grep -oE '"embedding":\[[^]]*\]' "$SIM_TMP/body" | head -n 1 | tr ',' '\n' | wc -l)
[[ $vector == 8 ]] || fail "embedding has $vector values, expected 8"
expect_body '"prompt_tokens":3'
req GET "$SIM_URL/openai/models" -H "Authorization: Bearer invalid-key-0000"
expect_status 401 "openai wrong key"
expect_body '"code":"invalid_api_key"'
expect_body '"type":"invalid_request_error"'
expect_body 'Incorrect API key provided'
expect_no_body 'invalid-key-0000'
req GET "$SIM_URL/openai/models"
expect_status 401 "openai no key"
expect_body "You didn't provide an API key"
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" -d '{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}'
expect_status 404 "openai unknown model"
expect_body '"code":"model_not_found"'
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" -d '{"model":"gpt-4o",'
expect_status 400 "openai bad json"
expect_body 'could not parse the JSON body'
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" -d '{"model":"gpt-4o"}'
expect_status 400 "openai no messages"
expect_body "'messages' is a required property"
req GET "$SIM_URL/openai/nothing/here" "${OA[@]}"
expect_status 404 "openai unknown path"
expect_body 'Invalid URL (GET /v1/nothing/here)'
head -c 1100000 /dev/zero | tr '\0' 'a' >"$SIM_TMP/huge"
req POST "$SIM_URL/openai/chat/completions" "${OA[@]}" --data-binary "@$SIM_TMP/huge"
expect_status 413 "openai body too large"
expect_body '"error":{"message":"Request body too large'
ok "openai: embeddings, wrong/missing key, unknown model, bad JSON, unknown path, 413"

# ---- anthropic ----
req GET "$SIM_URL/anthropic/v1/models" "${AN[@]}"
expect_status 200 "anthropic models"
expect_body '"has_more":false'
all_anthropic=$(count_in_body '"type":"model"')
expect_body '"id":"claude-sonnet-4-20250514"'
expect_header request-id 'req_[0-9a-f]+'
expect_header anthropic-ratelimit-requests-limit '[0-9]+'
expect_header anthropic-ratelimit-tokens-reset '[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z'
put_scenario '{"max_page_size":2}'
after="" pages=0 seen=0
while :; do
    req GET "$SIM_URL/anthropic/v1/models?limit=100${after:+&after_id=$after}" "${AN[@]}"
    expect_status 200 "anthropic page"
    n=$(count_in_body '"type":"model"')
    ((n <= 2)) || fail "max_page_size 2 not honoured ($n)"
    seen=$((seen + n)) pages=$((pages + 1))
    after=$(body_string last_id)
    grep -qF '"has_more":true' "$SIM_TMP/body" || break
    ((pages < 50)) || fail "pagination never ends"
done
((seen == all_anthropic && pages > 1)) || fail "paginated $seen of $all_anthropic in $pages pages"
req GET "$SIM_URL/anthropic/v1/models?after_id=no-such-model" "${AN[@]}"
expect_status 400 "anthropic bad after_id"
ok "anthropic: models newest first, paginated with has_more/last_id ($pages pages)"

msg='{"model":"claude-3-5-haiku-20241022","max_tokens":12,"messages":[{"role":"user","content":"hi there"}]}'
req POST "$SIM_URL/anthropic/v1/messages" "${AN[@]}" -d "$msg"
expect_status 200 "anthropic message"
expect_body '"type":"message"'
expect_body '"input_tokens":5'
expect_body '"type":"text","text":"'
req POST "$SIM_URL/anthropic/v1/messages" "${AN[@]}" -d '{"model":"claude-3-5-haiku-20241022","messages":[{"role":"user","content":"hi"}]}'
expect_status 400 "anthropic no max_tokens"
expect_body '"type":"invalid_request_error","message":"max_tokens: Field required"'
req POST "$SIM_URL/anthropic/v1/messages" -H "x-api-key: sk-ant-1" -d "$msg"
expect_status 400 "anthropic no version"
expect_body 'anthropic-version: header is required'
req GET "$SIM_URL/anthropic/v1/models" -H "x-api-key: invalid-1" -H "anthropic-version: 2023-06-01"
expect_status 401 "anthropic wrong key"
expect_body '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_'
req GET "$SIM_URL/anthropic/v1/models" -H "anthropic-version: 2023-06-01"
expect_status 401 "anthropic no key"
expect_body 'x-api-key header is required'
req POST "$SIM_URL/anthropic/v1/messages" "${AN[@]}" -d '{"model":"claude-9","max_tokens":5,"messages":[{"role":"user","content":"x"}]}'
expect_status 404 "anthropic unknown model"
expect_body '"type":"not_found_error"'
ok "anthropic: messages with usage, max_tokens and anthropic-version required, key errors"

# ---- azure ----
req GET "$SIM_URL/azure/openai/models?$AZV" "${AZ[@]}"
expect_status 200 "azure models"
expect_body '"id":"gpt-4o-2024-08-06","status":"succeeded"'
expect_body '"chat_completion":true'
expect_header x-ratelimit-remaining-requests '[0-9]+'
req GET "$SIM_URL/azure/openai/models" "${AZ[@]}"
expect_status 404 "azure without api-version"
expect_body '{"error":{"code":"404","message":"Resource not found"}}'
req GET "$SIM_URL/azure/openai/v1/models" "${AZ[@]}"
expect_status 200 "azure v1 models without api-version"
req POST "$SIM_URL/azure/openai/deployments/gpt-4o-mini/chat/completions?$AZV" "${AZ[@]}" \
    -d '{"messages":[{"role":"user","content":"abcd"}],"max_tokens":8}'
expect_status 200 "azure chat"
expect_body '"prompt_tokens":4'
expect_body '"model":"gpt-4o-mini-2024-07-18"'
req POST "$SIM_URL/azure/openai/deployments/text-embedding-3-small/embeddings?$AZV" "${AZ[@]}" \
    -d '{"input":"some text"}'
expect_status 200 "azure embeddings"
expect_body '"object":"embedding"'
req POST "$SIM_URL/azure/openai/deployments/text-embedding-3-small/chat/completions?$AZV" \
    "${AZ[@]}" -d '{"messages":[{"role":"user","content":"x"}]}'
expect_status 400 "azure chat on an embedding deployment"
expect_body '"code":"OperationNotSupported"'
req POST "$SIM_URL/azure/openai/deployments/my-gpt/chat/completions?$AZV" "${AZ[@]}" \
    -d '{"messages":[{"role":"user","content":"x"}]}'
expect_status 404 "azure unknown deployment"
expect_body '"code":"DeploymentNotFound"'
req GET "$SIM_URL/azure/openai/models?$AZV" -H "api-key: invalid-key"
expect_status 401 "azure wrong key"
expect_body '{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint.'
req GET "$SIM_URL/azure/openai/models?$AZV"
expect_status 401 "azure no key"
expect_body '"code":"401"'
put_scenario '{"azure_deployments":["my-gpt"]}'
req POST "$SIM_URL/azure/openai/deployments/my-gpt/chat/completions?$AZV" "${AZ[@]}" \
    -d '{"messages":[{"role":"user","content":"x"}]}'
expect_status 200 "azure scenario deployment"
req POST "$SIM_URL/azure/openai/deployments/gpt-4o/chat/completions?$AZV" "${AZ[@]}" \
    -d '{"messages":[{"role":"user","content":"x"}]}'
expect_status 404 "azure deployment no longer listed"
ok "azure: models (not deployments), api-version, deployments, string error codes"

# ---- gemini ----
put_scenario '{"max_page_size":2}'
token="" pages=0 seen=0
while :; do
    req GET "$SIM_URL/gemini/models?pageSize=50${token:+&pageToken=$token}" "${GE[@]}"
    expect_status 200 "gemini page"
    seen=$((seen + $(count_in_body '"name":"models/'))) pages=$((pages + 1))
    token=$(body_string nextPageToken)
    [[ -n $token ]] || break
    ((pages < 50)) || fail "pagination never ends"
done
put_scenario '{}'
req GET "$SIM_URL/gemini/models" "${GE[@]}"
expect_no_body nextPageToken
((seen == $(count_in_body '"name":"models/') && pages > 1)) || fail "gemini paginated $seen"
expect_body '"name":"models/gemini-2.0-flash"'
expect_body '"supportedGenerationMethods":["generateContent"'
req GET "$SIM_URL/gemini/models?pageToken=forged" "${GE[@]}"
expect_status 400 "gemini bad page token"
req POST "$SIM_URL/gemini/models/gemini-2.0-flash:generateContent" "${GE[@]}" \
    -d '{"contents":[{"role":"user","parts":[{"text":"hello gemini"}]}]}'
expect_status 200 "gemini generate"
expect_body '"candidates":[{"content":{"parts":[{"text":"'
expect_body '"promptTokenCount":6'
expect_body '"candidatesTokenCount":'
req POST "$SIM_URL/gemini/models/text-embedding-004:embedContent?key=AIza-q" \
    -d '{"content":{"parts":[{"text":"embed me"}]}}'
expect_status 200 "gemini embed with ?key="
expect_body '"embedding":{"values":['
req GET "$SIM_URL/gemini/models" -H "x-goog-api-key: invalid-key"
expect_status 400 "gemini wrong key"
expect_body '"status":"INVALID_ARGUMENT"'
expect_body '"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"'
req GET "$SIM_URL/gemini/models"
expect_status 403 "gemini no key"
expect_body '"status":"PERMISSION_DENIED"'
req POST "$SIM_URL/gemini/models/gemini-9:generateContent" "${GE[@]}" -d '{"contents":[]}'
expect_status 404 "gemini unknown model"
expect_body '"status":"NOT_FOUND"'
ok "gemini: models/ names paginated by nextPageToken ($pages pages), generate, embed, key errors"

# ---- cohere ----
CO=(-H "Authorization: Bearer co-test-key")
put_scenario '{"max_page_size":3}'
token="" pages=0 seen=0
while :; do
    req GET "$SIM_URL/cohere/v1/models?page_size=20${token:+&page_token=$token}" "${CO[@]}"
    expect_status 200 "cohere page"
    seen=$((seen + $(count_in_body '"endpoints":'))) pages=$((pages + 1))
    token=$(body_string next_page_token)
    [[ -n $token ]] || break
    ((pages < 50)) || fail "pagination never ends"
done
put_scenario '{}'
req GET "$SIM_URL/cohere/v1/models" "${CO[@]}"
((seen == $(count_in_body '"endpoints":') && pages > 1)) || fail "cohere paginated $seen"
expect_body '"name":"command-r-plus"'
req GET "$SIM_URL/cohere/v1/models?endpoint=embed" "${CO[@]}"
expect_no_body '"name":"command-r"'
expect_body '"name":"embed-english-v3.0"'
req POST "$SIM_URL/cohere/v2/chat" "${CO[@]}" -d '{"model":"command-r","messages":[{"role":"user","content":"hey"}]}'
expect_status 200 "cohere chat"
expect_body '"message":{"role":"assistant","content":[{"type":"text","text":"'
expect_body '"billed_units":{"input_tokens":4,"output_tokens":'
req POST "$SIM_URL/cohere/v2/embed" "${CO[@]}" -d '{"model":"embed-english-v3.0","texts":["a","b"],"input_type":"search_document","embedding_types":["float"]}'
expect_status 200 "cohere embed"
expect_body '"embeddings":{"float":[['
req GET "$SIM_URL/cohere/v1/models" -H "Authorization: Bearer invalid-co"
expect_status 401 "cohere wrong key"
expect_body '{"message":"invalid api token"}'
put_scenario '{"cohere_invalid_status":498}'
req GET "$SIM_URL/cohere/v1/models" -H "Authorization: Bearer invalid-co"
expect_status 498 "cohere wrong key as 498"
req POST "$SIM_URL/cohere/v2/chat" "${CO[@]}" -d 'not json'
expect_status 400 "cohere bad json"
expect_body '{"message":"invalid request:'
ok "cohere: paginated by next_page_token ($pages pages), chat/embed usage, 401 or 498"

# ---- mistral ----
MI=(-H "Authorization: Bearer mi-test-key")
put_scenario '{"max_page_size":2}'
req GET "$SIM_URL/mistral/models" "${MI[@]}"
expect_status 200 "mistral models"
(($(count_in_body '"object":"model"') > 2)) || fail "mistral models are not paginated"
expect_body '"id":"mistral-large-latest"'
expect_body '"capabilities":{"completion_chat":true'
req POST "$SIM_URL/mistral/chat/completions" "${MI[@]}" -d '{"model":"mistral-small-latest","messages":[{"role":"user","content":"bonjour"}]}'
expect_status 200 "mistral chat"
expect_body '"prompt_tokens":5'
req POST "$SIM_URL/mistral/embeddings" "${MI[@]}" -d '{"model":"mistral-embed","input":["a"]}'
expect_status 200 "mistral embeddings"
req GET "$SIM_URL/mistral/models" -H "Authorization: Bearer invalid-mi"
expect_status 401 "mistral wrong key"
expect_body '{"message":"Unauthorized","request_id":"'
req POST "$SIM_URL/mistral/chat/completions" "${MI[@]}" -d '{"model":"nope","messages":[{"role":"user","content":"x"}]}'
expect_status 400 "mistral unknown model"
expect_body '"type":"invalid_model"'
ok "mistral: unpaginated models, chat, embeddings, 401 shape"

# ---- compat ----
put_scenario '{}'
req GET "$SIM_URL/compat/models"
expect_status 200 "compat models without a key"
expect_body '{"object":"list","data":[{"id":"llama-3.1-8b-instruct"'
expect_header x-ratelimit-limit-requests '[0-9]+'
req POST "$SIM_URL/compat/chat/completions" -d '{"model":"any-local-model","messages":[{"role":"user","content":"x"}]}'
expect_status 200 "compat chat with any model"
req GET "$SIM_URL/compat/models" -H "Authorization: Bearer invalid-x"
expect_status 401 "compat wrong key"
put_scenario '{"compat_require_key":true,"compat_bare_array":true}'
req GET "$SIM_URL/compat/models"
expect_status 401 "compat key required"
req GET "$SIM_URL/compat/models" -H "Authorization: Bearer tok"
expect_status 200 "compat bare array"
[[ $BODY == \[* ]] || fail "compat_bare_array: body is not a bare array"
expect_body '"id":"qwen2.5-7b-instruct"'
put_scenario '{"compat_vllm_errors":true}'
req GET "$SIM_URL/compat/models" -H "Authorization: Bearer invalid-x"
expect_status 401 "compat vllm error"
expect_body '"object":"error"'
expect_body '"code":401'
expect_no_body '"error":{'
ok "compat: key optional, any model, bare array and vLLM error quirks"

# ---- scenario key lists ----
put_scenario '{"keys":{"openai":["sk-test-1"]}}'
req GET "$SIM_URL/openai/models" -H "Authorization: Bearer sk-test-1"
expect_status 200 "listed key"
req GET "$SIM_URL/openai/models" -H "Authorization: Bearer sk-test-2"
expect_status 401 "unlisted key"
req GET "$SIM_URL/anthropic/v1/models" -H "x-api-key: anything" -H "anthropic-version: 2023-06-01"
expect_status 200 "other prefixes keep the default rule"
ok "scenario keys: only listed keys are accepted for that prefix"

req GET "$SIM_URL/elsewhere/models"
expect_status 404 "unknown prefix"
expect_body 'unknown path'
ok "unknown prefix answers 404 with the list of prefixes"

# ---- hostile input: never a crash, always an answer in the provider's shape ----
put_scenario '{}'
req GET "$SIM_URL/openai/%ff%fe/x" "${OA[@]}"
expect_status 404 "non-UTF-8 path"
expect_body 'Invalid URL (GET /v1/'
printf 'Authorization: Bearer invalid\xff\x01-abcdefghij\xfe\r\n' >"$SIM_TMP/hdr"
req GET "$SIM_URL/openai/models" -H "@$SIM_TMP/hdr"
expect_status 401 "non-UTF-8 key"
expect_body '"code":"invalid_api_key"'
head -c 200000 /dev/zero | tr '\0' '[' >"$SIM_TMP/deep"
req POST "$SIM_URL/anthropic/v1/messages" "${AN[@]}" --data-binary "@$SIM_TMP/deep"
expect_status 400 "deeply nested body"
expect_body '"type":"invalid_request_error"'
printf '{"contents":[{"parts":[{"text":"\xff\xfe"}]}]}' >"$SIM_TMP/bad-utf8"
req POST "$SIM_URL/gemini/models/gemini-2.0-flash:generateContent" "${GE[@]}" --data-binary "@$SIM_TMP/bad-utf8"
expect_status 400 "non-UTF-8 body"
expect_body '"status":"INVALID_ARGUMENT"'
req POST "$SIM_URL/cohere/v2/chat" "${CO[@]}" -d '[1,2,3]'
expect_status 400 "array body"
req POST "$SIM_URL/mistral/chat/completions" "${MI[@]}" -d '{"model":"mistral-embed","messages":[1,{"content":{"x":[]}}],"max_tokens":-4}'
expect_status 400 "negative max_tokens"
req POST "$SIM_URL/azure/openai/deployments/$(head -c 3000 /dev/zero | tr '\0' 'd')/chat/completions?$AZV" "${AZ[@]}" -d '{}'
expect_status 404 "very long deployment"
req GET "$SIM_URL/gemini/models?pageSize=-1" "${GE[@]}"
expect_status 400 "negative page size"
req GET "$SIM_URL/anthropic/v1/models?limit=abc" "${AN[@]}"
expect_status 400 "non-numeric limit"
req GET "$SIM_URL/_sim/health"
expect_status 200 "still alive"
ok "hostile paths, keys and bodies get the provider's error shape, never a crash"
