//! The numeric keys of the scenario format, and where each goes in a scenario. The format
//! itself says which keys it accepts (each table's refusal of an unknown key lists them);
//! `NUMERIC` and `NOT_NUMERIC` sort them, and a key in neither fails the test.

use std::path::Path;

use wsbench::feed::FeedSpec;
use wsbench::scenario::Scenario;
use wsbench::transport_kind::Transport;

/// How a numeric key is written: what hostile values it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count: an integer or a string like `"10k"`.
    Count,
    Duration,
    /// A float or an integer.
    Number,
    /// A TOML integer only (`seed`, a transport's whole number).
    Integer,
    /// A CPU list, or one CPU as an integer.
    Cpus,
}

use Kind::*;

/// Every numeric key by its path: `table.key`, `transport.<name>.key`, `feed.<kind>.key`,
/// `assert.key` (in an `[[assert]]`), `sweep.key` and `frontier.key` (a list of one value).
pub const NUMERIC: &[(&str, Kind)] = &[
    ("duration", Duration),
    ("warmup", Duration),
    ("drain", Duration),
    ("drain_limit", Duration),
    ("schedule_margin", Duration),
    ("seed", Integer),
    ("clients.count", Count),
    ("clients.ramp", Duration),
    ("clients.cookie_bytes", Count),
    ("server.max_connections", Count),
    ("server.max_lag", Count),
    ("server.history", Count),
    ("server.window_log", Count),
    ("server.stall_timeout", Duration),
    ("server.coalesce", Duration),
    ("server.processes", Count),
    ("server.head_timeout", Duration),
    ("server.body_timeout", Duration),
    ("server.topic_idle", Duration),
    ("sweep.clients", Count),
    ("sweep.rate", Number),
    ("sweep.poll_interval", Duration),
    ("sweep.coalesce", Duration),
    ("frontier.poll_interval", Duration),
    ("frontier.longpoll_timeout", Duration),
    ("assert.min", Number),
    ("assert.max", Number),
    ("assert.min_ratio", Number),
    ("assert.max_ratio", Number),
    ("cpus.server", Cpus),
    ("cpus.clients", Cpus),
    ("transport.poll.interval", Duration),
    ("transport.longpoll.timeout", Duration),
    ("transport.sse.keepalive", Duration),
    ("transport.ws.keepalive", Duration),
    ("transport.ws-deflate.keepalive", Duration),
    ("transport.ws-deflate.server_max_window_bits", Integer),
    ("transport.ws-deflate.client_max_window_bits", Integer),
    ("feed.ticker.rate", Number),
    ("feed.ticker.symbols", Count),
    ("feed.tickets.rate", Number),
    ("feed.tickets.trains", Count),
    ("feed.tickets.seats", Count),
    ("feed.command.max_line_bytes", Count),
    ("feed.command.buffer_lines", Count),
    ("feed.chat.members", Count),
    ("feed.chat.send_rate", Number),
    ("feed.chat.jitter", Number),
    ("feed.chat.text_bytes", Count),
    ("feed.chat.max_body_bytes", Count),
    ("feed.chat.max_send_rate", Number),
    ("feed.notifications.users", Count),
    ("feed.notifications.rate", Number),
    ("feed.notifications.login_share", Number),
    ("feed.notifications.scan_min", Duration),
    ("feed.notifications.scan_max", Duration),
    ("feed.notifications.login_timeout", Duration),
    ("feed.notifications.max_logins", Count),
    ("feed.echo.send_rate", Number),
    ("feed.echo.jitter", Number),
    ("feed.echo.pad_bytes", Count),
];

/// The keys that hold no number; `feed.*.kind` is every kind's.
pub const NOT_NUMERIC: &[&str] = &[
    "name",
    "description",
    "reference",
    "transports",
    "feed",
    "clients",
    "transport",
    "server",
    "sweep",
    "frontier",
    "cpus",
    "assert",
    "clients.headers",
    "assert.metric",
    "assert.transport",
    "assert.relative_to",
    "feed.*.kind",
    "feed.command.command",
    "feed.chat.echo",
    "transport.ws-deflate.server_no_context_takeover",
    "transport.ws-deflate.client_no_context_takeover",
];

