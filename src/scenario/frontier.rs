//! `[frontier]`: a transport measured at a few more values of its frontier setting (a
//! poll's interval, a long poll's hold) beside its main entry, so that the report traces
//! what reaching a given freshness costs. Each point is one more entry of that transport
//! alone; the other transports, whose cost the setting does not touch, are not run again.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Scenario, Sweep};
use crate::issue::Issue;
use crate::transport_kind::{Transport, TransportSettings, Value};
use crate::units::{HumanDuration, format_duration};

/// Values one key may list: each is a whole entry of the run.
pub const MAX_POINTS: usize = 8;

/// One more entry: `transport` with its frontier setting at `value`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub transport: Transport,
    #[serde(with = "crate::units::duration_text")]
    pub value: Duration,
}

impl FrontierPoint {
    /// Its key in `[frontier]` and its name in results: `poll_interval`.
    pub fn setting(&self) -> String {
        flat_name(self.transport).unwrap_or_default()
    }
}

/// `poll_interval` for poll: `<transport>_<key>` of its frontier setting.
pub fn flat_name(transport: Transport) -> Option<String> {
    let setting = transport.kind().frontier_setting()?;
    Some(format!("{}_{}", transport.name(), setting.key))
}

/// The keys `[frontier]` accepts, one per transport with a frontier setting.
fn accepted() -> Vec<(String, Transport)> {
    Transport::all()
        .iter()
        .filter_map(|&t| Some((flat_name(t)?, t)))
        .collect()
}

/// `[frontier]` as written: each key a transport's frontier setting, refused by name
/// before its value is read (as every table of the format refuses an unknown key).
#[derive(Debug, Default)]
pub struct RawFrontier(Vec<(Transport, String, Vec<HumanDuration>)>);

impl<'de> Deserialize<'de> for RawFrontier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FrontierVisitor)
    }
}

struct FrontierVisitor;

impl<'de> serde::de::Visitor<'de> for FrontierVisitor {
    type Value = RawFrontier;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a table of lists of durations, like poll_interval = [\"100ms\"]")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawFrontier, A::Error> {
        let mut keys = Vec::new();
        // The name is read as a key so that a mistake points at the key, as serde's do.
        while let Some((transport, name)) = map.next_key_seed(FrontierKey)? {
            keys.push((transport, name, map.next_value()?));
        }
        Ok(RawFrontier(keys))
    }
}

/// Reads a `[frontier]` key: a transport's frontier setting, or a refusal naming them.
struct FrontierKey;

impl<'de> serde::de::DeserializeSeed<'de> for FrontierKey {
    type Value = (Transport, String);

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for FrontierKey {
    type Value = (Transport, String);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a transport's frontier setting, like poll_interval")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        let accepted = accepted();
        match accepted.iter().find(|(key, _)| key == name) {
            Some((key, transport)) => Ok((*transport, key.clone())),
            None => {
                let names: Vec<String> = accepted.iter().map(|(k, _)| format!("`{k}`")).collect();
                Err(E::custom(format!(
                    "unknown field `{name}`, expected one of {}",
                    names.join(", ")
                )))
            }
        }
    }
}

/// The table as written (`poll_interval = ["100ms", "250ms"]`), validated: each key a
/// transport's frontier setting, each value one that setting accepts, not its own value
/// (the main entry measures that) and not twice.
pub(super) fn validate(
    raw: Option<RawFrontier>,
    settings: &TransportSettings,
    sweep: Option<&Sweep>,
) -> Result<Vec<FrontierPoint>, Issue> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    if sweep.is_some() {
        return Err(Issue::new(
            "frontier",
            "cannot be combined with [sweep], which runs every transport at each of its \
             points: to trace poll's frontier with a sweep, sweep poll_interval; else drop \
             [sweep]",
        ));
    }
    let mut points = Vec::new();
    for (transport, name, values) in raw.0 {
        let key = |i: usize| format!("frontier.{name}[{i}]");
        if values.is_empty() || values.len() > MAX_POINTS {
            return Err(Issue::new(
                format!("frontier.{name}"),
                format!(
                    "must list 1 to {MAX_POINTS} values (each is one more entry of the run), \
                     found {}",
                    values.len()
                ),
            ));
        }
        let Some(setting) = transport.kind().frontier_setting() else {
            continue;
        };
        let own = settings.of(transport).get(setting);
        for (i, value) in values.iter().enumerate() {
            super::validate::check_setting(&key(i), setting, Value::Duration(value.0))?;
            if value.0 == own {
                return Err(Issue::new(
                    key(i),
                    format!(
                        "is {transport}'s own {} (transport.{transport}.{}), which its main \
                         entry measures; list other values",
                        format_duration(own),
                        setting.key
                    ),
                ));
            }
            if values[..i].iter().any(|v| v.0 == value.0) {
                return Err(Issue::new(
                    key(i),
                    format!("lists {} twice", format_duration(value.0)),
                ));
            }
            points.push(FrontierPoint {
                transport,
                value: value.0,
            });
        }
    }
    Ok(points)
}

