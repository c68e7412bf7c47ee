//! scenarios/lubbers.toml reproduces Lubbers & Greco's set-up.

use std::path::Path;

use wsbench::scenario::{HeaderProfile, Scenario, SweepParameter};

#[test]
fn lubbers_scenario_matches_the_paper() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lubbers.toml");
    let s = Scenario::load(&path).expect("scenario parses");
    assert_eq!(s.reference.as_deref(), Some("lubbers-greco"));
    assert_eq!(
        s.transports.iter().map(|t| t.name()).collect::<Vec<_>>(),
        ["poll", "ws"]
    );
    assert_eq!(s.feed.kind_name(), "ticker");
    // Every client gets every ticker event: one event a second over the feed is one
    // update per second per client.
    assert_eq!(s.feed.rate(), Some(1.0));
    assert_eq!(s.clients.headers, HeaderProfile::Browser);
    assert_eq!(
        s.transport.get_flat("poll_interval"),
        Some(std::time::Duration::from_secs(1))
    );
    let sweep = s.sweep.expect("sweeps");
    assert_eq!(sweep.parameter, SweepParameter::Clients);
    assert_eq!(sweep.values, [1000.0, 10000.0]);
}
