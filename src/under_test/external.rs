//! A server already running, that we did not start (`wsbench run --target URL`): reached at
//! its URL, named and framed by a dialect, its process read from /proc only when the user
//! names it (`--target-pid`). It has no control plane: the window is the events' own `ts`,
//! nothing stops its publisher, and what it published is its `/stats` window if it serves
//! the wsbench one, else not measured (loss is then judged by seq gaps:
//! `figures/seq_gaps.rs`).
//! A target whose dialect names a publish path (a pub/sub server: Nchan) publishes nothing
//! by itself: wsbench publishes the feed through it (`relay.rs`), and then knows, marks and
//! stops its window exactly as the matched server's.

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use super::relay::Relay;
use super::{Target, TargetError, matched};
use crate::dialect::{DIALECTS, Dialect};
use crate::metrics::probe::Probes;
use crate::results::{PublishedSource, TargetRecord, TransportResult};
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::wire::StatsReply;

/// How often a named target process is looked for while it is measured.
const ALIVE_EVERY: Duration = Duration::from_millis(250);

/// A `--target` as given on the command line, checked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TargetSpecError {
    #[error("--target {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("--dialect {name}: no such dialect; known: {known}")]
    Dialect { name: String, known: String },
    #[error("--target-pid {pid}: no such process (/proc/{pid} does not exist)")]
    Pid { pid: u32 },
}

/// Where and how to reach a target.
#[derive(Clone)]
pub struct TargetSpec {
    /// The URL as given, for messages and results.
    pub url: String,
    pub addr: SocketAddr,
    pub dialect: &'static dyn Dialect,
    pub pid: Option<u32>,
}

impl std::fmt::Debug for TargetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetSpec")
            .field("url", &self.url)
            .field("addr", &self.addr)
            .field("dialect", &self.dialect.name())
            .field("pid", &self.pid)
            .finish()
    }
}

impl TargetSpec {
    /// `http://HOST[:PORT][/]`; the dialect by name (`wsbench` when absent).
    pub fn parse(
        url: &str,
        dialect: Option<&str>,
        pid: Option<u32>,
    ) -> Result<Self, TargetSpecError> {
        let bad = |reason: &str| TargetSpecError::Url {
            url: url.into(),
            reason: reason.into(),
        };
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            bad("expected http://HOST:PORT (plain HTTP; ws:// URLs come from the dialect)")
        })?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return Err(bad(
                "expected the server's base, http://HOST:PORT, without a path",
            ));
        }
        let with_port = match authority.rsplit_once(':') {
            Some((_, port)) if !port.contains(']') => authority.to_string(),
            _ => format!("{authority}:80"),
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| bad(&format!("cannot resolve the host: {e}")))?
            .next()
            .ok_or_else(|| bad("the host has no address"))?;
        let name = dialect.unwrap_or("wsbench");
        let dialect = DIALECTS
            .iter()
            .copied()
            .find(|d| d.name() == name)
            .ok_or_else(|| TargetSpecError::Dialect {
                name: name.into(),
                known: DIALECTS
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if let Some(pid) = pid
            && !proc_exists(pid)
        {
            return Err(TargetSpecError::Pid { pid });
        }
        Ok(Self {
            url: url.into(),
            addr,
            dialect,
            pid,
        })
    }

    pub fn record(&self) -> TargetRecord {
        TargetRecord {
            url: self.url.clone(),
            dialect: self.dialect.name().into(),
            pid: self.pid,
            launched: None,
        }
    }
}

/// What a server we did not write did wrong under a transport, if its clients saw it: it
/// cut them off or refused them mid-run, or sent nothing of the window (an `echo`: echoed
/// nothing sent in it).
pub(super) fn failure(result: &TransportResult, echo: bool) -> Option<String> {
    let errors = &result.errors;
    Some(if errors.disconnect > 0 {
        format!(
            "closed {} connections mid-run (the clients reconnected)",
            errors.disconnect
        )
    } else if errors.connect > 0 {
        format!("refused {} connections mid-run", errors.connect)
    } else if result.events.delivered == 0 && echo {
        "echoed no message sent in the measurement window".to_string()
    } else if result.events.delivered == 0 {
        "sent no event published in the measurement window".to_string()
    } else {
        return None;
    })
}

