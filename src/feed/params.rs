//! Typed access to a `[feed]` table that remembers which keys a feed kind read,
//! so that any other key is reported as unknown with the accepted list.

use crate::issue::Issue;

pub struct FeedParams<'a> {
    table: &'a toml::Table,
    accepted: Vec<&'static str>,
}

impl<'a> FeedParams<'a> {
    pub fn new(table: &'a toml::Table) -> Self {
        Self {
            table,
            accepted: vec!["kind"],
        }
    }

    fn key(name: &str) -> String {
        format!("feed.{name}")
    }

    /// A number (TOML float or integer), `None` when the key is absent; `what` names the
    /// number expected, for the error.
    fn number(&mut self, name: &'static str, what: &str) -> Result<Option<f64>, Issue> {
        self.accepted.push(name);
        match self.table.get(name) {
            None => Ok(None),
            Some(toml::Value::Float(f)) => Ok(Some(*f)),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(other) => Err(Issue::new(
                Self::key(name),
                format!("expected {what}, found {}", other.type_str()),
            )),
        }
    }

    /// A rate in events per second the publisher can keep.
    pub fn rate(&mut self, name: &'static str, default: f64) -> Result<f64, Issue> {
        let value = self
            .number(name, "a number of events per second")?
            .unwrap_or(default);
        match super::rate_problem(value) {
            Some(problem) => Err(Issue::new(Self::key(name), problem)),
            None => Ok(value),
        }
    }

    /// A whole number of `unit` in `min..=max`; accepts `"10k"`. The unit may say what
    /// each one costs (`"users (a topic each ...)"`): the refusal shows it with the range.
    pub fn count(
        &mut self,
        name: &'static str,
        default: u64,
        (min, max): (u64, u64),
        unit: &str,
    ) -> Result<u64, Issue> {
        let range = |found: &str| {
            let show = |n: u64| crate::units::thousands(n);
            format!(
                "must be {} to {} {unit}, found {found}",
                show(min),
                show(max)
            )
        };
        self.accepted.push(name);
        let value = match self.table.get(name) {
            None => return Ok(default),
            Some(toml::Value::Integer(i)) if *i >= 0 => *i as u64,
            Some(toml::Value::Integer(i)) => {
                return Err(Issue::new(Self::key(name), range(&i.to_string())));
            }
            Some(toml::Value::String(s)) => {
                crate::units::parse_count(s).map_err(|e| Issue::new(Self::key(name), e))?
            }
            Some(other) => {
                return Err(Issue::new(
                    Self::key(name),
                    format!("expected a whole number, found {}", other.type_str()),
                ));
            }
        };
        if !(min..=max).contains(&value) {
            let found = crate::units::thousands(value);
            return Err(Issue::new(Self::key(name), range(&found)));
        }
        Ok(value)
    }

    /// A duration with a unit (`"500ms"`, `"5s"`) in `min..=max`.
    pub fn duration(
        &mut self,
        name: &'static str,
        default: std::time::Duration,
        (min, max): (std::time::Duration, std::time::Duration),
    ) -> Result<std::time::Duration, Issue> {
        self.accepted.push(name);
        let value = match self.table.get(name) {
            None => return Ok(default),
            Some(toml::Value::String(s)) => {
                crate::units::parse_duration(s).map_err(|e| Issue::new(Self::key(name), e))?
            }
            Some(other) => {
                return Err(Issue::new(
                    Self::key(name),
                    format!(
                        "expected a duration with a unit, like \"500ms\" or \"5s\", found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        if !(min..=max).contains(&value) {
            let show = crate::units::format_duration;
            return Err(Issue::new(
                Self::key(name),
                format!(
                    "must be {} to {}, found {}",
                    show(min),
                    show(max),
                    show(value)
                ),
            ));
        }
        Ok(value)
    }

    /// A share of a whole, a number from 0 to 1 (`0.05`: one in twenty).
    pub fn fraction(&mut self, name: &'static str, default: f64) -> Result<f64, Issue> {
        let value = self
            .number(name, "a number from 0 to 1, like 0.05")?
            .unwrap_or(default);
        if !(0.0..=1.0).contains(&value) {
            return Err(Issue::new(
                Self::key(name),
                format!("must be a share from 0 to 1, like 0.05, found {value}"),
            ));
        }
        Ok(value)
    }

    /// A yes or no (`true` / `false`).
    pub fn flag(&mut self, name: &'static str, default: bool) -> Result<bool, Issue> {
        self.accepted.push(name);
        match self.table.get(name) {
            None => Ok(default),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(other) => Err(Issue::new(
                Self::key(name),
                format!("expected true or false, found {}", other.type_str()),
            )),
        }
    }

    /// An optional rate (`None` when the key is absent), checked like `rate`.
    pub fn optional_rate(&mut self, name: &'static str) -> Result<Option<f64>, Issue> {
        match self.table.contains_key(name) {
            true => self.rate(name, 0.0).map(Some),
            false => {
                self.accepted.push(name);
                Ok(None)
            }
        }
    }

    /// A required, non-empty list of non-empty strings (a program and its arguments).
    pub fn words(&mut self, name: &'static str, what: &str) -> Result<Vec<String>, Issue> {
        self.accepted.push(name);
        let items = match self.table.get(name) {
            Some(toml::Value::Array(items)) if !items.is_empty() => items,
            Some(toml::Value::Array(_)) => {
                return Err(Issue::new(
                    Self::key(name),
                    format!("must not be empty: give {what}"),
                ));
            }
            Some(other) => {
                return Err(Issue::new(
                    Self::key(name),
                    format!(
                        "expected an array of strings ({what}), found {}",
                        other.type_str()
                    ),
                ));
            }
            None => {
                return Err(Issue::new(Self::key(name), format!("is required: {what}")));
            }
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                toml::Value::String(s) if !s.is_empty() => Ok(s.clone()),
                toml::Value::String(_) => Err(Issue::new(
                    format!("{}[{i}]", Self::key(name)),
                    "must not be an empty string",
                )),
                other => Err(Issue::new(
                    format!("{}[{i}]", Self::key(name)),
                    format!("expected a string, found {}", other.type_str()),
                )),
            })
            .collect()
    }

    /// Fails on any key the kind did not read.
    pub fn finish(self, kind: &str) -> Result<(), Issue> {
        match self
            .table
            .keys()
            .find(|k| !self.accepted.contains(&k.as_str()))
        {
            None => Ok(()),
            Some(unknown) => Err(Issue::new(
                Self::key(unknown),
                format!(
                    "unknown key for feed kind `{kind}`; accepted: {}",
                    self.accepted.join(", ")
                ),
            )),
        }
    }
}