impl Scenario {
    /// Each `[frontier]` point of a transport this run measures, with the scenario it is
    /// measured in: that transport alone, its setting at the point's value.
    pub fn frontier_points(&self) -> Vec<(FrontierPoint, Scenario)> {
        self.frontier
            .iter()
            .filter(|p| self.transports.contains(&p.transport))
            .filter_map(|&p| {
                let setting = p.transport.kind().frontier_setting()?;
                let mut point = self.clone();
                point.transports = vec![p.transport];
                point.frontier = Vec::new();
                point
                    .transport
                    .set(p.transport, setting.key, Value::Duration(p.value));
                Some((p, point))
            })
            .collect()
    }
}

/// The settings at each point, keyed as a refusal names it, for the checks a run's own
/// settings go through (a poll interval must fit in the run).
pub(super) fn settings_at_points(
    points: &[FrontierPoint],
    settings: &TransportSettings,
) -> Vec<(String, TransportSettings)> {
    let mut index: BTreeMap<Transport, usize> = BTreeMap::new();
    points
        .iter()
        .filter_map(|p| {
            let setting = p.transport.kind().frontier_setting()?;
            let i = index.entry(p.transport).or_default();
            let key = format!("frontier.{}[{i}]", flat_name(p.transport)?);
            *i += 1;
            let mut at = settings.clone();
            at.set(p.transport, setting.key, Value::Duration(p.value));
            Some((key, at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const BASE: &str = r#"
duration = "10s"
transports = ["poll", "longpoll", "sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[transport.poll]
interval = "1s"
"#;

    fn parse(extra: &str) -> Result<Scenario, String> {
        Scenario::parse(&format!("{BASE}{extra}"), Path::new("f.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn each_point_is_its_transport_alone_at_the_value() {
        let scenario = parse(
            "[frontier]\npoll_interval = [\"100ms\", \"250ms\"]\nlongpoll_timeout = [\"5s\"]\n",
        )
        .unwrap();
        let points = scenario.frontier_points();
        let summary: Vec<(String, Vec<&str>, Option<Duration>)> = points
            .iter()
            .map(|(p, s)| {
                let names = s.transports.iter().map(|t| t.name()).collect();
                (p.setting(), names, s.transport.get_flat(&p.setting()))
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "longpoll_timeout".into(),
                    vec!["longpoll"],
                    Some(Duration::from_secs(5))
                ),
                (
                    "poll_interval".into(),
                    vec!["poll"],
                    Some(Duration::from_millis(100))
                ),
                (
                    "poll_interval".into(),
                    vec!["poll"],
                    Some(Duration::from_millis(250))
                ),
            ]
        );
        assert!(points.iter().all(|(_, s)| s.frontier.is_empty()));
        // The main scenario is untouched, and a transport not run has no point.
        assert_eq!(
            scenario.transport.get_flat("poll_interval"),
            Some(Duration::from_secs(1))
        );
        let mut ws_only = scenario.clone();
        ws_only.transports = vec![Transport::named("ws").unwrap()];
        assert!(ws_only.frontier_points().is_empty());
    }

    #[test]
    fn bad_points_are_refused_with_their_key() {
        for (extra, expected) in [
            (
                "[frontier]\nsse_keepalive = [\"1s\"]\n",
                "f.toml:10:1: frontier.sse_keepalive: unknown field `sse_keepalive`, expected \
                 one of `poll_interval`, `longpoll_timeout`",
            ),
            (
                "[frontier]\npoll_interval = []\n",
                "f.toml:10:17: frontier.poll_interval: must list 1 to 8 values (each is one \
                 more entry of the run), found 0",
            ),
            (
                "[frontier]\npoll_interval = [\"250ms\", \"1s\"]\n",
                "f.toml:10:27: frontier.poll_interval[1]: is poll's own 1s \
                 (transport.poll.interval), which its main entry measures; list other values",
            ),
            (
                "[frontier]\npoll_interval = [\"250ms\", \"250ms\"]\n",
                "f.toml:10:27: frontier.poll_interval[1]: lists 250ms twice",
            ),
            (
                "[frontier]\nlongpoll_timeout = [\"0s\"]\n",
                "f.toml:10:21: frontier.longpoll_timeout[0]: must be longer than 0s, like \"1s\" \
                 or \"250ms\"",
            ),
            (
                "[frontier]\npoll_interval = [\"30s\"]\n",
                "f.toml:10:18: frontier.poll_interval[0]: `poll` clients ask first at a random \
                 point of their first 30s, which is longer than the run (warmup 3s + duration \
                 10s = 13s): most would never ask; use at most 13s, or a longer run",
            ),
            (
                "[frontier]\npoll_interval = [\"100ms\"]\n[sweep]\nclients = [10]\n",
                "f.toml:9:2: frontier: cannot be combined with [sweep], which runs every \
                 transport at each of its points: to trace poll's frontier with a sweep, sweep \
                 poll_interval; else drop [sweep]",
            ),
        ] {
            assert_eq!(parse(extra).unwrap_err(), expected, "{extra}");
        }
    }
}
