#!/usr/bin/env bash
# ansible-lint, production profile (see .ansible-lint), over roles, playbooks, integration targets and
# every module's EXAMPLES. It lints a throw-away copy of the staged collection, because the EXAMPLES are
# extracted into playbooks there and, before the first release, a changelog is needed there too.
set -euo pipefail
COLL=${COLL:-$PWD}
PY=${PY:-python}
LINT_WORK=$(mktemp -d)
trap 'rm -rf "$LINT_WORK"' EXIT
LINT_COLL="$LINT_WORK/ansible_collections/tokenops/cloudflare"
mkdir -p "$LINT_COLL"
tar -C "$COLL" --exclude=./.git --exclude=./.venv --exclude=./tests/output --exclude='*/__pycache__' -cf - . | tar -C "$LINT_COLL" -xf -

"$PY" - "$LINT_COLL" <<'PYTHON'
"""Write each module's EXAMPLES as a playbook under examples/playbooks/ so ansible-lint checks them."""
import ast
import os
import sys

root = sys.argv[1]
modules = os.path.join(root, "plugins", "modules")
target = os.path.join(root, "examples", "playbooks")
os.makedirs(target)
for filename in sorted(os.listdir(modules)):
    if not filename.endswith(".py"):
        continue
    with open(os.path.join(modules, filename)) as handle:
        tree = ast.parse(handle.read())
    examples = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "EXAMPLES"]
    if not examples:
        continue
    # The EXAMPLES text itself, unchanged, as the tasks of a play: lint sees what users copy.
    body = "".join(("    " + line if line.strip() else "\n") for line in examples[0].strip("\n").splitlines(True))
    with open(os.path.join(target, filename[:-3] + ".yml"), "w") as handle:
        handle.write("---\n- name: EXAMPLES of %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s\n" % (filename[:-3], body))
PYTHON

if [ ! -e "$LINT_COLL/changelogs/changelog.yaml" ]; then
  # The production profile requires a changelog; `antsibull-changelog release` creates it at release time.
  echo "note: changelogs/changelog.yaml does not exist yet (created by the first release); linting with a placeholder"
  printf 'ancestor: null\nreleases: {}\n' > "$LINT_COLL/changelogs/changelog.yaml"
fi

cd "$LINT_COLL"
ANSIBLE_COLLECTIONS_PATH="$LINT_WORK" ansible-lint --offline --profile production --nocolor
