#!/usr/bin/env bash
# Changelog fragments (and changelogs/changelog.yaml once a release has created it) follow antsibull-changelog's rules.
set -euo pipefail
antsibull-changelog lint
[ ! -e changelogs/changelog.yaml ] || antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
echo "antsibull-changelog lint: ok"
