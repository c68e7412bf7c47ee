//! `kind = "command"`: a program's output as the feed. Exact accounting through every
//! transport for a program that prints N lines inside the window, and a clear word for
//! every way a program can misbehave, with the run ending cleanly and no program left over.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wsbench::feed::{FeedSpec, Hub, HubLimits, SourceContext};
use wsbench::run::{RunOptions, run};

const SERVER: &str = env!("CARGO_BIN_EXE_wsbench");

/// scenarios/command.toml, shortened for a test, with `command` as the program.
fn shipped_scenario_with(dir: &Path, command: &[&str], changes: &str) -> PathBuf {
    let text = std::fs::read_to_string("scenarios/command.toml").unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    let short = "duration = \"4s\"\nwarmup = \"300ms\"\n[clients]\ncount = 5\nramp = \"200ms\"\n\
                 [transport.poll]\ninterval = \"200ms\"\n\
                 [transport.longpoll]\ntimeout = \"500ms\"\n";
    merge(&mut table, short);
    merge(&mut table, changes);
    let mut feed = table["feed"].as_table().unwrap().clone();
    feed.insert(
        "command".into(),
        toml::Value::Array(command.iter().map(|w| toml::Value::from(*w)).collect()),
    );
    table.insert("feed".into(), feed.into());
    let path = dir.join("command.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}

/// `changes` over `table`, one level of tables deep.
fn merge(table: &mut toml::Table, changes: &str) {
    for (key, value) in changes.parse::<toml::Table>().unwrap() {
        match (table.get_mut(&key), value) {
            (Some(toml::Value::Table(section)), toml::Value::Table(update)) => {
                section.extend(update)
            }
            (_, value) => drop(table.insert(key, value)),
        }
    }
}

fn options(scenario: PathBuf, out: PathBuf) -> RunOptions {
    RunOptions {
        scenario,
        out: Some(out),
        quiet: true,
        server_exe: Some(SERVER.into()),
        ..Default::default()
    }
}

/// Whether `pid` is gone (or a zombie nobody waits for: it runs no more).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim()
            .starts_with('Z'),
    }
}

#[test]
fn a_program_printing_n_lines_in_the_window_delivers_exactly_n_to_every_client() {
    const LINES: u64 = 25;
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The lines come 2 s after the program starts: after ramp and warm-up, well inside the
    // 4 s window. The program then sleeps, alive until the server kills it. (A long-poll
    // client counts as connected at its first answer: the short timeout gives it one, an
    // empty one, before the lines.)
    let script = format!(
        "echo $$ >> {}; echo starting >&2; exec python3 scripts/console.py --lines {LINES} --delay 2",
        pids.display()
    );
    let scenario = shipped_scenario_with(dir.path(), &["sh", "-c", &script], "");
    let out = dir.path().join("out");
    let outcome = run(&options(scenario, out.clone())).expect("the run succeeds");
    let results = &outcome.results;
    assert!(results.complete, "{:?}", outcome.failure);
    // Only a publisher behind the lines' read instants may be said (a burst of lines on a
    // busy machine): nothing about the program.
    assert_eq!(
        results
            .warnings
            .iter()
            .filter(|w| !w.contains("the server's publisher fell behind"))
            .collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    let transports: Vec<_> = results
        .transports
        .iter()
        .map(|t| t.transport.name())
        .collect();
    assert_eq!(transports, ["poll", "longpoll", "sse", "ws"]);
    for t in &results.transports {
        let clients = t.clients;
        let events = &t.events;
        assert_eq!(events.published, Some(LINES), "{}", t.transport);
        assert_eq!(events.expected, Some(LINES * clients), "{}", t.transport);
        // With no duplicate, N × clients delivered is N to every client.
        assert_eq!(events.delivered, LINES * clients, "{}", t.transport);
        assert_eq!(events.duplicated, Some(0), "{}", t.transport);
        assert_eq!(events.lost, Some(0), "{}", t.transport);
        // The program's stderr, captured beside the results, one file per transport.
        let stderr = out.join(format!("{}.stderr.log", t.transport));
        assert_eq!(std::fs::read_to_string(&stderr).unwrap(), "starting\n");
    }
    // One program per server, and none left running.
    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 4);
    for pid in pids {
        assert!(gone(pid), "the program (pid {pid}) outlived its server");
    }
}

#[test]
fn a_program_that_does_not_exist_fails_the_run_with_its_name_and_the_os_error() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shipped_scenario_with(
        dir.path(),
        &["/nonexistent/wsbench-console"],
        "transports = [\"sse\"]\n",
    );
    let outcome = run(&options(scenario, dir.path().join("out"))).expect("results are written");
    let failure = outcome.failure.expect("the run fails").to_string();
    assert!(
        failure.ends_with(
            "its last output: wsbench: cannot start the feed: cannot start feed.command \
             `/nonexistent/wsbench-console`: No such file or directory (os error 2)"
        ),
        "{failure}"
    );
    assert!(failure.starts_with("sse: the server (pid "), "{failure}");
    assert!(!outcome.results.complete);
    assert!(dir.path().join("out/results.json").exists());
}

