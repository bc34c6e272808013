#!/usr/bin/env bash
# `make fuzz-api`: schemathesis against /api/openapi.json as each role, and against the page
# forms and queries (tests/fuzz_pages.py writes their schema), on a fresh demo database on
# SQLite and then on PostgreSQL (ENGINES="sqlite postgres"). Bounded: MAX_EXAMPLES per
# operation (default 25). Fails on any 5xx, on an API answer that breaks the documented
# schema, and on any ERROR line in the server's log.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/gridline}
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
ENGINES=${ENGINES:-sqlite postgres}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
python3 -c 'import schemathesis' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check schemathesis
status=0
pid=
pgdb=
dir=$(mktemp -d)
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -n "$pgdb" ] && psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

for engine in $ENGINES; do
  case $engine in
    sqlite) url="sqlite://$dir/fuzz.db?mode=rwc" ;;
    postgres)
      pgdb=gridline_fuzz_$$
      psql -q "$PG/postgres" -c "CREATE DATABASE $pgdb" >/dev/null
      url="$PG/$pgdb" ;;
    *) echo "unknown engine $engine"; exit 2 ;;
  esac
  export GRIDLINE_ENV=test GRIDLINE__DATABASE__URL="$url" GRIDLINE__SERVER__ADDR=127.0.0.1:0 RUST_LOG=error
  "$BIN" seed --demo >/dev/null
  "$BIN" serve >"$dir/serve.out" 2>"$dir/serve-$engine.err" &
  pid=$!
  for _ in $(seq 1 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
  base=$(sed -n 's/^gridline listening on //p' "$dir/serve.out")
  for user in admin liaison.a dispatcher.a officer.land tf.land tracker leader; do
    token=$(curl -s -XPOST "$base/api/v1/auth/login" -H 'content-type: application/json' \
      -d "{\"username\":\"$user\",\"password\":\"gridline-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    echo "== $engine: API as $user"
    # Signing out would end the token the run uses.
    schemathesis run "$base/api/openapi.json" -H "Authorization: Bearer $token" \
      --exclude-path /api/v1/auth/logout \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
      --max-examples "$MAX_EXAMPLES" --phases examples,coverage,fuzzing --no-color \
      --report junit --report-dir "target/fuzz-api/$engine/api-$user" 2>&1 | tail -n 25 || status=1
  done
  for user in admin liaison.a dispatcher.a officer.land tf.land leader; do
    cookie=$(python3 tests/fuzz_pages.py "$base" "$user" gridline-demo "$dir/pages.json")
    echo "== $engine: pages as $user"
    schemathesis run "$dir/pages.json" --url "$base" -H "Cookie: $cookie" \
      --checks not_a_server_error \
      --max-examples "$MAX_EXAMPLES" --phases examples,coverage,fuzzing --no-color \
      --report junit --report-dir "target/fuzz-api/$engine/pages-$user" 2>&1 | tail -n 25 || status=1
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  if grep -E '\bERROR\b' "$dir/serve-$engine.err" >/dev/null; then
    echo "== $engine: the server logged errors:"; grep -E '\bERROR\b' "$dir/serve-$engine.err" | head -n 20
    status=1
  fi
  rm -f "$dir/serve.out"
  if [ -n "$pgdb" ]; then
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null; pgdb=
  fi
done
exit $status
