#!/usr/bin/env bash
# The project's test command: what a developer runs and what .ci/run calls.
#
#   scripts/test.sh           the full tier: lints, the setup step (scripts/setup.sh: the
#                             third-party servers, Chromium and the Python packages some tests
#                             use), every test, then wsbench dogfooding itself:
#                             scripts/ci-compare.sh, exactly as the example workflow runs it
#                             (scenarios/ci.toml over four transports, repeated, compared with
#                             results/baseline at compare's defaults).
#   scripts/test.sh --quick   lints, the unit tests and the integration tests that need nothing
#                             from the setup step and run in seconds: under 2 minutes on a warm
#                             build. Installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

# The quick tier's integration tests: none needs a tool from outside, none runs long.
QUICK_TESTS=(
  schema compare overrides scenario_errors ci_compare_script report_cli shipped_scenarios
  charts handshake cors control_plane coalescing page ws_protocol_errors internal_error
  unmeasured nothing_delivered topic_memory server_transports publisher_ceiling ci_scenario
  lubbers_scenario unrunnable_settings progress_log setup_step cli_edges
)

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
if $quick; then
  cargo test --locked --lib $(printf -- '--test %s ' "${QUICK_TESTS[@]}")
  exit 0
fi
# Everything the full tier needs from outside, installed before the tests: they only check.
scripts/setup.sh
cargo test --locked

out="$(mktemp -d "${TMPDIR:-/tmp}/wsbench-ci.XXXXXX")"
scripts/ci-compare.sh "$out"
echo "ci scenario results: $out"
