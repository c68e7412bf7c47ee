//! Every kind of scenario mistake is refused with the line, the key and a message that says
//! what would be accepted; `wsbench validate` prints those and exits 2.

use std::path::Path;

use assert_cmd::Command;
use wsbench::scenario::Scenario;

/// Parses `text` as `bad.toml` and checks that it is refused at `line:column`, on `key`,
/// with `fragment` in the message.
#[track_caller]
fn refused(text: &str, line: usize, column: usize, key: &str, fragment: &str) {
    let err = match Scenario::parse(text, Path::new("bad.toml")) {
        Ok(_) => panic!("accepted a scenario that should be refused:\n{text}"),
        Err(err) => err,
    };
    let rendered = err.to_string();
    assert_eq!(err.line(), Some(line), "{rendered}");
    assert_eq!(err.key(), Some(key), "{rendered}");
    let prefix = format!("bad.toml:{line}:{column}: {key}: ");
    assert!(
        rendered.starts_with(&prefix),
        "expected `{prefix}...`, got `{rendered}`"
    );
    assert!(
        rendered[prefix.len()..].contains(fragment),
        "expected `{fragment}` in `{rendered}`"
    );
}

#[track_caller]
fn accepted(text: &str) -> Scenario {
    Scenario::parse(text, Path::new("good.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn unknown_top_level_key() {
    refused(
        r#"name = "typo"
durations = "30s"

[feed]
kind = "ticker"
"#,
        2,
        1,
        "durations",
        "unknown field `durations`, expected one of `name`, `description`, `duration`",
    );
}

#[test]
fn unknown_key_in_clients() {
    refused(
        r#"[feed]
kind = "ticker"

[clients]
count = 10
rampup = "1s"
"#,
        6,
        1,
        "clients.rampup",
        "unknown field `rampup`, expected one of `count`, `ramp`, `headers`, `cookie_bytes`",
    );
}

#[test]
fn unknown_key_in_transport_poll() {
    refused(
        r#"[feed]
kind = "ticker"

[transport.poll]
intervall = "1s"
"#,
        5,
        1,
        "transport.poll.intervall",
        "unknown field `intervall`, expected `interval`",
    );
}

#[test]
fn unknown_key_under_a_header_with_a_comment() {
    refused(
        r#"[feed]
kind = "ticker"

[clients]   # who connects
count = 10
rampup = "1s"
"#,
        6,
        1,
        "clients.rampup",
        "unknown field `rampup`",
    );
}

#[test]
fn string_where_a_number_is_expected() {
    refused(
        r#"seed = "42"

[feed]
kind = "ticker"
"#,
        1,
        8,
        "seed",
        "invalid type: string \"42\", expected u64",
    );
}

#[test]
fn number_where_a_duration_is_expected() {
    refused(
        r#"[feed]
kind = "ticker"

[transport.poll]
interval = 5
"#,
        5,
        12,
        "transport.poll.interval",
        "invalid type: integer `5`, expected a duration with a unit, like \"500ms\"",
    );
}

#[test]
fn duration_without_a_unit() {
    refused(
        r#"duration = "30"

[feed]
kind = "ticker"
"#,
        1,
        12,
        "duration",
        "`30` has no unit; write it with one, like \"30s\" or \"30ms\"",
    );
}

#[test]
fn zero_clients() {
    refused(
        r#"[feed]
kind = "ticker"

[clients]
count = 0
"#,
        5,
        9,
        "clients.count",
        "must be 1 to 2,147,483,647 clients (each holds a connection, a file descriptor: a C int), found 0",
    );
}

#[test]
fn negative_rate() {
    refused(
        r#"[feed]
kind = "ticker"
rate = -3
"#,
        3,
        8,
        "feed.rate",
        "must be above 0 events per second, found -3",
    );
}

#[test]
fn rate_of_zero() {
    refused(
        r#"[feed]
kind = "tickets"
rate = 0
"#,
        3,
        8,
        "feed.rate",
        "must be above 0 events per second, found 0",
    );
}

#[test]
fn rate_above_the_publishers_ceiling() {
    refused(
        r#"[feed]
kind = "ticker"
rate = 1e9
"#,
        3,
        8,
        "feed.rate",
        "must be at most 200000 events per second (what the publisher keeps on schedule, \
         with headroom), found 1000000000",
    );
    refused(
        r#"[feed]
kind = "ticker"

[sweep]
rate = [100000, 250000]
"#,
        5,
        17,
        "sweep.rate[1]",
        "must be at most 200000 events per second",
    );
    accepted("[feed]\nkind = \"ticker\"\nrate = 100000\n");
}

#[test]
fn windows_longer_than_the_window_log_are_accepted() {
    // The run marks its window's start on the server, which then counts it exactly.
    accepted(
        "duration = \"1h\"\n[feed]\nkind = \"ticker\"\n[sweep]\nrate = [20, 5000]\n[server]\nwindow_log = 1000\n",
    );
}

#[test]
fn a_zero_duration_is_refused() {
    refused(
        r#"[feed]
kind = "ticker"

[transport.sse]
keepalive = "0s"
"#,
        5,
        13,
        "transport.sse.keepalive",
        "must be longer than 0s",
    );
}

#[test]
fn poll_interval_of_zero_is_a_closed_loop() {
    let scenario = accepted("[feed]\nkind = \"ticker\"\n\n[transport.poll]\ninterval = \"0s\"\n");
    assert_eq!(
        scenario.transport.get_flat("poll_interval"),
        Some(std::time::Duration::ZERO)
    );
    // A sweep takes it too, as its heaviest point.
    let swept = accepted("[feed]\nkind = \"ticker\"\n[sweep]\npoll_interval = [\"1s\", \"0s\"]\n");
    assert_eq!(swept.sweep.unwrap().values, [1.0, 0.0]);
}

#[test]
fn longpoll_timeout_beyond_what_the_server_accepts() {
    let text = |timeout: &str| {
        format!("[feed]\nkind = \"ticker\"\n\n[transport.longpoll]\ntimeout = \"{timeout}\"\n")
    };
    for timeout in ["11m", "500us"] {
        refused(
            &text(timeout),
            5,
            11,
            "transport.longpoll.timeout",
            "must be 1ms to 10m (the server's `timeout_ms` range)",
        );
    }
    let longest = accepted(&text("10m"))
        .transport
        .get_flat("longpoll_timeout");
    assert_eq!(longest, Some(std::time::Duration::from_secs(600)));
}

#[test]
fn unknown_transport_name() {
    refused(
        r#"transports = ["poll", "websocket"]

[feed]
kind = "ticker"
"#,
        1,
        23,
        "transports",
        "unknown variant `websocket`, expected one of `poll`, `longpoll`, `sse`, `ws`",
    );
}

#[test]
fn duplicate_transport() {
    refused(
        r#"transports = ["poll", "ws", "poll"]

[feed]
kind = "ticker"
"#,
        1,
        14,
        "transports",
        "lists `poll` twice",
    );
}

#[test]
fn unknown_feed_kind() {
    refused(
        r#"name = "stocks"

[feed]
kind = "stocks"
"#,
        4,
        8,
        "feed.kind",
        "unknown feed kind `stocks`; kinds: ticker, tickets",
    );
}

#[test]
fn missing_feed() {
    refused(
        r#"name = "nothing to publish"
duration = "10s"
"#,
        1,
        1,
        "feed",
        "a [feed] table is required; kinds: ticker, tickets",
    );
}

#[test]
fn parameter_of_another_feed_kind() {
    refused(
        r#"[feed]
kind = "ticker"
rate = 20
trains = 300
"#,
        4,
        10,
        "feed.trains",
        "unknown key for feed kind `ticker`; accepted: kind, rate, symbols",
    );
}

#[test]
fn bad_header_profile() {
    refused(
        r#"[feed]
kind = "ticker"

[clients]
headers = "chrome"
"#,
        5,
        11,
        "clients.headers",
        "unknown header profile `chrome`; accepted: minimal, browser",
    );
}

#[test]
fn count_that_is_not_a_count() {
    refused(
        r#"[feed]
kind = "ticker"

[clients]
count = "ten"
"#,
        5,
        9,
        "clients.count",
        "`ten` is not a count; write it like 250, \"10k\" or \"1.5M\"",
    );
}

#[test]
fn cookie_over_4096_bytes() {
    let text =
        |bytes: &str| format!("[feed]\nkind = \"ticker\"\n\n[clients]\ncookie_bytes = {bytes}\n");
    refused(
        &text("4097"),
        5,
        16,
        "clients.cookie_bytes",
        "must be 0 to 4096 (browsers cap a cookie at 4096 bytes), found ",
    );
    refused(
        &text("\"5k\""),
        5,
        16,
        "clients.cookie_bytes",
        "must be 0 to 4096 (browsers cap a cookie at 4096 bytes), found ",
    );
    assert_eq!(accepted(&text("4096")).clients.cookie_bytes, 4096);
}

#[test]
fn sweep_of_two_parameters() {
    refused(
        r#"[feed]
kind = "ticker"

[sweep]
clients = [10, 100]
rate = [10, 20]
"#,
        4,
        2,
        "sweep",
        "sweeps one parameter at a time; keep one of clients, rate, poll_interval, coalesce",
    );
}

#[test]
fn sweep_with_zero_clients() {
    refused(
        r#"[feed]
kind = "ticker"

[sweep]
clients = [
  10,
  0,
  100,
]
"#,
        7,
        3,
        "sweep.clients[1]",
        "must be 1 to 2,147,483,647 clients",
    );
}

#[test]
fn coalesce_beyond_a_second() {
    refused(
        "[feed]\nkind = \"ticker\"\n\n[server]\ncoalesce = \"2s\"\n",
        5,
        12,
        "server.coalesce",
        "must be 0s (off) to 1s (each event may wait this long before it is written), found 2s",
    );
}

#[test]
fn coalesce_without_a_unit() {
    refused(
        "[feed]\nkind = \"ticker\"\n[server]\ncoalesce = 5\n",
        4,
        12,
        "server.coalesce",
        "expected a duration with a unit",
    );
}

#[test]
fn coalesce_sweep_values_are_checked_each() {
    refused(
        r#"[feed]
kind = "ticker"

[sweep]
coalesce = [
  "0s",
  "1ms",
  "1500ms",
]
"#,
        8,
        3,
        "sweep.coalesce[2]",
        "must be 0s (off) to 1s",
    );
    refused(
        "[feed]\nkind = \"ticker\"\n[sweep]\ncoalesce = [\"0s\", \"soon\"]\n",
        4,
        19,
        "sweep.coalesce",
        "`soon` is not a duration",
    );
}

#[test]
fn coalesce_sweeps_in_milliseconds_and_is_off_by_default() {
    let plain = accepted("[feed]\nkind = \"ticker\"\n");
    assert_eq!(plain.server.coalesce, std::time::Duration::ZERO);
    let swept = accepted(
        "[feed]\nkind = \"ticker\"\n[server]\ncoalesce = \"1ms\"\n\
         [sweep]\ncoalesce = [\"0s\", \"500us\", \"5ms\"]\n",
    );
    assert_eq!(swept.server.coalesce, std::time::Duration::from_millis(1));
    let sweep = swept.sweep.unwrap();
    assert_eq!(sweep.parameter.name(), "coalesce");
    assert_eq!(sweep.values, vec![0.0, 0.5, 5.0]);
}

#[test]
fn assert_on_an_unknown_metric() {
    let text = r#"[feed]
kind = "ticker"

[[assert]]
transport = "ws"
metric = "latency.p99"
max = 5000
"#;
    refused(
        text,
        6,
        10,
        "assert[0].metric",
        "unknown metric `latency.p99`; valid metrics: ",
    );
    let message = Scenario::parse(text, Path::new("bad.toml"))
        .unwrap_err()
        .to_string();
    for metric in ["latency_us.p99", "bytes.per_event", "events.lost"] {
        assert!(message.contains(metric), "{metric} not listed: {message}");
    }
}

#[test]
fn assert_on_an_unknown_transport() {
    refused(
        r#"[feed]
kind = "ticker"

[[assert]]
metric = "events.lost"
max = 0

[[assert]]
transport = "websocket"
metric = "events.lost"
max = 0
"#,
        9,
        13,
        "assert[1].transport",
        "unknown transport `websocket`; accepted: poll, longpoll, sse, ws",
    );
}

#[test]
fn assert_relative_to_without_a_ratio() {
    refused(
        r#"[feed]
kind = "ticker"

[[assert]]
transport = "ws"
metric = "latency_us.p99"
relative_to = "poll"
"#,
        7,
        15,
        "assert[0].relative_to",
        "needs min_ratio or max_ratio",
    );
}

#[test]
fn assert_ratio_without_relative_to_names_the_ratio_written() {
    refused(
        r#"[feed]
kind = "ticker"

[[assert]]
transport = "ws"
metric = "latency_us.p99"
min_ratio = 0.5
"#,
        7,
        13,
        "assert[0].min_ratio",
        "needs relative_to = \"<transport>\"",
    );
}

#[test]
fn assert_bound_beside_a_ratio_names_the_bound_written() {
    refused(
        r#"[feed]
kind = "ticker"

[[assert]]
transport = "ws"
metric = "latency_us.p99"
relative_to = "poll"
max_ratio = 1.0
min = 10
"#,
        9,
        7,
        "assert[0].min",
        "use min_ratio/max_ratio with relative_to, not min/max",
    );
}

#[test]
fn assert_value_of_the_wrong_type_names_its_entry() {
    refused(
        r#"[feed]
kind = "ticker"

[[assert]]
metric = "events.lost"
max = 0

[[assert]]   # latency, absolute
metric = "latency_us.p99"
max = "5ms"
"#,
        10,
        7,
        "assert[1].max",
        "invalid type: string \"5ms\", expected f64",
    );
}

#[test]
fn assert_on_staleness_of_a_state_feed() {
    // results.json carries `staleness_us` for state feeds; an assertion may bound it.
    let scenario = accepted(
        r#"[feed]
kind = "tickets"

[[assert]]
transport = "sse"
metric = "staleness_us.p99"
relative_to = "poll"
max_ratio = 1.0
"#,
    );
    assert_eq!(scenario.asserts[0].metric, "staleness_us.p99");
}

#[test]
fn unknown_reference() {
    refused(
        r#"reference = "rfc6202"

[feed]
kind = "ticker"
"#,
        1,
        13,
        "reference",
        "unknown reference `rfc6202`; accepted: lubbers-greco",
    );
}

#[test]
fn validate_reports_each_file_and_exits_2_on_a_mistake() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.toml"), "[feed]\nkind = \"ticker\"\n").unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[feed]\nkind = \"ticker\"\n\n[clients]\ncount = 0\n",
    )
    .unwrap();
    let output = Command::cargo_bin("wsbench")
        .unwrap()
        .args(["validate", "good.toml", "bad.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "good.toml: ok (ticker feed, 100 clients, transports poll,longpoll,sse,ws)\n"
    );
    assert_eq!(
        stderr,
        "bad.toml:5:9: clients.count: must be 1 to 2,147,483,647 clients (each holds a \
         connection, a file descriptor: a C int), found 0\n"
    );
}

