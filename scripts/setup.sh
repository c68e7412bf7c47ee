#!/usr/bin/env bash
# Installs everything the full test tier needs from outside the crate, once, before the
# tests run (scripts/test.sh calls it; run it yourself to prepare a machine):
#   - the third-party servers the tests measure: Tornado and pywebsocket3 (PyPI, a venv under
#     target/external), Node's ws (npm, under target/external), nginx with Nchan and
#     websocketd (Debian packages): scripts/targets/install.sh;
#   - headless Chromium for tests/browser (Debian's chromium): scripts/chromium.sh;
#   - the Python packages tests read outputs with (websockets, kubernetes-validate,
#     junitparser, prometheus-client; target/python): scripts/python-env.sh.
# Debian packages need root or passwordless sudo. Idempotent and quiet when all is there.
# The tests themselves install nothing: one whose tool is missing fails naming this script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/targets/install.sh tornado node pywebsocket3 nchan websocketd
scripts/chromium.sh >/dev/null
scripts/python-env.sh >/dev/null
