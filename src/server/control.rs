//! The control plane (`POST /control/stop`, `POST /control/mark`): what only the run that
//! started the server may ask. Every request must carry that run's secret
//! (`Authorization: Bearer <token>`), compared in constant time, so that no other local
//! process, and no web page that found the port, can stop the feed or push out a window's
//! mark. Control answers carry no CORS header and a preflight for them is never granted.
//! What the plane took is logged for `/stats`, so that a run can tell its own requests from
//! anyone else's and fail an entry that was disturbed.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Mutex;

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde::{Deserialize, Serialize};

use super::response::{self, Body, query_u64};
use crate::feed::{Hub, wall_clock_ns};
use crate::wire::{
    CONTROL_AUTH_SCHEME, ControlStats, MARKS_REPORTED, MarkRecord, MarkReply, StopReply,
};

/// Random bytes in a token: 256 bits, written as 64 hex digits.
const TOKEN_BYTES: usize = 32;

/// Paths of the control plane, all under this prefix.
const PREFIX: &str = "/control/";

/// A run's secret for the control plane of the server it started.
#[derive(Clone, PartialEq, Eq)]
pub struct ControlToken(String);

/// Never printed by accident (a `{:?}` of a struct holding it).
impl std::fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlToken(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read random bytes for the control token from /dev/urandom: {0}")]
    Random(std::io::Error),
    #[error("a control token is {digits} hex digits, found {0} characters", digits = TOKEN_BYTES * 2)]
    Malformed(usize),
}

