//! The four ways of pushing real-time data that wsbench compares.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Short polling: `GET /poll?since=S` on a fixed schedule.
    Poll,
    /// Long polling (Comet): `GET /longpoll?since=S`, held until an event exists.
    Longpoll,
    /// Server-Sent Events: one `text/event-stream` response per client.
    Sse,
    /// WebSocket: one text message per event.
    Ws,
}

impl Transport {
    pub const ALL: [Transport; 4] = [Self::Poll, Self::Longpoll, Self::Sse, Self::Ws];

    pub fn name(self) -> &'static str {
        match self {
            Self::Poll => "poll",
            Self::Longpoll => "longpoll",
            Self::Sse => "sse",
            Self::Ws => "ws",
        }
    }

    /// Position in `ALL`, for per-transport counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn accepted_names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown transport `{s}`; accepted: {}",
                    Self::accepted_names()
                )
            })
    }
}
