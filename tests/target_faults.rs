//! `wsbench run --target` against small fake servers on 127.0.0.1: a target that is down,
//! that answers another protocol, that cuts its connections mid-run, that never sends an
//! event, and one without a `/stats` window whose streams have seq gaps. Each failure is a
//! message naming the target URL, the transport and what happened, exit status 3, and a
//! results.json that records it; none hangs (every run is under `timeout`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

const SCENARIO: &str = r#"
name = "fake"
duration = "1s"
warmup = "0s"
drain = "300ms"
[feed]
kind = "ticker"
rate = 20
[clients]
count = 3
ramp = "100ms"
"#;

/// Runs `wsbench run` on `transport` against `url`, bounded; its output and results.json.
fn run(url: &str, transport: &str, dir: &Path) -> (Output, Value) {
    let scenario = dir.join("fake.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.join("out");
    let output = std::process::Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--allow-saturated",
        ])
        .args(["--target", url, "--transports", transport])
        .arg("--out")
        .arg(&out)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap();
    let results = std::fs::read_to_string(out.join("results.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(Value::Null);
    (output, results)
}

/// A run that failed with `what` about `transport` of the target at `url`: exit 3, the
/// message on stderr, and the results file keeping it.
fn assert_failed(output: &Output, results: &Value, url: &str, transport: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let prefix = format!("target {url}, {transport}: ");
    let line = stderr
        .lines()
        .find(|l| l.contains(&prefix))
        .unwrap_or_else(|| panic!("no line naming {prefix:?}: {stderr}"));
    assert!(line.contains(what), "{what:?} not in {line:?}");
    assert_eq!(results["complete"], false, "{results}");
    assert_eq!(results["target"]["url"], url);
    let recorded = results["warnings"].to_string();
    assert!(
        recorded.contains(&format!("the run failed: {prefix}")) && recorded.contains(what),
        "{recorded}"
    );
}

/// Serves every accepted connection with `serve` on its own thread, until the test ends.
fn fake(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    url
}

/// Reads a request head; `None` when the client went away first.
fn read_head(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            return Some(head);
        }
        head.push_str(&line);
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// An SSE stream of `{"seq":N,"ts":NOW}` every 20 ms, seqs from 1 stepping by `step`, for at
/// most `events` events; then the connection is closed.
fn sse_stream(mut stream: TcpStream, step: u64, events: u64) {
    if read_head(&stream).is_none() {
        return;
    }
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for i in 0..events {
        let seq = 1 + i * step;
        let message = format!(
            "id: {seq}\ndata: {{\"seq\":{seq},\"ts\":{},\"sym\":\"AB\",\"px\":1.00}}\n\n",
            now_ns()
        );
        let chunk = format!("{:X}\r\n{message}\r\n", message.len());
        if stream.write_all(chunk.as_bytes()).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_target_that_is_down_is_named_with_the_refusal() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(&url, "sse", dir.path());
    assert_failed(
        &output,
        &results,
        &url,
        "sse",
        &format!("cannot connect to 127.0.0.1:{port}: Connection refused"),
    );
    assert_eq!(results["transports"], serde_json::json!([]));
}

/// A web server that answers everything with an HTML 404, kept alive unless asked to close.
fn html_404(mut stream: TcpStream) {
    while let Some(head) = read_head(&stream) {
        let page = "<html>no</html>";
        let answer = format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{page}",
            page.len()
        );
        if stream.write_all(answer.as_bytes()).is_err()
            || head.to_ascii_lowercase().contains("connection: close")
        {
            return;
        }
    }
}

#[test]
fn a_target_speaking_another_protocol_is_told_per_transport() {
    let url = fake(html_404);
    for (transport, what) in [
        (
            "sse",
            "GET /sse answered `HTTP/1.1 404 Not Found` (content-type text/html), not a text/event-stream",
        ),
        (
            "ws",
            "GET /ws answered `HTTP/1.1 404 Not Found` (content-type text/html), not 101 Switching Protocols",
        ),
        (
            "poll",
            "GET /poll answered `HTTP/1.1 404 Not Found` (content-type text/html), not a poll answer (200 or 204)",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (output, results) = run(&url, transport, dir.path());
        assert_failed(&output, &results, &url, transport, what);
    }
}

#[test]
fn a_target_that_closes_its_streams_mid_run_fails_the_transport() {
    // Each stream carries 5 events (100 ms), then the server hangs up.
    let url = fake(|stream| sse_stream(stream, 1, 5));
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(&url, "sse", dir.path());
    assert_failed(
        &output,
        &results,
        &url,
        "sse",
        "connections mid-run (the clients reconnected)",
    );
}

/// Completes a WebSocket handshake, then stays silent until the client goes away.
fn silent_ws(mut stream: TcpStream) {
    if read_head(&stream).is_none() {
        return;
    }
    let answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    if stream.write_all(answer.as_bytes()).is_ok() {
        let _ = std::io::copy(&mut stream, &mut std::io::sink());
    }
}

#[test]
fn a_target_that_never_sends_an_event_fails_within_the_first_event_timeout() {
    let url = fake(silent_ws);
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(&url, "ws", dir.path());
    assert_failed(
        &output,
        &results,
        &url,
        "ws",
        "sent no event within 10 s of the request (GET /ws)",
    );
}

#[test]
fn without_a_stats_window_loss_is_each_clients_seq_gaps_and_published_is_not_measured() {
    // Every stream numbers 1, 3, 5...: between a client's first and last window event,
    // every other seq is missing. The server answers /stats (and all else) with a 404.
    let url = fake(|stream| {
        let mut peek = [0u8; 8];
        match stream.peek(&mut peek) {
            Ok(n) if peek[..n].starts_with(b"GET /sse") => sse_stream(stream, 2, 500),
            _ => html_404(stream),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(&url, "sse", dir.path());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sse = &results["transports"][0];
    let events = &sse["events"];
    assert_eq!(events["published_source"], "not_measured", "{events}");
    let delivered = events["delivered"].as_u64().unwrap();
    assert!(delivered >= 3, "{events}");
    // Each client: n window events received, n - 1 missing between them.
    assert_eq!(events["lost"].as_u64(), Some(delivered - 3), "{events}");
    assert_eq!(events["duplicated"], 0);
    for null in ["published", "expected", "unread_at_stop"] {
        assert_eq!(events[null], Value::Null, "{null}: {events}");
    }
    let reasons = &sse["not_measured"];
    assert!(
        reasons["events.published"]
            .as_str()
            .unwrap()
            .contains("loss is judged by each client's seq gaps"),
        "{reasons}"
    );
    // No --target-pid: the target's CPU and memory are not measured, and say why.
    assert_eq!(sse["cpu"]["server_s"], Value::Null);
    assert!(
        reasons
            .to_string()
            .contains("not measured: no --target-pid"),
        "{reasons}"
    );
    assert_eq!(results["target"]["dialect"], "wsbench");
    assert_eq!(results["target"].get("pid"), None);
    // The report names the server and says its process was not measured.
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        report.contains(&format!(
            "{url} (wsbench dialect), already running, not the matched server; its CPU and \
             memory not measured: no --target-pid"
        )),
        "{report}"
    );
}
