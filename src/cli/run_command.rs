//! `wsbench run` from the command line: the flags made into run options, the run, and its
//! exit status, told on stderr and, with `--junit`, as JUnit XML a CI system shows.

use super::{RunArgs, exit};
use crate::ci::junit;
use crate::scenario;

/// `--shard`, `--shard-from-env` and `--window-start`, checked.
fn shard_flags(
    args: &RunArgs,
) -> Result<(Option<crate::shard::ShardSpec>, Option<u64>), crate::shard::ShardError> {
    use crate::shard::{ShardSpec, parse_window_start};
    let shard = match (&args.shard, args.shard_from_env) {
        (Some(given), _) => Some(ShardSpec::parse(given)?),
        (None, Some(count)) => Some(ShardSpec::from_env(count)?),
        (None, None) => None,
    };
    let window_start = args
        .window_start
        .as_deref()
        .map(parse_window_start)
        .transpose()?;
    Ok((shard, window_start))
}

pub(super) fn run_command(args: RunArgs) -> u8 {
    let Some(path) = args.junit.clone() else {
        return run_judged(args).0;
    };
    // Before anything runs: a path that cannot be written fails in the first second, and a
    // run killed before its end leaves this error, never the verdict of the run before.
    let unfinished = junit::unfinished_suite(&args.scenario, "the run did not finish");
    if let Err(error) = junit::write(&path, &[unfinished]) {
        eprintln!("wsbench run: --junit: {error}");
        return exit::USAGE;
    }
    let (status, suite) = run_judged(args);
    match junit::write(&path, &[suite]) {
        Ok(()) => status,
        Err(error) => {
            eprintln!("wsbench run: --junit: {error}");
            // As any results file that could not be written; a signal's status stays.
            match status {
                exit::OK | exit::FAILED_CHECK | exit::GENERATOR_SATURATED => exit::RUN_FAILED,
                other => other,
            }
        }
    }
}

/// Runs, and returns the exit status with the JUnit suite that says the same.
fn run_judged(args: RunArgs) -> (u8, junit::Suite) {
    let refuse = |status: u8, error: &dyn std::fmt::Display| {
        eprintln!("wsbench run: {error}");
        let suite = junit::unfinished_suite(&args.scenario, &error.to_string());
        (status, suite)
    };
    let scenario = match scenario::resolve_path(&args.scenario) {
        Ok(path) => path,
        Err(error) => return refuse(exit::USAGE, &error),
    };
    let target = match &args.target {
        None => None,
        Some(url) => {
            match crate::under_test::TargetSpec::parse(
                url,
                args.dialect.as_deref(),
                args.target_pid,
            ) {
                Ok(spec) => Some(spec),
                Err(error) => return refuse(exit::USAGE, &error),
            }
        }
    };
    let (shard, window_start_ns) = match shard_flags(&args) {
        Ok(flags) => flags,
        Err(error) => return refuse(exit::USAGE, &error),
    };
    let options = crate::run::RunOptions {
        shard,
        window_start_ns,
        bind: args.bind,
        scenario,
        target,
        launch: args.launch.map(crate::under_test::LaunchSpec::new),
        overrides: scenario::Overrides {
            duration: args.duration,
            warmup: args.warmup,
            ramp: args.ramp,
            clients: args.clients,
            rate: args.rate,
            transports: args.transports.clone(),
            seed: args.seed,
            cpus: args.cpus,
            ..Default::default()
        },
        repeat: args.repeat,
        out: args.out.clone(),
        force: args.force,
        // Progress goes to stderr: it never mixes with the JSON on stdout.
        quiet: args.quiet,
        summary: Some(args.json),
        server_exe: None,
        sweep_past_saturation: args.sweep_past_saturation,
        calibration: crate::calibrate::Policy::from_env(),
    };
    let outcome = match crate::run::run(&options) {
        Ok(outcome) => outcome,
        Err(
            error @ (crate::run::RunError::Scenario(_)
            | crate::run::RunError::Output(crate::output::OutputError::InUse(_))
            | crate::run::RunError::Shard(_)),
        ) => return refuse(exit::USAGE, &error),
        Err(error) => return refuse(exit::RUN_FAILED, &error),
    };
    let status = run_status(&outcome, args.allow_saturated);
    let suite = junit::run_suite(
        &outcome.results,
        &outcome.dir,
        args.allow_saturated,
        ended_early(&outcome),
    );
    (status, suite)
}

