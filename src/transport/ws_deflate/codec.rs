//! permessage-deflate's compression (RFC 7692 §7.2): raw DEFLATE, each message ended with
//! a sync flush whose `00 00 FF FF` tail is left off the wire and put back to inflate. With
//! context takeover a connection's compressor keeps its window from message to message:
//! one compressor (or decompressor) per connection, whose memory is the extension's cost.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The tail a sync flush ends with, removed by the sender and appended by the receiver.
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

#[derive(Debug, thiserror::Error)]
pub enum DeflateError {
    #[error("deflate failed: {0}")]
    Compress(flate2::CompressError),
    #[error("a compressed message that does not inflate: {0}")]
    Decompress(flate2::DecompressError),
    #[error("a message that inflates past {0} bytes")]
    TooBig(usize),
}

/// One direction's compressor.
pub struct Deflater {
    compress: Compress,
    /// `*_no_context_takeover`: each message starts from an empty window.
    reset_each: bool,
}

impl Deflater {
    /// `window_bits`: 9 to 15 (zlib refuses 8 for raw deflate).
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Self {
            compress: Compress::new_with_window_bits(Compression::default(), false, window_bits),
            reset_each: no_context_takeover,
        }
    }

    /// Appends the compressed form of `message` to `out`, without its `00 00 FF FF` tail.
    pub fn compress(&mut self, message: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        let start = out.len();
        let mut input = message;
        loop {
            out.reserve(input.len() / 2 + 64);
            let before = self.compress.total_in();
            self.compress
                .compress_vec(input, out, FlushCompress::Sync)
                .map_err(DeflateError::Compress)?;
            input = &input[(self.compress.total_in() - before) as usize..];
            // A sync flush is complete once the compressor left room in the output.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) && out.len() - start >= TAIL.len() {
            out.truncate(out.len() - TAIL.len());
        }
        // A sync flush with nothing new to flush writes nothing (zlib), and nothing with the
        // tail put back does not inflate: an empty message is one empty stored block, `00`
        // (RFC 7692 §7.2.3.6).
        if out.len() == start {
            out.push(0x00);
        }
        if self.reset_each {
            self.compress.reset();
        }
        Ok(())
    }
}

/// One direction's decompressor.
pub struct Inflater {
    decompress: Decompress,
    reset_each: bool,
    /// The largest message inflated; beyond it the message is refused.
    max: usize,
}

impl Inflater {
    pub fn new(window_bits: u8, no_context_takeover: bool, max: usize) -> Self {
        Self {
            decompress: Decompress::new_with_window_bits(false, window_bits),
            reset_each: no_context_takeover,
            max,
        }
    }

    /// Replaces `out` with the message that `payload` (one whole compressed message)
    /// inflates to.
    pub fn decompress(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        out.clear();
        for part in [payload, &TAIL[..]] {
            let mut input = part;
            loop {
                // One byte past the limit is room enough to see a message too big.
                let Some(room) = (self.max + 1).checked_sub(out.len()).filter(|&r| r > 0) else {
                    return Err(DeflateError::TooBig(self.max));
                };
                out.reserve((input.len() * 4).max(256).min(room));
                let before = self.decompress.total_in();
                let status = self
                    .decompress
                    .decompress_vec(input, out, FlushDecompress::Sync)
                    .map_err(DeflateError::Decompress)?;
                input = &input[(self.decompress.total_in() - before) as usize..];
                let room_left = out.len() < out.capacity();
                if (input.is_empty() && room_left) || status == Status::StreamEnd {
                    break;
                }
            }
        }
        if out.len() > self.max {
            return Err(DeflateError::TooBig(self.max));
        }
        if self.reset_each {
            self.decompress.reset(false);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rfc_examples_inflate() {
        // RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello", then "Hello" again with the window kept.
        let mut inflate = Inflater::new(15, false, 1024);
        let mut out = Vec::new();
        inflate
            .decompress(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out)
            .unwrap();
        assert_eq!(out, b"Hello");
        inflate
            .decompress(&[0xf2, 0x00, 0x11, 0x00, 0x00], &mut out)
            .unwrap();
        assert_eq!(out, b"Hello");
    }

    /// The case proptest found: empty messages in a row with the window kept. The second
    /// sync flush has nothing to flush; the message must still be one that inflates.
    #[test]
    fn empty_messages_in_a_row_inflate() {
        let mut deflate = Deflater::new(9, false);
        let mut inflate = Inflater::new(9, false, 1024);
        let (mut wire, mut out) = (Vec::new(), vec![1]);
        for _ in 0..3 {
            wire.clear();
            deflate.compress(b"", &mut wire).unwrap();
            assert_eq!(wire, [0x00]);
            inflate.decompress(&wire, &mut out).unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn context_takeover_shrinks_a_repeated_message_and_no_takeover_does_not() {
        let event = br#"{"seq":1042,"ts":1763700000123456789,"sym":"ACME","px":101.25}"#;
        let sizes = |no_takeover: bool| {
            let mut deflate = Deflater::new(15, no_takeover);
            let mut inflate = Inflater::new(15, no_takeover, 1024);
            let (mut wire, mut out) = (Vec::new(), Vec::new());
            let mut sizes = Vec::new();
            for _ in 0..2 {
                wire.clear();
                deflate.compress(event, &mut wire).unwrap();
                inflate.decompress(&wire, &mut out).unwrap();
                assert_eq!(out, event);
                sizes.push(wire.len());
            }
            sizes
        };
        let kept = sizes(false);
        assert!(kept[1] < kept[0] / 3, "{kept:?}");
        let fresh = sizes(true);
        assert_eq!(fresh[0], fresh[1]);
        assert_eq!(fresh[0], kept[0]);
    }

    #[test]
    fn a_message_inflating_past_the_limit_is_refused() {
        let mut wire = Vec::new();
        Deflater::new(15, false)
            .compress(&[b'a'; 5000], &mut wire)
            .unwrap();
        let mut out = Vec::new();
        let refused = Inflater::new(15, false, 4096).decompress(&wire, &mut out);
        assert!(matches!(refused, Err(DeflateError::TooBig(4096))));
    }

    proptest! {
        #[test]
        fn what_is_deflated_inflates_back(
            messages in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 1..5),
            bits in 9u8..=15,
            no_takeover: bool,
        ) {
            let mut deflate = Deflater::new(bits, no_takeover);
            let mut inflate = Inflater::new(bits, no_takeover, 1 << 16);
            let (mut wire, mut out) = (Vec::new(), Vec::new());
            for message in &messages {
                wire.clear();
                deflate.compress(message, &mut wire).unwrap();
                inflate.decompress(&wire, &mut out).unwrap();
                prop_assert_eq!(&out, message);
            }
        }
    }
}