#[test]
fn every_shipped_scenario_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("scenarios/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios/*.toml");
    let output = Command::cargo_bin("wsbench")
        .unwrap()
        .arg("validate")
        .args(&files)
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    let reported: Vec<&str> = stdout
        .lines()
        .map(|line| line.split(": ok (").next().unwrap())
        .collect();
    assert_eq!(reported, files, "{stdout}");
}

#[test]
fn a_drain_limit_shorter_than_the_drain() {
    refused(
        r#"drain = "5s"
drain_limit = "2s"

[feed]
kind = "ticker"
"#,
        2,
        15,
        "drain_limit",
        "must be at least `drain` (5s)",
    );
    assert_eq!(
        accepted("drain_limit = \"30s\"\n[feed]\nkind = \"ticker\"\n").drain_limit,
        std::time::Duration::from_secs(30)
    );
    assert_eq!(
        accepted("[feed]\nkind = \"ticker\"\n").drain_limit,
        wsbench::scenario::DEFAULT_DRAIN_LIMIT
    );
}

#[test]
fn command_feed_mistakes() {
    refused(
        "[feed]\nkind = \"command\"\n",
        1,
        2,
        "feed.command",
        "is required: a program and its arguments, like [\"python3\", \"scripts/console.py\"]",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = []\n",
        3,
        11,
        "feed.command",
        "must not be empty: give a program and its arguments",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = \"python3 console.py\"\n",
        3,
        11,
        "feed.command",
        "expected an array of strings (a program and its arguments, like",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"python3\", 3]\n",
        3,
        23,
        "feed.command[1]",
        "expected a string, found integer",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"\"]\n",
        3,
        12,
        "feed.command[0]",
        "must not be an empty string",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"cat\"]\nmax_line_bytes = 0\n",
        4,
        18,
        "feed.max_line_bytes",
        "must be 1 to 16,777,216 bytes, found 0",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"cat\"]\nbuffer_lines = \"2M\"\n",
        4,
        16,
        "feed.buffer_lines",
        "must be 1 to 1,000,000 lines, found 2,000,000",
    );
    // The program sets the pace: a rate is refused, in the feed and in a sweep.
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"cat\"]\nfps = 5\n",
        4,
        7,
        "feed.fps",
        "unknown key for feed kind `command`; accepted: kind, command, max_line_bytes, \
         buffer_lines",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"cat\"]\nrate = 5\n",
        4,
        8,
        "feed.rate",
        "feed kind `command` has no rate: it publishes as things happen, at their pace",
    );
    refused(
        "[feed]\nkind = \"command\"\ncommand = [\"cat\"]\n[sweep]\nrate = [5, 10]\n",
        5,
        9,
        "sweep.rate[0]",
        "feed kind `command` has no rate: it publishes as things happen, at their pace",
    );
    let scenario = accepted("[feed]\nkind = \"command\"\ncommand = [\"cat\", \"-u\"]\n");
    assert_eq!(scenario.feed.rate(), None);
    assert_eq!(
        serde_json::to_value(&scenario.feed).unwrap(),
        serde_json::json!({"kind": "command", "command": ["cat", "-u"],
            "max_line_bytes": 65536, "buffer_lines": 10000})
    );
}

