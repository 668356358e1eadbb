#!/usr/bin/env bash
# Run demo.yml with this checkout as the collection (used by `make demo`, inside the emulator wrapper).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/ansible_collections/tokenops"
ln -s "$ROOT" "$TMP/ansible_collections/tokenops/cloudflare"
printf 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n' > "$TMP/inventory"
ANSIBLE_COLLECTIONS_PATH="$TMP" DEMO_DIR="$TMP" ANSIBLE_NOCOLOR=1 \
  ansible-playbook -i "$TMP/inventory" "$ROOT/playbooks/demo.yml" "$@"
