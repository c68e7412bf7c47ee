//! Where a run ran, for the results record: a figure means little without the machine.
//! Each part that cannot be read is left blank (its cores and memory `null`, with the
//! reason) rather than failing the run.

use std::collections::BTreeMap;

use super::procfs;
use crate::results::Machine;

pub fn machine() -> Machine {
    let read = |path: &str| procfs::read(path).unwrap_or_default();
    let mut not_measured = BTreeMap::new();
    let cores = std::thread::available_parallelism()
        .map_err(|e| not_measured.insert("cores".into(), format!("cannot count the CPUs: {e}")))
        .ok()
        .map(|n| n.get());
    let memory_bytes = memory_bytes(procfs::read("/proc/meminfo"))
        .map_err(|why| not_measured.insert("memory_bytes".into(), why))
        .ok();
    Machine {
        cores,
        kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
        cpu_model: parse_cpu_model(&read("/proc/cpuinfo")).unwrap_or_default(),
        memory_bytes,
        hostname: read("/proc/sys/kernel/hostname").trim().to_string(),
        boot_id: Some(read("/proc/sys/kernel/random/boot_id").trim().to_string())
            .filter(|id| !id.is_empty()),
        not_measured,
    }
}

/// The machine's memory from `/proc/meminfo` as read (the error names the file), or why
/// it is not known.
fn memory_bytes<E: std::fmt::Display>(meminfo: Result<String, E>) -> Result<u64, String> {
    let meminfo = meminfo.map_err(|e| e.to_string())?;
    parse_mem_total(&meminfo).ok_or_else(|| "/proc/meminfo has no MemTotal".into())
}

/// The first `model name` of `/proc/cpuinfo`; ARM kernels without one may name the
/// hardware instead.
pub fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Hardware"]
        .iter()
        .find_map(|key| procfs::field(cpuinfo, key))
        .filter(|model| !model.is_empty())
        .map(str::to_string)
}

/// `MemTotal` of `/proc/meminfo`, bytes.
pub fn parse_mem_total(meminfo: &str) -> Option<u64> {
    procfs::kb_field(meminfo, "MemTotal")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n\
                           model\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\n\
                           stepping\t: 4\n\nprocessor\t: 1\n\
                           model name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\n";
    const MEMINFO: &str = "MemTotal:       16318128 kB\nMemFree:         1234567 kB\n";

    #[test]
    fn parses_model_and_memory() {
        assert_eq!(
            parse_cpu_model(CPUINFO).as_deref(),
            Some("Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz")
        );
        assert_eq!(parse_mem_total(MEMINFO), Some(16_318_128 * 1024));
        assert_eq!(parse_cpu_model("processor\t: 0\n"), None);
    }

    #[test]
    fn this_machine_has_cores_and_a_kernel() {
        let m = machine();
        assert!(m.cores >= Some(1));
        assert!(!m.kernel.is_empty() && !m.kernel.contains('\n'));
        assert!(m.memory_bytes > Some(0));
        assert!(m.not_measured.is_empty(), "{:?}", m.not_measured);
    }

    #[test]
    fn memory_that_cannot_be_read_is_unknown_with_the_reason_never_zero() {
        let unreadable = procfs::read("/proc/no-such-file");
        assert_eq!(
            memory_bytes(unreadable),
            Err("cannot read /proc/no-such-file: No such file or directory (os error 2)".into())
        );
        assert_eq!(
            memory_bytes(Ok::<_, &str>("MemFree: 12 kB\n".into())),
            Err("/proc/meminfo has no MemTotal".into())
        );
        assert_eq!(
            memory_bytes(Ok::<_, &str>(MEMINFO.into())),
            Ok(16_318_128 * 1024)
        );
    }
}
