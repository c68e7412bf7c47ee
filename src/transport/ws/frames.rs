//! The client's side of WebSocket framing (RFC 6455 §5): server frames decoded from the
//! read buffer as they are (unmasked; 7, 16 and 64-bit lengths; fragmented messages
//! joined), and the few frames a client sends (pong, close), masked as a client must.
//! With permessage-deflate negotiated (RFC 7692, `ws-deflate`), RSV1 on a message's first
//! frame marks it compressed: it is handed out whole, still compressed, to be inflated.

/// What a frame meant to the client.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// A whole text message.
    Text(&'a [u8]),
    /// A whole binary message (the wsbench dialect sends none; skipped).
    Binary,
    /// A ping and its payload (at most 125 bytes), to be answered with a pong.
    Ping(&'a [u8]),
    Pong,
    Close,
    /// A fragment of a message that is not whole yet.
    Fragment,
    /// A whole message sent with RSV1 set (compressed), and whether it is text.
    Compressed {
        payload: &'a [u8],
        text: bool,
    },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a masked frame from the server")]
    Masked,
    #[error("reserved bits or opcode {0:#x}")]
    Reserved(u8),
    #[error("a control frame fragmented or over 125 bytes")]
    BadControl,
    #[error("a continuation without a message, or a message inside another")]
    BadFragment,
    #[error("a message over {MAX_MESSAGE} bytes")]
    TooBig,
    #[error("a compressed message that does not inflate (or inflates too big)")]
    Inflate,
}

/// The largest message accepted, as the tungstenite client it replaces was configured.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Joins fragmented messages; a whole message in one frame is handed out in place.
#[derive(Default)]
pub struct FrameDecoder {
    /// The fragments so far of a message, and whether it is text.
    message: Vec<u8>,
    fragmented: Option<bool>,
    /// Whether the fragmented message's first frame carried RSV1.
    compressed: bool,
    /// Whether RSV1 means "compressed" on this connection (permessage-deflate agreed).
    deflate: bool,
}

impl FrameDecoder {
    /// Forgets a connection's unfinished message, for the next connection.
    pub fn reset(&mut self) {
        self.fragmented = None;
        self.message.clear();
    }

    /// Accepts RSV1 as "compressed" (or refuses it, as without extensions) from now on.
    pub fn set_deflate(&mut self, deflate: bool) {
        self.deflate = deflate;
    }

    /// The first frame at the front of `input` and the bytes it took, or `None` while it is
    /// incomplete.
    pub fn next<'a>(
        &'a mut self,
        input: &'a [u8],
    ) -> Result<Option<(Incoming<'a>, usize)>, FrameError> {
        let Some((header, payload_len)) = frame_header(input, self.deflate)? else {
            return Ok(None);
        };
        let Some(total) = header
            .len
            .checked_add(payload_len)
            .filter(|&t| t <= input.len())
        else {
            return Ok(None);
        };
        let payload = &input[header.len..total];
        let (fin, opcode) = (header.first & 0x80 != 0, header.first & 0x0F);
        let rsv1 = header.first & 0x40 != 0;
        if rsv1 && !matches!(opcode, 0x1 | 0x2) {
            // RFC 7692 §6: only a message's first frame may carry it.
            return Err(FrameError::Reserved(header.first));
        }
        let incoming = match opcode {
            0x8..=0xA if !fin || payload.len() > 125 => return Err(FrameError::BadControl),
            0x8 => Incoming::Close,
            0x9 => Incoming::Ping(payload),
            0xA => Incoming::Pong,
            0x1 | 0x2 if self.fragmented.is_some() => return Err(FrameError::BadFragment),
            0x1 | 0x2 if fin && rsv1 => Incoming::Compressed {
                payload,
                text: opcode == 0x1,
            },
            0x1 | 0x2 if fin => match opcode {
                0x1 => Incoming::Text(payload),
                _ => Incoming::Binary,
            },
            0x1 | 0x2 => {
                self.fragmented = Some(opcode == 0x1);
                self.compressed = rsv1;
                self.message.clear();
                self.message.extend_from_slice(payload);
                Incoming::Fragment
            }
            0x0 => {
                let text = self.fragmented.ok_or(FrameError::BadFragment)?;
                if self.message.len() + payload.len() > MAX_MESSAGE {
                    return Err(FrameError::TooBig);
                }
                self.message.extend_from_slice(payload);
                match (fin, text) {
                    (false, _) => Incoming::Fragment,
                    (true, _) if self.compressed => {
                        self.fragmented = None;
                        Incoming::Compressed {
                            payload: &self.message,
                            text,
                        }
                    }
                    (true, true) => {
                        self.fragmented = None;
                        Incoming::Text(&self.message)
                    }
                    (true, false) => {
                        self.fragmented = None;
                        Incoming::Binary
                    }
                }
            }
            other => return Err(FrameError::Reserved(other)),
        };
        Ok(Some((incoming, total)))
    }
}

