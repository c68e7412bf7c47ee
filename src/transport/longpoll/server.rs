//! `GET /longpoll?since=S&timeout_ms=T` answers as soon as an event newer than S exists,
//! or with 204 after T (`default` without `timeout_ms`).

use std::time::Duration;

use http::{Response, StatusCode};

use super::MAX_TIMEOUT;
use crate::feed::Since;
use crate::server::response::{self, Body, query_u64};
use crate::server::{Call, bad_request, since_param};

pub async fn handle(call: Call, default: Duration) -> Response<Body> {
    let Call {
        app,
        hub,
        req,
        skip_from,
        ..
    } = call;
    let since = match since_param(&req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    let longest = MAX_TIMEOUT.as_millis() as u64;
    let timeout = match query_u64(req.uri().query(), "timeout_ms") {
        Ok(None) => default,
        Ok(Some(ms)) if ms <= longest => Duration::from_millis(ms),
        Ok(Some(ms)) => {
            return response::error(
                StatusCode::BAD_REQUEST,
                &format!("timeout_ms={ms} is too long; at most {longest}"),
            );
        }
        Err(e) => return response::error(StatusCode::BAD_REQUEST, &e),
    };
    let deadline = tokio::time::Instant::now() + timeout;
    // Watch first, then look: an event published in between still wakes us.
    let mut latest = hub.watch();
    let mut shutdown = app.shutdown.clone();
    loop {
        latest.borrow_and_update();
        // A member's own messages wake it but are not its answer: it waits on for others'.
        match hub.since(since).not_sent_by(skip_from) {
            Since::Nothing => {}
            answer => return response::events(answer, since),
        }
        tokio::select! {
            changed = latest.changed() => if changed.is_err() { return response::no_content() },
            _ = tokio::time::sleep_until(deadline) => return response::no_content(),
            _ = shutdown.changed() => return response::no_content(),
        }
    }
}
