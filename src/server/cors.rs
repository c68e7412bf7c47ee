//! Cross-origin use (CORS): a page served from another origin may read every HTTP answer.
//! Like real servers, the headers go only on answers to requests that carry `Origin` (a
//! browser's cross-origin fetch or EventSource), so that same-origin and non-browser
//! traffic pays no bytes for them; a WebSocket upgrade never gets them (the handshake does
//! not use CORS). `OPTIONS` on any path is a preflight, answered 204.

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};

use super::response::{self, Body};

/// What every path allows: `POST` for pages that send (a later `/publish`).
const METHODS: &str = "GET, POST, OPTIONS";

/// How long a browser may keep a preflight's answer, in seconds.
const MAX_AGE: &str = "600";

/// The request's `Origin`, kept for its answer.
pub fn origin<B>(req: &Request<B>) -> Option<HeaderValue> {
    req.headers().get(header::ORIGIN).cloned()
}

/// The answer to `OPTIONS`: a preflight with `Origin`, else the methods allowed.
pub fn preflight<B>(req: &Request<B>) -> Response<Body> {
    let mut answer = response::no_content();
    let headers = answer.headers_mut();
    if req.headers().contains_key(header::ORIGIN) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        // Whatever headers the page asks to send (`Content-Type: application/json`,
        // `Last-Event-ID`): the server reads none that could be abused.
        if let Some(asked) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
    } else {
        headers.insert(header::ALLOW, HeaderValue::from_static(METHODS));
    }
    answer
}

/// The answer to `OPTIONS` on a path no page may use (the control plane): the methods
/// allowed, and no grant, so that a browser never sends the request that would follow.
pub fn not_granted() -> Response<Body> {
    let mut answer = response::no_content();
    answer
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    answer
}

/// Lets any origin read `response` when the request came with an `Origin`.
pub fn allow(origin: Option<HeaderValue>, mut response: Response<Body>) -> Response<Body> {
    if origin.is_some() && response.status() != StatusCode::SWITCHING_PROTOCOLS {
        allow_any(response.headers_mut());
    }
    response
}

fn allow_any(headers: &mut HeaderMap) {
    // `*`: the server uses no cookies or credentials, so no origin needs naming.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request<()> {
        let mut req = Request::builder().method(method).uri("/poll");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(()).unwrap()
    }

    fn names(response: &Response<Body>) -> Vec<String> {
        let mut names: Vec<_> = response.headers().keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn only_requests_with_an_origin_get_cors_headers_and_never_an_upgrade() {
        let page = request(Method::GET, &[("origin", "http://elsewhere")]);
        let answer = allow(origin(&page), response::no_content());
        assert_eq!(answer.headers()["access-control-allow-origin"], "*");
        let same_origin = request(Method::GET, &[]);
        let answer = allow(origin(&same_origin), response::no_content());
        assert_eq!(names(&answer), ["cache-control", "server"]);
        let mut upgrade = response::no_content();
        *upgrade.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        assert_eq!(
            names(&allow(origin(&page), upgrade)),
            ["cache-control", "server"]
        );
    }

    #[test]
    fn options_is_a_preflight_with_an_origin_and_lists_methods_without() {
        let asked = request(
            Method::OPTIONS,
            &[
                ("origin", "http://elsewhere"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
        );
        let answer = allow(origin(&asked), preflight(&asked));
        assert_eq!(answer.status(), StatusCode::NO_CONTENT);
        let headers = answer.headers();
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(headers["access-control-allow-methods"], METHODS);
        assert_eq!(headers["access-control-allow-headers"], "content-type");
        assert_eq!(headers["access-control-max-age"], MAX_AGE);
        let bare = request(Method::OPTIONS, &[]);
        let answer = allow(origin(&bare), preflight(&bare));
        assert_eq!(names(&answer), ["allow", "cache-control", "server"]);
    }
}