struct Header {
    first: u8,
    /// Header bytes, with the extended length.
    len: usize,
}

/// The frame header at the front of `input` and its payload length, or `None` while the
/// header is incomplete.
fn frame_header(input: &[u8], deflate: bool) -> Result<Option<(Header, usize)>, FrameError> {
    let [first, second, ..] = *input else {
        return Ok(None);
    };
    let reserved = if deflate { 0x30 } else { 0x70 };
    if first & reserved != 0 {
        return Err(FrameError::Reserved(first));
    }
    if second & 0x80 != 0 {
        return Err(FrameError::Masked);
    }
    let (len, payload_len) = match second & 0x7F {
        126 => match input.get(2..4) {
            Some(bytes) => (4, u64::from(u16::from_be_bytes([bytes[0], bytes[1]]))),
            None => return Ok(None),
        },
        127 => match input.get(2..10) {
            Some(bytes) => (
                10,
                u64::from_be_bytes(bytes.try_into().unwrap_or([0xFF; 8])),
            ),
            None => return Ok(None),
        },
        short => (2, u64::from(short)),
    };
    if payload_len > MAX_MESSAGE as u64 {
        return Err(FrameError::TooBig);
    }
    Ok(Some((Header { first, len }, payload_len as usize)))
}

/// Appends a masked pong carrying `payload` (a ping's, at most 125 bytes) to `out`.
pub fn pong(payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    client_frame(0xA, payload, mask, out);
}

/// Appends a masked close frame without a status (what the tungstenite client sent on
/// `close(None)`) to `out`.
pub fn close(mask: [u8; 4], out: &mut Vec<u8>) {
    client_frame(0x8, &[], mask, out);
}

