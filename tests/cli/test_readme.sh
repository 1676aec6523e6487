#!/usr/bin/env bash
# Keeps README.md true: runs its example session block against a private simulator and
# catalog, and checks every command, make target, picture and link it names exists.
set -euo pipefail
: "${MMADMIN:?}" "${MM_SOURCE_DIR:?}" "${MM_BUILD_DIR:?}"
readme="$MM_SOURCE_DIR/README.md"
work=$(mktemp -d "${TMPDIR:-/tmp}/mmreadme.XXXXXX")
sim_pids=()
cleanup() {
    for p in "${sim_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    pkill -f "$work" 2>/dev/null || true
    # the example session's own servers, when it stopped before its `kill %2` / `kill %1`
    [[ -z ${port:-} ]] || pkill -f -- "mmsim --port $port" 2>/dev/null || true
    [[ -z ${serve_port:-} ]] || pkill -f -- "serve --listen 127.0.0.1:$serve_port" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    echo "no free port found" >&2
    exit 1
}

# 1. The example session: the ```sh block, with its port, catalog folder and build/ made ours.
awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$readme" >"$work/session.sh"
[[ -s "$work/session.sh" ]] || fail "README.md has no \`\`\`sh example block"
port=$(free_port)
serve_port=$(free_port)
sed -i -e "s|8089|$port|g" -e "s|8088|$serve_port|g" -e "s|/tmp/mm-try|$work/try|g" -e "s|build/|$MM_BUILD_DIR/|g" \
    "$work/session.sh"
mkdir -p "$work/try"
if (cd "$work" && env -u MM_DB -u MM_MASTER_KEY bash -e -o pipefail session.sh) \
    >"$work/out.txt" 2>"$work/err.txt"; then
    grep -q '^ok: [0-9]* models' "$work/out.txt" || fail "account test did not list models"
    grep -q '"account": "prod-openai"' "$work/out.txt" || fail "send was not served by prod-openai"
    grep -q 'include prod-openai (priority 1' "$work/out.txt" || fail "route --explain lacks its steps"
    grep -q 'fast-chat' "$work/out.txt" || fail "the session output does not mention fast-chat"
    grep -q '"data":\[{"id":"fast-chat"' "$work/out.txt" || fail "serve's /v1/models lacks fast-chat"
    grep -q '"object":"chat.completion"' "$work/out.txt" || fail "serve's curl chat was not answered"
    grep -q '"object":"chat.completion.chunk"' "$work/out.txt" || fail "serve's curl stream sent no chunk"
    grep -q '^data: \[DONE\]' "$work/out.txt" || fail "serve's curl stream did not end with [DONE]"
    grep -q '^served by prod-openai' "$work/out.txt" || fail "send --stream was not served"
    grep -q '1 image(s) made' "$work/out.txt" || fail "send --image-prompt made no image"
    grep -q '"b64_json":"iVBOR' "$work/out.txt" || fail "serve's curl image was not answered"
else
    fail "the README's example session failed:"
    cat "$work/out.txt" "$work/err.txt" >&2
fi

# 2. Every `mmadmin COMMAND [SUB/SUB...]` the README names exists (its --help exits 0).
grep -oE '`mmadmin [a-z]+( [a-z]+(/[a-z]+)*)?' "$readme" | tr -d '`' | sort -u |
    while read -r _ cmd subs; do
        if [[ -z "$subs" ]]; then
            "$MMADMIN" "$cmd" --help >/dev/null 2>&1 || fail "README names 'mmadmin $cmd'"
            continue
        fi
        IFS=/ read -ra parts <<<"$subs"
        for sub in "${parts[@]}"; do
            if ! "$MMADMIN" "$cmd" "$sub" --help >/dev/null 2>&1 &&
                ! "$MMADMIN" "$cmd" --help >/dev/null 2>&1; then
                fail "README names 'mmadmin $cmd $sub'"
            fi
        done
    done

# 3. Every `make TARGET` it names is a target of the Makefile.
for target in $(grep -oE 'make [a-z]+' "$readme" | awk '{print $2}' | sort -u); do
    make -n -C "$MM_SOURCE_DIR" "$target" >/dev/null 2>&1 || fail "README names 'make $target'"
done

# 4. Every picture and relative link resolves.
for path in $(grep -oE '\]\([^)#]+\)' "$readme" | sed -e 's/^](//' -e 's/)$//' | grep -v '://'); do
    [[ -e "$MM_SOURCE_DIR/$path" ]] || fail "README links to missing $path"
done

# 5. Its global options are the program's.
for opt in $(grep -oE -- '--(db|read-only|page|demo)' "$readme" | sort -u); do
    "$MMADMIN" --help | grep -q -- "$opt" || fail "README names global option $opt"
done

if [[ $failures -gt 0 ]]; then
    echo "$failures README check(s) failed" >&2
    exit 1
fi
echo "PASS: README example session, commands, make targets and links"
