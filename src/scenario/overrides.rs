//! Command-line overrides. They are applied to the file as written and validated with it,
//! so that a flag's mistake is refused with the file's own message, naming the flag.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::raw::{RawClients, RawCpus, RawScenario, RawServer};
use crate::placement::format_cpu_list;
use crate::transport_kind::Transport;
use crate::units::{Count, HumanDuration, format_duration};

/// Values given on the command line; `None` keeps the file's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overrides {
    #[serde(
        with = "crate::units::optional_duration_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
    #[serde(
        with = "crate::units::optional_duration_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub warmup: Option<Duration>,
    #[serde(
        with = "crate::units::optional_duration_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub ramp: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<crate::placement::Placement>,
}

/// Which scenario key a flag sets, and the flag as the user typed it.
pub struct FlagKey {
    pub key: &'static str,
    pub flag: String,
}

impl Overrides {
    /// The overrides given, by flag name, each value as a scenario file writes it, for
    /// results: `{"clients": 5, "duration": "1s", "transports": [...]}`. The file's
    /// description was written for the file's values, and a report must not pass it off as
    /// the run's.
    pub fn by_flag(&self) -> BTreeMap<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    }

    /// The keys these overrides set, each with its flag.
    pub fn flag_keys(&self) -> Vec<FlagKey> {
        let mut keys = Vec::new();
        let mut add = |key, flag: &str, value: Option<String>| {
            if let Some(value) = value {
                keys.push(FlagKey {
                    key,
                    flag: format!("{flag} {value}"),
                });
            }
        };
        add("duration", "--duration", self.duration.map(format_duration));
        add("warmup", "--warmup", self.warmup.map(format_duration));
        add("clients.ramp", "--ramp", self.ramp.map(format_duration));
        add(
            "clients.count",
            "--clients",
            self.clients.map(|c| c.to_string()),
        );
        add(
            "transports",
            "--transports",
            self.transports
                .as_ref()
                .map(|ts| ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(",")),
        );
        add("seed", "--seed", self.seed.map(|s| s.to_string()));
        add("feed.rate", "--rate", self.rate.map(|r| r.to_string()));
        add(
            "server.max_connections",
            "--max-connections",
            self.max_connections.map(|c| c.to_string()),
        );
        add(
            "server.processes",
            "--processes",
            self.processes.map(|c| c.to_string()),
        );
        add(
            "cpus",
            "--cpus",
            self.cpus.as_ref().map(|p| {
                format!(
                    "server={},clients={}",
                    format_cpu_list(&p.server),
                    format_cpu_list(&p.clients)
                )
            }),
        );
        keys
    }

    /// The flag that set `key` (or a key inside it), if one did.
    pub fn flag_for(&self, key: &str) -> Option<String> {
        self.flag_keys()
            .into_iter()
            .find(|f| key == f.key || key.starts_with(&format!("{}.", f.key)))
            .map(|f| f.flag)
    }

    pub(super) fn apply(&self, raw: &mut RawScenario) {
        if let Some(duration) = self.duration {
            raw.duration = Some(HumanDuration(duration));
        }
        if let Some(warmup) = self.warmup {
            raw.warmup = Some(HumanDuration(warmup));
        }
        if let Some(count) = self.clients {
            raw.clients.get_or_insert_with(RawClients::default).count = Some(Count(count.into()));
        }
        if let Some(ramp) = self.ramp {
            raw.clients.get_or_insert_with(RawClients::default).ramp = Some(HumanDuration(ramp));
        }
        if let Some(transports) = &self.transports {
            raw.transports = Some(transports.clone());
        }
        if let Some(seed) = self.seed {
            raw.seed = Some(seed);
        }
        if let Some(rate) = self.rate
            && let Some(feed) = raw.feed.as_mut()
        {
            feed.insert("rate".into(), toml::Value::Float(rate));
        }
        if let Some(placement) = &self.cpus {
            let list = |cpus: &[usize]| Some(toml::Value::String(format_cpu_list(cpus)));
            raw.cpus = Some(RawCpus {
                server: list(&placement.server),
                clients: list(&placement.clients),
            });
        }
        if let Some(max) = self.max_connections {
            raw.server
                .get_or_insert_with(RawServer::default)
                .max_connections = Some(Count(max.into()));
        }
        if let Some(processes) = self.processes {
            raw.server.get_or_insert_with(RawServer::default).processes =
                Some(Count(processes.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_flags_given_are_recorded() {
        assert!(Overrides::default().by_flag().is_empty());
        let overrides = Overrides {
            clients: Some(5),
            duration: Some(Duration::from_millis(1500)),
            transports: Some(
                ["ws", "sse"]
                    .iter()
                    .filter_map(|t| Transport::named(t))
                    .collect(),
            ),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(overrides.by_flag()).unwrap(),
            serde_json::json!({"clients": 5, "duration": "1s500ms", "transports": ["ws", "sse"]})
        );
    }
}
