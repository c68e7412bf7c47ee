//! A scenario file (TOML) turned into a validated description of one benchmark.

mod error;
mod frontier;
mod locate;
mod overrides;
mod raw;
mod runnable;
pub mod shipped;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::client::HeaderProfile;
pub use crate::issue::Issue;
pub use crate::server::{
    DEADLINE_MAX, DEFAULT_DEADLINE, ServerSettings, WINDOW_LOG_DEFAULT_RANGE,
    WINDOW_LOG_DEFAULT_SPAN,
};
pub use error::ScenarioError;
pub use frontier::{FrontierPoint, flat_name as frontier_setting_name};
pub use overrides::Overrides;

use crate::feed::FeedSpec;
use crate::transport_kind::{Transport, TransportSettings};
use crate::units::duration_text;

/// A validated benchmark description. Every field has its default filled in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    #[serde(with = "duration_text")]
    pub duration: Duration,
    #[serde(with = "duration_text")]
    pub warmup: Duration,
    /// Time after the window for in-flight events; `None` means "derived from the transports".
    #[serde(
        with = "crate::units::optional_duration_text",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub drain: Option<Duration>,
    /// The longest the drain waits for the clients to read what the server wrote to them,
    /// beyond `drain`; what is still unread then is reported as `unread_at_stop`.
    #[serde(with = "duration_text", default = "default_drain_limit")]
    pub drain_limit: Duration,
    /// A run on a schedule (`--window-start`, shards): the time kept free between one
    /// entry's drain and the next entry's ramp, to stop its clients and read the target.
    #[serde(with = "duration_text", default = "default_schedule_margin")]
    pub schedule_margin: Duration,
    pub seed: u64,
    /// Published figures the report prints beside ours (`lubbers-greco`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reference: Option<String>,
    pub transports: Vec<Transport>,
    pub feed: FeedSpec,
    pub clients: Clients,
    /// Each transport's `[transport.<name>]` settings.
    pub transport: TransportSettings,
    pub server: ServerSettings,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<Sweep>,
    /// `[frontier]`: more values of a transport's frontier setting, each measured as one
    /// more entry of that transport alone (`frontier_points`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub frontier: Vec<FrontierPoint>,
    /// CPU placement of the server child and the load generator (`[cpus]`, `--cpus`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cpus: Option<crate::placement::Placement>,
    #[serde(rename = "assert", skip_serializing_if = "Vec::is_empty", default)]
    pub asserts: Vec<AssertSpec>,
    /// Where a program the feed runs (`kind = "command"`) writes its stderr: set by `wsbench
    /// run` for each server it starts, to a file in the results directory; never read from a
    /// scenario file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub feed_stderr: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clients {
    pub count: u64,
    #[serde(with = "duration_text")]
    pub ramp: Duration,
    pub headers: HeaderProfile,
    /// Size of the session cookie the `browser` profile sends.
    pub cookie_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sweep {
    pub parameter: SweepParameter,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepParameter {
    Clients,
    Rate,
    /// Poll interval, values in seconds.
    PollInterval,
    /// `server.coalesce`, values in milliseconds (0: off).
    Coalesce,
}

impl SweepParameter {
    /// The name in scenario files and results: `clients`, `rate`, `poll_interval`,
    /// `coalesce`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clients => "clients",
            Self::Rate => "rate",
            Self::PollInterval => "poll_interval",
            Self::Coalesce => "coalesce",
        }
    }

    /// Whether going from `from` to `to` asks more of the load generator: more clients, a
    /// higher rate, or polling more often.
    pub fn raises_load(self, from: f64, to: f64) -> bool {
        match self {
            Self::Clients | Self::Rate => to > from,
            Self::PollInterval => to < from,
            // Coalescing changes how the server writes, not how much the generator reads.
            Self::Coalesce => false,
        }
    }
}

/// An `[[assert]]` entry: a bound on a metric, or on its ratio to another transport's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssertSpec {
    /// A results.json path inside a transport entry, like `latency_us.p99`.
    pub metric: String,
    /// `None`: the bound applies to every transport of the run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transport: Option<Transport>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub relative_to: Option<Transport>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_ratio: Option<f64>,
}

/// Published studies whose figures a report can print beside the measured ones.
pub const REFERENCES: &[&str] = &["lubbers-greco"];

impl Scenario {
    /// The scenario at each sweep point (or once, without a sweep).
    pub fn sweep_points(&self) -> Vec<(Option<f64>, Scenario)> {
        let Some(sweep) = &self.sweep else {
            return vec![(None, self.clone())];
        };
        sweep
            .values
            .iter()
            .map(|&value| {
                let mut point = self.clone();
                match sweep.parameter {
                    SweepParameter::Clients => point.clients.count = value as u64,
                    SweepParameter::Rate => {
                        if let Ok(feed) = point.feed.with_rate(value) {
                            point.feed = feed;
                        }
                    }
                    SweepParameter::PollInterval => {
                        let interval = Duration::from_secs_f64(value);
                        point.transport.set_flat(sweep.parameter.name(), interval);
                    }
                    SweepParameter::Coalesce => {
                        point.server.coalesce = Duration::from_nanos((value * 1e6).round() as u64);
                    }
                }
                (Some(value), point)
            })
            .collect()
    }

