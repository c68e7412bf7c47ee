//! CPU over the window, the server's and the load generator's apart, per delivered event
//! and as a share of a core. Nothing delivered leaves nothing to divide by.

use super::gaps::{Gaps, NOTHING_DELIVERED};
use crate::metrics::cpu::CpuSample;
use crate::metrics::machine_cpu::MachineCpu;
use crate::metrics::probe::{Answer, ProbeError};
use crate::results::Cpu;

pub fn figures(
    server: Answer<CpuSample>,
    client: Answer<CpuSample>,
    machine: Answer<MachineCpu>,
    delivered: u64,
    window_s: f64,
    gaps: &mut Gaps,
) -> Cpu {
    // Nothing delivered leaves nothing to divide by: not measured, never 0 (the cheapest).
    let per_event = |s: Answer<f64>| {
        s.and_then(|s| match delivered {
            0 => Err(ProbeError::Absent(NOTHING_DELIVERED.into())),
            n => Ok(s * 1e6 / n as f64),
        })
    };
    let cores = |s: f64| if window_s > 0.0 { s / window_s } else { 0.0 };
    let server_s = server.clone().map(|c| c.total_s());
    let client_s = client.clone().map(|c| c.total_s());
    let others_s = machine.and_then(|m| {
        let ours = server_s.clone()? + client_s.clone()?;
        Ok((m.busy_s + m.steal_s - ours).max(0.0))
    });
    Cpu {
        server_s: gaps.figure("cpu.server_s", server_s.clone()),
        server_user_s: gaps.figure("cpu.server_user_s", server.clone().map(|c| c.user_s)),
        server_system_s: gaps.figure("cpu.server_system_s", server.map(|c| c.system_s)),
        client_s: gaps.figure("cpu.client_s", client_s.clone()),
        client_user_s: gaps.figure("cpu.client_user_s", client.clone().map(|c| c.user_s)),
        client_system_s: gaps.figure("cpu.client_system_s", client.map(|c| c.system_s)),
        server_us_per_event: gaps.figure("cpu.server_us_per_event", per_event(server_s.clone())),
        client_us_per_event: gaps.figure("cpu.client_us_per_event", per_event(client_s.clone())),
        client_cores: gaps.figure("cpu.client_cores", client_s.map(cores)),
        server_cores: gaps.figure("cpu.server_cores", server_s.map(cores)),
        others_cores: gaps.figure("cpu.others_cores", others_s.map(cores)),
        // Set from the server's writes and the clients' bytes, which CPU does not see.
        events_per_write: None,
        // Set by the run against its calibration, which one transport's figures lack.
        floor_us_per_event: None,
        floor_multiple: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_delivered_leaves_cpu_per_delivery_not_measured_never_zero() {
        let second = || {
            Ok(CpuSample {
                total_ns: 1_000_000_000,
                user_s: 0.5,
                system_s: 0.5,
            })
        };
        let mut gaps = Gaps::default();
        let machine = || {
            Ok(MachineCpu {
                busy_s: 2.5,
                steal_s: 0.5,
            })
        };
        let cpu = figures(second(), second(), machine(), 0, 2.0, &mut gaps);
        assert_eq!((cpu.server_s, cpu.client_cores), (Some(1.0), Some(0.5)));
        assert_eq!(
            (cpu.server_us_per_event, cpu.client_us_per_event),
            (None, None)
        );
        assert_eq!(
            gaps.0.get("cpu.server_us_per_event").map(String::as_str),
            Some(NOTHING_DELIVERED)
        );
        let mut gaps = Gaps::default();
        let cpu = figures(second(), second(), machine(), 4, 2.0, &mut gaps);
        assert_eq!(cpu.client_us_per_event, Some(250_000.0));
        // 3 s of the machine's over 2 s, less our 2 s: half a core of other work.
        assert_eq!(cpu.others_cores, Some(0.5));
        assert!(gaps.0.is_empty());
        let absent = Err(ProbeError::Failed("cannot read /proc/stat".into()));
        let cpu = figures(second(), second(), absent, 4, 2.0, &mut gaps);
        assert_eq!(cpu.others_cores, None);
        assert_eq!(gaps.0["cpu.others_cores"], "cannot read /proc/stat");
    }
}
