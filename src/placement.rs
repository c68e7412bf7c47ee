//! CPU placement: the server and the load generator on disjoint sets of CPUs, so that on a
//! small machine they stop competing for the same cores and each one's CPU figure is its
//! own. Lists are written as `taskset` and `/proc` write them: `0`, `0,2-3`.

use std::io;

use serde::{Deserialize, Serialize};

/// Which CPUs the server child and the load generator may run on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub server: Vec<usize>,
    pub clients: Vec<usize>,
}

/// `server on CPUs 0, load generator on CPUs 1-3`.
impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "server on CPUs {}, load generator on CPUs {}",
            format_cpu_list(&self.server),
            format_cpu_list(&self.clients)
        )
    }
}

impl Placement {
    /// `server=0,clients=1-3`, as `--cpus` takes it.
    pub fn parse_flag(text: &str) -> Result<Self, String> {
        let (mut server, mut clients) = (String::new(), String::new());
        let mut current: Option<&mut String> = None;
        for part in text.split(',') {
            let part = match part.split_once('=') {
                Some(("server", list)) => {
                    current = Some(&mut server);
                    list
                }
                Some(("clients", list)) => {
                    current = Some(&mut clients);
                    list
                }
                Some((other, _)) => {
                    return Err(format!(
                        "unknown side `{other}`; write server=LIST,clients=LIST"
                    ));
                }
                None => part,
            };
            let Some(list) = current.as_deref_mut() else {
                return Err(format!(
                    "`{text}`: write server=LIST,clients=LIST, like server=0,clients=1"
                ));
            };
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str(part);
        }
        Ok(Self {
            server: parse_cpu_list(&server).map_err(|e| format!("server: {e}"))?,
            clients: parse_cpu_list(&clients).map_err(|e| format!("clients: {e}"))?,
        })
    }

    /// Both sets usable here and apart; the error names the side at fault.
    pub fn check(&self, available: &[usize]) -> Result<(), (&'static str, String)> {
        for (side, cpus) in [("server", &self.server), ("clients", &self.clients)] {
            if let Some(cpu) = cpus.iter().find(|cpu| !available.contains(cpu)) {
                return Err((
                    side,
                    format!(
                        "CPU {cpu} is not available here (available: {})",
                        format_cpu_list(available)
                    ),
                ));
            }
        }
        if let Some(cpu) = self.server.iter().find(|cpu| self.clients.contains(cpu)) {
            return Err((
                "clients",
                format!(
                    "CPU {cpu} is in both sets: the server and the load generator must not share a CPU"
                ),
            ));
        }
        Ok(())
    }
}

/// `0,2-3` → `[0, 2, 3]`: sorted, without repeats, never empty.
pub fn parse_cpu_list(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |s: &str| {
            let cpu = s.parse::<usize>().map_err(|_| {
                format!("`{text}` is not a CPU list; write it like \"0\" or \"0,2-3\"")
            })?;
            match cpu < libc::CPU_SETSIZE as usize {
                true => Ok(cpu),
                false => Err(format!(
                    "CPU {cpu} is beyond the CPUs a CPU set holds (0-{})",
                    libc::CPU_SETSIZE - 1
                )),
            }
        };
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (number(first)?, number(last)?);
                if first > last {
                    return Err(format!("`{part}` runs backwards"));
                }
                cpus.extend(first..=last);
            }
            None => cpus.push(number(part)?),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// `[0, 2, 3]` → `0,2-3`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            cpus[i].to_string()
        } else {
            format!("{}-{}", cpus[i], cpus[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

/// The CPUs this process may run on.
pub fn available_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: a zeroed cpu_set_t is an empty set; the kernel fills it in.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: the size given is the set's own.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: reading bits of an initialised set.
    Ok((0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

/// A kernel CPU set, built before a fork so that the child only has to apply it.
pub fn cpu_set(cpus: &[usize]) -> libc::cpu_set_t {
    // SAFETY: a zeroed cpu_set_t is an empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: CPU_SET bounds-checks against CPU_SETSIZE.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    set
}

/// Pins the calling thread (and the threads it starts afterwards) to `set`. Async-signal
/// safe: one system call, usable between fork and exec.
pub fn pin_current_thread(set: &libc::cpu_set_t) -> io::Result<()> {
    // SAFETY: the size given is the set's own.
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_read_and_write_as_taskset_does() {
        assert_eq!(parse_cpu_list("0,2-3"), Ok(vec![0, 2, 3]));
        assert_eq!(parse_cpu_list("3, 1,1"), Ok(vec![1, 3]));
        assert!(parse_cpu_list("3-1").unwrap_err().contains("backwards"));
        assert!(parse_cpu_list("").is_err());
        assert!(parse_cpu_list("a").is_err());
        assert_eq!(
            parse_cpu_list("0-18446744073709551615"),
            Err("CPU 18446744073709551615 is beyond the CPUs a CPU set holds (0-1023)".into())
        );
        assert_eq!(format_cpu_list(&[0, 2, 3, 4, 7]), "0,2-4,7");
    }

    #[test]
    fn the_flag_names_both_sides() {
        assert_eq!(
            Placement::parse_flag("server=0,2,clients=1,3-4"),
            Ok(Placement {
                server: vec![0, 2],
                clients: vec![1, 3, 4]
            })
        );
        assert!(Placement::parse_flag("0,clients=1").is_err());
        assert!(Placement::parse_flag("server=0,gpu=1").is_err());
        assert!(
            Placement::parse_flag("server=0")
                .unwrap_err()
                .starts_with("clients:")
        );
    }

    #[test]
    fn sets_must_be_available_and_apart() {
        let placement = |server: Vec<usize>, clients: Vec<usize>| Placement { server, clients };
        assert_eq!(placement(vec![0], vec![1]).check(&[0, 1]), Ok(()));
        assert_eq!(
            placement(vec![0], vec![0, 1]).check(&[0, 1]).unwrap_err().0,
            "clients"
        );
        assert_eq!(
            placement(vec![5], vec![1]).check(&[0, 1]).unwrap_err().0,
            "server"
        );
    }
}
