//! Transport settings: each transport names the keys of its own `[transport.<name>]` table;
//! the scenario holds the values by transport. Results show them flat, as
//! `<transport>_<key>` (`poll_interval`), the names they have always had there.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Transport;
pub use super::value::Value;
use super::value::ValueSeed;

/// One key of a transport's table: a value of its default's kind (a duration longer than
/// 0s, or 0s too where `accepts_zero`; a flag; a whole number).
pub struct Setting {
    pub key: &'static str,
    pub default: Value,
    /// A duration key that takes 0s as a meaning of its own (poll's closed loop).
    pub accepts_zero: bool,
    /// What the transport accepts beyond the kind; `Err` says it.
    pub check: fn(Value) -> Result<(), String>,
}

impl Setting {
    /// Accepts any value of the kind.
    pub fn any(_: Value) -> Result<(), String> {
        Ok(())
    }
}

/// One transport's settings, every key filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings(Vec<(&'static str, Value)>);

impl Settings {
    pub fn value(&self, setting: &Setting) -> Value {
        self.0
            .iter()
            .find(|(key, _)| *key == setting.key)
            .map_or(setting.default, |(_, value)| *value)
    }

    /// A duration setting's value (its default when the setting is of another kind).
    pub fn get(&self, setting: &Setting) -> Duration {
        match (self.value(setting), setting.default) {
            (Value::Duration(d), _) | (_, Value::Duration(d)) => d,
            _ => Duration::ZERO,
        }
    }

    /// A flag setting's value.
    pub fn flag(&self, setting: &Setting) -> bool {
        matches!(self.value(setting), Value::Flag(true))
    }

    /// A number setting's value.
    pub fn number(&self, setting: &Setting) -> i64 {
        match self.value(setting) {
            Value::Number(n) => n,
            _ => 0,
        }
    }

    /// Sets `key` to `value` of its kind; false when there is no such key of that kind.
    fn set(&mut self, key: &str, value: Value) -> bool {
        let slot = self
            .0
            .iter_mut()
            .find(|(k, v)| *k == key && v.same_kind(value));
        slot.map(|(_, v)| *v = value).is_some()
    }
}

/// Every transport's settings, by transport.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportSettings(Vec<Settings>);

