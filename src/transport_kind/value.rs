//! A transport setting's value: a duration (`"15s"`), a flag (`true`) or a whole number
//! (`15`). Scenario files and results write each as TOML and JSON write it natively.

use std::fmt;
use std::time::Duration;

use serde::de::{self, DeserializeSeed, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::units::{format_duration, parse_duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Duration(Duration),
    Flag(bool),
    /// Signed, so that a negative reaches the key's own range check and is refused in
    /// the words a value too small is.
    Number(i64),
}

impl Value {
    /// Whether `other` is of the same kind (a duration for a duration...).
    pub fn same_kind(self, other: Value) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }

    /// Why `self` is refused where a value of `expected`'s kind belongs, worded as serde
    /// words a type mismatch.
    pub fn mismatch(self, expected: Value) -> String {
        let found = match self {
            Self::Duration(d) => format!("duration `{}`", format_duration(d)),
            Self::Flag(flag) => format!("boolean `{flag}`"),
            Self::Number(n) => format!("integer `{n}`"),
        };
        let wanted = match expected {
            Self::Duration(_) => "a duration with a unit, like \"500ms\", \"30s\" or \"2m\"",
            Self::Flag(_) => "true or false",
            Self::Number(_) => "a whole number",
        };
        format!("invalid type: {found}, expected {wanted}")
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::Duration(d) => serializer.serialize_str(&format_duration(d)),
            Self::Flag(flag) => serializer.serialize_bool(flag),
            Self::Number(n) => serializer.serialize_i64(n),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl Visitor<'_> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration with a unit (like \"500ms\", \"30s\" or \"2m\"), true or false, or a whole number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        parse_duration(v).map(Value::Duration).map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Flag(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Number)
            .map_err(|_| E::custom(format!("`{v}` is too large for any setting")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
}

/// Reads a value of one kind (`.0`'s), as a scenario's key wants it: another kind is an
/// invalid type, worded by serde.
pub struct ValueSeed(pub Value);

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        let value = deserializer.deserialize_any(KindVisitor(self.0))?;
        if value.same_kind(self.0) {
            return Ok(value);
        }
        let unexpected = match value {
            Value::Flag(flag) => Unexpected::Bool(flag),
            Value::Number(n) => Unexpected::Signed(n),
            Value::Duration(_) => Unexpected::Other("a duration"),
        };
        Err(de::Error::invalid_type(unexpected, &KindVisitor(self.0)))
    }
}

/// `ValueVisitor`, expecting one kind: a string is a duration only where one is wanted.
struct KindVisitor(Value);

impl Visitor<'_> for KindVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self.0 {
            Value::Duration(_) => "a duration with a unit, like \"500ms\", \"30s\" or \"2m\"",
            Value::Flag(_) => "true or false",
            Value::Number(_) => "a whole number",
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        match self.0 {
            Value::Duration(_) => ValueVisitor.visit_str(v),
            _ => Err(E::invalid_type(Unexpected::Str(v), &self)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        ValueVisitor.visit_bool(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        ValueVisitor.visit_u64(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        ValueVisitor.visit_i64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_as_written() {
        for (json, value) in [
            ("\"250ms\"", Value::Duration(Duration::from_millis(250))),
            ("true", Value::Flag(true)),
            ("12", Value::Number(12)),
        ] {
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
            assert_eq!(serde_json::from_str::<Value>(json).unwrap(), value);
        }
        assert_eq!(
            serde_json::from_str::<Value>("-1").unwrap(),
            Value::Number(-1)
        );
        assert!(serde_json::from_str::<Value>("18446744073709551615").is_err());
        assert!(Value::Flag(false).same_kind(Value::Flag(true)));
        assert!(!Value::Flag(false).same_kind(Value::Number(0)));
    }
}
