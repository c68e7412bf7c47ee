//! `POST /publish`: a client's message for a feed that publishes what clients send (a chat),
//! over HTTP; the WebSocket sends the same message on its socket instead. 202 with the
//! topic and seq it got, or the refusal's status: 400 for a bad body, 413 for one over the
//! feed's limit, 429 for a client past its send rate, 404 for a feed that takes none.

use std::sync::atomic::Ordering::Relaxed;

use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::response::{self, Body};
use super::router::App;
use crate::feed::Refusal;

pub async fn handle(app: &App, slot: usize, req: Request<Incoming>) -> Response<Body> {
    let response = answer(app, req).await;
    let counters = &app.stats.slots[slot];
    match response.status() {
        StatusCode::ACCEPTED => counters.messages_published.fetch_add(1, Relaxed),
        _ => counters.messages_refused.fetch_add(1, Relaxed),
    };
    response
}

async fn answer(app: &App, req: Request<Incoming>) -> Response<Body> {
    let Some(intake) = &app.intake else {
        return refuse(&Refusal::NotTaken);
    };
    let limit = intake.max_body();
    // A declared length over the limit is refused before a byte of the body is read.
    if let Some(size) = declared_length(&req).filter(|&size| size > limit) {
        return refuse(&Refusal::TooBig { size, limit });
    }
    let body = match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(&Refusal::TooBig {
                size: limit + 1,
                limit,
            });
        }
        Err(e) => {
            return response::error(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {e}"),
            );
        }
    };
    match intake.accept(&app.hub, &body) {
        Ok(accepted) => match serde_json::to_string(&accepted) {
            Ok(text) => response::json(StatusCode::ACCEPTED, text + "\n"),
            Err(e) => response::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Err(refusal) => refuse(&refusal),
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