#[test]
fn ws_deflate_settings_are_checked_by_kind_and_range() {
    let text =
        |line: &str| format!("[feed]\nkind = \"ticker\"\n\n[transport.ws-deflate]\n{line}\n");
    refused(
        &text("server_max_window_bits = 8"),
        5,
        26,
        "transport.ws-deflate.server_max_window_bits",
        "must be 9 to 15 (RFC 7692 allows 8, which zlib does not write), found 8",
    );
    refused(
        &text("server_no_context_takeover = \"yes\""),
        5,
        30,
        "transport.ws-deflate.server_no_context_takeover",
        "invalid type: string \"yes\", expected true or false",
    );
    refused(
        &text("client_max_window_bits = \"12\""),
        5,
        26,
        "transport.ws-deflate.client_max_window_bits",
        "expected a whole number",
    );
    let scenario = accepted(&text("client_no_context_takeover = true"));
    let json = serde_json::to_value(&scenario.transport).unwrap();
    assert_eq!(json["ws-deflate_client_no_context_takeover"], true);
    assert_eq!(json["ws-deflate_server_max_window_bits"], 15);
    assert_eq!(
        scenario.transports.len(),
        4,
        "ws-deflate runs only when named"
    );
}

#[test]
fn server_processes_out_of_range() {
    refused(
        "[feed]\nkind = \"ticker\"\n\n[server]\nprocesses = 65\n",
        5,
        13,
        "server.processes",
        "must be 1 to 64, found 65",
    );
}