fn client_frame(opcode: u8, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    debug_assert!(payload.len() <= 125);
    out.push(0x80 | opcode);
    out.push(0x80 | payload.len() as u8);
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A server frame: FIN as given, unmasked, the shortest length form.
    fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let first = if fin { 0x80 } else { 0 } | opcode;
        crate::transport::ws_deflate::wire::server_frame(first, payload, &mut out);
        out
    }

    /// What `input` decodes to, fed in pieces cut at `cuts` as a read buffer would hold it.
    fn decode_in_pieces(input: &[u8], cuts: &[usize]) -> Result<Vec<String>, FrameError> {
        let mut decoder = FrameDecoder::default();
        let mut seen = Vec::new();
        let mut buffered = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
            let cut = cut.clamp(from, input.len());
            buffered.extend_from_slice(&input[from..cut]);
            from = cut;
            while let Some((incoming, used)) = decoder.next(&buffered)? {
                seen.push(match incoming {
                    Incoming::Text(text) => format!("text {}", String::from_utf8_lossy(text)),
                    Incoming::Ping(payload) => format!("ping {payload:?}"),
                    other => format!("{other:?}"),
                });
                buffered.drain(..used);
            }
        }
        assert!(buffered.is_empty(), "nothing left over");
        Ok(seen)
    }

    #[test]
    fn every_length_class_and_fragmentation_split_at_every_byte() {
        let long16 = "a".repeat(300);
        let long64 = "b".repeat(MAX_MESSAGE);
        let mut wire = frame(true, 0x1, b"{\"seq\":1}");
        wire.extend(frame(true, 0x1, long16.as_bytes()));
        wire.extend(frame(false, 0x1, b"frag"));
        wire.extend(frame(true, 0x9, b"hi"));
        wire.extend(frame(false, 0x0, b"men"));
        wire.extend(frame(true, 0x0, b"ted"));
        wire.extend(frame(true, 0x2, b"\x00\x01"));
        wire.extend(frame(true, 0xA, b""));
        wire.extend(frame(true, 0x8, b"\x03\xe8"));
        let expected = vec![
            "text {\"seq\":1}".to_string(),
            format!("text {long16}"),
            "Fragment".into(),
            "ping [104, 105]".into(),
            "Fragment".into(),
            "text fragmented".into(),
            "Binary".into(),
            "Pong".into(),
            "Close".into(),
        ];
        for cut in 0..=wire.len() {
            assert_eq!(
                decode_in_pieces(&wire, &[cut]).unwrap(),
                expected,
                "cut at {cut}"
            );
        }
        // The 64-bit form, which the server may use for any length.
        let mut wide = vec![0x81, 127];
        wide.extend_from_slice(&(long64.len() as u64).to_be_bytes());
        wide.extend_from_slice(long64.as_bytes());
        assert_eq!(
            decode_in_pieces(&wide, &[5, 9, 100]).unwrap(),
            [format!("text {long64}")]
        );
    }

    #[test]
    fn protocol_errors_are_refused() {
        let cases: [(Vec<u8>, FrameError); 6] = [
            (vec![0x81, 0x81, 1, 2, 3, 4, b'x'], FrameError::Masked),
            (vec![0xC1, 0x00], FrameError::Reserved(0xC1)),
            (vec![0x83, 0x00], FrameError::Reserved(0x3)),
            (frame(false, 0x9, b""), FrameError::BadControl),
            (frame(true, 0x0, b"x"), FrameError::BadFragment),
            (
                [frame(false, 0x1, b"a"), frame(true, 0x1, b"b")].concat(),
                FrameError::BadFragment,
            ),
        ];
        for (wire, error) in cases {
            assert_eq!(decode_in_pieces(&wire, &[]), Err(error), "{wire:?}");
        }
        let mut huge = vec![0x81, 127];
        huge.extend_from_slice(&(MAX_MESSAGE as u64 + 1).to_be_bytes());
        assert_eq!(decode_in_pieces(&huge, &[]), Err(FrameError::TooBig));
    }

    #[test]
    fn rsv1_marks_a_compressed_message_only_once_deflate_is_agreed() {
        let mut compressed = frame(true, 0x1, b"zz");
        compressed[0] |= 0x40;
        let mut decoder = FrameDecoder::default();
        assert_eq!(
            decoder
                .next(&compressed)
                .map(|f| f.map(|(i, _)| format!("{i:?}"))),
            Err(FrameError::Reserved(0xC1))
        );
        decoder.set_deflate(true);
        let (incoming, used) = decoder.next(&compressed).unwrap().unwrap();
        let whole = Incoming::Compressed {
            payload: b"zz",
            text: true,
        };
        assert_eq!((incoming, used), (whole, 4));
        // Fragmented: RSV1 on the first frame only; on a continuation or a control frame
        // it is refused.
        let mut first = frame(false, 0x1, b"ab");
        first[0] |= 0x40;
        let mut wire = first.clone();
        wire.extend(frame(true, 0x0, b"cd"));
        let (incoming, used) = decoder.next(&wire).unwrap().unwrap();
        assert_eq!(incoming, Incoming::Fragment);
        let (incoming, _) = decoder.next(&wire[used..]).unwrap().unwrap();
        let joined = Incoming::Compressed {
            payload: b"abcd",
            text: true,
        };
        assert_eq!(incoming, joined);
        for first in [0xC9, 0xC0] {
            let refused = decoder
                .next(&[first, 0])
                .map(|f| f.map(|(i, _)| format!("{i:?}")));
            assert_eq!(refused, Err(FrameError::Reserved(first)));
        }
    }

    #[test]
    fn client_frames_are_masked() {
        let mut out = Vec::new();
        pong(b"hi", [1, 2, 3, 4], &mut out);
        assert_eq!(out, [0x8A, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
        out.clear();
        close([9, 9, 9, 9], &mut out);
        assert_eq!(
            out,
            [0x88, 0x80, 9, 9, 9, 9],
            "6 bytes, as tungstenite's close(None)"
        );
    }

    proptest! {
        #[test]
        fn messages_cut_anywhere_come_out_whole(
            messages in proptest::collection::vec("[a-z]{0,300}", 1..6),
            cuts in proptest::collection::vec(0usize..2000, 0..8),
        ) {
            let wire: Vec<u8> = messages.iter().flat_map(|m| frame(true, 0x1, m.as_bytes())).collect();
            let mut cuts = cuts;
            cuts.sort_unstable();
            let expected: Vec<String> = messages.iter().map(|m| format!("text {m}")).collect();
            prop_assert_eq!(decode_in_pieces(&wire, &cuts).unwrap(), expected);
        }
    }
}