fn proc_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

pub struct External {
    spec: TargetSpec,
    /// An echo feed: the preflight sends a message and waits for its echo.
    echo: bool,
    /// wsbench publishing the feed through the target, for a dialect with a publish path.
    relay: Option<Relay>,
}

impl External {
    /// The relay's failure, if it failed: the run fails with it.
    fn publish_failed(&self) -> Result<(), TargetError> {
        match self.relay.as_ref().and_then(Relay::failure) {
            Some(what) => Err(self.failed("publish", what)),
            None => Ok(()),
        }
    }

    fn failed(&self, transport: impl ToString, what: String) -> TargetError {
        TargetError::Target {
            url: self.spec.url.clone(),
            transport: transport.to_string(),
            what,
        }
    }
}

impl Target for External {
    type Launch = TargetSpec;

    /// Nothing to start: it is running, or the preflight (`check`) says it is not. A
    /// target wsbench publishes through gets the feed from here on.
    async fn start(spec: &TargetSpec, scenario: &Scenario) -> Result<Self, TargetError> {
        let mut target = Self {
            spec: spec.clone(),
            echo: scenario.feed.echoes(),
            relay: None,
        };
        if let Some(path) = spec.dialect.publish_path() {
            let relay = Relay::start(spec.addr, path, scenario)
                .await
                .map_err(|what| target.failed("publish", what))?;
            target.relay = Some(relay);
        }
        Ok(target)
    }

    fn addr(&self) -> SocketAddr {
        self.spec.addr
    }

