//! The scenario file as written, before validation. Every table refuses unknown keys.

use serde::Deserialize;

use crate::transport_kind::{RawTransports, Transport};
use crate::units::{Count, HumanDuration};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration: Option<HumanDuration>,
    pub warmup: Option<HumanDuration>,
    pub drain: Option<HumanDuration>,
    pub drain_limit: Option<HumanDuration>,
    pub schedule_margin: Option<HumanDuration>,
    pub seed: Option<u64>,
    pub reference: Option<String>,
    pub transports: Option<Vec<Transport>>,
    /// Kept as a table: each feed kind reads and checks its own parameters.
    pub feed: Option<toml::Table>,
    pub clients: Option<RawClients>,
    pub transport: Option<RawTransports>,
    pub server: Option<RawServer>,
    pub sweep: Option<RawSweep>,
    pub frontier: Option<super::frontier::RawFrontier>,
    pub cpus: Option<RawCpus>,
    #[serde(rename = "assert", default)]
    pub asserts: Vec<RawAssert>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClients {
    pub count: Option<Count>,
    pub ramp: Option<HumanDuration>,
    pub headers: Option<String>,
    pub cookie_bytes: Option<Count>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub max_connections: Option<Count>,
    pub max_lag: Option<Count>,
    pub history: Option<Count>,
    pub window_log: Option<Count>,
    pub stall_timeout: Option<HumanDuration>,
    pub coalesce: Option<HumanDuration>,
    pub processes: Option<Count>,
    pub head_timeout: Option<HumanDuration>,
    pub body_timeout: Option<HumanDuration>,
    pub topic_idle: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    pub clients: Option<Vec<Count>>,
    pub rate: Option<Vec<f64>>,
    pub poll_interval: Option<Vec<HumanDuration>>,
    pub coalesce: Option<Vec<HumanDuration>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssert {
    pub metric: String,
    pub transport: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub relative_to: Option<String>,
    pub min_ratio: Option<f64>,
    pub max_ratio: Option<f64>,
}

/// `[cpus]`: CPU lists as strings (`"0,2-3"`) or single CPUs as numbers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCpus {
    pub server: Option<toml::Value>,
    pub clients: Option<toml::Value>,
}
