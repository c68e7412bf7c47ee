//! A server connection's socket, counting the bytes it reads and writes into the
//! per-transport counters. A connection is attributed to a transport when its first
//! request is routed; bytes read before that are held and credited then.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::stats::{OTHER, ServerStats};

const UNTAGGED: usize = usize::MAX;

/// Which counters a connection's bytes go to; shared with the request router.
pub struct ConnTag {
    slot: AtomicUsize,
    pending_read: AtomicU64,
    stats: Arc<ServerStats>,
}

impl ConnTag {
    pub fn new(stats: Arc<ServerStats>) -> Arc<Self> {
        Arc::new(Self {
            slot: AtomicUsize::new(UNTAGGED),
            pending_read: AtomicU64::new(0),
            stats,
        })
    }

    /// Attributes the connection (from now on) to a counter slot.
    pub fn set_slot(&self, slot: usize) {
        let previous = self.slot.swap(slot, Relaxed);
        if previous == slot {
            return;
        }
        if previous != UNTAGGED {
            self.stats.slots[previous]
                .connections_open
                .fetch_sub(1, Relaxed);
        }
        self.stats.slots[slot]
            .connections_open
            .fetch_add(1, Relaxed);
        let pending = self.pending_read.swap(0, Relaxed);
        self.stats.slots[slot]
            .bytes_read
            .fetch_add(pending, Relaxed);
    }

    fn on_read(&self, n: usize) {
        match self.slot.load(Relaxed) {
            UNTAGGED => {
                self.pending_read.fetch_add(n as u64, Relaxed);
            }
            slot => {
                self.stats.slots[slot]
                    .bytes_read
                    .fetch_add(n as u64, Relaxed);
            }
        }
    }

    fn on_write(&self, n: usize) {
        let slot = match self.slot.load(Relaxed) {
            UNTAGGED => OTHER,
            slot => slot,
        };
        self.stats.slots[slot]
            .bytes_written
            .fetch_add(n as u64, Relaxed);
    }
}

impl Drop for ConnTag {
    fn drop(&mut self) {
        match self.slot.load(Relaxed) {
            UNTAGGED => {
                let pending = self.pending_read.load(Relaxed);
                self.stats.slots[OTHER]
                    .bytes_read
                    .fetch_add(pending, Relaxed);
            }
            slot => {
                self.stats.slots[slot]
                    .connections_open
                    .fetch_sub(1, Relaxed);
            }
        }
    }
}

pub struct CountedStream {
    inner: TcpStream,
    tag: Arc<ConnTag>,
}

impl CountedStream {
    pub fn new(inner: TcpStream, tag: Arc<ConnTag>) -> Self {
        Self { inner, tag }
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.tag.on_read(n);
        }
        result
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            self.tag.on_write(n);
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = result {
            self.tag.on_write(n);
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
