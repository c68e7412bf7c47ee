//! The request loop every polling transport shares: one kept-alive connection, the
//! client's place carried from answer to answer as its dialect says (`since`, or an
//! answer's validators), errors counted, a lost or late answer's connection dropped and
//! opened anew. Requests and answers go through the lean HTTP/1.1 client.

use std::time::Duration;

use tokio::time::Instant;

use super::http1::{HttpConnection, RequestTemplate, Validators};
use super::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};
use crate::dialect::PollCursor;

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
/// out (`None`: at once). A dialect whose answers hold one message each is asked again at
/// once after a message, before the schedule's next poll: more may be queued.
pub async fn poll_loop(
    mut client: Client,
    request: PollRequest,
    mut due: impl FnMut(&Client) -> Option<Instant>,
) -> Tally {
    let mut stop = client.stop_signal();
    let plan = client.plan.clone();
    let cursor = plan.dialect.poll_cursor();
    // The query is the wsbench protocol's; a conditional poll carries none.
    let query = match cursor {
        PollCursor::Since => client.query(&request.query),
        PollCursor::Validators => String::new(),
    };
    let mut template = RequestTemplate::new(plan.path, &query, &plan.headers);
    let mut connection: Option<HttpConnection> = None;
    let mut since: Option<u64> = None;
    let mut validators = Validators::default();
    let mut more_queued = false;
    // One answer's body at a time, in a buffer kept from answer to answer.
    let mut body = Vec::new();
    // When the last answer came in: a poll due before then waited for the server, not us.
    let mut answered_at = Instant::now();
    // One timer for the whole loop, moved for each wait: a timer made anew for every
    // request (two per poll) costs the generator more than the poll's own parsing.
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    loop {
        // A schedule is asked only for the polls it schedules, not for a catch-up's.
        let scheduled = if more_queued { None } else { due(&client) };
        if let Some(at) = scheduled {
            if at > Instant::now() {
                timer.as_mut().reset(at);
                tokio::select! {
                    _ = &mut timer => {}
                    _ = &mut stop => break,
                }
            }
            if Instant::now().saturating_duration_since(at.max(answered_at)) > LATE_POLL {
                client.count_late_poll();
            }
        }
        if client.is_stopped() {
            break;
        }
        let Some(conn) = kept_alive(&mut connection, &mut client).await else {
            continue;
        };
        let request_bytes = match cursor {
            PollCursor::Since => template.render(since, None),
            PollCursor::Validators => template.render_conditional(&validators),
        };
        let exchange = async {
            conn.send(request_bytes).await?;
            conn.read_response(&mut body).await
        };
        timer.as_mut().reset(Instant::now() + request.answer_limit);
        let result = tokio::select! {
            result = exchange => result.map_err(|_| ErrorKind::Disconnect),
            _ = &mut timer => Err(ErrorKind::Timeout),
            _ = &mut stop => break,
        };
        let received = Received::now(&conn.stamp);
        answered_at = Instant::now();
        conn.segments.observe(&client);
        let head = match result {
            Ok(head) => head,
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
        client.count_request(matches!(head.status, NO_CONTENT | NOT_MODIFIED));
        more_queued = false;
        if cursor == PollCursor::Validators && !head.validators.is_empty() {
            more_queued = head.status == OK;
            validators = head.validators;
        }
        match head.status {
            OK => match read_answer(&mut client, &body, received) {
                Ok(latest) => since = Some(latest.max(since.unwrap_or(0))),
                Err(_) => client.count_error(ErrorKind::Protocol),
            },
            // A conditional poll's "nothing newer than what you hold".
            NOT_MODIFIED if cursor == PollCursor::Validators => {}
            // Nothing yet, even without `since`: the feed is empty, so the client has
            // everything up to seq 0. Without this, a feed that starts silent (a program
            // yet to print) would answer its first burst with only its latest event.
            NO_CONTENT => {
                since.get_or_insert(0);
            }
            GONE => {
                // Fell out of the history: start again from the latest.
                client.count_error(ErrorKind::Status);
                since = None;
            }
            _ => client.count_error(ErrorKind::Status),
        }
        if !head.keep_alive {
            // The server closes after this answer: the next request opens a new connection.
            if let Some(mut closed) = connection.take() {
                closed.segments.close(&client);
            }
        }
    }
    if let Some(mut conn) = connection {
        conn.segments.note_unread_at_stop(&mut client);
        conn.segments.close(&client);
    }
    client.tally
}

/// The client's kept-alive connection, opened first when it has none; `None` (the failure
/// counted, after a pause so that a dead server is not hammered) when it cannot be.
pub(super) async fn kept_alive<'c>(
    connection: &'c mut Option<HttpConnection>,
    client: &mut Client,
) -> Option<&'c mut HttpConnection> {
    if connection.is_none() {
        match HttpConnection::open(client).await {
            Ok(opened) => *connection = Some(opened),
            Err(_) => {
                client.count_error(ErrorKind::Connect);
                tokio::time::sleep(RECONNECT_DELAY).await;
                return None;
            }
        }
    }
    connection.as_mut()
}

const OK: u16 = 200;
const NO_CONTENT: u16 = 204;
const NOT_MODIFIED: u16 = 304;
const GONE: u16 = 410;

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
