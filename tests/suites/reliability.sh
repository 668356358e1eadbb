#!/usr/bin/env bash
# Reliability and security: fault matrix, bad input, secret leaks, concurrency and the API
# contract, all through real ansible-playbook runs against the emulator (see tests/reliability/README.md).
set -euo pipefail
"${PY:-python}" -m pytest -p no:cacheprovider tests/reliability -q -rfExX --durations=5