#[test]
fn server_processes_for_a_feed_that_differs_per_process() {
    refused(
        "[feed]\nkind = \"chat\"\n\n[server]\nprocesses = 2\n",
        5,
        13,
        "server.processes",
        "must be 1 for the chat feed: only a feed published on a schedule to every client",
    );
    assert_eq!(
        accepted("[feed]\nkind = \"tickets\"\n\n[server]\nprocesses = 4\n")
            .server
            .processes,
        4
    );
}

#[test]
fn request_deadlines_are_above_zero_and_at_most_ten_minutes() {
    let plain = accepted("[feed]\nkind = \"ticker\"\n");
    let thirty = std::time::Duration::from_secs(30);
    assert_eq!(
        (plain.server.head_timeout, plain.server.body_timeout),
        (thirty, thirty)
    );
    let set = accepted(
        "[feed]\nkind = \"ticker\"\n[server]\nhead_timeout = \"10m\"\nbody_timeout = \"250ms\"\n",
    );
    assert_eq!(
        (set.server.head_timeout, set.server.body_timeout),
        (
            std::time::Duration::from_secs(600),
            std::time::Duration::from_millis(250)
        )
    );
    refused(
        "[feed]\nkind = \"ticker\"\n\n[server]\nbody_timeout = \"0s\"\n",
        5,
        16,
        "server.body_timeout",
        "must be longer than 0s",
    );
    refused(
        "[feed]\nkind = \"ticker\"\n\n[server]\nhead_timeout = \"11m\"\n",
        5,
        16,
        "server.head_timeout",
        "must be at most 10m (a client that sends nothing holds its connection this long), \
         found 11m",
    );
}

#[test]
fn server_topic_idle_is_a_positive_duration_ten_minutes_by_default() {
    refused(
        "[feed]\nkind = \"chat\"\n\n[server]\ntopic_idle = \"0s\"\n",
        5,
        14,
        "server.topic_idle",
        "must be longer than 0s",
    );
    let minute = accepted("[feed]\nkind = \"chat\"\n\n[server]\ntopic_idle = \"1m\"\n");
    assert_eq!(minute.server.topic_idle, std::time::Duration::from_secs(60));
    let default = accepted("[feed]\nkind = \"chat\"\n");
    assert_eq!(
        default.server.topic_idle,
        std::time::Duration::from_secs(600)
    );
}
