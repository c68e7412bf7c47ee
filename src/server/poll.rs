//! Short polling: `GET /poll?since=S` answers at once with what is newer than S.

use http::{Request, Response};
use hyper::body::Incoming;

use super::response::{self, Body};
use super::router::{App, bad_request, since_param};

pub fn handle(app: &App, req: &Request<Incoming>) -> Response<Body> {
    match since_param(req) {
        Ok(since) => response::events(app.hub.since(since), since),
        Err(reason) => bad_request(reason),
    }
}
