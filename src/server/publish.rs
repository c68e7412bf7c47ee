//! `POST /publish`: a client's message for a feed that publishes what clients send (a chat),
//! over HTTP; the WebSocket sends the same message on its socket instead. 202 with the
//! topic and seq it got, or the refusal's status: 400 for a bad body, 408 for one not all
//! there within `server.body_timeout`, 413 for one over the feed's limit, 429 for a client
//! past its send rate, 404 for a feed that takes none.

use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::response::{self, Body};
use super::router::App;
use crate::feed::Refusal;

pub async fn handle(app: &App, slot: usize, req: Request<Incoming>) -> Response<Body> {
    let response = answer(app, slot, req).await;
    let counters = &app.stats.slots[slot];
    match response.status() {
        StatusCode::ACCEPTED => counters.messages_published.fetch_add(1, Relaxed),
        _ => counters.messages_refused.fetch_add(1, Relaxed),
    };
    response
}

async fn answer(app: &App, slot: usize, req: Request<Incoming>) -> Response<Body> {
    let Some(intake) = &app.intake else {
        return refuse(&Refusal::NotTaken);
    };
    let body = match read_body(app, slot, req, intake.max_body()).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    match intake.accept(&app.hub, &body) {
        Ok(accepted) => match serde_json::to_string(&accepted) {
            Ok(text) => response::json(StatusCode::ACCEPTED, text + "\n"),
            Err(e) => response::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Err(refusal) => refuse(&refusal),
    }
}

/// The whole body, at most `limit` bytes, or the answer refusing it. The deadline bounds
/// the whole read, so that a body sent a byte at a time gets no longer than a silent one.
async fn read_body(
    app: &App,
    slot: usize,
    req: Request<Incoming>,
    limit: usize,
) -> Result<Bytes, Response<Body>> {
    // A declared length over the limit is refused before a byte of the body is read.
    if let Some(size) = declared_length(&req).filter(|&size| size > limit) {
        return Err(refuse(&Refusal::TooBig { size, limit }));
    }
    let reading = Limited::new(req.into_body(), limit).collect();
    match tokio::time::timeout(app.body_timeout, reading).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(refuse(&Refusal::TooBig {
            size: limit + 1,
            limit,
        })),
        Ok(Err(e)) => Err(response::error(
            StatusCode::BAD_REQUEST,
            &format!("cannot read the body: {e}"),
        )),
        Err(_elapsed) => {
            app.stats.slots[slot].body_timeouts.fetch_add(1, Relaxed);
            let mut late = response::error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within server.body_timeout ({})",
                    crate::units::format_duration(app.body_timeout)
                ),
            );
            // The rest of the body may still come: the connection cannot carry another request.
            late.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            Err(late)
        }
    }
}

fn declared_length(req: &Request<Incoming>) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn refuse(refusal: &Refusal) -> Response<Body> {
    response::error(refusal.status(), &refusal.to_string())
}
