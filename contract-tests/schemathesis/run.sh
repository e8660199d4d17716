#!/usr/bin/env bash
# Property-based fuzzing of the chat API with schemathesis: every check, against a running
# server, with a real Bearer token.
#
#   contract-tests/schemathesis/run.sh                  # builds and starts a server of its own
#   BASE_URL=http://127.0.0.1:8000 TOKEN=<access> contract-tests/schemathesis/run.sh
#
# Needs schemathesis (pinned in requirements.txt):
#   python3 -m venv .venv/schemathesis
#   .venv/schemathesis/bin/pip install -r contract-tests/schemathesis/requirements.txt
# Environment: ST (the `st` executable; default .venv/schemathesis/bin/st, else on PATH),
# ST_MAX_EXAMPLES (cases per operation and phase, default 40), ST_SEED (default 1, so a failure
# replays; set another to explore), ST_REPORT_DIR (where the JUnit report goes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

st="${ST:-$root/.venv/schemathesis/bin/st}"
if [[ ! -x "$st" ]]; then
  st="$(command -v st || true)"
fi
if [[ -z "$st" ]]; then
  echo "schemathesis is not installed; run:" >&2
  echo "  python3 -m venv .venv/schemathesis && .venv/schemathesis/bin/pip install -r contract-tests/schemathesis/requirements.txt" >&2
  exit 2
fi

server_pid=""
workdir=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$workdir" ]]; then rm -rf "$workdir"; fi
}
trap cleanup EXIT

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

if [[ -z "${BASE_URL:-}" ]]; then
  workdir="$(mktemp -d)"
  cargo build --quiet -p chat-server --manifest-path "$root/Cargo.toml"
  mkfifo "$workdir/out"
  # Throttles off, as the contract tests start their servers: one fuzzing user sends far
  # more than a person, and a 429 would hide what the request would have got.
  CHAT_BIND=127.0.0.1:0 DATABASE_URL="sqlite://$workdir/chat.db" JWT_ACCESS_TTL_SECS=3600 \
    CHAT_MESSAGE_RATE=0 CHAT_TOKEN_RATE_PER_MIN=0 \
    RUST_LOG=warn "$root/target/debug/chat-server" serve >"$workdir/out" 2>"$workdir/server.log" &
  server_pid=$!
  read -r line <"$workdir/out"
  BASE_URL="${line#listening on }"
  cat "$workdir/out" >/dev/null &
fi

if [[ -z "${TOKEN:-}" ]]; then
  user="fuzzer-$RANDOM$RANDOM"
  password="fuzzer-password-$RANDOM"
  curl -sf -X POST "$BASE_URL/api/users/register/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" >/dev/null
  TOKEN="$(curl -sf -X POST "$BASE_URL/api/token/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" | json_field access)"
fi

report_dir="${ST_REPORT_DIR:-$root/target/schemathesis}"
mkdir -p "$report_dir"
echo "fuzzing $BASE_URL with $("$st" --version)"
# --workers 1: operations share one user and database, and a run is repeatable with its seed.
exec "$st" --config-file "$here/schemathesis.toml" run "$BASE_URL/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "${ST_MAX_EXAMPLES:-40}" \
  --seed "${ST_SEED:-1}" \
  --workers 1 \
  --no-color \
  --report junit --report-junit-path "$report_dir/junit.xml"
