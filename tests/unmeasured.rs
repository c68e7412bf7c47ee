//! A target whose probes all fail (issue 9): its results hold `null`, not 0, for every
//! figure a probe gives, with the reason; the report says "n/m" and why; the verdict
//! leaves it out of the rankings it has no figure for; summary.csv leaves the cells empty.
//!
//! The figures are assembled by the same `fill_figures` that `wsbench run` uses, from the
//! answers of a real `Probes` bundle read in the order `drive` reads it, without a server;
//! and once end to end, by the real measuring loop against a target (`Opaque`) that can
//! measure nothing of itself.

mod common;

use std::sync::Arc;

use serde_json::{Value, json};
use wsbench::client::{Recorder, Tally};
use wsbench::export::csv::CsvExporter;
use wsbench::export::json::JsonExporter;
use wsbench::figures::{Collected, NO_WINDOW, NOTHING_DELIVERED, fill as fill_figures};
use wsbench::metrics::cpu::CpuSample;
use wsbench::metrics::probe::{Absent, ProbeAnswers, Probes, ProcessCpu, Segments, ServerBytes};
use wsbench::report::{self, ReportFormat};
use wsbench::results::{Results, TransportResult};
use wsbench::scenario::Scenario;
use wsbench::under_test::TargetError;
use wsbench::wire::{StatsReply, WindowStats};

const NO_PROCESS: &str = "no local server process";
const NO_COUNTERS: &str = "the target keeps no byte counters";
/// Above the kernel's pid_max limit (2^22), so never a live process.
const GONE: u32 = 4_194_305;

/// What a target we can measure nothing of gets: its process is not ours (or gone), its
/// sockets give no `TCP_INFO`, it keeps no counters.
fn failing_probes() -> Probes {
    Probes {
        server_cpu: Box::new(ProcessCpu { pid: GONE }),
        server_memory: Box::new(Absent::new(NO_PROCESS)),
        client_cpu: Box::new(Absent::new("the load generator's CPU clock is unreadable")),
        sockets: Arc::new(Absent::new("TCP_INFO is not available")),
        server_counters: Box::new(Absent::new(NO_COUNTERS)),
    }
}

/// Clients that received seqs 1..=100 each, 100 of them in the window, 12,000 bytes down.
fn recorder_and_tallies(clients: u64) -> (Recorder, Vec<Tally>) {
    let recorder = Recorder {
        received_in_window: 100 * clients,
        payload_in_window: 6_000 * clients,
        ..Default::default()
    };
    let tallies = (0..clients)
        .map(|_| {
            let mut tally = Tally::default();
            (1..=100).for_each(|seq| {
                tally.seqs.observe(seq);
            });
            tally
        })
        .collect();
    (recorder, tallies)
}

/// One transport entry assembled as `drive` assembles it.
fn entry(
    name: &str,
    stats: &StatsReply,
    answers: ProbeAnswers,
    recorder: &Recorder,
    tallies: &[Tally],
) -> TransportResult {
    wsbench::transport::install();
    let mut result = TransportResult {
        transport: wsbench::transport_kind::Transport::named(name).unwrap(),
        clients: 2,
        header_profile: "browser".into(),
        window_s: 5.0,
        ..Default::default()
    };
    fill_figures(
        &mut result,
        Collected {
            summed: None,
            connected: 2,
            window_bytes: [(0, 0), (24_000, 400)],
            run_bytes: (30_000, 500),
            stats,
            final_state: None,
            tallies,
            topic_of: &|_| None,
            sends: None,
            echo: false,
            external: false,
            window_counted_by: wsbench::results::PublishedSource::ServerStats,
            emitted_in_window: None,
            recorder,
            probes: answers,
        },
    );
    result
}

