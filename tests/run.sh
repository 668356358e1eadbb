#!/usr/bin/env bash
# Run the collection's test suites (default: all): sanity, units, integration, then every
# tests/suites/<name>.sh in name order. Name suites as arguments to run only those.
# Expects the tools of tests/requirements-test.txt on PATH (`make test` provides them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${TOKENOPS_TEST_WORK:-${TMPDIR:-/tmp}/tokenops-cloudflare-tests}
COLL="$WORK/ansible_collections/tokenops/cloudflare"
PY=${PYTHON:-python}
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(sanity units integration)
  for extra in "$ROOT"/tests/suites/*.sh; do
    [ -e "$extra" ] && suites+=("$(basename "$extra" .sh)")
  done
fi

# ansible-test insists on a real .../ansible_collections/<ns>/<name> tree, so test a copy.
stage() {
  rm -rf "$COLL" && mkdir -p "$COLL"
  tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude='*/__pycache__' --exclude=./tests/output -cf - . | tar -C "$COLL" -xf -
}

# ansible-test sanity downloads a pip bootstrap script; offline, a cached one that runs ensurepip does the job.
seed_pip_bootstrap() {
  local pip_version cache
  pip_version=$("$PY" -c "import ansible_test._internal.python_requirements as r,types;print(r.get_venv_packages(types.SimpleNamespace(version='3.11'))['pip'])")
  cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  mkdir -p "$(dirname "$cache")"
  [ -s "$cache" ] || echo 'import subprocess, sys; subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])' > "$cache"
}

stage
export ANSIBLE_COLLECTIONS_PATH="$WORK"
for suite in "${suites[@]}"; do
  echo "=== $suite"
  case "$suite" in
    sanity)
      seed_pip_bootstrap
      (cd "$COLL" && ansible-test sanity --local --python 3.11 --color no)
      ;;
    units)
      (cd "$COLL" && ansible-test units --local --python 3.11 --color no)
      ;;
    integration)
      # Every target in tests/integration/targets through ansible-test itself (setup_emulator starts the emulator;
      # an integration_config.yml copied along from the checkout would point them at a real account), then the
      # pytest integration tests.
      rm -f "$COLL/tests/integration/integration_config.yml"
      py_version=$("$PY" -c 'import sys;print("%d.%d"%sys.version_info[:2])')
      (cd "$COLL" && ansible-test integration --local --python "$py_version" --color no)
      (cd "$COLL" && "$PY" -m pytest -p no:cacheprovider tests/integration -q -rfE)
      ;;
    *)
      # Suites in tests/suites/ run from the staged collection with COLL, WORK and PY set.
      [ -f "$COLL/tests/suites/$suite.sh" ] || { echo "unknown suite: $suite" >&2; exit 2; }
      (cd "$COLL" && COLL="$COLL" WORK="$WORK" PY="$PY" ROOT="$ROOT" bash "tests/suites/$suite.sh")
      ;;
  esac
done
