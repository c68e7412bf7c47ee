//! A chat client's messages over HTTP: `POST /publish?via=<transport>` on a kept-alive
//! connection of its own, one message at a time, each answer read before the next send.
//! A refusal (400, 413, 429, 503) is counted; a lost connection is opened anew.

use std::io::Write;

use http::HeaderMap;

use super::http1::HttpConnection;
use super::poll_loop::{ANSWER_SLACK, kept_alive};
use super::upstream::Sender;
use super::{Client, ErrorKind};

const ACCEPTED: u16 = 202;

/// Sends the client's messages until the run stops.
pub async fn post_loop(mut client: Client, mut sender: Sender) {
    let mut stop = client.control.stop_signal();
    let target = format!("/publish?via={}", client.plan.transport.name());
    let headers = client.plan.publish_headers.clone();
    let mut request = Vec::new();
    let mut answer = Vec::new();
    let mut connection: Option<HttpConnection> = None;
    loop {
        let body = tokio::select! {
            body = sender.next() => body,
            _ = &mut stop => break,
        };
        render_post(&mut request, &target, &headers, body);
        let Some(conn) = kept_alive(&mut connection, &mut client).await else {
            continue;
        };
        let exchange = async {
            conn.send(&request).await?;
            sender.written();
            conn.read_response(&mut answer).await
        };
        let result = tokio::select! {
            result = tokio::time::timeout(ANSWER_SLACK, exchange) => result,
            _ = &mut stop => break,
        };
        conn.segments.observe(&client);
        match result {
            Ok(Ok(head)) if head.status == ACCEPTED => {}
            Ok(Ok(head)) => {
                client.recorder.borrow_mut().sends_refused += 1;
                if !head.keep_alive {
                    close(&mut connection, &client);
                }
            }
            Ok(Err(_)) | Err(_) => {
                client.count_error(match result {
                    Err(_) => ErrorKind::Timeout,
                    _ => ErrorKind::Disconnect,
                });
                close(&mut connection, &client);
            }
        }
    }
    close(&mut connection, &client);
    client.recorder.borrow_mut().sent_in_window += sender.sent_in_window;
}

fn close(connection: &mut Option<HttpConnection>, client: &Client) {
    if let Some(mut closed) = connection.take() {
        closed.segments.close(client);
    }
}

/// `POST target` with the profile's `headers`, a JSON content type and `body`, into `out`.
fn render_post(out: &mut Vec<u8>, target: &str, headers: &HeaderMap, body: &[u8]) {
    out.clear();
    let _ = write!(out, "POST {target} HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let _ = write!(
        out,
        "content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_its_headers_then_the_body() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:8080".parse().unwrap());
        let mut out = Vec::new();
        render_post(&mut out, "/publish?via=sse", &headers, b"{}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /publish?via=sse HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n\
             content-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
    }
}
