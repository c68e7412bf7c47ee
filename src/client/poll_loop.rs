//! The request loop every polling transport shares: one kept-alive connection, `since`
//! carried from answer to answer, errors counted, a lost or late answer's connection
//! dropped and opened anew.

use std::time::Duration;

use http::StatusCode;
use http_body_util::BodyExt;
use tokio::time::Instant;

use super::connection::Connection;
use super::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};

/// Grace beyond the expected answer time before a request counts as timed out.
pub const ANSWER_SLACK: Duration = Duration::from_secs(10);

/// How far past its due instant a scheduled poll may go out before it counts as late:
/// the load generator was too busy to send it on time (tokio's timer alone is 1 ms).
pub const LATE_POLL: Duration = Duration::from_millis(5);

/// What a polling transport's requests carry besides `since`, and how long one may wait.
pub struct PollRequest {
    /// Query parameters after `since`, like `timeout_ms=30000`; empty for none.
    pub query: String,
    /// How long an answer may take before it counts as a timeout.
    pub answer_limit: Duration,
}

/// Polls the transport's path until the run stops: `due` says when the next request goes
/// out (`None`: at once).
pub async fn poll_loop(
    mut client: Client,
    request: PollRequest,
    mut due: impl FnMut(&Client) -> Option<Instant>,
) -> Tally {
    let mut stopped = client.control.stopped();
    let plan = client.plan.clone();
    let mut connection: Option<Connection> = None;
    let mut since: Option<u64> = None;
    let path = plan.path;
    let PollRequest {
        query,
        answer_limit,
    } = request;
    // When the last answer came in: a poll due before then waited for the server, not us.
    let mut answered_at = Instant::now();
    loop {
        if let Some(at) = due(&client) {
            tokio::select! {
                _ = tokio::time::sleep_until(at) => {}
                _ = stopped.changed() => break,
            }
            if Instant::now().saturating_duration_since(at.max(answered_at)) > LATE_POLL {
                client.count_late_poll();
            }
        }
        if *stopped.borrow() {
            break;
        }
        if connection.is_none() {
            match Connection::open(&client).await {
                Ok(opened) => connection = Some(opened),
                Err(_) => {
                    client.count_error(ErrorKind::Connect);
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    continue;
                }
            }
        }
        let Some(conn) = connection.as_mut() else {
            continue;
        };
        let target = match (since, query.is_empty()) {
            (Some(s), true) => format!("{path}?since={s}"),
            (Some(s), false) => format!("{path}?since={s}&{query}"),
            (None, true) => path.to_string(),
            (None, false) => format!("{path}?{query}"),
        };
        let exchange = async {
            let response = conn.get(&target, &plan.headers).await?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        let result = tokio::select! {
            result = exchange => result.map_err(|_| ErrorKind::Disconnect),
            _ = tokio::time::sleep(answer_limit) => Err(ErrorKind::Timeout),
            _ = stopped.changed() => break,
        };
        let received = Received::now(&conn.stamp);
        answered_at = Instant::now();
        conn.segments.observe(&client);
        let (status, body) = match result {
            Ok(answer) => answer,
            Err(kind) => {
                // A connection whose answer is lost or late is dropped and opened anew.
                client.count_error(kind);
                if let Some(mut closed) = connection.take() {
                    closed.segments.close(&client);
                }
                continue;
            }
        };
        client.mark_connected();
        client.count_request(status == StatusCode::NO_CONTENT);
        match status {
            StatusCode::OK => match read_answer(&mut client, &body, received) {
                Ok(latest) => since = Some(latest.max(since.unwrap_or(0))),
                Err(_) => client.count_error(ErrorKind::Protocol),
            },
            StatusCode::NO_CONTENT => {}
            StatusCode::GONE => {
                // Fell out of the history: start again from the latest.
                client.count_error(ErrorKind::Status);
                since = None;
            }
            _ => client.count_error(ErrorKind::Status),
        }
    }
    if let Some(mut conn) = connection {
        conn.segments.note_unread_at_stop(&mut client);
        conn.segments.close(&client);
    }
    client.tally
}

/// Records the events of a poll answer; returns the highest seq it carried.
fn read_answer(client: &mut Client, body: &[u8], received: Received) -> Result<u64, String> {
    let mut answer = Answer::default();
    let mut latest = 0;
    for event in client.plan.dialect.poll_events(body)? {
        let head = client.deliver(event.get().as_bytes(), received, &mut answer)?;
        latest = latest.max(head.seq);
    }
    client.finish_answer(answer, received);
    Ok(latest)
}
