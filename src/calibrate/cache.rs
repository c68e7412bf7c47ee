//! Where a calibration is kept between runs, and when a kept one still holds: on the same
//! machine (host, CPU model, kernel, cores) and for `MAX_AGE`, after which the load and
//! the machine under it may well have changed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{CalibrateError, Calibration, DEFAULT_CONNECTIONS, Identity};

/// How long a cached calibration is used before a run measures a new one.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// What a run does about the floor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Policy {
    /// No calibration: floor multiples are `null` ("no calibration"). What tests and
    /// library callers get unless they ask.
    #[default]
    Off,
    /// Use the calibration cached at this path if it holds, else measure and cache one.
    Cache(PathBuf),
}

impl Policy {
    /// `WSBENCH_CALIBRATION`: `off`, or the cache file's path; unset, the default path.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var_os(name))
    }

    fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Self {
        match var("WSBENCH_CALIBRATION").filter(|v| !v.is_empty()) {
            Some(value) if value == "off" => Self::Off,
            Some(path) => Self::Cache(path.into()),
            None => default_path_from(&var).map_or(Self::Off, Self::Cache),
        }
    }
}

/// `$XDG_CACHE_HOME/wsbench/calibration.json`, else `~/.cache/wsbench/calibration.json`.
pub fn default_path() -> Option<PathBuf> {
    default_path_from(&|name| std::env::var_os(name))
}

fn default_path_from(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let non_empty = |name| var(name).filter(|v| !v.is_empty());
    let base = non_empty("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".cache")))?;
    Some(base.join("wsbench").join("calibration.json"))
}

pub fn read(path: &Path) -> Result<Calibration, CalibrateError> {
    let text = std::fs::read_to_string(path).map_err(|error| CalibrateError::Cache {
        path: path.to_owned(),
        error,
    })?;
    serde_json::from_str(&text).map_err(|error| CalibrateError::CacheFormat {
        path: path.to_owned(),
        error,
    })
}

/// Writes `calibration` to `path` whole or not at all (a run reading it at the same
/// moment sees the old file or the new one).
pub fn write(path: &Path, calibration: &Calibration) -> Result<(), CalibrateError> {
    let fail = |error| CalibrateError::Cache {
        path: path.to_owned(),
        error,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text =
        serde_json::to_string_pretty(calibration).map_err(|error| CalibrateError::CacheFormat {
            path: path.to_owned(),
            error,
        })? + "\n";
    crate::files::write(path, text.as_bytes()).map_err(|e| fail(e.error))
}

/// Whether a cached calibration holds for machine `here` at `now`; `Err` says why not.
pub fn usable(cached: &Calibration, here: &Identity, now: SystemTime) -> Result<(), String> {
    if &cached.machine != here {
        return Err(format!(
            "measured on another machine ({} with {} cores, kernel {})",
            cached.machine.hostname, cached.machine.cores, cached.machine.kernel
        ));
    }
    if cached.connections != DEFAULT_CONNECTIONS {
        return Err(format!(
            "measured over {} connections, not {DEFAULT_CONNECTIONS}",
            cached.connections
        ));
    }
    let date = humantime::parse_rfc3339(&cached.date)
        .map_err(|e| format!("its date `{}` is not RFC 3339: {e}", cached.date))?;
    match now.duration_since(date) {
        Ok(age) if age > MAX_AGE => Err(format!(
            "measured {} ago, more than {}",
            crate::units::format_duration(Duration::from_secs(age.as_secs())),
            crate::units::format_duration(MAX_AGE)
        )),
        Ok(_) => Ok(()),
        Err(_) => Err(format!("dated `{}`, in the future", cached.date)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::calibration;
    use super::*;

    fn at(date: &str) -> SystemTime {
        humantime::parse_rfc3339(date).unwrap()
    }

    #[test]
    fn a_cached_calibration_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("calibration.json");
        let written = calibration();
        write(&path, &written).unwrap();
        assert_eq!(read(&path).unwrap(), written);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["calibration.json"], "no staging file left");
        std::fs::write(&path, "{\"date\": 3}").unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.starts_with(&format!("calibration cache {}: ", path.display())));
    }

    #[test]
    fn only_this_machine_and_a_recent_date_make_it_usable() {
        let cached = calibration();
        let here = cached.machine.clone();
        let a_day_later = at("2025-01-03T03:04:05Z");
        assert_eq!(usable(&cached, &here, at("2025-01-02T04:00:00Z")), Ok(()));
        assert_eq!(usable(&cached, &here, a_day_later), Ok(()));
        assert_eq!(
            usable(&cached, &here, at("2025-01-03T03:04:06Z")),
            Err("measured 1day1s ago, more than 1day".into())
        );
        assert_eq!(
            usable(&cached, &here, at("2025-01-01T00:00:00Z")),
            Err("dated `2025-01-02T03:04:05Z`, in the future".into())
        );
        for other in [
            Identity {
                hostname: "elsewhere".into(),
                ..here.clone()
            },
            Identity {
                kernel: "6.9.0".into(),
                ..here.clone()
            },
            Identity {
                cores: 4,
                ..here.clone()
            },
            Identity {
                cpu_model: "Intel".into(),
                ..here.clone()
            },
        ] {
            let why = usable(&cached, &other, a_day_later).unwrap_err();
            assert!(
                why.starts_with("measured on another machine (bench with 2 cores"),
                "{why}"
            );
        }
        let fewer = Calibration {
            connections: 10,
            ..cached.clone()
        };
        assert_eq!(
            usable(&fewer, &here, a_day_later),
            Err("measured over 10 connections, not 1000".into())
        );
    }

    #[test]
    fn the_environment_names_the_cache_or_turns_it_off() {
        let from = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, OsString)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), OsString::from(v)))
                .collect();
            Policy::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        };
        let home = ("HOME", "/home/me");
        assert_eq!(from(&[("WSBENCH_CALIBRATION", "off"), home]), Policy::Off);
        assert_eq!(
            from(&[("WSBENCH_CALIBRATION", "/tmp/c.json"), home]),
            Policy::Cache("/tmp/c.json".into())
        );
        assert_eq!(
            from(&[("XDG_CACHE_HOME", "/xdg"), home]),
            Policy::Cache("/xdg/wsbench/calibration.json".into())
        );
        assert_eq!(
            from(&[("XDG_CACHE_HOME", ""), home, ("WSBENCH_CALIBRATION", "")]),
            Policy::Cache("/home/me/.cache/wsbench/calibration.json".into())
        );
        assert_eq!(from(&[]), Policy::Off, "nowhere to cache: off");
    }
}