/// A feed kind's `[feed]` table for a tiny run: what it needs, and a rate that puts
/// events in a second.
pub fn feed_table(kind: &str) -> toml::Table {
    let text = match kind {
        "ticker" | "tickets" => format!("kind = \"{kind}\"\nrate = 20"),
        "notifications" => "kind = \"notifications\"\nusers = 10\nrate = 20".into(),
        "chat" | "echo" => format!("kind = \"{kind}\"\nsend_rate = 5"),
        "command" => "kind = \"command\"\ncommand = [\"sh\", \"-c\", \
                      \"while :; do echo tick; sleep 0.05; done\"]"
            .into(),
        other => panic!("a feed kind the fuzz pass does not know: `{other}`; add it here"),
    };
    text.parse().unwrap()
}

/// Every key the format accepts, as `NUMERIC` names them, read from the refusals of an
/// unknown key in each table.
pub fn accepted_keys() -> Vec<String> {
    wsbench::transport::install();
    let mut keys = Vec::new();
    let feed = "\n[feed]\nkind = \"ticker\"\n";
    let mut tables: Vec<(String, String)> = vec![
        (String::new(), format!("zz_unknown = 1{feed}")),
        (
            "assert.".into(),
            format!("{feed}[[assert]]\nzz_unknown = 1"),
        ),
    ];
    for table in ["clients", "server", "sweep", "frontier", "cpus"] {
        tables.push((
            format!("{table}."),
            format!("{feed}[{table}]\nzz_unknown = 1"),
        ));
    }
    for transport in Transport::names() {
        tables.push((
            format!("transport.{transport}."),
            format!("{feed}[transport.{transport}]\nzz_unknown = 1"),
        ));
    }
    for (prefix, text) in tables {
        let message = refusal(&text);
        let listed = message
            .split_once("expected")
            .unwrap_or_else(|| panic!("no list of keys in `{message}`"))
            .1;
        keys.extend(
            listed
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|key| format!("{prefix}{key}")),
        );
    }
    for kind in FeedSpec::kind_names().split(", ") {
        let mut table = feed_table(kind);
        table.insert("zz_unknown".into(), 1.into());
        let text =
            toml::to_string(&toml::Table::from_iter([("feed".into(), table.into())])).unwrap();
        let message = refusal(&text);
        let listed = message
            .split_once("accepted: ")
            .unwrap_or_else(|| panic!("no list of keys in `{message}`"))
            .1;
        keys.extend(listed.split(", ").map(|key| match key {
            "kind" => "feed.*.kind".to_string(),
            key => format!("feed.{kind}.{key}"),
        }));
    }
    keys.sort();
    keys.dedup();
    keys
}

fn refusal(text: &str) -> String {
    match Scenario::parse(text, Path::new("keys.toml")) {
        Ok(_) => panic!("accepted an unknown key:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_key_lists_cover_every_key_the_format_accepts() {
    let listed: Vec<&str> = NUMERIC
        .iter()
        .map(|(key, _)| *key)
        .chain(NOT_NUMERIC.iter().copied())
        .collect();
    let accepted = accepted_keys();
    let missing: Vec<&String> = accepted
        .iter()
        .filter(|key| !listed.contains(&key.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "keys the scenario format accepts that tests/settings_fuzz/keys.rs does not list \
         (add each to NUMERIC, with its kind, or to NOT_NUMERIC): {missing:?}"
    );
    let gone: Vec<&&str> = listed
        .iter()
        .filter(|key| !accepted.iter().any(|a| a == *key))
        .collect();
    assert!(
        gone.is_empty(),
        "listed keys the format no longer has: {gone:?}"
    );
}
