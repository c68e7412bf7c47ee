//! Byte counting at the client sockets: every byte the kernel took from us or gave us,
//! below HTTP and WebSocket framing, so headers, chunking and masks are all counted.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Keeps each counter on its own cache line (128 bytes covers the adjacent-line prefetch
/// of x86), so readers on one core and writers on another do not bounce a shared line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

/// Byte totals shared by many connections (one per worker, or one per run).
#[derive(Debug, Default)]
pub struct ByteCounters {
    down: Padded,
    up: Padded,
}

impl ByteCounters {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `(down, up)`: bytes read from and written to the sockets so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (self.down.0.load(Relaxed), self.up.0.load(Relaxed))
    }

    pub fn add_down(&self, n: u64) {
        self.down.0.fetch_add(n, Relaxed);
    }

    pub fn add_up(&self, n: u64) {
        self.up.0.fetch_add(n, Relaxed);
    }
}

/// Where a `CountingStream` reports the bytes it moved: the load generator's run totals,
/// or the server's per-transport counters.
pub trait ByteSink {
    fn read(&self, n: u64);
    fn written(&self, n: u64);
    /// The socket would not take any bytes now (the peer is not reading fast enough).
    fn write_pending(&self) {}
}

impl ByteSink for Arc<ByteCounters> {
    fn read(&self, n: u64) {
        self.add_down(n);
    }

    fn written(&self, n: u64) {
        self.add_up(n);
    }
}

/// A stream that counts the bytes that actually crossed it, into its sink and into its
/// own per-connection counters. Client and server count with this same wrapper.
#[derive(Debug)]
pub struct CountingStream<S, K = Arc<ByteCounters>> {
    inner: S,
    sink: K,
    down: u64,
    up: u64,
}

impl<S, K: ByteSink> CountingStream<S, K> {
    pub fn new(inner: S, sink: K) -> Self {
        Self {
            inner,
            sink,
            down: 0,
            up: 0,
        }
    }

    /// Bytes read on this connection.
    pub fn bytes_down(&self) -> u64 {
        self.down
    }

    /// Bytes written on this connection.
    pub fn bytes_up(&self) -> u64 {
        self.up
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    fn count_up(&mut self, result: &Poll<io::Result<usize>>) {
        match result {
            Poll::Ready(Ok(n)) => {
                self.up += *n as u64;
                self.sink.written(*n as u64);
            }
            Poll::Pending => self.sink.write_pending(),
            Poll::Ready(Err(_)) => {}
        }
    }
}

impl<S: AsyncRead + Unpin, K: ByteSink + Unpin> AsyncRead for CountingStream<S, K> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            this.down += n;
            this.sink.read(n);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin, K: ByteSink + Unpin> AsyncWrite for CountingStream<S, K> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.count_up(&result);
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.count_up(&result);
        result
    }

    // Forwarded so hyper keeps writing headers and body in one writev, as it would
    // without us in the way.
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::io::IoSlice;

    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite::Message;

    use super::*;

    #[tokio::test]
    async fn counts_both_directions_of_a_pipe() {
        let shared = ByteCounters::new();
        let (ours, mut theirs) = duplex(64);
        let mut ours = CountingStream::new(ours, shared.clone());

        ours.write_all(b"hello").await.unwrap();
        let mut got = [0u8; 5];
        theirs.read_exact(&mut got).await.unwrap();
        theirs.write_all(b"goodbye").await.unwrap();
        let mut back = [0u8; 7];
        ours.read_exact(&mut back).await.unwrap();

        assert_eq!((ours.bytes_down(), ours.bytes_up()), (7, 5));
        assert_eq!(shared.snapshot(), (7, 5));
    }

    #[tokio::test]
    async fn counts_vectored_writes_and_sums_connections() {
        let shared = ByteCounters::new();
        let (a, mut a_peer) = duplex(64);
        let (b, _b_peer) = duplex(64);
        let mut a = CountingStream::new(a, shared.clone());
        let mut b = CountingStream::new(b, shared.clone());
        assert_eq!(a.is_write_vectored(), a.get_ref().is_write_vectored());

        let bufs = [IoSlice::new(b"abc"), IoSlice::new(b"defg")];
        let mut written = 0;
        while written == 0 {
            written = a.write_vectored(&bufs).await.unwrap();
        }
        b.write_all(b"xy").await.unwrap();
        a.flush().await.unwrap();
        a.shutdown().await.unwrap();
        let mut rest = Vec::new();
        a_peer.read_to_end(&mut rest).await.unwrap();

        assert_eq!(rest.len(), written);
        assert_eq!(a.bytes_up(), written as u64);
        assert_eq!(b.bytes_up(), 2);
        assert_eq!(shared.snapshot(), (0, written as u64 + 2));
    }

    #[tokio::test]
    async fn websocket_text_frames_cost_header_and_mask() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            // Answer only after the client's message, so the client has read the whole
            // handshake before the frame we count arrives.
            let received = ws.next().await.unwrap().unwrap();
            ws.send(Message::text("0123456789")).await.unwrap();
            received
        });

        let tcp = TcpStream::connect(addr).await.unwrap();
        let stream = CountingStream::new(tcp, ByteCounters::new());
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), stream)
            .await
            .unwrap();
        let (down0, up0) = (ws.get_ref().bytes_down(), ws.get_ref().bytes_up());

        ws.send(Message::text("abcdefghij")).await.unwrap();
        assert_eq!(ws.get_ref().bytes_up() - up0, 2 + 4 + 10);

        let message = ws.next().await.unwrap().unwrap();
        assert_eq!(message, Message::text("0123456789"));
        assert_eq!(ws.get_ref().bytes_down() - down0, 2 + 10);
        assert_eq!(server.await.unwrap(), Message::text("abcdefghij"));
    }

    #[tokio::test]
    async fn counts_an_http_exchange_exactly() {
        const REQUEST: &[u8] = b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n";
        const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; REQUEST.len()];
            tcp.read_exact(&mut request).await.unwrap();
            tcp.write_all(RESPONSE).await.unwrap();
            request
        });

        let shared = ByteCounters::new();
        let mut client =
            CountingStream::new(TcpStream::connect(addr).await.unwrap(), shared.clone());
        client.write_all(REQUEST).await.unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.unwrap();

        assert_eq!(server.await.unwrap(), REQUEST);
        assert_eq!(response, RESPONSE);
        assert_eq!(client.bytes_up(), REQUEST.len() as u64);
        assert_eq!(client.bytes_down(), RESPONSE.len() as u64);
        assert_eq!(
            shared.snapshot(),
            (RESPONSE.len() as u64, REQUEST.len() as u64)
        );
        let tcp: TcpStream = client.into_inner();
        assert_eq!(tcp.peer_addr().unwrap(), addr);
    }
}
