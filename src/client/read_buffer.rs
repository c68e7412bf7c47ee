//! One connection's read buffer: each read takes everything the socket holds (up to the
//! free room), and the client decodes every complete message from it before reading again.
//! Allocated once per connection; it grows only for a message larger than itself.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Room a fresh buffer has: several events of a fan-out feed, or one poll answer's head.
pub const INITIAL_CAPACITY: usize = 4 * 1024;

/// The most a buffer grows to: a single answer or message beyond this is refused.
pub const MAX_CAPACITY: usize = 64 * 1024 * 1024;

pub struct ReadBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl Default for ReadBuffer {
    fn default() -> Self {
        Self {
            bytes: vec![0; INITIAL_CAPACITY],
            start: 0,
            end: 0,
        }
    }
}

impl ReadBuffer {
    /// The bytes read and not yet consumed.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Marks the first `n` bytes of `data()` as decoded.
    pub fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.start);
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// One read into the free room (made by moving the unconsumed tail to the front, or by
    /// growing when the tail fills the buffer): the bytes read, 0 at end of stream.
    pub async fn fill_from<S: AsyncRead + Unpin>(&mut self, stream: &mut S) -> io::Result<usize> {
        self.make_room()?;
        let n = stream.read(&mut self.bytes[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    fn make_room(&mut self) -> io::Result<()> {
        // Move the tail when it has drifted past half the buffer: a copy of less than half.
        if self.start > 0 && self.end > self.bytes.len() / 2 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.bytes.len() {
            if self.bytes.len() >= MAX_CAPACITY {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a message over {MAX_CAPACITY} bytes"),
                ));
            }
            self.bytes.resize(self.bytes.len() * 2, 0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_unconsumed_bytes_across_reads_and_grows_for_a_long_message() {
        let mut buffer = ReadBuffer::default();
        let long = vec![7u8; INITIAL_CAPACITY * 3];
        let mut input: &[u8] = &long;
        let mut total = 0;
        while total < long.len() {
            total += buffer.fill_from(&mut input).await.unwrap();
        }
        assert_eq!(buffer.data(), &long[..]);
        buffer.consume(10);
        assert_eq!(buffer.data().len(), long.len() - 10);
        let mut more: &[u8] = b"tail";
        buffer.fill_from(&mut more).await.unwrap();
        assert!(buffer.data().ends_with(b"\x07tail"));
        assert_eq!(buffer.data().len(), long.len() - 10 + 4);
        buffer.consume(buffer.data().len());
        assert_eq!(buffer.data(), b"");
        let mut empty: &[u8] = b"";
        assert_eq!(buffer.fill_from(&mut empty).await.unwrap(), 0);
    }
}
