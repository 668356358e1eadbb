#!/usr/bin/env bash
# The collection inside a user's repository: a throw-away project with a playbook that uses both roles and
# the built tarball installed with `ansible-galaxy collection install -p ./collections`, linted by
# ansible-lint with its default profile and with the production profile, and no configuration of ours.
# ansible-lint also walks ./collections, so any finding in the collection's shipped files fails the suite.
set -euo pipefail
CONSUMER=$(mktemp -d)
trap 'rm -rf "$CONSUMER"' EXIT

ansible-galaxy collection build --output-path "$CONSUMER/dist" . >/dev/null
cd "$CONSUMER"
# Only the project locates the collection (ansible.cfg below): with the test runner's ANSIBLE_COLLECTIONS_PATH,
# `install` would find the staged copy there and install nothing.
unset ANSIBLE_COLLECTIONS_PATH
export ANSIBLE_HOME="$CONSUMER/.ansible"
ansible-galaxy collection install -p ./collections dist/tokenops-cloudflare-*.tar.gz >/dev/null
[ -f collections/ansible_collections/tokenops/cloudflare/MANIFEST.json ]
rm -rf dist
printf '[defaults]\ncollections_path = ./collections\n' > ansible.cfg
cat > site.yml <<'EOF'
---
- name: Cloudflare API tokens as code
  hosts: localhost
  gather_facts: false
  roles:
    - role: tokenops.cloudflare.tokens
      vars:
        cloudflare_tokens:
          - name: ci-dns
            policies:
              - permission_groups: [{name: DNS Write}]
                resources: {com.cloudflare.api.account.zone.*: "*"}
    - role: tokenops.cloudflare.rotate
      vars:
        cloudflare_rotate_tokens: [{name: ci-dns, value_path: /etc/ci/dns.token}]
EOF

for profile in default production; do
  args=(--offline --nocolor)
  [ "$profile" = default ] || args+=(--profile "$profile")
  # Warnings count too: ansible-lint exits 0 on them.
  if ! ansible-lint "${args[@]}" > lint.log 2>&1 \
      || ! grep -q 'Passed: 0 failure(s), 0 warning(s)' lint.log; then
    cat lint.log
    echo "ansible-lint ($profile profile) reports findings in a consumer repository" >&2
    exit 1
  fi
  rm lint.log
done
echo "consumer lint: default and production profiles clean"
