#!/usr/bin/env bash
# The project's test command: what a developer runs and what .ci/run calls.
# Lints, the test suite, then wsbench dogfooding itself: scenarios/ci.toml over all four
# transports with its assertions, compared with results/baseline on the figures that do
# not depend on how busy the machine is (bytes per event, lost events).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# The third-party servers the tests measure (tests/external_servers.rs, tests/echo.rs,
# tests/nchan_target.rs, tests/websocketd.rs): Tornado and pywebsocket3 in a venv, Node's ws
# in an npm prefix, all under target/external/, and Debian's nginx with Nchan and
# websocketd; quiet when already there.
scripts/targets/install.sh tornado node pywebsocket3 nchan websocketd
# Headless Chromium for tests/browser, before the tests that need it run side by side.
scripts/chromium.sh >/dev/null
# The Python packages tests read outputs with (websockets, kubernetes-validate, junitparser,
# prometheus-client), in target/python; tests that only read outputs never install them.
scripts/python-env.sh >/dev/null
cargo test --locked

out="$(mktemp -d "${TMPDIR:-/tmp}/wsbench-ci.XXXXXX")"
WSBENCH_COMPARE="${WSBENCH_COMPARE:---metrics bytes.per_event,events.lost --threshold 15%}" \
  scripts/ci-compare.sh "$out"
echo "ci scenario results: $out"