impl Default for TransportSettings {
    fn default() -> Self {
        Self(
            Transport::all()
                .iter()
                .map(|t| {
                    Settings(
                        t.kind()
                            .settings()
                            .iter()
                            .map(|s| (s.key, s.default))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

impl TransportSettings {
    pub fn of(&self, transport: Transport) -> &Settings {
        &self.0[transport.index()]
    }

    pub fn set(&mut self, transport: Transport, key: &str, value: Value) -> bool {
        self.0[transport.index()].set(key, value)
    }

    /// A value by its flat name (`poll_interval`), as results show it.
    pub fn get_flat(&self, name: &str) -> Option<Duration> {
        match self.flat().find(|(flat, _)| flat == name)?.1 {
            Value::Duration(d) => Some(d),
            _ => None,
        }
    }

    /// Sets a duration by its flat name; false when no transport has it.
    pub fn set_flat(&mut self, name: &str, value: Duration) -> bool {
        self.set_flat_value(name, Value::Duration(value))
    }

    fn set_flat_value(&mut self, name: &str, value: Value) -> bool {
        Transport::all().iter().any(|&t| {
            let key = name
                .strip_prefix(t.name())
                .and_then(|k| k.strip_prefix('_'));
            key.is_some_and(|key| self.set(t, key, value))
        })
    }

    fn flat(&self) -> impl Iterator<Item = (String, Value)> + '_ {
        Transport::all().iter().flat_map(move |&t| {
            let values = &self.of(t).0;
            values
                .iter()
                .map(move |(key, v)| (format!("{t}_{key}"), *v))
        })
    }
}

impl Serialize for TransportSettings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in self.flat() {
            map.serialize_entry(&name, &value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TransportSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let flat = std::collections::BTreeMap::<String, Value>::deserialize(deserializer)?;
        let mut settings = Self::default();
        for (name, value) in flat {
            if !settings.set_flat_value(&name, value) {
                return Err(de::Error::custom(format!(
                    "unknown transport setting `{name}`"
                )));
            }
        }
        Ok(settings)
    }
}

/// The `[transport]` table as written: for each transport table given, its keys as given.
/// Each table refuses unknown keys, naming the accepted ones.
#[derive(Debug, Default)]
pub struct RawTransports(Vec<(Transport, Vec<(&'static str, Value)>)>);

impl RawTransports {
    pub fn get(&self, transport: Transport, setting: &Setting) -> Option<Value> {
        let (_, values) = self.0.iter().find(|(t, _)| *t == transport)?;
        values
            .iter()
            .find(|(k, _)| *k == setting.key)
            .map(|(_, v)| *v)
    }
}

impl<'de> Deserialize<'de> for RawTransports {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TablesVisitor)
    }
}

struct TablesVisitor;

impl<'de> Visitor<'de> for TablesVisitor {
    type Value = RawTransports;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table per transport, like [transport.poll]")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTransports, A::Error> {
        let mut tables = Vec::new();
        // The name is read as a key so that a mistake points at the key, as serde's do.
        while let Some(transport) = map.next_key_seed(NameVisitor("unknown field"))? {
            tables.push((transport, map.next_value_seed(TableSeed(transport))?));
        }
        Ok(RawTransports(tables))
    }
}

/// Reads a transport's name; `.0` says how serde words an unknown one.
pub(super) struct NameVisitor(pub &'static str);

impl Visitor<'_> for NameVisitor {
    type Value = Transport;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a transport: {}", Transport::accepted_names())
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Transport, E> {
        Transport::named(name).ok_or_else(|| match self.0 {
            "unknown field" => E::unknown_field(name, Transport::names()),
            _ => E::unknown_variant(name, Transport::names()),
        })
    }
}

impl<'de> DeserializeSeed<'de> for NameVisitor {
    type Value = Transport;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Transport, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// Reads one transport's table.
struct TableSeed(Transport);

impl<'de> DeserializeSeed<'de> for TableSeed {
    type Value = Vec<(&'static str, Value)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed {
    type Value = Vec<(&'static str, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a table of {} settings", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            let setting = self.0.kind().settings().iter().find(|s| s.key == key);
            let kind = setting.map_or(Value::Duration(Duration::ZERO), |s| s.default);
            values.push((key, map.next_value_seed(ValueSeed(kind))?));
        }
        Ok(values)
    }
}

/// Reads a setting's key, refusing one the transport does not have.
struct KeySeed(Transport);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a key of [transport.{}]", self.0)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<&'static str, E> {
        let keys = keys_of(self.0);
        keys.iter()
            .find(|k| **k == key)
            .copied()
            .ok_or_else(|| E::unknown_field(key, keys))
    }
}

/// A transport's keys (static, for serde's "expected one of" messages).
fn keys_of(transport: Transport) -> &'static [&'static str] {
    static KEYS: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        Transport::all()
            .iter()
            .map(|t| t.kind().settings().iter().map(|s| s.key).collect())
            .collect()
    });
    &keys[transport.index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_show_flat_in_results_and_read_back() {
        let mut settings = TransportSettings::default();
        assert!(settings.set_flat("poll_interval", Duration::from_millis(500)));
        assert!(!settings.set_flat("poll_timeout", Duration::from_secs(1)));
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"poll_interval":"500ms","longpoll_timeout":"30s","sse_keepalive":"15s","ws_keepalive":"15s","#,
                r#""ws-deflate_keepalive":"15s","ws-deflate_server_no_context_takeover":false,"#,
                r#""ws-deflate_client_no_context_takeover":false,"ws-deflate_server_max_window_bits":15,"#,
                r#""ws-deflate_client_max_window_bits":15}"#
            )
        );
        let back: TransportSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, settings);
        assert_eq!(
            back.get_flat("longpoll_timeout"),
            Some(Duration::from_secs(30))
        );
    }
}
