//! The hostile values each kind of key gets: the type's least and greatest, 0, negatives,
//! NaN and infinities, 1e300 and 1e-300, numbers past what 64 bits hold, huge strings;
//! and the greatest value a key's refusal names as accepted, read from the refusal.

use toml::Value;

use super::keys::Kind;

/// A value to write, and where it sits among the key's values (for picking the least and
/// the greatest accepted; `None`: not a number).
#[derive(Debug, Clone, PartialEq)]
pub struct Hostile {
    pub value: Value,
    pub order: Option<f64>,
}

fn huge(suffix: &str) -> Value {
    Value::String(format!("{}{suffix}", "9".repeat(100_000)))
}

pub fn hostile(kind: Kind) -> Vec<Hostile> {
    let int = |i: i64| Value::Integer(i);
    let float = |f: f64| Value::Float(f);
    let text = |s: &str| Value::String(s.into());
    let values = match kind {
        Kind::Count => vec![
            int(i64::MIN),
            int(-1),
            int(0),
            int(1),
            int(i64::MAX),
            text("18446744073709551615"),
            text("18446744073709551616"),
            text("2G"),
            text("1e300"),
            text("-1k"),
            text("nan"),
            float(f64::NAN),
            float(1e300),
            huge(""),
        ],
        Kind::Duration => vec![
            text("0s"),
            text("1ns"),
            text("-1s"),
            text("1year"),
            text("1year 1ns"),
            text("18446744073709551615s"),
            text("1e300s"),
            text("1e-300s"),
            text("nans"),
            int(0),
            int(i64::MAX),
            float(f64::NAN),
            huge("s"),
        ],
        Kind::Number => vec![
            float(0.0),
            float(-0.0),
            float(-1.0),
            float(f64::NAN),
            float(f64::INFINITY),
            float(f64::NEG_INFINITY),
            float(1e300),
            float(-1e300),
            float(1e-300),
            float(5e-324),
            float(f64::MAX),
            float(f64::MIN),
            int(i64::MIN),
            int(i64::MAX),
            int(0),
            int(1),
            text("1e300"),
            huge(""),
        ],
        Kind::Integer => vec![
            int(i64::MIN),
            int(-1),
            int(0),
            int(8),
            int(9),
            int(15),
            int(16),
            int(i64::MAX),
            float(1e300),
            float(f64::NAN),
            huge(""),
        ],
        Kind::Cpus => vec![
            int(-1),
            int(0),
            int(1),
            int(i64::MAX),
            text("0-18446744073709551615"),
            text("18446744073709551616"),
            text("1-0"),
            float(f64::NAN),
            huge(""),
        ],
    };
    values.into_iter().map(|v| with_order(kind, v)).collect()
}

/// Where `value` of a key of `kind` sits: its number, or its duration in seconds.
pub fn with_order(kind: Kind, value: Value) -> Hostile {
    let order = match (&value, kind) {
        (Value::Integer(i), _) => Some(*i as f64),
        (Value::Float(f), _) if !f.is_nan() => Some(*f),
        (Value::String(s), Kind::Duration) => wsbench::units::parse_duration(s)
            .ok()
            .map(|d| d.as_secs_f64()),
        (Value::String(s), Kind::Count) => wsbench::units::parse_count(s).ok().map(|n| n as f64),
        _ => None,
    };
    Hostile { value, order }
}

/// The greatest value a refusal says is accepted (`must be 1 to 524,288 events`, `at most
/// 200000 events per second`, `must be 1ms to 10m`), as a value of `kind`.
pub fn named_maximum(kind: Kind, refusal: &str) -> Option<Hostile> {
    let after = ["to ", "at most "]
        .iter()
        .filter_map(|word| {
            refusal
                .split_once(&format!(" {word}"))
                .map(|(_, rest)| rest)
        })
        .next()?;
    let value = match kind {
        Kind::Duration => {
            let token: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            wsbench::units::parse_duration(&token).ok()?;
            Value::String(token)
        }
        _ => {
            let token: String = after
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
                .filter(|c| *c != ',')
                .collect();
            let token = token.trim_end_matches('.');
            match token.parse::<i64>() {
                Ok(i) => Value::Integer(i),
                Err(_) => Value::Float(token.parse().ok()?),
            }
        }
    };
    Some(with_order(kind, value))
}

#[test]
fn a_refusal_names_its_maximum() {
    let max = |kind, refusal| named_maximum(kind, refusal).map(|h| h.value);
    assert_eq!(
        max(
            Kind::Count,
            "server.max_lag: must be 1 to 524,288 events (32 bytes)"
        ),
        Some(Value::Integer(524_288))
    );
    assert_eq!(
        max(
            Kind::Number,
            "feed.rate: must be at most 200000 events per second"
        ),
        Some(Value::Integer(200_000))
    );
    assert_eq!(
        max(
            Kind::Duration,
            "transport.longpoll.timeout: must be 1ms to 10m (the server's"
        ),
        Some(Value::String("10m".into()))
    );
    assert_eq!(
        max(Kind::Count, "`1e300` is not a whole, non-negative count"),
        None
    );
}