/// The failing target: its probes read in `drive`'s order, and a `/stats` with no window.
fn unmeasured_entry() -> TransportResult {
    let probes = failing_probes();
    let rss_idle = probes.server_memory.read().map(|rss| rss.current);
    let rss_connected = probes.server_memory.read().map(|rss| rss.current);
    let cpu_window = probes.open_window();
    let cpu = cpu_window.close(&probes);
    let rss_peak = probes.server_memory.read().map(|rss| rss.peak);
    let (mut recorder, tallies) = recorder_and_tallies(2);
    // One client socket, read through the bundle as the clients read theirs.
    recorder.segments.add(probes.sockets.segments(-1));
    let stats = StatsReply::default();
    let server_bytes = probes.server_counters.bytes(&stats, "ws");
    let answers = ProbeAnswers {
        rss_idle,
        rss_connected,
        rss_peak,
        server_cpu: cpu.server,
        client_cpu: cpu.client,
        machine_cpu: cpu.machine,
        segments: recorder.segments.answer(),
        server_bytes,
    };
    entry("ws", &stats, answers, &recorder, &tallies)
}

/// A target that measured everything, for the rankings to have something to rank.
fn measured_entry() -> TransportResult {
    let (mut recorder, tallies) = recorder_and_tallies(2);
    // Two window events timed, by the kernel's stamp and the application's instant.
    for kernel_ns in [1_300_000, 1_400_000] {
        let received = wsbench::client::Received {
            kernel_ns: Some(kernel_ns),
            app_ns: kernel_ns + 50_000,
        };
        recorder.record_window_latency(1_000_000, received);
    }
    recorder.segments.add(Ok(Segments {
        sent: 300,
        received: 500,
    }));
    let cpu = |s: f64| {
        Ok(CpuSample {
            total_ns: (s * 1e9) as u64,
            user_s: s,
            system_s: 0.0,
        })
    };
    let answers = ProbeAnswers {
        rss_idle: Ok(10_000_000),
        rss_connected: Ok(10_065_536),
        rss_peak: Ok(11_000_000),
        server_cpu: cpu(0.1),
        client_cpu: cpu(0.2),
        machine_cpu: Ok(wsbench::metrics::machine_cpu::MachineCpu {
            busy_s: 0.3,
            steal_s: 0.0,
        }),
        segments: recorder.segments.answer(),
        server_bytes: Ok(ServerBytes {
            written: 30_000,
            read: 500,
            writes: 120,
        }),
    };
    let stats = StatsReply {
        window: Some(WindowStats::counted(1, 100, 100, 0, 0)),
        ..Default::default()
    };
    entry("sse", &stats, answers, &recorder, &tallies)
}

/// Clients that heard nothing in the window, over sockets that still moved bytes (the
/// upgrade, keep-alives): bytes per event has nothing to divide by.
fn nothing_received_entry() -> TransportResult {
    let recorder = Recorder::default();
    let tallies: Vec<Tally> = (0..2).map(|_| Tally::default()).collect();
    let answers = ProbeAnswers {
        rss_idle: Ok(10_000_000),
        rss_connected: Ok(10_065_536),
        rss_peak: Ok(11_000_000),
        server_cpu: Err(wsbench::metrics::probe::ProbeError::Absent(
            NO_PROCESS.into(),
        )),
        client_cpu: Err(wsbench::metrics::probe::ProbeError::Absent(
            NO_PROCESS.into(),
        )),
        machine_cpu: Err(wsbench::metrics::probe::ProbeError::Absent(
            NO_PROCESS.into(),
        )),
        segments: recorder.segments.answer(),
        server_bytes: Ok(ServerBytes {
            written: 24_000,
            read: 400,
            writes: 200,
        }),
    };
    let stats = StatsReply {
        window: Some(WindowStats::counted(1, 100, 100, 0, 0)),
        ..Default::default()
    };
    entry("ws", &stats, answers, &recorder, &tallies)
}

/// Nothing received is not the cheapest transport: its bytes per event are `null`, with the
/// reason, in results.json, and the table says n/m; the bytes that did move are still there.
#[test]
fn nothing_received_leaves_bytes_per_event_null_with_the_reason() {
    let entry = nothing_received_entry();
    assert_eq!(entry.events.delivered, 0);
    assert_eq!((entry.bytes.down, entry.bytes.up), (24_000, 400));
    assert_eq!(entry.bytes.per_event, None);
    assert_eq!(entry.bytes.payload_per_event, None);
    assert_eq!(entry.bytes.overhead_share, Some(1.0));
    let json = serde_json::to_value(&entry).unwrap();
    assert_eq!(json["bytes"]["per_event"], Value::Null);
    assert_eq!(
        json["not_measured"]["bytes.per_event"],
        "no event was received in the window"
    );
    assert_eq!(
        json["not_measured"]["bytes.payload_per_event"],
        "no event was received in the window"
    );
    let mut results = common::results();
    results.transports = vec![entry];
    let table = wsbench::console::render(&results);
    let row = table.lines().find(|l| l.starts_with("ws")).unwrap();
    assert!(row.contains("n/m"), "{table}");
}

