//! The publisher's ceiling on this machine: the highest rate it keeps on schedule with no
//! client. A measurement, not a check (it takes a minute and depends on the machine):
//!
//! ```sh
//! cargo test --release --test publisher_ceiling -- --ignored --nocapture
//! ```
//!
//! `feed::MAX_RATE` records its result, with headroom.

use std::time::Duration;

use wsbench::feed::{FeedSource, FeedSpec, Hub, HubLimits, LATE_TOLERANCE, Publisher};

const SPAN: Duration = Duration::from_secs(5);

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn publisher_ceiling() {
    let table: toml::Table = "kind = \"ticker\"".parse().unwrap();
    let spec = FeedSpec::from_table(&table).unwrap();
    println!(
        "rate/s      published  expected  late(>{}ms)  worst late ms",
        LATE_TOLERANCE.as_millis()
    );
    for rate in [
        50_000.0,
        100_000.0,
        200_000.0,
        400_000.0,
        800_000.0,
        1_600_000.0,
    ] {
        let limits = HubLimits {
            history: 100_000,
            max_lag: 4096,
            window_log: 4_000_000,
            encodings: wsbench::transport_kind::Transport::count(),
        };
        let hub = Hub::new(spec.semantics(), limits);
        // Past the validated ceiling on purpose: the publisher itself, not the scenario.
        let generator = spec
            .generator()
            .expect("the ticker is generated on a schedule");
        Box::new(Publisher::new(generator, rate, 1))
            .start(hub.clone())
            .unwrap();
        std::thread::sleep(SPAN);
        let published = hub.stop();
        let schedule = hub.schedule();
        println!(
            "{rate:>9}  {published:>10}  {:>8}  {:>11}  {:>13.1}",
            (rate * SPAN.as_secs_f64()) as u64,
            schedule.late_events,
            schedule.max_late_us as f64 / 1000.0
        );
    }
}
