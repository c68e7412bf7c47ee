//! One connection per client, one text message per event. A client that loses its
//! connection reconnects with `?since=` the last seq it holds.

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::client::connection::counted_socket;
use crate::client::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};

pub async fn run(mut client: Client) -> Tally {
    let mut stopped = client.control.stopped();
    // A state feed's client starts from the whole current state, as a real page would.
    let mut last_seq: Option<u64> = client.plan.key_field.map(|_| 0);
    while !*stopped.borrow() {
        let (addr, path) = (client.plan.addr, client.plan.path);
        let url = match last_seq {
            Some(seq) => format!("ws://{addr}{path}?since={seq}"),
            None => format!("ws://{addr}{path}"),
        };
        let Ok(mut request) = url.into_client_request() else {
            client.count_error(ErrorKind::Protocol);
            break;
        };
        request.headers_mut().extend(client.plan.headers.clone());
        let (socket, mut segments) = match counted_socket(&client).await {
            Ok(opened) => opened,
            Err(_) => {
                client.count_error(ErrorKind::Connect);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        let stamp = socket.get_ref().receive_stamp();
        let handshake =
            tokio_tungstenite::client_async_with_config(request, socket, Some(super::config()));
        let mut socket = tokio::select! {
            handshake = handshake => match handshake {
                Ok((socket, _)) => socket,
                Err(_) => {
                    client.count_error(ErrorKind::Status);
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        client.count_request(false);
        client.mark_connected();
        loop {
            let message = tokio::select! {
                message = socket.next() => message,
                _ = stopped.changed() => break,
            };
            let received = Received::now(&stamp);
            segments.observe(&client);
            match message {
                Some(Ok(Message::Text(text))) => {
                    let mut answer = Answer::default();
                    match client.deliver(text.as_bytes(), received, &mut answer) {
                        Ok(head) => last_seq = Some(last_seq.map_or(head.seq, |s| s.max(head.seq))),
                        Err(_) => client.count_error(ErrorKind::Protocol),
                    }
                    client.finish_answer(answer, received);
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    client.count_error(ErrorKind::Disconnect);
                    break;
                }
                Some(Ok(_)) => {}
            }
        }
        segments.note_unread_at_stop(&mut client);
        segments.close(&client);
        if *stopped.borrow() {
            let _ = socket.close(None).await;
        }
    }
    client.tally
}