fn results() -> Results {
    let mut results = common::results();
    results.transports = vec![measured_entry(), unmeasured_entry()];
    results.assertions.clear();
    // A run compares with its loopback floor as it records each entry.
    results.calibration = Some(common::calibration(10.0));
    for entry in &mut results.transports {
        wsbench::calibrate::apply(entry, results.calibration.as_ref());
    }
    results
}

#[test]
fn the_results_hold_null_with_the_reason_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = wsbench::export::write(dir.path(), &JsonExporter, &results()).unwrap();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(json["schema"], "wsbench.results.v3");
    let ws = &json["transports"][1];
    assert_eq!(ws["transport"], "ws");
    for (section, fields) in [
        (
            "cpu",
            &[
                "server_s",
                "server_user_s",
                "server_system_s",
                "server_us_per_event",
                "server_cores",
                "client_s",
                "client_user_s",
                "client_system_s",
                "client_us_per_event",
                "client_cores",
                "events_per_write",
                "floor_multiple",
            ][..],
        ),
        (
            "memory",
            &[
                "server_peak_rss_bytes",
                "server_rss_idle_bytes",
                "server_rss_connected_bytes",
                "server_rss_per_conn_bytes",
            ],
        ),
        (
            "tcp",
            &[
                "segments_out",
                "segments_in",
                "wire_bytes_estimate",
                "wire_per_event_estimate",
            ],
        ),
        (
            "cross_check",
            &[
                "server_written",
                "server_read",
                "server_writes",
                "down_diff_pct",
                "up_diff_pct",
            ],
        ),
        (
            "events",
            &[
                "published",
                "expected",
                "lost",
                "duplicated",
                "out_of_order",
                "coalesced",
                "unread_at_stop",
            ],
        ),
    ] {
        for field in fields {
            assert_eq!(
                ws[section][*field],
                Value::Null,
                "{section}.{field} is not null"
            );
        }
    }
    // What the clients counted themselves stays measured.
    assert_eq!(ws["bytes"]["per_event"], 122.0);
    assert_eq!(ws["cross_check"]["client_down"], 30_000);
    assert_eq!(
        ws["not_measured"],
        json!({
            "cpu.server_s": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.server_user_s": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.server_system_s": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.server_us_per_event": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.server_cores": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.others_cores": format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)"),
            "cpu.client_s": "the load generator's CPU clock is unreadable",
            "cpu.client_user_s": "the load generator's CPU clock is unreadable",
            "cpu.client_system_s": "the load generator's CPU clock is unreadable",
            "cpu.client_us_per_event": "the load generator's CPU clock is unreadable",
            "cpu.client_cores": "the load generator's CPU clock is unreadable",
            "cpu.events_per_write": NO_COUNTERS,
            "cpu.floor_multiple": wsbench::calibrate::NO_CPU,
            "memory": NO_PROCESS,
            "tcp": "TCP_INFO is not available",
            "cross_check.server_written": NO_COUNTERS,
            "cross_check.server_read": NO_COUNTERS,
            "cross_check.server_writes": NO_COUNTERS,
            "cross_check.down_diff_pct": NO_COUNTERS,
            "cross_check.up_diff_pct": NO_COUNTERS,
            "events.published": NO_WINDOW,
            "events.unread_at_stop": NO_WINDOW,
            "events.expected": NO_WINDOW,
            "events.lost": NO_WINDOW,
            "events.duplicated": NO_WINDOW,
            "events.out_of_order": NO_WINDOW,
            "events.coalesced": NO_WINDOW,
            // Its clients timed no window event: no latency, rather than one of 0.
            "latency_us": NOTHING_DELIVERED,
            "latency_app_us": NOTHING_DELIVERED,
            "generator_delay_us": NOTHING_DELIVERED,
        })
    );
    // The measured target has every figure and no `not_measured`.
    let sse = &json["transports"][0];
    assert!(sse.get("not_measured").is_none(), "{sse}");
    assert_eq!(sse["memory"]["server_rss_per_conn_bytes"], 32_768.0);
    assert_eq!(sse["tcp"]["wire_bytes_estimate"], 24_400 + 800 * 52);
    assert_eq!(sse["events"]["lost"], 0);
    // It reads back as `None`, which no metric lookup turns into a number.
    let back: Results = serde_json::from_value(json).unwrap();
    assert_eq!(
        back.transports[1].metric("memory.server_rss_per_conn_bytes"),
        None
    );
    assert_eq!(back.transports[1].memory.server_peak_rss_bytes, None);
}

