#!/usr/bin/env bash
# The commands of .github/workflows/transports.yml, kept here so that .ci/run and anyone
# at a terminal run exactly what the example workflow runs: build, run scenarios/ci.toml in
# rounds, compare with the committed baseline (made by `wsbench baseline scenarios/ci.toml`),
# write the comparison as Markdown to the job summary,
# and both verdicts as JUnit XML beside the results (OUT/junit-run.xml: the assertions and
# each entry's load generator; OUT/junit-compare.xml: one test case per compared row).
#
# Usage:   scripts/ci-compare.sh [OUT]        OUT: results directory (default results/ci)
# Env:     GITHUB_STEP_SUMMARY   a file the Markdown is appended to (default: stdout)
#          WSBENCH_BASELINE      baseline results directory (default results/baseline)
#          WSBENCH_BIN           a wsbench to use instead of building one (tests use it)
#          WSBENCH_COMPARE       extra `wsbench compare` options, e.g. '--metrics bytes.per_event'
#          WSBENCH_REPEAT        rounds of the run (default 5; fewer leaves timed figures ungated)
# Exit:    the worse of the run's and the comparison's status: 0 all good, 1 an assertion
#          failed or a metric regressed, 2 usage or scenario error, 3 the run itself failed,
#          4 the load generator was saturated (its figures measure wsbench, not the server).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-results/ci}"
baseline="${WSBENCH_BASELINE:-results/baseline}"
wsbench="${WSBENCH_BIN:-target/release/wsbench}"
# Timed figures (latency, CPU, memory) are gated only from rounds: 5 a side is the fewest
# at which compare's one-sided Mann-Whitney U test can reach p < 0.01 (1/252 when every
# round moved one way). The committed baseline was recorded the same way (wsbench baseline).
repeat="${WSBENCH_REPEAT:-5}"

# The job summary. Without GITHUB_STEP_SUMMARY, stdout itself: appending to /dev/stdout
# would reopen it, and a stdout redirected to a file (a CI log) would be written from its
# start again, over what the run printed.
summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat >>"$GITHUB_STEP_SUMMARY"
  else
    cat
  fi
}

if [ -z "${WSBENCH_BIN:-}" ]; then
  cargo build --release --locked
fi

# A failed assertion (exit 1) still leaves results to compare: keep going, report both.
# --force: OUT (results/ci by default) is this script's own, reused from one run to the next.
run_status=0
# The JUnit files of the run before must not pass for this one's.
rm -f "$out/junit-run.xml" "$out/junit-compare.xml"
"$wsbench" run scenarios/ci.toml --out "$out" --quiet --force --junit "$out/junit-run.xml" \
  --repeat "$repeat" || run_status=$?
if [ "$run_status" -eq 4 ]; then
  echo "wsbench run: the load generator was saturated (exit 4); a gate does not compare figures wsbench itself limited" >&2
  exit 4
fi
if [ "$run_status" -ge 2 ]; then
  echo "wsbench run failed (exit $run_status); nothing to compare" >&2
  exit "$run_status"
fi

if [ ! -e "$baseline/results.json" ]; then
  # First run of a new setup: say how to make a baseline rather than fail on its absence.
  {
    echo "### wsbench compare: no baseline"
    echo
    echo "No \`$baseline/results.json\` yet. To start one: \`wsbench baseline scenarios/ci.toml --out $baseline\` and commit it."
  } | summary
  exit "$run_status"
fi

compare_status=0
# shellcheck disable=SC2086 # WSBENCH_COMPARE is a list of options
"$wsbench" compare "$baseline" "$out" --format markdown --junit "$out/junit-compare.xml" \
  ${WSBENCH_COMPARE:-} | summary || compare_status=$?
exit $(( run_status > compare_status ? run_status : compare_status ))