impl ControlToken {
    /// A fresh token from the kernel's random source.
    pub fn generate() -> Result<Self, TokenError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut bytes))
            .map_err(TokenError::Random)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A token handed over by the process that made it.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let well_formed =
            text.len() == TOKEN_BYTES * 2 && text.bytes().all(|b| b.is_ascii_hexdigit());
        match well_formed {
            true => Ok(Self(text.to_ascii_lowercase())),
            false => Err(TokenError::Malformed(text.chars().count())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value a request presents it with.
    pub fn header_value(&self) -> String {
        format!("{CONTROL_AUTH_SCHEME} {}", self.0)
    }

    /// Whether `presented` is this token. Every byte is compared whatever the first
    /// difference, so that the time taken says nothing of how much of a guess was right.
    fn matches(&self, presented: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        if presented.len() != expected.len() {
            return false;
        }
        let difference = expected
            .iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

/// What `wsbench serve --resolved` reads on its stdin: the scenario as data, and the
/// control token when the control plane is served.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handover<S> {
    pub scenario: S,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_token: Option<String>,
}

/// The control plane of one server: its token and what it took.
pub struct Control {
    token: ControlToken,
    log: Mutex<ControlLog>,
}

#[derive(Default)]
struct ControlLog {
    stopped_at_ns: Option<u64>,
    marks: VecDeque<MarkRecord>,
    marks_total: u64,
    refused: u64,
}

impl Control {
    pub fn new(token: ControlToken) -> Self {
        Self {
            token,
            log: Mutex::new(ControlLog::default()),
        }
    }

    /// What `/stats` says of the control plane.
    pub fn stats(&self) -> ControlStats {
        let log = self.log();
        ControlStats {
            stopped_at_ns: log.stopped_at_ns,
            marks: log.marks.iter().copied().collect(),
            marks_total: log.marks_total,
            refused: log.refused,
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, ControlLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Why `req` may not use the control plane, as the answer to send; `None` when it
    /// presents the token.
    fn refusal<B>(&self, req: &Request<B>) -> Option<Response<Body>> {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|value| value.as_bytes())
            .map(|value| {
                value
                    .strip_prefix(CONTROL_AUTH_SCHEME.as_bytes())
                    .and_then(|rest| rest.strip_prefix(b" "))
            });
        let refusal = match presented {
            Some(Some(token)) if self.token.matches(token) => return None,
            None => unauthorized(),
            Some(_) => response::error(
                StatusCode::FORBIDDEN,
                "the control token is wrong: only the run that started this server may use \
                 /control/*",
            ),
        };
        self.log().refused += 1;
        Some(refusal)
    }
}

/// Whether `path` is the control plane's, whose answers never carry CORS headers.
pub fn is_control_path(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// A request to `/control/*` on a server that serves the control plane.
pub fn handle<B>(hub: &Hub, control: &Control, req: &Request<B>) -> Response<Body> {
    if let Some(refusal) = control.refusal(req) {
        return refusal;
    }
    let path = req.uri().path();
    match (req.method(), &path[PREFIX.len()..]) {
        (&Method::POST, "stop") => {
            let last_seq = hub.stop();
            control
                .log()
                .stopped_at_ns
                .get_or_insert_with(wall_clock_ns);
            response::reply(&StopReply { last_seq })
        }
        (&Method::POST, "mark") => mark(hub, control, req.uri().query()),
        (method, "stop" | "mark") => response::error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{method} {path} is not served; use POST"),
        ),
        _ => response::error(
            StatusCode::NOT_FOUND,
            &format!(
                "no such path `{path}`; the control plane serves POST /control/stop and POST /control/mark"
            ),
        ),
    }
}

/// `POST /control/mark?at_ns=A`: a window starts at A; its count stays exact however long
/// it lasts.
fn mark(hub: &Hub, control: &Control, query: Option<&str>) -> Response<Body> {
    let at_ns = match query_u64(query, "at_ns") {
        Ok(Some(at_ns)) => at_ns,
        Ok(None) => return response::error(StatusCode::BAD_REQUEST, "`at_ns` is required"),
        Err(e) => return response::error(StatusCode::BAD_REQUEST, &e),
    };
    let mut log = control.log();
    if log.marks.len() == MARKS_REPORTED {
        log.marks.pop_front();
    }
    log.marks.push_back(MarkRecord {
        at_ns,
        received_ns: wall_clock_ns(),
    });
    log.marks_total += 1;
    drop(log);
    match hub.mark_window_start(at_ns) {
        Ok(()) => response::reply(&MarkReply { at_ns }),
        Err(too_old) => response::error(StatusCode::GONE, &too_old.to_string()),
    }
}

fn unauthorized() -> Response<Body> {
    let mut answer = response::error(
        StatusCode::UNAUTHORIZED,
        "the control plane needs the run's token: Authorization: Bearer <token>",
    );
    answer.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"wsbench control\""),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(authorization: Option<&str>) -> Request<()> {
        let mut req = Request::builder().method(Method::POST).uri("/control/stop");
        if let Some(value) = authorization {
            req = req.header(header::AUTHORIZATION, value);
        }
        req.body(()).unwrap()
    }

    #[test]
    fn tokens_are_fresh_well_formed_and_only_the_exact_one_matches() {
        let token = ControlToken::generate().unwrap();
        assert_ne!(token, ControlToken::generate().unwrap());
        assert_eq!(ControlToken::parse(token.as_str()).unwrap(), token);
        assert!(token.matches(token.as_str().as_bytes()));
        let mut near = token.as_str().as_bytes().to_vec();
        near[63] = if near[63] == b'0' { b'1' } else { b'0' };
        assert!(!token.matches(&near));
        assert!(!token.matches(&token.as_str().as_bytes()[..63]));
        assert!(!token.matches(b""));
        assert!(ControlToken::parse("abc").is_err());
        assert!(ControlToken::parse(&"g".repeat(64)).is_err());
        assert_eq!(format!("{token:?}"), "ControlToken(..)");
    }

    #[test]
    fn a_request_without_the_token_is_refused_and_counted() {
        let token = ControlToken::generate().unwrap();
        let control = Control::new(token.clone());
        let status = |auth: Option<&str>| control.refusal(&request(auth)).map(|r| r.status());
        assert_eq!(status(None), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(status(Some("Bearer 00")), Some(StatusCode::FORBIDDEN));
        let bare = token.as_str().to_string();
        assert_eq!(status(Some(&bare)), Some(StatusCode::FORBIDDEN));
        assert_eq!(status(Some(&token.header_value())), None);
        assert_eq!(control.stats().refused, 3);
        let unauthorized = control.refusal(&request(None)).unwrap();
        assert_eq!(
            unauthorized.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"wsbench control\""
        );
    }
}
