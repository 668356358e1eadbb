#!/usr/bin/env bash
# Request-count regressions: the quick benchmark runs real playbooks against the emulator and
# fails when a scenario sends more API requests than its target (timings are only printed).
set -euo pipefail
"${PY:-python}" benchmarks/run.py --quick