#[test]
fn the_report_marks_them_not_measured_and_the_verdict_does_not_rank_on_them() {
    let dir = tempfile::tempdir().unwrap();
    report::render(&results(), dir.path(), ReportFormat::Md).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    let row = md.lines().find(|l| l.starts_with("| ws ")).unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(
        cells[1..14],
        [
            "ws", "0 of n/m", "122 B", "50.8%", "n/m", "n/m", "n/m", "n/m", "n/m", "n/m", "n/m",
            "n/m", "0",
        ],
        "{row}"
    );
    assert!(
        md.contains("- **ws** `memory`: not measured: no local server process.\n"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **ws** `events.lost`: not measured: {NO_WINDOW}.\n"
        )),
        "{md}"
    );

    let verdicts = md.split("## Verdict").nth(1).unwrap();
    let verdict = |metric: &str| {
        verdicts
            .lines()
            .find(|l| l.starts_with(&format!("- **{metric}**")))
            .unwrap_or_else(|| panic!("no verdict on {metric}: {verdicts}"))
    };
    let cpu_reason =
        format!("cannot read /proc/{GONE}/stat: No such file or directory (os error 2)");
    assert_eq!(
        verdict("Server memory per connection"),
        "- **Server memory per connection**: only sse measured, 32.0 KiB; not ranked, not \
         measured: ws (no local server process)."
    );
    assert_eq!(
        verdict("Server CPU per 1,000 delivered events"),
        format!(
            "- **Server CPU per 1,000 delivered events**: only sse measured, 500.0 ms; not \
             ranked, not measured: ws ({cpu_reason})."
        )
    );
    assert_eq!(
        verdict("Bytes per delivered event on the wire (TCP/IP estimate)"),
        "- **Bytes per delivered event on the wire (TCP/IP estimate)**: only sse measured, \
         330 B; not ranked, not measured: ws (TCP\\_INFO is not available)."
    );
    // What the clients measured is still ranked for both.
    assert!(
        verdict("Bytes per delivered event (at the socket)").contains("sse 1.0×, ws 1.0×"),
        "{verdicts}"
    );

    // The bytes chart draws no TCP/IP layer for ws, and says why. (The cost chart leaves
    // ws out altogether: it delivered no event it could count without the window.)
    let svg = std::fs::read_to_string(dir.path().join("charts/bytes.svg")).unwrap();
    assert!(svg.contains("122 B (TCP/IP not measured)"), "{svg}");
    assert!(svg.contains("122 B (+208)"), "sse: (330 - 122) B of TCP/IP");
}

#[test]
fn summary_csv_leaves_the_cells_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = wsbench::export::write(dir.path(), &CsvExporter, &results()).unwrap();
    let csv = std::fs::read_to_string(path).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let ws: Vec<&str> = lines
        .find(|l| l.starts_with("ws,"))
        .unwrap()
        .split(',')
        .collect();
    let cell = |name: &str| ws[header.iter().position(|h| *h == name).unwrap()];
    for name in [
        "events_published",
        "events_lost",
        "server_cpu_s",
        "client_cpu_s",
        "server_peak_rss_bytes",
        "server_rss_per_conn_bytes",
    ] {
        assert_eq!(cell(name), "", "{name}");
    }
    assert_eq!(cell("bytes_per_event"), "122");
}

