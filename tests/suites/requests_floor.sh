#!/usr/bin/env bash
# The lowest requests that requirements.txt allows (requests>=X) must work: the unit tests of module_utils and
# modules, which send real HTTP to the emulator, run in a venv holding exactly requests==X and the pinned
# ansible-core and pytest. The venv is cached under $WORK, so later runs need no network.
set -euo pipefail
PY=${PY:-python}
WORK=${WORK:-${TMPDIR:-/tmp}/tokenops-cloudflare-tests}

floor=$(sed -n 's/^requests>=\([0-9][0-9.]*\)$/\1/p' requirements.txt)
[ -n "$floor" ] || { echo "requirements.txt has no 'requests>=X' line" >&2; exit 1; }
mapfile -t pins < <(echo "requests==$floor"; grep -E '^(ansible-core|pytest)==' tests/requirements-test.txt)
venv="$WORK/venv-floor-$(echo "${pins[*]}" | tr -c 'a-zA-Z0-9.\n' '_')"
if ! "$venv/bin/python" -c "import requests, sys; sys.exit(requests.__version__ != '$floor')" 2>/dev/null; then
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
fi

# Run from .../ansible_collections/tokenops/cloudflare: its grandparent's parent makes the collection importable.
PYTHONPATH=$(cd ../../.. && pwd) "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/unit/plugins
echo "requests floor: unit tests pass with $("$venv/bin/python" -c 'import requests; print("requests", requests.__version__)')"
