//! Numbers as the report prints them: units always, precision that fits the magnitude.

pub use crate::analysis::thousands;

/// Bytes: `9.5 B`, `872 B`, `12,345 B`, `1.21 MiB`.
pub fn bytes(v: f64) -> String {
    match v.abs() {
        a if a < 10.0 => format!("{v:.1} B"),
        a if a < 100_000.0 => format!("{} B", thousands(v.round() as i64)),
        a if a < 1024.0 * 1024.0 => format!("{:.1} KiB", v / 1024.0),
        _ => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
    }
}

/// Kibibytes with one decimal: `12.5 KiB`.
pub fn kib(bytes: f64) -> String {
    format!("{:.1} KiB", bytes / 1024.0)
}

/// A latency given in microseconds: `405 µs`, `1.74 ms`, `990.8 ms`, `2.88 s`.
pub fn latency(us: f64) -> String {
    match us.abs() {
        a if a < 1_000.0 => format!("{us:.0} µs"),
        a if a < 10_000.0 => format!("{:.2} ms", us / 1e3),
        a if a < 1_000_000.0 => format!("{:.1} ms", us / 1e3),
        _ => format!("{:.2} s", us / 1e6),
    }
}

/// A share (0 to 1) as a percentage: `41.6%`.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// How many times the best: `1.0×`, `13.6×`, `250×`.
pub fn factor(f: f64) -> String {
    if f.is_infinite() {
        "∞×".into()
    } else if f >= 100.0 {
        format!("{f:.0}×")
    } else {
        format!("{f:.1}×")
    }
}

/// Three significant digits, no exponent: `7.54`, `0.0153`, `66.6`, `1,234`.
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if magnitude >= 3 {
        return thousands(v.round() as i64);
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

/// A plain number: integers with thousands separators, others to three significant
/// digits: `20`, `10,000`, `0.5`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v as i64)
    } else {
        sig3(v)
    }
}

/// Ours against a published figure: `+1.7%` while close, `3.2×` or `0.31×` when not.
pub fn versus(ours: f64, theirs: f64) -> String {
    if theirs == 0.0 {
        return "—".into();
    }
    let ratio = ours / theirs;
    if (0.5..=2.0).contains(&ratio) {
        format!("{:+.1}%", (ratio - 1.0) * 100.0)
    } else {
        format!("{}×", sig3(ratio))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_precision() {
        assert_eq!(bytes(9.46), "9.5 B");
        assert_eq!(bytes(872.15), "872 B");
        assert_eq!(bytes(12_345.0), "12,345 B");
        assert_eq!(bytes(250_000.0), "244.1 KiB");
        assert_eq!(bytes(2_500_000.0), "2.4 MiB");
        assert_eq!(kib(12_800.0), "12.5 KiB");
        assert_eq!(latency(405.7), "406 µs");
        assert_eq!(latency(1740.7), "1.74 ms");
        assert_eq!(latency(990_800.0), "990.8 ms");
        assert_eq!(latency(2_875_000.0), "2.88 s");
        assert_eq!(percent(0.41592), "41.6%");
        assert_eq!([1.0, 13.62, 250.4].map(factor), ["1.0×", "13.6×", "250×"]);
        assert_eq!(factor(f64::INFINITY), "∞×");
    }

    #[test]
    fn significant_digits_and_comparisons() {
        let values = [7.5368, 0.015258, 66.58, 665.0, 1234.5, 0.0];
        assert_eq!(
            values.map(sig3),
            ["7.54", "0.0153", "66.6", "665", "1,235", "0"]
        );
        assert_eq!(versus(6.714, 6.6), "+1.7%");
        assert_eq!(versus(0.0214, 0.015), "+42.7%");
        assert_eq!(versus(0.518, 0.015), "34.5×");
        assert_eq!(versus(1.0, 0.0), "—");
        assert_eq!(
            [20.0, 10_000.0, 0.5, 2.25].map(number),
            ["20", "10,000", "0.500", "2.25"]
        );
    }
}
