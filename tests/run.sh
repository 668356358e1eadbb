#!/usr/bin/env bash
# Run the collection's test suites (default: all): sanity, units, integration, then every
# tests/suites/<name>.sh in name order. Name suites as arguments to run only those.
# Every suite runs even when an earlier one fails; a summary table closes the run, and the exit
# status is non-zero when any suite failed.
# Expects the tools of tests/requirements-test.txt on PATH (`make test` provides them).
#
# Each run has its own work directory (a fresh `mktemp -d` under TMPDIR, removed at the end) holding
# the staged collection and the HOME that ansible-test and ansible use, so runs side by side on one
# host do not share ~/.ansible/test. Environment:
#   TOKENOPS_TEST_WORK=DIR    use DIR as the work directory and keep it (a later run with the same DIR
#                             reuses ansible-test's warm caches)
#   TOKENOPS_KEEP_WORK=1      keep the temporary work directory for inspection
#   TOKENOPS_TEST_SUMMARY=F   also append the summary rows to file F (.ci/run collects its matrix so)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python}
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(sanity units integration)
  for extra in "$ROOT"/tests/suites/*.sh; do
    [ -e "$extra" ] && suites+=("$(basename "$extra" .sh)")
  done
fi
for suite in "${suites[@]}"; do
  case "$suite" in
    sanity | units | integration) ;;
    *) [ -f "$ROOT/tests/suites/$suite.sh" ] || { echo "unknown suite: $suite" >&2; exit 2; } ;;
  esac
done

if [ -n "${TOKENOPS_TEST_WORK:-}" ]; then
  WORK=$TOKENOPS_TEST_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenops-cloudflare-tests.XXXXXX")
  if [ "${TOKENOPS_KEEP_WORK:-}" = 1 ]; then
    trap 'echo "work directory kept: $WORK"' EXIT
  else
    trap 'rm -rf "$WORK"' EXIT
  fi
fi
COLL="$WORK/ansible_collections/tokenops/cloudflare"
# pip's download cache and pyenv stay the user's; everything else under ~ is this run's own.
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-$HOME/.cache/pip}
[ -n "${PYENV_ROOT:-}" ] || [ ! -d "$HOME/.pyenv" ] || export PYENV_ROOT="$HOME/.pyenv"
export HOME="$WORK/home"
mkdir -p "$HOME"
PYV=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
CORE_VERSION=$("$PY" -c 'import ansible; print(ansible.__version__)')

# ansible-test insists on a real .../ansible_collections/<ns>/<name> tree, so test a copy.
stage() {
  rm -rf "$COLL" && mkdir -p "$COLL"
  tar -C "$ROOT" --exclude=./.git --exclude='./.venv*' --exclude='*/__pycache__' --exclude=./tests/output -cf - . | tar -C "$COLL" -xf -
}

# ansible-test sanity downloads a pip bootstrap script; offline, a cached one that runs ensurepip does the job.
seed_pip_bootstrap() {
  local pip_version cache
  pip_version=$("$PY" -c "import ansible_test._internal.python_requirements as r,types;print(r.get_venv_packages(types.SimpleNamespace(version='$PYV'))['pip'])")
  cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  mkdir -p "$(dirname "$cache")"
  [ -s "$cache" ] || echo 'import subprocess, sys; subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])' > "$cache"
}

run_suite() {
  local suite=$1
  case "$suite" in
    sanity)
      seed_pip_bootstrap
      (cd "$COLL" && ansible-test sanity --local --python "$PYV" --color no)
      ;;
    units)
      (cd "$COLL" && ansible-test units --local --python "$PYV" --color no)
      ;;
    integration)
      (cd "$COLL" && "$PY" -m pytest -p no:cacheprovider tests/integration -q -rfE)
      ;;
    *)
      # Suites in tests/suites/ run from the staged collection with COLL, WORK and PY set.
      (cd "$COLL" && COLL="$COLL" WORK="$WORK" PY="$PY" ROOT="$ROOT" bash "tests/suites/$suite.sh")
      ;;
  esac
}

stage
export ANSIBLE_COLLECTIONS_PATH="$WORK"
rows=()
failed=0
for suite in "${suites[@]}"; do
  echo "=== $suite (ansible-core $CORE_VERSION, Python $PYV)"
  start=$SECONDS
  # A subshell with errexit of its own: a failing command fails its suite, and the next suite still runs.
  set +e
  (set -e; run_suite "$suite")
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then result=pass; else result=FAIL; failed=$((failed + 1)); fi
  rows+=("$(printf '%-13s %-7s %-13s %-6s %7d' "$CORE_VERSION" "$PYV" "$suite" "$result" $((SECONDS - start)))")
done

header() { printf '%-13s %-7s %-13s %-6s %7s\n' ansible-core python suite result seconds; }
if [ -n "${TOKENOPS_TEST_SUMMARY:-}" ]; then
  [ -s "$TOKENOPS_TEST_SUMMARY" ] || header >> "$TOKENOPS_TEST_SUMMARY"
  printf '%s\n' "${rows[@]}" >> "$TOKENOPS_TEST_SUMMARY"
fi
echo "=== summary"
header
printf '%s\n' "${rows[@]}"
echo "suites: $((${#suites[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