/// A target that can say nothing about itself: the matched server, run in-process, behind
/// probes that all fail, with no counters and no window (it cannot say what it published).
struct Opaque {
    addr: std::net::SocketAddr,
    hub: Arc<wsbench::feed::Hub>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl wsbench::under_test::Target for Opaque {
    type Launch = ();

    async fn start(_: &(), scenario: &Scenario) -> Result<Self, TargetError> {
        let server = wsbench::server::Server::bind(
            scenario.serving(),
            wsbench::transport::server_side,
            "127.0.0.1:0".parse().unwrap(),
            None,
        )
        .expect("binds a loopback port");
        let opaque = Opaque {
            addr: server.local_addr(),
            hub: server.hub(),
            shutdown: server.shutdown_handle(),
        };
        tokio::spawn(server.run());
        Ok(opaque)
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    fn dialect(&self) -> &'static dyn wsbench::dialect::Dialect {
        &wsbench::dialect::Wsbench
    }

    fn probes(&self) -> Probes {
        failing_probes()
    }

    async fn mark_window_start(&self, _at_ns: u64) -> Result<(), TargetError> {
        Ok(())
    }

    async fn stop_publishing(&self) -> Result<(), TargetError> {
        self.hub.stop();
        Ok(())
    }

    async fn stats(&self, _from_ns: u64, _to_ns: u64) -> Result<StatsReply, TargetError> {
        Ok(StatsReply::default())
    }

    async fn final_state(
        &self,
        _key_field: Option<&str>,
    ) -> Result<std::collections::HashMap<String, u64>, TargetError> {
        Ok(Default::default())
    }

    async fn died(&self, _transport: &str) -> TargetError {
        std::future::pending().await
    }

    async fn stop(self) {
        let _ = self.shutdown.send(true);
    }
}

/// The real measuring loop against the opaque target: whatever it cannot measure is null
/// with a reason, what the clients measured themselves is there, and the report and the
/// verdict treat the nulls as not measured.
#[test]
fn a_real_run_against_a_target_whose_probes_all_fail() {
    let scenario = Scenario::parse(
        "name = \"opaque\"\nduration = \"1s\"\nwarmup = \"0s\"\ntransports = [\"ws\"]\n\
         [feed]\nkind = \"ticker\"\nrate = 20\n[clients]\ncount = 2\nramp = \"100ms\"\n",
        std::path::Path::new("opaque.toml"),
    )
    .unwrap();
    let ws = wsbench::transport_kind::Transport::named("ws").unwrap();
    let result = wsbench::run::measure_one::<Opaque>(&scenario, ws, &()).expect("the run ends");
    let json = serde_json::to_value(&result).unwrap();
    for path in [
        "/cpu/server_s",
        "/cpu/client_s",
        "/memory/server_rss_idle_bytes",
        "/memory/server_rss_per_conn_bytes",
        "/tcp/segments_out",
        "/cross_check/server_written",
        "/cross_check/down_diff_pct",
        "/events/published",
        "/events/lost",
        "/events/duplicated",
    ] {
        assert_eq!(json.pointer(path), Some(&Value::Null), "{path} in {json}");
    }
    for reason in [NO_PROCESS, NO_COUNTERS, NO_WINDOW] {
        assert!(
            json["not_measured"].to_string().contains(reason),
            "{reason}: {}",
            json["not_measured"]
        );
    }
    // What the clients measured at their own sockets is there.
    assert!(
        result.bytes.down > 0 && result.latency_us.as_ref().is_some_and(|l| l.count > 0),
        "{json}"
    );

    let mut results = common::results();
    results.transports = vec![measured_entry(), result];
    results.assertions.clear();
    let dir = tempfile::tempdir().unwrap();
    report::render(&results, dir.path(), ReportFormat::Md).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("- **ws** `memory`: not measured: no local server process.\n"),
        "{md}"
    );
    let verdicts = md.split("## Verdict").nth(1).unwrap();
    let memory = verdicts
        .lines()
        .find(|l| l.starts_with("- **Server memory per connection**"))
        .unwrap();
    assert!(
        memory.contains("only sse measured") && memory.contains("not ranked, not measured: ws"),
        "{memory}"
    );
}
