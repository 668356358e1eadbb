#!/usr/bin/env bash
# The collection's docsite as docs.ansible.com would build it: antsibull-docs checks every O()/M()/RV()
# reference in module and role docs, then builds the HTML site (module and role pages, the guides of
# docs/docsite) with Sphinx. Offline, Sphinx cannot fetch the intersphinx inventories of docs.python.org,
# Jinja and docs.ansible.com, so exactly those warnings (and the labels only those inventories define) are
# accepted; any other warning fails the suite.
set -euo pipefail
# Run from .../ansible_collections/tokenops/cloudflare: that is the collection antsibull-docs --use-current finds.
ANSIBLE_COLLECTIONS_PATH=$(cd ../../.. && pwd)
export ANSIBLE_COLLECTIONS_PATH

antsibull-docs lint-collection-docs --plugin-docs .

SITE=$(mktemp -d)  # antsibull-docs wants a directory only its owner can write to: mktemp -d is mode 0700
trap 'rm -rf "$SITE"' EXIT
antsibull-docs sphinx-init --use-current --dest-dir "$SITE" tokenops.cloudflare >/dev/null
# The two steps of the generated build.sh, with Sphinx's warnings written to a file instead of -W.
mkdir -p "$SITE/rst" && chmod og-w "$SITE/rst"
antsibull-docs --config-file "$SITE/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --dest-dir "$SITE/rst" tokenops.cloudflare >/dev/null
# Sphinx prints each warning to stderr as well; the file is the one read below.
sphinx-build -M html "$SITE/rst" "$SITE/build" -c "$SITE" -q -w "$SITE/warnings.log" 2>"$SITE/sphinx.log" \
  || { cat "$SITE/sphinx.log" >&2; exit 1; }
[ -f "$SITE/warnings.log" ]

# Labels that live in docs.ansible.com (reached through the ansible_devel inventory).
external="ansible_configuration_settings|common_return_values|ansible_collections\.ansible\.builtin\.[a-z_]+_module"
others=$(grep -v -E \
  -e "^WARNING: failed to reach any of the inventories with the following issues:$" \
  -e "^intersphinx inventory '[^']+' not (fetchable|readable) due to " \
  -e ": WARNING: undefined label: '($external)' \[ref\.ref\]$" \
  "$SITE/warnings.log" || true)
if [ -n "$others" ]; then
  echo "$others" >&2
  echo "docsite: Sphinx warnings besides the offline intersphinx ones" >&2
  exit 1
fi
for page in index tokens_role rotate_role cf_token_module docsite/getting_started; do
  [ -s "$SITE/build/html/collections/tokenops/cloudflare/$page.html" ] || { echo "docsite: no $page.html" >&2; exit 1; }
done
echo "docsite: docs lint clean; HTML built with $(find "$SITE/build/html" -name '*.html' | wc -l) pages, offline intersphinx warnings only"
