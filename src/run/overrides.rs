//! Which scenario values the command line changed, kept in results: the scenario file's
//! description was written for the file's values, and a report must not pass it off as
//! the run's.

use std::collections::BTreeMap;

use serde_json::Value;

use super::RunOptions;
use crate::units::format_duration;

impl RunOptions {
    /// The overriding flags given, by flag name, each value as a scenario file writes it:
    /// `{"clients": 5, "duration": "1s", "transports": ["ws"]}`.
    pub fn overrides(&self) -> BTreeMap<String, Value> {
        let transports = self.transports.as_ref().map(|list| {
            let names: Vec<&str> = list.iter().map(|t| t.name()).collect();
            Value::from(names)
        });
        [
            ("duration", self.duration.map(|d| format_duration(d).into())),
            ("warmup", self.warmup.map(|d| format_duration(d).into())),
            ("clients", self.clients.map(Value::from)),
            ("transports", transports),
            ("seed", self.seed.map(Value::from)),
        ]
        .into_iter()
        .filter_map(|(flag, value)| Some((flag.to_string(), value?)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::transport::Transport;

    #[test]
    fn only_the_flags_given_are_recorded() {
        assert!(RunOptions::default().overrides().is_empty());
        let options = RunOptions {
            clients: Some(5),
            duration: Some(Duration::from_millis(1500)),
            transports: Some(vec![Transport::Ws, Transport::Sse]),
            quiet: true,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(options.overrides()).unwrap(),
            serde_json::json!({"clients": 5, "duration": "1s500ms", "transports": ["ws", "sse"]})
        );
    }
}
