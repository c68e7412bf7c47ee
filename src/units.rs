//! Human units for durations (`500ms`, `30s`, `2m`) and counts (`10k`, `1.5M`).

use std::time::Duration;

/// The longest duration any setting takes: a year. A run's instants are wall-clock
/// nanoseconds in a `u64` (an event's `ts`), which run out in 2554, and a run adds several
/// of its durations to the clock (ramp, warmup, duration, drain, drain limit, a poll
/// interval): a year each keeps every such sum far inside, and inside what an `Instant`
/// and the async timers take. One Julian year (365.25 days): messages say "a year".
pub const MAX_DURATION: Duration = Duration::from_secs(31_557_600);

/// The most memory one setting may make a process hold (`server.max_lag`, a chat's text,
/// a feed's topics...): each such setting's range is this over what one of its units
/// takes. Beyond it a value is a typo, not a benchmark, and a process that tried would be
/// killed for it or fail to allocate.
pub const SETTING_MEMORY: u64 = 1 << 30;

/// Parses `500ms`, `30s`, `2m`, `1h`, `1m30s`, up to [`MAX_DURATION`]. A bare number is
/// refused: a unit avoids the classic seconds-versus-milliseconds mistake.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.parse::<f64>().is_ok() {
        return Err(format!(
            "`{text}` has no unit; write it with one, like \"{text}s\" or \"{text}ms\""
        ));
    }
    let duration = humantime::parse_duration(text).map_err(|e| {
        format!("`{text}` is not a duration ({e}); write it like \"500ms\", \"30s\" or \"2m\"")
    })?;
    if duration > MAX_DURATION {
        return Err(format!(
            "`{text}` is longer than {}, the longest duration wsbench takes (a run adds its \
             durations to a clock of nanoseconds in 64 bits)",
            format_duration(MAX_DURATION)
        ));
    }
    Ok(duration)
}

/// Formats a duration the way `parse_duration` reads it back.
pub fn format_duration(duration: Duration) -> String {
    humantime::format_duration(duration)
        .to_string()
        .replace(' ', "")
}

/// Parses `250`, `10k`, `1.5M`, `2G` (powers of 1000; `_` separators allowed).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let (number, multiplier) = match cleaned.chars().last() {
        Some('k' | 'K') => (&cleaned[..cleaned.len() - 1], 1e3),
        Some('m' | 'M') => (&cleaned[..cleaned.len() - 1], 1e6),
        Some('g' | 'G') => (&cleaned[..cleaned.len() - 1], 1e9),
        _ => (cleaned.as_str(), 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a count; write it like 250, \"10k\" or \"1.5M\""))?;
    let scaled = value * multiplier;
    if !scaled.is_finite() || scaled < 0.0 || scaled.fract() != 0.0 || scaled > u64::MAX as f64 {
        return Err(format!("`{text}` is not a whole, non-negative count"));
    }
    Ok(scaled as u64)
}

/// `12345` → `12,345`; any integer up to 64 bits, signed or not.
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A duration in a scenario file or on the command line: a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl std::str::FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(HumanDuration)
    }
}

impl<'de> serde::Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration with a unit, like \"500ms\", \"30s\" or \"2m\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl serde::Serialize for HumanDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_duration(self.0))
    }
}

/// A count in a scenario file or on the command line: an integer or a string like `"10k"`.
/// A negative one is kept, so that its key refuses it with the key's own range, as it does
/// 0 or a count too large (one message a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Count(pub i128);

impl std::str::FromStr for Count {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_count(s).map(|n| Count(n.into()))
    }
}

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number, or a string like \"10k\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(v.into()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v.into()))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Count, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn thousands_are_grouped_for_any_64_bit_integer() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(-1_234_567i64), "-1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn durations_stop_at_a_year() {
        assert_eq!(parse_duration("1year"), Ok(MAX_DURATION));
        assert_eq!(
            parse_duration(&format_duration(MAX_DURATION)),
            Ok(MAX_DURATION)
        );
        for text in ["1year 1ns", "18446744073709551615s", "500000000000y"] {
            let message = parse_duration(text).unwrap_err();
            assert!(message.contains("longer than 1year"), "{message}");
        }
    }

    #[test]
    fn durations_round_trip() {
        for text in ["500ms", "30s", "2m", "1m30s", "1h"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }

    #[test]
    fn counts_accept_suffixes() {
        assert_eq!(parse_count("250"), Ok(250));
        assert_eq!(parse_count("10k"), Ok(10_000));
        assert_eq!(parse_count("1.5M"), Ok(1_500_000));
        assert_eq!(parse_count("100_000"), Ok(100_000));
        assert!(parse_count("-3").is_err());
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("ten").is_err());
    }
}

/// `#[serde(with = "crate::units::duration_text")]` for `Duration` fields shown to people.
pub mod duration_text {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_duration(*d))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "crate::units::optional_duration_text")]` for `Option<Duration>` fields.
pub mod optional_duration_text {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::duration_text::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D>(d: D) -> Result<Option<Duration>, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        super::duration_text::deserialize(d).map(Some)
    }
}