    /// What the matched server needs of this scenario.
    pub fn serving(&self) -> crate::server::Serving<'_> {
        crate::server::Serving {
            feed: &self.feed,
            seed: self.seed,
            server: &self.server,
            transport: &self.transport,
            feed_stderr: self.feed_stderr.as_deref(),
        }
    }

    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        Self::load_with(path, &Overrides::default())
    }

    /// Loads a file, or a shipped scenario by name when no such file exists, with
    /// command-line overrides applied before validation.
    pub fn load_with(path: &Path, overrides: &Overrides) -> Result<Self, ScenarioError> {
        if !path.exists()
            && let Some(shipped) = shipped::named(path)
        {
            return Self::parse_with(shipped.text, &shipped.shown_path(), overrides);
        }
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError::Read {
            path: path.to_owned(),
            error,
        })?;
        Self::parse_with(&text, path, overrides)
    }

    /// Parses and validates scenario text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ScenarioError> {
        Self::parse_with(text, path, &Overrides::default())
    }

    fn parse_with(text: &str, path: &Path, overrides: &Overrides) -> Result<Self, ScenarioError> {
        // A scenario names transports: a library user that starts here has them installed.
        crate::transport::install();
        let mut raw: raw::RawScenario = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            let (line, column) = locate::line_column(text, offset);
            ScenarioError::Invalid {
                path: path.to_owned(),
                line,
                column,
                key: locate::key_at(text, offset),
                message: e.message().trim().to_string(),
            }
        })?;
        overrides.apply(&mut raw);
        validate::validate(raw).map_err(|issue| match overrides.flag_for(&issue.key) {
            Some(flag) => ScenarioError::Flag {
                flag,
                key: issue.key,
                message: issue.message,
            },
            None => {
                let (line, column) = locate::line_column(text, locate::offset_of(text, &issue.key));
                ScenarioError::Invalid {
                    path: path.to_owned(),
                    line,
                    column,
                    key: Some(issue.key),
                    message: issue.message,
                }
            }
        })
    }

    /// Settings that are valid but probably not meant: said before a run starts.
    pub fn warnings(&self) -> Vec<String> {
        const DAY: Duration = Duration::from_secs(24 * 3600);
        [
            ("duration", Some(self.duration)),
            ("warmup", Some(self.warmup)),
            ("clients.ramp", Some(self.clients.ramp)),
            ("drain", self.drain),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .filter(|(_, span)| *span > DAY)
        .map(|(key, span)| {
            format!(
                "{key} is {}, longer than a day: is that meant?",
                crate::units::format_duration(span)
            )
        })
        .collect()
    }

    /// Name used for result directories: the scenario's name, or the file stem.
    pub fn slug(&self) -> String {
        self.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// Drain after the window, at least: explicit, or what the transport needs for events
    /// in flight. It goes on until the clients have read all the server wrote, up to
    /// `drain_limit`.
    pub fn drain_period(&self, transport: Transport) -> Duration {
        self.drain
            .unwrap_or_else(|| transport.kind().drain(self.transport.of(transport)))
    }
}

/// The default `drain_limit`: long enough for a busy generator to catch up, short enough
/// that a saturated one is told so within seconds.
pub const DEFAULT_DRAIN_LIMIT: Duration = Duration::from_secs(10);

fn default_drain_limit() -> Duration {
    DEFAULT_DRAIN_LIMIT
}

/// The default `schedule_margin`: enough to stop a few thousand clients and read the
/// target on a machine that keeps up.
pub const DEFAULT_SCHEDULE_MARGIN: Duration = Duration::from_secs(3);

fn default_schedule_margin() -> Duration {
    DEFAULT_SCHEDULE_MARGIN
}

/// Finds a scenario given as a path, or as a bare name: `scenarios/NAME.toml` under the
/// current directory when there is one (a checkout, where it may have been edited), else
/// the shipped scenario of that name, built in (`load` reads it). An unknown name is
/// refused with the nearest shipped one.
pub fn resolve_path(path: &Path) -> Result<PathBuf, ScenarioError> {
    if path.exists() {
        return Ok(path.to_owned());
    }
    let under_scenarios = Path::new("scenarios").join(path);
    let candidates = [under_scenarios.with_extension("toml"), under_scenarios];
    if path.components().count() == 1
        && let Some(found) = candidates.iter().find(|c| c.is_file())
    {
        return Ok(found.clone());
    }
    match shipped::named(path) {
        Some(_) => Ok(path.to_owned()),
        None if path.components().count() > 1 || path.extension().is_some_and(|e| e != "toml") => {
            // A path that is not there: reading it says so, naming it.
            Ok(path.to_owned())
        }
        None => Err(ScenarioError::NotFound {
            name: path.display().to_string(),
            nearest: shipped::nearest(&path.display().to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `wsbench run` hands its server child the resolved scenario as JSON: nothing may be
    /// lost or changed on the way.
    #[test]
    fn every_shipped_scenario_survives_the_trip_to_the_server_child() {
        let mut seen = 0;
        for entry in std::fs::read_dir("scenarios").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let scenario = Scenario::load(&path).unwrap();
            let json = serde_json::to_value(&scenario).unwrap();
            let back: Scenario = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(
                serde_json::to_value(&back).unwrap(),
                json,
                "{}",
                path.display()
            );
            seen += 1;
        }
        assert!(seen >= 4, "found {seen} scenarios");
    }
}
