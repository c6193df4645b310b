#!/usr/bin/env bash
# Runs every test of the repository, on a fresh machine as well: installs what the tests need when it
# is missing (redis-server, the @dapr/dapr npm package), builds, runs all test projects, and ends with
# one line of totals: "N passed, N failed, N skipped". Exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d tests/js/node_modules/@dapr/dapr ]; then
  echo "== installing the JavaScript SDK for the compatibility tests"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== building"
dotnet build Satcar.slnx -c Release --nologo -v quiet

echo "== testing"
rm -rf TestResults
status=0
dotnet test Satcar.slnx -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory TestResults --blame-hang-timeout 10m || status=$?

passed=0 failed=0 skipped=0 total=0
for trx in TestResults/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  total=$((total + $(get total)))
  skipped=$((skipped + $(get total) - $(get executed)))
done

if [ "$total" -eq 0 ]; then
  echo "no test results were found"
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
  exit 1
fi
