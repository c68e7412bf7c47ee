//! A client's GET request, serialized once: only `since` (in the target) and
//! `Last-Event-ID` or a conditional poll's validators (the last headers) change from
//! request to request, so each request is the template's bytes with those written in,
//! into one reused buffer. The bytes are
//! those hyper writes for the same request (see the test): name, `: `, value, CRLF for each
//! header in the profile's order.

use http::HeaderMap;

use super::Validators;

pub struct RequestTemplate {
    /// `GET /path`.
    start: Vec<u8>,
    /// Query parameters after `since`, e.g. `timeout_ms=30000`; empty for none.
    query: Vec<u8>,
    /// ` HTTP/1.1` CRLF and the profile's header lines.
    headers: Vec<u8>,
    request: Vec<u8>,
}

impl RequestTemplate {
    pub fn new(path: &str, query: &str, headers: &HeaderMap) -> Self {
        let mut lines = b" HTTP/1.1\r\n".to_vec();
        for (name, value) in headers {
            lines.extend_from_slice(name.as_str().as_bytes());
            lines.extend_from_slice(b": ");
            lines.extend_from_slice(value.as_bytes());
            lines.extend_from_slice(b"\r\n");
        }
        Self {
            start: [b"GET ", path.as_bytes()].concat(),
            query: query.as_bytes().to_vec(),
            headers: lines,
            request: Vec::new(),
        }
    }

    /// The request asking `since` (none: without) with `Last-Event-ID: last_event_id`
    /// (none: without), the id as the server sent it.
    pub fn render(&mut self, since: Option<u64>, last_event_id: Option<&[u8]>) -> &[u8] {
        self.write(since, |request| {
            if let Some(id) = last_event_id {
                request.extend_from_slice(b"last-event-id: ");
                request.extend_from_slice(id);
                request.extend_from_slice(b"\r\n");
            }
        })
    }

    /// The conditional request that asks what followed the answer whose validators these
    /// are: `If-Modified-Since` and `If-None-Match` (each only when the answer had it).
    pub fn render_conditional(&mut self, validators: &Validators) -> &[u8] {
        self.write(None, |request| {
            for (name, value) in [
                (&b"if-modified-since: "[..], &validators.last_modified),
                (&b"if-none-match: "[..], &validators.etag),
            ] {
                if let Some(value) = value {
                    request.extend_from_slice(name);
                    request.extend_from_slice(value.as_bytes());
                    request.extend_from_slice(b"\r\n");
                }
            }
        })
    }

    /// The template with `since` in the target and `last_headers` after the profile's.
    fn write(&mut self, since: Option<u64>, last_headers: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
        let request = &mut self.request;
        request.clear();
        request.extend_from_slice(&self.start);
        let mut separator = b'?';
        if let Some(since) = since {
            request.extend_from_slice(b"?since=");
            request.extend_from_slice(itoa::Buffer::new().format(since).as_bytes());
            separator = b'&';
        }
        if !self.query.is_empty() {
            request.push(separator);
            request.extend_from_slice(&self.query);
        }
        request.extend_from_slice(&self.headers);
        last_headers(request);
        request.extend_from_slice(b"\r\n");
        request
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderValue, Request};
    use http_body_util::Empty;
    use hyper_util::rt::TokioIo;
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::client::{HeaderProfile, request_headers};
    use crate::transport_kind::Transport;

    /// The bytes hyper's client writes for `GET target` with `headers`.
    async fn hyper_request(target: &str, headers: &HeaderMap) -> Vec<u8> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut request = Request::get(target).body(Empty::<Bytes>::new()).unwrap();
        *request.headers_mut() = headers.clone();
        tokio::spawn(async move { sender.send_request(request).await });
        let mut bytes = Vec::new();
        while !bytes.ends_with(b"\r\n\r\n") {
            let mut some = [0u8; 4096];
            let n = server.read(&mut some).await.unwrap();
            assert!(n > 0);
            bytes.extend_from_slice(&some[..n]);
        }
        bytes
    }

    #[tokio::test]
    async fn writes_what_hyper_writes_for_every_profile_and_target() {
        for profile in [HeaderProfile::Minimal, HeaderProfile::Browser] {
            for (transport, query) in [("poll", ""), ("longpoll", "timeout_ms=30000"), ("sse", "")]
            {
                let transport = Transport::named(transport).unwrap();
                let style = transport.kind().request_style();
                let headers = request_headers(profile, style, "127.0.0.1:8080", 300);
                let path = transport.path();
                let mut template = RequestTemplate::new(path, query, &headers);
                for since in [None, Some(0), Some(1_234_567)] {
                    let target = match (since, query) {
                        (Some(s), "") => format!("{path}?since={s}"),
                        (Some(s), q) => format!("{path}?since={s}&{q}"),
                        (None, "") => path.to_string(),
                        (None, q) => format!("{path}?{q}"),
                    };
                    let expected = hyper_request(&target, &headers).await;
                    assert_eq!(
                        String::from_utf8_lossy(template.render(since, None)),
                        String::from_utf8_lossy(&expected)
                    );
                }
                // SSE reconnects add Last-Event-ID after the profile's headers.
                let mut with_id = headers.clone();
                with_id.insert("last-event-id", HeaderValue::from_static("42"));
                let target = if query.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{query}")
                };
                let expected = hyper_request(&target, &with_id).await;
                assert_eq!(template.render(None, Some(b"42")), &expected[..]);
                // A conditional poll sends its validators back after the profile's headers.
                let mut conditional = headers.clone();
                conditional.insert(
                    "if-modified-since",
                    HeaderValue::from_static("Wed, 02 Dec 2026 16:24:31 GMT"),
                );
                conditional.insert("if-none-match", HeaderValue::from_static("3"));
                let expected = hyper_request(&target, &conditional).await;
                let validators = Validators {
                    last_modified: Some("Wed, 02 Dec 2026 16:24:31 GMT".into()),
                    etag: Some("3".into()),
                };
                assert_eq!(template.render_conditional(&validators), &expected[..]);
            }
        }
    }
}
