//! Long polling (Comet): each client asks again at once with the last seq it holds.

use super::poll::poll_loop;
use super::{Client, Tally};

pub async fn run(client: Client) -> Tally {
    poll_loop(client, "/longpoll", |_| None).await
}
