#!/usr/bin/env bash
# `make fuzz-api`: schemathesis against /api/openapi.json, signed in as each role in turn, on a
# fresh demo database. Bounded: MAX_EXAMPLES per operation (default 25). Fails on any 5xx or
# any response that breaks the documented schema.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/gridline}
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
python3 -c 'import schemathesis' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check schemathesis
dir=$(mktemp -d)
export GRIDLINE_ENV=test GRIDLINE__DATABASE__URL="sqlite://$dir/fuzz.db?mode=rwc" GRIDLINE__SERVER__ADDR=127.0.0.1:0 RUST_LOG=error
"$BIN" seed --demo >/dev/null
"$BIN" serve >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^gridline listening on //p' "$dir/serve.out")
status=0
for user in admin liaison.a dispatcher.a officer.land tf.land tracker leader; do
  token=$(curl -s -XPOST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"gridline-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  echo "== as $user"
  schemathesis run "$base/api/openapi.json" -H "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$MAX_EXAMPLES" --phases examples,coverage,fuzzing --no-color \
    --report junit --report-dir "target/fuzz-api/$user" 2>&1 | tail -n 25 || status=1
done
exit $status
