//! `GET /poll?since=S` answers at once with what is newer than S.

use http::Response;

use crate::server::response::{self, Body};
use crate::server::{Call, bad_request, since_param};

pub fn handle(call: &Call) -> Response<Body> {
    match since_param(&call.req) {
        Ok(since) => response::events(call.hub.since(since).not_sent_by(call.skip_from), since),
        Err(reason) => bad_request(reason),
    }
}
