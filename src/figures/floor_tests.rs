use super::*;

fn cpu(server: Option<f64>, client: Option<f64>) -> Cpu {
    Cpu {
        server_us_per_event: server,
        client_us_per_event: client,
        ..Cpu::default()
    }
}

/// 12 µs one per write, 3 µs at 10 per write.
fn record() -> CalibrationRecord {
    CalibrationRecord {
        date: "2025-01-02T03:04:05Z".into(),
        source: "cache".into(),
        connections: 1000,
        message_bytes: 62,
        messages_per_write: 10,
        floor_us_per_message: 12.0,
        floor_messages_per_s: 135_000.0,
        batched_us_per_message: 3.0,
        batched_messages_per_s: 600_000.0,
    }
}

#[test]
fn the_multiple_is_both_sides_over_the_floor() {
    assert_eq!(
        floor_multiple(&cpu(Some(9.0), Some(9.0)), Some(12.0)),
        Ok(1.5)
    );
    assert_eq!(
        floor_multiple(&cpu(Some(1.0), Some(0.5)), Some(2.0)),
        Ok(0.75)
    );
}

#[test]
fn the_multiple_is_null_with_its_reason() {
    assert_eq!(
        floor_multiple(&cpu(Some(9.0), Some(9.0)), None),
        Err(NO_CALIBRATION)
    );
    assert_eq!(
        floor_multiple(&cpu(Some(9.0), Some(9.0)), Some(0.0)),
        Err(NO_CALIBRATION)
    );
    assert_eq!(
        floor_multiple(&cpu(None, Some(9.0)), Some(13.0)),
        Err(NO_CPU)
    );
    assert_eq!(
        floor_multiple(&cpu(Some(9.0), None), Some(13.0)),
        Err(NO_CPU)
    );

    let mut entry = TransportResult {
        cpu: cpu(Some(9.0), Some(9.0)),
        ..TransportResult::default()
    };
    apply(&mut entry, None);
    assert_eq!(
        (entry.cpu.floor_multiple, entry.cpu.floor_us_per_event),
        (None, None)
    );
    for path in ["cpu.floor_multiple", "cpu.floor_us_per_event"] {
        assert_eq!(
            entry.not_measured.get(path).map(String::as_str),
            Some(NO_CALIBRATION)
        );
    }
    // Batching not measured: the one-per-write floor, as before it could be told.
    apply(&mut entry, Some(&record()));
    assert_eq!(entry.cpu.floor_us_per_event, Some(12.0));
    assert_eq!(entry.cpu.floor_multiple, Some(18.0 / 12.0));
    assert!(entry.not_measured.is_empty(), "{:?}", entry.not_measured);
}

#[test]
fn a_batched_delivery_is_compared_with_the_batched_floor() {
    let c = record();
    assert_eq!(floor_at(&c, None), 12.0);
    assert_eq!(floor_at(&c, Some(0.5)), 12.0, "writes that carry no event");
    assert_eq!(floor_at(&c, Some(1.0)), 12.0);
    assert_eq!(floor_at(&c, Some(10.0)), 3.0);
    assert_eq!(floor_at(&c, Some(20.0)), 3.0, "never extrapolated");
    // Linear in 1/k: at k = 2, (1/2 - 1/10) / (1 - 1/10) = 4/9 of the way up from 3 µs.
    assert!((floor_at(&c, Some(2.0)) - (3.0 + 9.0 * 4.0 / 9.0)).abs() < 1e-12);
    assert_eq!(floor_at(&c, Some(f64::NAN)), 12.0);

    // A poll's answer carrying 20 events: 18 µs per delivery is 6× the batched floor,
    // not the 1.5× the one-per-write floor would say.
    let mut poll = TransportResult {
        cpu: Cpu {
            events_per_write: Some(20.0),
            ..cpu(Some(9.0), Some(9.0))
        },
        ..TransportResult::default()
    };
    apply(&mut poll, Some(&c));
    assert_eq!(poll.cpu.floor_us_per_event, Some(3.0));
    assert_eq!(poll.cpu.floor_multiple, Some(6.0));
}

#[test]
fn the_basis_says_which_floor() {
    let c = record();
    let words = |k| Basis::of(&c, k).words(&c);
    assert_eq!(words(None), "one per write (events per write not measured)");
    assert_eq!(words(Some(1.0)), "one per write (1.0 events per write)");
    assert_eq!(
        words(Some(4.25)),
        "between one and 10 per write (4.2 events per write)"
    );
    assert_eq!(
        words(Some(20.3)),
        "the batched floor (20.3 events per write; measured at 10)"
    );
}

#[test]
fn events_per_write_are_the_servers_bytes_per_write_over_the_clients_bytes_per_event() {
    let server = |written, writes| {
        Ok(ServerBytes {
            written,
            read: 0,
            writes,
        })
    };
    // 100 answers of 1,400 B, each 20 events of 70 B down.
    assert_eq!(
        events_per_write(server(140_000, 100), 140_000, 2000),
        Ok(20.0)
    );
    assert_eq!(events_per_write(server(6200, 100), 6200, 100), Ok(1.0));
    let absent = |s: &str| Err(ProbeError::Absent(s.into()));
    assert_eq!(
        events_per_write(server(6200, 0), 6200, 100),
        absent(WRITES_NOT_COUNTED)
    );
    assert_eq!(
        events_per_write(server(0, 0), 0, 0),
        absent(NOTHING_WRITTEN)
    );
    assert_eq!(
        events_per_write(server(6200, 100), 6200, 0),
        absent(NOTHING_RECEIVED)
    );
    let failed = ProbeError::Failed("no /stats".into());
    assert_eq!(
        events_per_write(Err(failed.clone()), 6200, 100),
        Err(failed)
    );
}
