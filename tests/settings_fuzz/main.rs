//! A fuzz pass over every numeric key of the scenario format (top level, `[clients]`,
//! `[server]`, each `[transport.*]`, `[feed]` for each kind, `[sweep]`, `[frontier]`,
//! `[[assert]]`, `[cpus]`): each hostile value (`values::hostile`, and the greatest value each key's
//! refusal names as accepted) through `wsbench validate`; then, for each key, the least
//! and the greatest value it accepted (and any accepted value that is not a number)
//! through one-second `wsbench run`s of two clients over one transport, as many keys to a
//! run as validation takes together. Nothing may panic (exit 101, or "panicked" on
//! stderr, the server child's included) or abort (134), and a run stopped with SIGTERM
//! must stop. `duration`, `warmup` and `clients.count` are only validated: the runs' own
//! flags set them.

mod keys;
mod scenarios;
mod values;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use keys::{Kind, NUMERIC};
use scenarios::{Accepted, Slot};
use values::Hostile;

/// One value of one key, in its slot's scenario.
struct Case {
    key: &'static str,
    kind: Kind,
    slot: Slot,
    value: Hostile,
}

/// A run longer than this is stopped with SIGTERM: some values make a run wait as long as
/// they say (a year of ramp or drain).
const RUN_LIMIT: Duration = Duration::from_secs(30);
/// How long a run may take to stop after SIGTERM.
const STOP_LIMIT: Duration = Duration::from_secs(15);
/// Runs at once: they mostly wait out their second.
const PARALLEL_RUNS: usize = 3;

#[test]
fn no_numeric_setting_panics_validate_or_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let cases: Vec<Case> = NUMERIC
        .iter()
        .enumerate()
        .flat_map(|(i, &(key, kind))| {
            let slot = scenarios::slot_of(key, i);
            values::hostile(kind).into_iter().map(move |value| Case {
                key,
                kind,
                slot,
                value,
            })
        })
        .collect();
    let verdicts = validate(&dir.path().join("hostile"), &cases, &mut failures);
    // The greatest value each key accepts, as its refusals name it.
    let mut maxima: Vec<Case> = Vec::new();
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let Some(Err(message)) = verdict else {
            continue;
        };
        let Some(max) = values::named_maximum(case.kind, message) else {
            continue;
        };
        let known = |c: &Case| c.key == case.key && c.value == max;
        if !cases.iter().any(known) && !maxima.iter().any(known) {
            maxima.push(Case {
                value: max,
                ..*case
            });
        }
    }
    let max_verdicts = validate(&dir.path().join("maxima"), &maxima, &mut failures);
    let accepted: Vec<Accepted> = cases
        .iter()
        .zip(&verdicts)
        .chain(maxima.iter().zip(&max_verdicts))
        .filter(|(_, verdict)| matches!(verdict, Some(Ok(()))))
        .map(|(case, _)| Accepted {
            key: case.key,
            slot: case.slot,
            value: case.value.clone(),
        })
        .collect();
    let runs = scenarios::combine(&accepted);
    eprintln!(
        "{} hostile values and {} named maxima validated, {} accepted, {} runs",
        cases.len(),
        maxima.len(),
        accepted.len(),
        runs.len()
    );
    let next = Mutex::new(runs.iter().enumerate());
    let run_failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_RUNS {
            scope.spawn(|| {
                loop {
                    let Some((i, (slot, scenario))) = next.lock().unwrap().next() else {
                        return;
                    };
                    if let Err(failure) = run(dir.path(), i, *slot, scenario) {
                        run_failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    failures.extend(run_failures.into_inner().unwrap());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Validates each case's scenario with one `wsbench validate` of them all; each verdict is
/// `Ok` (accepted), `Err` with the message after the key (refused), or `None` (no verdict,
/// already a failure).
fn validate(
    dir: &Path,
    cases: &[Case],
    failures: &mut Vec<String>,
) -> Vec<Option<Result<(), String>>> {
    std::fs::create_dir_all(dir).unwrap();
    let names: Vec<String> = (0..cases.len()).map(|i| format!("{i:04}.toml")).collect();
    for (case, name) in cases.iter().zip(&names) {
        let mut scenario = scenarios::base(case.slot);
        scenarios::set(&mut scenario, case.key, &case.value.value);
        std::fs::write(dir.join(name), toml::to_string(&scenario).unwrap()).unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .arg("validate")
        .args(&names)
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !matches!(output.status.code(), Some(0 | 2)) || stderr.contains("panicked") {
        failures.push(format!(
            "wsbench validate in {}: {}\n{stderr}",
            dir.display(),
            output.status
        ));
    }
    cases
        .iter()
        .zip(&names)
        .map(|(case, name)| {
            let ok = stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}: ok (")));
            let refused = stderr.lines().find_map(|l| {
                l.strip_prefix(&format!("{name}:"))
                    .filter(|rest| !rest.starts_with(" warning"))
            });
            match (ok, refused) {
                (true, None) => Some(Ok(())),
                (false, Some(line)) => {
                    Some(Err(line.splitn(3, ": ").nth(2).unwrap_or(line).to_string()))
                }
                _ => {
                    failures.push(format!(
                        "{} = {:?} ({}): no single verdict from wsbench validate",
                        case.key,
                        case.value.value,
                        dir.join(name).display()
                    ));
                    None
                }
            }
        })
        .collect()
}

/// A one-second run of `scenario`: `Err` says how it broke.
fn run(dir: &Path, index: usize, slot: Slot, scenario: &toml::Table) -> Result<(), String> {
    let text = toml::to_string(scenario).unwrap();
    let file = dir.join(format!("run{index}.toml"));
    std::fs::write(&file, &text).unwrap();
    let log = dir.join(format!("run{index}.stderr"));
    let out = dir.join(format!("out{index}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .args(["--duration", "1s", "--warmup", "0s", "--clients", "2"])
        .args(["--transports", slot.transport])
        .env("WSBENCH_CALIBRATION", "off")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut terminated = None;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        match terminated {
            None if started.elapsed() > RUN_LIMIT => {
                // SAFETY: a signal to the child this test started and has not reaped.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
                terminated = Some(Instant::now());
            }
            Some(at) if at.elapsed() > STOP_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "run {index} did not stop within {STOP_LIMIT:?} of SIGTERM:\n{text}"
                ));
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "run {index} ({} over {}): {status} after {:.1}s",
        slot.feed,
        slot.transport,
        started.elapsed().as_secs_f64()
    );
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let broke = matches!(status.code(), Some(101 | 134))
        || status.signal() == Some(libc::SIGABRT)
        || stderr.contains("panicked");
    match broke {
        false => Ok(()),
        true => Err(format!(
            "run {index} ({status}) of\n{text}\n{}",
            stderr
                .lines()
                .skip(stderr.lines().count().saturating_sub(20))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}