    fn dialect(&self) -> &'static dyn Dialect {
        self.spec.dialect
    }

    fn probes(&self) -> Probes {
        Probes::target(self.spec.pid)
    }

    fn external(&self) -> bool {
        true
    }

    fn window_counted_by(&self) -> PublishedSource {
        match self.relay {
            Some(_) => PublishedSource::WsbenchPublisher,
            None => PublishedSource::TargetStats,
        }
    }

    async fn check(&self, transport: Transport) -> Result<(), TargetError> {
        let path = self.spec.dialect.path(transport).ok_or_else(|| {
            self.failed(
                transport,
                format!(
                    "the {} dialect has no such transport",
                    self.spec.dialect.name()
                ),
            )
        })?;
        let first_event = super::preflight::first_event(
            self.spec.addr,
            path,
            self.spec.dialect,
            transport,
            self.echo,
        );
        // No event comes while wsbench cannot publish: that failure is the cause to tell.
        let publish_failed = async {
            match &self.relay {
                Some(relay) => relay.failed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            checked = first_event => checked.map_err(|what| self.failed(transport, what)),
            what = publish_failed => Err(self.failed("publish", what)),
        }
    }

    /// The window is the events' `ts`: nothing to mark on the target; the relay's own
    /// count is marked.
    async fn mark_window_start(&self, at_ns: u64) -> Result<(), TargetError> {
        match &self.relay {
            Some(relay) => relay
                .mark_window_start(at_ns)
                .map_err(|what| self.failed("publish", what)),
            None => Ok(()),
        }
    }

    /// Its own publisher is not ours to stop: events after the window are simply not
    /// counted. The relay stops.
    async fn stop_publishing(&self) -> Result<(), TargetError> {
        if let Some(relay) = &self.relay {
            relay.stop_publishing();
        }
        self.publish_failed()
    }

    /// What the relay published, when wsbench publishes; else its wsbench `/stats` window,
    /// if it serves one; an empty reply (no window: not measured) for anything else it
    /// answers. Only an unreachable target or a failed relay is an error.
    async fn stats(&self, from_ns: u64, to_ns: u64) -> Result<StatsReply, TargetError> {
        if let Some(relay) = &self.relay {
            self.publish_failed()?;
            return Ok(StatsReply {
                window: Some(relay.window(from_ns, to_ns)),
                ..StatsReply::default()
            });
        }
        let target = format!("/stats?from_ns={from_ns}&to_ns={to_ns}");
        let (status, body) = matched::request(self.spec.addr, "GET", &target)
            .await
            .map_err(|e| self.failed("stats", e.to_string()))?;
        let reply: StatsReply = match status {
            200 => serde_json::from_str(&body).unwrap_or_default(),
            _ => return Ok(StatsReply::default()),
        };
        if reply.group.is_none() {
            return Ok(reply);
        }
        // A wsbench server of several processes: read as one.
        super::group::stats(self.spec.addr, &target)
            .await
            .map(|(_, reply)| reply)
            .map_err(|e| self.failed("stats", e.to_string()))
    }

    async fn final_state(
        &self,
        key_field: Option<&str>,
    ) -> Result<HashMap<String, u64>, TargetError> {
        matched::read_final_state(self.spec.addr, self.spec.dialect, key_field).await
    }

    /// A named process that exits is a death; without one the run cannot see its life.
    async fn died(&self, transport: &str) -> TargetError {
        let Some(pid) = self.spec.pid else {
            return std::future::pending().await;
        };
        while proc_exists(pid) {
            tokio::time::sleep(ALIVE_EVERY).await;
        }
        self.failed(
            transport,
            format!("its process (pid {pid}) exited while it was measured"),
        )
    }

    /// A target that cut its clients off or refused them mid-run measured its failures, not
    /// the transport: the run fails with what happened, keeping what was measured before.
    fn judge(&self, result: &TransportResult) -> Result<(), TargetError> {
        self.publish_failed()?;
        match failure(result, self.echo) {
            Some(what) => Err(self.failed(result.transport, what)),
            None => Ok(()),
        }
    }

    async fn stop(self) {
        if let Some(relay) = self.relay {
            relay.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(url: &str, dialect: Option<&str>, pid: Option<u32>) -> String {
        TargetSpec::parse(url, dialect, pid)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_base_url_resolves_with_its_port_or_80() {
        let spec = TargetSpec::parse("http://127.0.0.1:9000/", None, None).unwrap();
        assert_eq!(spec.addr, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(
            (spec.dialect.name(), spec.pid, spec.url.as_str()),
            ("wsbench", None, "http://127.0.0.1:9000/")
        );
        let own = std::process::id();
        let spec = TargetSpec::parse("http://127.0.0.1", Some("wsbench"), Some(own)).unwrap();
        assert_eq!((spec.addr.port(), spec.pid), (80, Some(own)));
        assert_eq!(
            spec.record(),
            TargetRecord {
                url: "http://127.0.0.1".into(),
                dialect: "wsbench".into(),
                pid: Some(own),
                launched: None
            }
        );
    }

    #[test]
    fn bad_input_names_the_flag_and_what_is_accepted() {
        assert_eq!(
            error("ws://127.0.0.1:9000", None, None),
            "--target ws://127.0.0.1:9000: expected http://HOST:PORT (plain HTTP; ws:// URLs \
             come from the dialect)"
        );
        assert_eq!(
            error("http://127.0.0.1:9000/app", None, None),
            "--target http://127.0.0.1:9000/app: expected the server's base, http://HOST:PORT, \
             without a path"
        );
        assert_eq!(
            error("http://127.0.0.1:9000", Some("nats"), None),
            "--dialect nats: no such dialect; known: wsbench, pywebsocket3, nchan, websocketd"
        );
        // Above the kernel's pid_max limit (2^22), so never a live process.
        assert_eq!(
            error("http://127.0.0.1:9000", None, Some(4_194_305)),
            "--target-pid 4194305: no such process (/proc/4194305 does not exist)"
        );
    }
}
