//! The loopback floor: what the kernel's TCP path alone costs to move a small message from
//! one socket to another on this machine, both sides counted. N connections over
//! 127.0.0.1, a writer and a reader per connection, in this one process with the load
//! generator's model (one current-thread runtime per core); the writer of a connection
//! and its reader sit on neighbouring workers, as a server and its clients sit on
//! different cores. Each write carries `messages_per_write` messages and each read takes
//! exactly that many, so with 1 there is one `write` and one `read` per message.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use super::{CalibrateError, Floor};
use crate::metrics::cpu;

/// One measurement's shape.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub connections: usize,
    pub message_bytes: usize,
    pub messages_per_write: usize,
    /// Before the measurement: connections warm, caches and scheduler settled.
    pub warmup: Duration,
    pub duration: Duration,
}

/// Keeps each worker's count on its own cache line.
#[repr(align(128))]
#[derive(Default)]
struct Count(AtomicU64);

/// Moves messages in `shape` and measures messages per second and process CPU per message.
pub fn measure(shape: Shape) -> Result<Floor, CalibrateError> {
    let pairs = connect(shape.connections)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (stop, stopped) = watch::channel(false);
    let counts: Vec<Arc<Count>> = (0..workers).map(|_| Arc::default()).collect();
    // Worker w writes connections i ≡ w and reads those i ≡ w - 1 (mod workers).
    let mut writes: Vec<Vec<TcpStream>> = (0..workers).map(|_| Vec::new()).collect();
    let mut reads: Vec<Vec<TcpStream>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, (writer, reader)) in pairs.into_iter().enumerate() {
        writes[i % workers].push(writer);
        reads[(i + 1) % workers].push(reader);
    }
    let handles: Vec<JoinHandle<()>> = writes
        .into_iter()
        .zip(reads)
        .enumerate()
        .map(|(w, (writes, reads))| {
            let (count, stopped) = (counts[w].clone(), stopped.clone());
            std::thread::Builder::new()
                .name(format!("wsbench-calibrate-{w}"))
                .spawn(move || run_worker(shape, writes, reads, count, stopped))
        })
        .collect::<Result<_, _>>()
        .map_err(CalibrateError::Io)?;
    let total = || counts.iter().map(|c| c.0.load(Relaxed)).sum::<u64>();
    std::thread::sleep(shape.warmup);
    let (cpu0, messages0, at0) = (cpu::sample_self(), total(), Instant::now());
    std::thread::sleep(shape.duration);
    let (cpu1, messages1, at1) = (cpu::sample_self(), total(), Instant::now());
    let _ = stop.send(true);
    for handle in handles {
        let _ = handle.join();
    }
    let cpu_ns = match (cpu0, cpu1) {
        (Ok(a), Ok(b)) => b.since(&a).total_ns,
        (Err(e), _) | (_, Err(e)) => return Err(CalibrateError::Cpu(e.to_string())),
    };
    Floor::from_counts(messages1 - messages0, cpu_ns, at1 - at0)
}

/// `n` connected pairs over 127.0.0.1: (the side that writes, the side that reads).
fn connect(n: usize) -> Result<Vec<(TcpStream, TcpStream)>, CalibrateError> {
    let listener =
        TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(CalibrateError::Io)?;
    let addr = listener.local_addr().map_err(CalibrateError::Io)?;
    (0..n)
        .map(|_| {
            let writer = TcpStream::connect(addr)?;
            let (reader, _) = listener.accept()?;
            // As the server's sockets: every write goes out at once.
            writer.set_nodelay(true)?;
            writer.set_nonblocking(true)?;
            reader.set_nonblocking(true)?;
            Ok((writer, reader))
        })
        .collect::<std::io::Result<_>>()
        .map_err(CalibrateError::Io)
}

fn run_worker(
    shape: Shape,
    writes: Vec<TcpStream>,
    reads: Vec<TcpStream>,
    count: Arc<Count>,
    mut stopped: watch::Receiver<bool>,
) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let chunk = shape.message_bytes * shape.messages_per_write;
    let per_read = shape.messages_per_write as u64;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let Ok(mut writes) = writes
            .into_iter()
            .map(tokio::net::TcpStream::from_std)
            .collect::<std::io::Result<Vec<_>>>()
        else {
            return;
        };
        for socket in reads {
            let Ok(mut socket) = tokio::net::TcpStream::from_std(socket) else {
                return;
            };
            let count = count.clone();
            tokio::task::spawn_local(async move {
                let mut buf = vec![0u8; chunk];
                while socket.read_exact(&mut buf).await.is_ok() {
                    count.0.fetch_add(per_read, Relaxed);
                }
            });
        }
        let message = vec![b'x'; chunk];
        // One writer per worker, round-robin: a message to every connection in turn, as
        // an event fans out to every client.
        let writing = async {
            loop {
                for socket in &mut writes {
                    if socket.write_all(&message).await.is_err() {
                        return;
                    }
                }
            }
        };
        // A writer may wait on a reader whose worker already stopped: stop it all the same.
        tokio::select! {
            () = writing => {}
            _ = stopped.changed() => {}
        }
    });
}
