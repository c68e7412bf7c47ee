//! One long-lived wait for the run's stop signal per client. A fresh `changed()` future per
//! message registers and deregisters a waiter on the watch channel's notifier every time;
//! this one registers once and stays registered while the client lives.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::sync::watch;

/// Resolves once the run is stopped, and again at once every time it is polled after that,
/// so it can sit in every `select!` of a client's loops.
pub struct StopSignal {
    stopped: Pin<Box<dyn Future<Output = ()> + Send>>,
    fired: bool,
}

impl StopSignal {
    pub fn new(mut receiver: watch::Receiver<bool>) -> Self {
        Self {
            // A closed channel (the run is gone) stops the client too.
            stopped: Box::pin(async move {
                let _ = receiver.wait_for(|&stopped| stopped).await;
            }),
            fired: false,
        }
    }
}

impl StopSignal {
    /// Resolves once either the run or `own` (one client's end, like a session's) stops.
    pub fn either(mut run: watch::Receiver<bool>, mut own: watch::Receiver<bool>) -> Self {
        Self {
            stopped: Box::pin(async move {
                tokio::select! {
                    _ = run.wait_for(|&stopped| stopped) => {}
                    _ = own.wait_for(|&stopped| stopped) => {}
                }
            }),
            fired: false,
        }
    }
}

impl Future for StopSignal {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.fired {
            ready!(self.stopped.as_mut().poll(cx));
            self.fired = true;
        }
        Poll::Ready(())
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[tokio::test]
    async fn pends_until_stopped_then_stays_ready() {
        let (sender, receiver) = watch::channel(false);
        let mut stop = StopSignal::new(receiver);
        assert_eq!((&mut stop).now_or_never(), None);
        sender.send_replace(false);
        assert_eq!(
            (&mut stop).now_or_never(),
            None,
            "a change that is not a stop"
        );
        sender.send_replace(true);
        assert_eq!((&mut stop).now_or_never(), Some(()));
        assert_eq!((&mut stop).now_or_never(), Some(()), "and again");
        drop(sender);
        let (_, receiver) = watch::channel(false);
        assert_eq!(
            StopSignal::new(receiver).now_or_never(),
            Some(()),
            "closed: stop"
        );
    }
}
