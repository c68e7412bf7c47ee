//! The scenarios that ship with wsbench, built into the binary: `wsbench run ticker` works
//! from any directory. A file wins: a path, or `scenarios/NAME.toml` under the current
//! directory (a checkout, where one may have edited it), before the built-in one.

use std::path::{Path, PathBuf};

/// One shipped scenario: its name (its file's stem) and its text.
pub struct Shipped {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$(Shipped {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, ".toml")),
        }),*]
    };
}

/// Every scenario under `scenarios/`, by name (a test checks none is missing).
pub const SHIPPED: &[Shipped] = shipped![
    "ticker",
    "tickets",
    "chat",
    "notifications",
    "command",
    "echo",
    "deflate",
    "coalesce",
    "ci",
    "lubbers",
    "lubbers-100k",
];

impl Shipped {
    /// The scenario's `description`, its one line in `wsbench scenarios`.
    pub fn description(&self) -> String {
        toml::from_str::<toml::Table>(self.text)
            .ok()
            .and_then(|table| table.get("description")?.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// How messages name it: where it came from.
    pub fn shown_path(&self) -> PathBuf {
        PathBuf::from(format!("scenarios/{}.toml (built in)", self.name))
    }
}

/// The shipped scenario a bare name means (`ticker`, `ticker.toml`, `scenarios/ticker.toml`),
/// if one does.
pub fn named(given: &Path) -> Option<&'static Shipped> {
    let text = given.to_str()?;
    let name = text.strip_prefix("scenarios/").unwrap_or(text);
    let name = name.strip_suffix(".toml").unwrap_or(name);
    SHIPPED.iter().find(|s| s.name == name)
}

/// The shipped name closest to `given`, when it is close enough to be a slip of the
/// fingers (at most a third of its letters, and two, away).
pub fn nearest(given: &str) -> Option<&'static str> {
    let stem = given.trim_end_matches(".toml");
    let stem = stem.rsplit('/').next().unwrap_or(stem);
    SHIPPED
        .iter()
        .map(|s| (edit_distance(stem, s.name), s.name))
        .filter(|(d, name)| *d <= 2.min(name.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Every shipped name, for a message.
pub fn names() -> String {
    SHIPPED
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_under_scenarios_is_built_in_and_valid() {
        let mut on_disk: Vec<String> = std::fs::read_dir("scenarios")
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem()?.to_str().map(String::from))?
            })
            .collect();
        on_disk.sort();
        let mut built_in: Vec<&str> = SHIPPED.iter().map(|s| s.name).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in);
        for shipped in SHIPPED {
            let scenario = crate::scenario::Scenario::parse(shipped.text, &shipped.shown_path());
            assert!(scenario.is_ok(), "{}: {:?}", shipped.name, scenario.err());
            assert!(!shipped.description().is_empty(), "{}", shipped.name);
        }
    }

    #[test]
    fn bare_names_find_them_and_slips_find_the_nearest() {
        for given in ["ticker", "ticker.toml", "scenarios/ticker.toml"] {
            assert_eq!(named(Path::new(given)).map(|s| s.name), Some("ticker"));
        }
        assert!(named(Path::new("/tmp/ticker.toml")).is_none());
        assert_eq!(nearest("tickr"), Some("ticker"));
        assert_eq!(nearest("tikets"), Some("tickets"));
        assert_eq!(nearest("lubbers-100"), Some("lubbers-100k"));
        assert_eq!(nearest("zzz"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
