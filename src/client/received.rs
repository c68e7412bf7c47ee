//! When an event's bytes were in hand, by two clocks: the kernel's receive stamp of the
//! read that brought them (where the transport ends) and the application's instant once
//! they were decoded (where the load generator got round to them). The gap between the
//! two is the generator's own delay, which is not the transport's.

use crate::metrics::receive_stamp::ReceiveStamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The kernel's receive stamp, ns since the epoch; `None` when it gave none.
    pub kernel_ns: Option<u64>,
    /// The application's instant, ns since the epoch.
    pub app_ns: u64,
}

impl Received {
    /// Now by the application's clock, with the kernel's stamp of the socket's latest read:
    /// call it as soon as a message is decoded (see `ReceiveStamp` for why that is the
    /// stamp of the read that completed it).
    pub fn now(stamp: &ReceiveStamp) -> Self {
        Self {
            kernel_ns: stamp.get(),
            app_ns: super::now_ns(),
        }
    }

    /// The instant latency is measured to: the kernel's stamp when there is one.
    pub fn instant_ns(&self) -> u64 {
        self.kernel_ns.unwrap_or(self.app_ns)
    }

    /// `(headline, application, generator delay)` latencies of an event published at
    /// `ts_ns`, µs; the delay is `None` without a kernel stamp.
    pub fn latencies_us(&self, ts_ns: u64) -> (u64, u64, Option<u64>) {
        let us = |from: u64, to: u64| to.saturating_sub(from) / 1_000;
        (
            us(ts_ns, self.instant_ns()),
            us(ts_ns, self.app_ns),
            self.kernel_ns.map(|kernel| us(kernel, self.app_ns)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_stamp_earlier_than_the_application_splits_the_latency() {
        let received = Received {
            kernel_ns: Some(1_300_000),
            app_ns: 1_800_000,
        };
        assert_eq!(received.instant_ns(), 1_300_000);
        assert_eq!(received.latencies_us(1_000_000), (300, 800, Some(500)));
    }

    #[test]
    fn without_a_kernel_stamp_the_application_instant_is_the_headline() {
        let received = Received {
            kernel_ns: None,
            app_ns: 1_800_000,
        };
        assert_eq!(received.instant_ns(), 1_800_000);
        assert_eq!(received.latencies_us(1_000_000), (800, 800, None));
        // An event stamped before its publish instant (clocks stepped) counts as 0, not a wrap.
        assert_eq!(received.latencies_us(2_000_000), (0, 0, None));
    }
}
