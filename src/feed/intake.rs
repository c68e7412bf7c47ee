//! What a feed that publishes what its clients send (a chat room) does with each message:
//! check it, and publish it on its topic at once, in the task that received it. The
//! receiving, parsing and fan-out are then part of the server's measured cost, whether the
//! message came as a WebSocket message or a `POST /publish`.

use http::StatusCode;

use super::Hub;
use super::topics::TopicError;

pub trait Intake: Send + Sync + std::fmt::Debug {
    /// The most bytes one message may have.
    fn max_body(&self) -> usize;

    /// Checks one message and publishes it on its topic of `hub`.
    fn accept(&self, hub: &Hub, body: &[u8]) -> Result<Accepted, Refusal>;
}

/// A message published: its topic and the seq it got there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    pub topic: String,
    pub seq: u64,
}

/// Why a message was not published; each maps to the status `POST /publish` answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("the message has {size} bytes; at most {limit} are taken")]
    TooBig { size: usize, limit: usize },
    #[error("client {from} sends faster than {rate} messages/s (feed.max_send_rate)")]
    TooFast { from: u64, rate: f64 },
    #[error(transparent)]
    Topic(#[from] TopicError),
    #[error("publishing has stopped")]
    Stopped,
    #[error("this feed takes no messages from clients")]
    NotTaken,
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) | Self::Topic(TopicError::Malformed(_) | TopicError::NoTopics) => {
                StatusCode::BAD_REQUEST
            }
            Self::TooBig { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooFast { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Topic(TopicError::TooMany(_)) | Self::Stopped => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotTaken => StatusCode::NOT_FOUND,
        }
    }
}