/// A program that writes a line that is not UTF-8, one over `max_line_bytes`, good lines
/// between them, and exits with status 3: each is reported, and the run completes.
#[test]
fn refused_lines_and_an_early_exit_are_reported_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("misbehave.sh");
    std::fs::write(
        &script,
        "printf 'ok\\nab\\377c\\n'\nprintf '%080d\\n' 0\nprintf 'fine\\n'\nexit 3\n",
    )
    .unwrap();
    let script = script.to_str().unwrap();
    let scenario = shipped_scenario_with(
        dir.path(),
        &["sh", script],
        "transports = [\"sse\"]\nduration = \"1s\"\n[feed]\nmax_line_bytes = 40\n",
    );
    let outcome = run(&options(scenario, dir.path().join("out"))).expect("the run succeeds");
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert!(outcome.results.complete);
    let program = format!("feed.command `sh {script}`");
    assert_eq!(
        outcome.results.warnings,
        [
            format!(
                "sse: {program} wrote invalid UTF-8 on line 2 at byte 2 of the line (byte 5 of \
                 its output): skipped (the first such line; all are counted)"
            ),
            format!(
                "sse: {program} wrote line 3 of 80 bytes, over feed.max_line_bytes (40): \
                 skipped (the first such line; all are counted)"
            ),
            format!(
                "sse: {program} exited with status 3 after 2 lines: nothing more was published"
            ),
            "sse: lines of the feed's program refused (not published): 2".to_string(),
        ]
    );
    // Everything was printed before the window: nothing in it, nothing owed, nothing lost.
    let sse = &outcome.results.transports[0];
    assert_eq!((sse.events.published, sse.events.lost), (Some(0), Some(0)));
}

fn hub() -> Arc<Hub> {
    Hub::new(
        wsbench::feed::Semantics::Events,
        HubLimits {
            history: 100,
            max_lag: 100,
            window_log: 100_000,
            encodings: 0,
        },
    )
}

fn command_feed(command: &[&str], buffer_lines: u64) -> FeedSpec {
    let mut table = toml::Table::new();
    table.insert("kind".into(), "command".into());
    table.insert(
        "command".into(),
        toml::Value::Array(command.iter().map(|w| toml::Value::from(*w)).collect()),
    );
    table.insert("buffer_lines".into(), (buffer_lines as i64).into());
    FeedSpec::from_table(&table).unwrap()
}

/// Polls `done` every 20 ms for at most 20 s.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A flood into a one-line buffer: however many lines the publisher kept up with, every
/// line is either published or counted as dropped, never lost silently.
#[test]
fn a_flood_is_published_or_counted_as_dropped_line_for_line() {
    const LINES: u64 = 20_000;
    let hub = hub();
    let program = format!("seq {LINES}");
    let feed = command_feed(&["sh", "-c", &program], 1);
    feed.source(&SourceContext::default())
        .start(hub.clone())
        .unwrap();
    wait_until("the program's end", || {
        hub.source_report()
            .notes
            .iter()
            .any(|n| n.contains("exited"))
    });
    let report = hub.source_report();
    assert_eq!(report.skipped, 0);
    assert_eq!(hub.last_seq() + report.dropped, LINES);
    let exited = format!(
        "feed.command `sh -c {program}` exited with status 0 after {} lines: nothing more was \
         published",
        hub.last_seq()
    );
    assert_eq!(report.notes.last(), Some(&exited));
    if report.dropped > 0 {
        assert!(report.notes[0].contains("wrote faster than the server publishes"));
    }
}

/// Lines are events with the line as a JSON string, stamped; and a stopped hub kills the
/// program, which is reaped.
#[test]
fn lines_become_escaped_events_and_a_stopped_hub_kills_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!(
        "echo $$ > {}; printf 'say \"hi\"\\\\\\ttab\\n'; exec sleep 600",
        pid_file.display()
    );
    let hub = hub();
    command_feed(&["sh", "-c", &script], 10)
        .source(&SourceContext::default())
        .start(hub.clone())
        .unwrap();
    wait_until("the line", || hub.last_seq() == 1);
    let wsbench::feed::Since::Events(events) = hub.since(Some(0)) else {
        panic!("the event is held");
    };
    let json: serde_json::Value = serde_json::from_slice(&events[0].json).unwrap();
    assert_eq!(json["line"], "say \"hi\"\\\ttab");
    assert_eq!(json["seq"], 1);
    assert!(json["ts"].as_u64().unwrap() > 0);
    let pid = read_pid(&pid_file);
    assert!(!gone(pid));
    hub.stop();
    wait_until("the program's end", || gone(pid));
    assert_eq!(hub.source_report().notes, Vec::<String>::new());
}

/// A server killed outright (SIGKILL: no chance to stop its program) still takes its
/// program with it.
#[test]
fn a_killed_server_takes_its_program_with_it() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let scenario = dir.path().join("serve.toml");
    let script = format!("echo $$ > {}; exec sleep 600", pid_file.display());
    let mut table = toml::Table::new();
    let mut feed = toml::Table::new();
    feed.insert("kind".into(), "command".into());
    feed.insert(
        "command".into(),
        toml::Value::Array(vec!["sh".into(), "-c".into(), script.into()]),
    );
    table.insert("feed".into(), feed.into());
    std::fs::write(&scenario, toml::to_string(&table).unwrap()).unwrap();
    let mut server = std::process::Command::new(SERVER)
        .args(["serve", "--listen", "127.0.0.1:0", "--scenario"])
        .arg(&scenario)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    wait_until("the program's pid", || {
        std::fs::read_to_string(&pid_file).is_ok_and(|text| text.ends_with('\n'))
    });
    let pid = read_pid(&pid_file);
    assert!(!gone(pid));
    server.kill().unwrap();
    server.wait().unwrap();
    wait_until("the program's end", || gone(pid));
}

/// The pid a test program wrote to `file`.
fn read_pid(file: &std::path::Path) -> u32 {
    std::fs::read_to_string(file)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
