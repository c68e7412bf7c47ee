//! Reading `/proc` files, with errors that name the file: a process that exited or a
//! kernel without a field must say which file let us down.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot parse {}: {detail}", path.display())]
    Parse { path: PathBuf, detail: String },
    #[error("cannot read the CPU clock of process {pid}: {error}")]
    Clock { pid: u32, error: std::io::Error },
}

/// The whole text of a `/proc` file.
pub fn read(path: impl AsRef<Path>) -> Result<String, ProcError> {
    let path = path.as_ref();
    std::fs::read_to_string(path).map_err(|error| ProcError::Read {
        path: path.to_owned(),
        error,
    })
}

/// `/proc/<pid>/<file>`.
pub fn pid_path(pid: u32, file: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{file}"))
}

/// The value after `key:` on the first line that starts with it, trimmed
/// (`/proc/<pid>/status`, `/proc/meminfo` and `/proc/cpuinfo` all use this shape).
pub fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name.trim_end() == key).then(|| value.trim())
    })
}

/// A `NNN kB` field in bytes.
pub fn kb_field(text: &str, key: &str) -> Option<u64> {
    let value = field(text, key)?;
    let kb = value.strip_suffix("kB").unwrap_or(value).trim();
    kb.parse::<u64>().ok()?.checked_mul(1024)
}

/// The parent pid in `/proc/<pid>/stat` text (field 4, counted past the command name,
/// which may hold spaces and parentheses).
pub fn parent_pid(stat: &str) -> Option<u32> {
    let close = stat.rfind(')')?;
    stat[close + 1..].split_whitespace().nth(1)?.parse().ok()
}

/// `root` and every process descended from it, now. A process that ends while /proc is
/// read is left out: it is gone.
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = read(pid_path(pid, "stat"))
                .ok()
                .as_deref()
                .and_then(parent_pid)
            {
                parents.push((pid, parent));
            }
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(pid, _)| *pid),
        );
        next += 1;
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_exact_key() {
        let text = "VmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nmodel name\t: Some CPU @ 2GHz\n";
        assert_eq!(field(text, "model name"), Some("Some CPU @ 2GHz"));
        assert_eq!(kb_field(text, "VmRSS"), Some(1024 * 1024));
        assert_eq!(kb_field(text, "VmHWM"), Some(2048 * 1024));
        assert_eq!(kb_field(text, "Vm"), None);
    }

    #[test]
    fn the_parent_is_read_past_a_name_with_parentheses() {
        assert_eq!(
            parent_pid("4242 (my (weird) proc) S 17 4242 4242 0"),
            Some(17)
        );
        assert_eq!(parent_pid("4242 (x)"), None);
    }

    #[test]
    fn a_process_tree_holds_its_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let tree = process_tree(std::process::id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(tree[0], std::process::id());
        assert!(tree.contains(&child.id()), "{tree:?}");
    }

    #[test]
    fn read_errors_name_the_file() {
        let err = read("/proc/definitely/not/here").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /proc/definitely/not/here: "),
            "{err}"
        );
    }
}