/// Why a run that returned did not end well, in words: the signal that stopped it or the
/// failure part-way; `None` when it ran to its end.
fn ended_early(outcome: &crate::run::RunOutcome) -> Option<String> {
    let kept = format!("{} keeps what was measured", outcome.dir.display());
    match (&outcome.stopped_by, &outcome.failure) {
        (Some(signal), _) => Some(format!("stopped by {}; {kept}", signal.name())),
        (None, Some(error)) => Some(format!("{error}; {kept}")),
        (None, None) => None,
    }
}

/// The exit status of a run that returned, saying on stderr why it is not 0: a signal, a
/// failure part-way, a saturated load generator (unless accepted), a failed assertion. An
/// entry the machine limited otherwise is said too, and leaves the status as it is.
fn run_status(outcome: &crate::run::RunOutcome, allow_saturated: bool) -> u8 {
    let results = &outcome.results;
    if let Some(why) = ended_early(outcome) {
        eprintln!("wsbench run: {why}");
        return outcome
            .stopped_by
            .map_or(exit::RUN_FAILED, exit::stopped_by);
    }
    for limited in crate::analysis::limited(results) {
        if !limited.entry.generator_saturated {
            eprintln!(
                "wsbench run: {} saturated: {}; its figures describe this machine's limit, not \
                 the transport's cost (the exit status is not changed by it)",
                limited.name, limited.reasons
            );
        }
    }
    let saturated = crate::run::saturated_entries(results);
    if !saturated.is_empty() {
        let verdict = match allow_saturated {
            true => "accepted with --allow-saturated",
            false => "exit status 4; --allow-saturated accepts it",
        };
        eprintln!(
            "wsbench run: the load generator was saturated on {}: those figures measure \
             wsbench on this machine, not the transport ({verdict})",
            saturated.join(", ")
        );
        if !allow_saturated {
            return exit::GENERATOR_SATURATED;
        }
    }
    if results.assertions.iter().any(|a| !a.passed) {
        return exit::FAILED_CHECK;
    }
    exit::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(saturated: bool, assertion_failed: bool) -> crate::run::RunOutcome {
        let mut results = crate::export::fixture::results();
        results.transports[0].generator_saturated = saturated;
        results.assertions = vec![crate::results::AssertionOutcome {
            description: "ws lost ≤ 0".into(),
            transport: "ws".into(),
            metric: "events.lost".into(),
            sweep_value: None,
            measured: Some(0.0),
            passed: !assertion_failed,
            reason: None,
        }];
        crate::run::RunOutcome {
            results,
            dir: "results/x".into(),
            stopped_by: None,
            failure: None,
        }
    }

    #[test]
    fn a_saturated_generator_exits_4_unless_accepted() {
        assert_eq!(run_status(&outcome(false, false), false), exit::OK);
        assert_eq!(
            run_status(&outcome(true, false), false),
            exit::GENERATOR_SATURATED
        );
        assert_eq!(run_status(&outcome(true, false), true), exit::OK);
        // Assertions on a saturated generator's figures say nothing: saturation comes first.
        assert_eq!(
            run_status(&outcome(true, true), false),
            exit::GENERATOR_SATURATED
        );
        assert_eq!(run_status(&outcome(true, true), true), exit::FAILED_CHECK);
    }

    #[test]
    fn the_junit_report_fails_exactly_when_the_exit_status_does() {
        use crate::ci::junit::Outcome;
        let mut cases = Vec::new();
        for saturated in [false, true] {
            for assertion_failed in [false, true] {
                cases.push(outcome(saturated, assertion_failed));
            }
        }
        let mut stopped = outcome(false, false);
        stopped.stopped_by = Some(crate::run::StopSignal::Terminate);
        cases.push(stopped);
        let mut failed = outcome(false, false);
        failed.failure = Some(crate::run::RunError::Clients("no client connected".into()));
        cases.push(failed);
        for case in &cases {
            for allow_saturated in [false, true] {
                let status = run_status(case, allow_saturated);
                let suite =
                    junit::run_suite(&case.results, &case.dir, allow_saturated, ended_early(case));
                let failing = suite
                    .cases
                    .iter()
                    .any(|c| matches!(c.outcome, Outcome::Failure { .. } | Outcome::Error { .. }));
                assert_eq!(
                    failing,
                    status != exit::OK,
                    "status {status}, allow_saturated {allow_saturated}: {suite:?}"
                );
            }
        }
    }
}
