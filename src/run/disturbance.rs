//! Whether anyone but the run used the server's control plane while an entry was measured.
//! A feed stopped inside the window publishes fewer events than the window's length says,
//! and a window start the run did not mark can push out its own: either way the entry's
//! figures describe the disturbance, not the transport, so the entry fails, named.

use crate::wire::ControlStats;

/// Why an entry's window was disturbed, if it was: `window` is the run's window
/// `[start_ns, end_ns]` on the wall clock, whose start the run marked itself (when it marks:
/// any other mark taken during the window is someone else's). The run's own stop comes
/// after the window's end.
pub fn disturbed(control: Option<&ControlStats>, (start_ns, end_ns): (u64, u64)) -> Option<String> {
    let control = control?;
    if let Some(stopped_ns) = control.stopped_at_ns.filter(|&ns| ns < end_ns) {
        let when = match stopped_ns.checked_sub(start_ns) {
            Some(into) => format!("{:.3} s into the window", into as f64 / 1e9),
            None => "before the window opened".into(),
        };
        return Some(format!(
            "the feed was stopped {when} by a POST /control/stop that this run did not send \
             (it stops the feed only after the window): fewer events were published than \
             the window's length promises"
        ));
    }
    let inside = |ns: u64| (start_ns..=end_ns).contains(&ns);
    let foreign: Vec<u64> = control
        .marks
        .iter()
        .filter(|mark| inside(mark.received_ns) && mark.at_ns != start_ns)
        .map(|mark| mark.at_ns)
        .collect();
    if !foreign.is_empty() {
        return Some(format!(
            "{} window start(s) this run did not mark were marked during the window (at_ns {}): \
             they can push out the run's own mark, and the window's count with it",
            foreign.len(),
            foreign
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let unreported = control.marks_total > control.marks.len() as u64;
    let oldest_reported_inside = control.marks.first().is_some_and(|m| inside(m.received_ns));
    (unreported && oldest_reported_inside).then(|| {
        format!(
            "the server took {} marks, more than it reports ({}), the oldest it reports during \
             the window: marks this run did not make were taken",
            control.marks_total,
            control.marks.len()
        )
    })
}

/// What the control plane refused during the entry: said, though the entry was not
/// disturbed (the refusal is the guard working).
pub fn refused_warning(control: Option<&ControlStats>, transport: &str) -> Option<String> {
    let refused = control?.refused;
    (refused > 0).then(|| {
        format!(
            "{transport}: the server refused {refused} control request(s) without this run's \
             token (someone tried /control/*); the feed and the window were unaffected"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MarkRecord;

    const WINDOW: (u64, u64) = (1_000, 5_000);

    fn control(stopped_at_ns: Option<u64>, marks: &[(u64, u64)], total: u64) -> ControlStats {
        ControlStats {
            stopped_at_ns,
            marks: marks
                .iter()
                .map(|&(at_ns, received_ns)| MarkRecord { at_ns, received_ns })
                .collect(),
            marks_total: total,
            refused: 0,
        }
    }

    #[test]
    fn the_runs_own_mark_and_stop_disturb_nothing() {
        let own = control(Some(5_200), &[(1_000, 1_050)], 1);
        assert_eq!(disturbed(Some(&own), WINDOW), None);
        assert_eq!(
            disturbed(None, WINDOW),
            None,
            "a target without a control plane"
        );
        let marked_later = control(None, &[(1_000, 1_050), (9_000, 6_000)], 2);
        assert_eq!(disturbed(Some(&marked_later), WINDOW), None);
    }

    #[test]
    fn a_stop_before_the_windows_end_fails_the_entry() {
        let inside = disturbed(Some(&control(Some(3_000), &[], 0)), WINDOW).unwrap();
        assert!(inside.contains("0.000 s into the window"), "{inside}");
        let before = disturbed(Some(&control(Some(500), &[], 0)), WINDOW).unwrap();
        assert!(before.contains("before the window opened"), "{before}");
    }

    #[test]
    fn a_mark_the_run_did_not_make_fails_the_entry() {
        let foreign = control(None, &[(1_000, 1_050), (77, 2_000)], 2);
        let what = disturbed(Some(&foreign), WINDOW).unwrap();
        assert!(
            what.contains("1 window start(s)") && what.contains("at_ns 77"),
            "{what}"
        );
        // Forty marks overflowed the log: the run's own is no longer among those reported.
        let overflowed: Vec<_> = (0..16).map(|i| (10 + i, 2_000 + i)).collect();
        let what = disturbed(Some(&control(None, &overflowed, 40)), WINDOW).unwrap();
        assert!(what.contains("16 window start(s)"), "{what}");
        let unreported = control(None, &[(1_000, 1_500)], 3);
        let what = disturbed(Some(&unreported), WINDOW).unwrap();
        assert!(what.contains("took 3 marks"), "{what}");
    }

    #[test]
    fn refusals_are_said_but_do_not_fail() {
        let mut refused = control(None, &[], 0);
        assert_eq!(refused_warning(Some(&refused), "ws"), None);
        refused.refused = 2;
        let warning = refused_warning(Some(&refused), "ws").unwrap();
        assert!(
            warning.starts_with("ws: the server refused 2 control"),
            "{warning}"
        );
        assert_eq!(disturbed(Some(&refused), WINDOW), None);
    }
}
