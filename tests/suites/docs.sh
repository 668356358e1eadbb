#!/usr/bin/env bash
# Documentation: docsite guides are valid reStructuredText and match extra-docs.yml; links.yml and the AWX
# credential type parse; both roles' argument specs render with ansible-doc.
set -euo pipefail
PY=${PY:-python}
rstcheck --report-level warning docs/docsite/rst/*.rst
"$PY" - <<'PYTHON'
import glob
import os

import yaml

extra = yaml.safe_load(open("docs/docsite/extra-docs.yml"))
listed = [entry for section in extra["sections"] for entry in section["toctree"]]
present = sorted(os.path.basename(p)[:-4] for p in glob.glob("docs/docsite/rst/*.rst"))
assert sorted(listed) == present, "extra-docs.yml lists %s, docs/docsite/rst has %s" % (sorted(listed), present)
links = yaml.safe_load(open("docs/docsite/links.yml"))
assert links["edit_on_github"]["repository"] and all(link["url"].startswith("https://") for link in links["extra_links"])
credential_type = yaml.safe_load(open("docs/awx/credential_type.yml"))
assert set(credential_type) >= {"name", "kind", "inputs", "injectors"}
print("docsite: %d guides, links and AWX credential type ok" % len(listed))
PYTHON
for role in tokens rotate; do
  # ansible-doc exits 0 for an unknown role, printing nothing: look for the entry point.
  shown=$(ANSIBLE_NOCOLOR=1 ansible-doc -t role "tokenops.cloudflare.$role")
  [[ "$shown" == *"ENTRY POINT: "*"main"* ]] || { echo "ansible-doc -t role tokenops.cloudflare.$role shows no main entry point" >&2; exit 1; }
done
echo "ansible-doc: roles tokens and rotate render"
