//! The server's side of WebSocket framing for `ws-deflate` (RFC 6455 §5 with RFC 7692's
//! RSV1): frames from the client, masked as they must be, unmasked and joined into whole
//! messages; frames to the client, unmasked. tungstenite refuses RSV1, so `ws-deflate`
//! frames its own messages.

use crate::transport::ws::frames::{FrameError, MAX_MESSAGE};

/// What a client's frame meant.
#[derive(Debug, PartialEq, Eq)]
pub enum FromClient<'a> {
    /// A whole message, unmasked; `compressed` when its first frame carried RSV1 (a text
    /// message's UTF-8 is then the inflater's caller's to check), `text` for opcode 1.
    Message {
        payload: &'a [u8],
        compressed: bool,
        text: bool,
    },
    Ping(&'a [u8]),
    Pong,
    Close,
    Fragment,
}

/// Unmasks and joins the client's frames.
#[derive(Default)]
pub struct ClientFrames {
    /// Whether RSV1 means "compressed" (permessage-deflate agreed); without it, RFC 6455
    /// §5.2 fails a connection whose frame sets any reserved bit.
    deflate: bool,
    /// The current frame's payload, then the fragments of a message joined.
    payload: Vec<u8>,
    message: Vec<u8>,
    /// A fragmented message under way.
    fragmented: Option<Started>,
    /// How much of a fragmented plain text message is known to be UTF-8.
    checked: usize,
}

/// What a fragmented message's first frame said.
#[derive(Clone, Copy)]
struct Started {
    compressed: bool,
    text: bool,
}

impl ClientFrames {
    /// Frames on a connection where permessage-deflate was agreed (`deflate`), or not.
    pub fn new(deflate: bool) -> Self {
        Self {
            deflate,
            ..Self::default()
        }
    }

    /// The first frame at the front of `input` and the bytes it took, `None` while it is
    /// incomplete.
    pub fn next(&mut self, input: &[u8]) -> Result<Option<(FromClient<'_>, usize)>, FrameError> {
        let [first, second, ..] = *input else {
            return Ok(None);
        };
        let reserved = if self.deflate { 0x30 } else { 0x70 };
        if first & reserved != 0 {
            return Err(FrameError::Reserved(first));
        }
        if second & 0x80 == 0 {
            // A client's frames must be masked (§5.1); the variant's words are the server's.
            return Err(FrameError::Masked);
        }
        let (head, len) = match second & 0x7F {
            126 => match input.get(2..4) {
                Some(b) => (4, u64::from(u16::from_be_bytes([b[0], b[1]]))),
                None => return Ok(None),
            },
            127 => match input.get(2..10) {
                Some(b) => (10, u64::from_be_bytes(b.try_into().unwrap_or([0xFF; 8]))),
                None => return Ok(None),
            },
            short => (2, u64::from(short)),
        };
        if len > MAX_MESSAGE as u64 {
            return Err(FrameError::TooBig);
        }
        let total = head + 4 + len as usize;
        let Some(frame) = input.get(..total) else {
            return Ok(None);
        };
        let mask = [
            frame[head],
            frame[head + 1],
            frame[head + 2],
            frame[head + 3],
        ];
        self.payload.clear();
        let masked = &frame[head + 4..];
        self.payload
            .extend(masked.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        let (fin, opcode, rsv1) = (first & 0x80 != 0, first & 0x0F, first & 0x40 != 0);
        let plain_text = opcode == 0x1 && !rsv1;
        let incoming = match opcode {
            0x8..=0xA if !fin || rsv1 || len > 125 => return Err(FrameError::BadControl),
            0x8 => FromClient::Close,
            0x9 => FromClient::Ping(&self.payload),
            0xA => FromClient::Pong,
            0x1 | 0x2 if self.fragmented.is_some() => return Err(FrameError::BadFragment),
            0x1 | 0x2 if fin => {
                if plain_text {
                    utf8(&self.payload, true)?;
                }
                FromClient::Message {
                    payload: &self.payload,
                    compressed: rsv1,
                    text: opcode == 0x1,
                }
            }
            0x1 | 0x2 => {
                self.fragmented = Some(Started {
                    compressed: rsv1,
                    text: opcode == 0x1,
                });
                self.message.clear();
                self.message.extend_from_slice(&self.payload);
                self.checked = 0;
                if plain_text {
                    self.check_fragments(false)?;
                }
                FromClient::Fragment
            }
            0x0 if rsv1 => return Err(FrameError::Reserved(first)),
            0x0 => {
                let started = self.fragmented.ok_or(FrameError::BadFragment)?;
                if self.message.len() + self.payload.len() > MAX_MESSAGE {
                    return Err(FrameError::TooBig);
                }
                self.message.extend_from_slice(&self.payload);
                if started.text && !started.compressed {
                    self.check_fragments(fin)?;
                }
                if !fin {
                    return Ok(Some((FromClient::Fragment, total)));
                }
                self.fragmented = None;
                FromClient::Message {
                    payload: &self.message,
                    compressed: started.compressed,
                    text: started.text,
                }
            }
            other => return Err(FrameError::Reserved(other)),
        };
        Ok(Some((incoming, total)))
    }

    /// Checks the plain text joined so far from where the last check stopped, failing as
    /// soon as it cannot become UTF-8 (as tungstenite does on `/ws`), not only at its end.
    fn check_fragments(&mut self, whole: bool) -> Result<(), FrameError> {
        self.checked += utf8(&self.message[self.checked..], whole)?;
        Ok(())
    }
}

/// RFC 6455 §8.1: a text message must be UTF-8, whole (`whole`) or so far, where the last
/// character may still be cut. How many bytes are known good.
pub fn utf8(text: &[u8], whole: bool) -> Result<usize, FrameError> {
    match std::str::from_utf8(text) {
        Ok(_) => Ok(text.len()),
        Err(cut) if !whole && cut.error_len().is_none() => Ok(cut.valid_up_to()),
        Err(_) => Err(FrameError::NotUtf8),
    }
}

/// Appends a server frame (unmasked, the shortest length form) to `out`: `first` is its
/// first byte (FIN, RSV1, opcode).
pub fn server_frame(first: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(first);
    match payload.len() {
        len @ 0..=125 => out.push(len as u8),
        len @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

/// FIN, RSV1 (compressed) and the text opcode: a whole compressed text message.
pub const COMPRESSED_TEXT: u8 = 0xC1;
pub const TEXT: u8 = 0x81;
pub const PING: u8 = 0x89;
pub const PONG: u8 = 0x8A;
pub const CLOSE: u8 = 0x88;

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = vec![first, 0x80 | payload.len() as u8];
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn client_frames_are_unmasked_joined_and_checked() {
        // RFC 6455 §5.7: a masked "Hello".
        let hello = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let mut frames = ClientFrames::new(true);
        let (incoming, used) = frames.next(&hello).unwrap().unwrap();
        let hello_message = FromClient::Message {
            payload: b"Hello",
            compressed: false,
            text: true,
        };
        assert_eq!((incoming, used), (hello_message, 11));
        assert_eq!(frames.next(&hello[..10]).unwrap(), None);
        let mut wire = masked(0x41, b"ab");
        wire.extend(masked(0x80, b"cd"));
        let (first, used) = frames.next(&wire).unwrap().unwrap();
        assert_eq!(first, FromClient::Fragment);
        let (whole, _) = frames.next(&wire[used..]).unwrap().unwrap();
        let joined = FromClient::Message {
            payload: b"abcd",
            compressed: true,
            text: true,
        };
        assert_eq!(whole, joined);
        assert_eq!(frames.next(&[0x81, 0x00]), Err(FrameError::Masked));
        assert_eq!(frames.next(&masked(0xC9, b"")), Err(FrameError::BadControl));
        assert_eq!(
            frames.next(&masked(0xC0, b"")),
            Err(FrameError::Reserved(0xC0))
        );
    }

    #[test]
    fn rsv1_is_refused_unless_deflate_was_agreed() {
        let compressed = masked(0xC1, b"zz");
        let mut plain = ClientFrames::new(false);
        assert_eq!(plain.next(&compressed), Err(FrameError::Reserved(0xC1)));
        assert_eq!(
            plain.next(&masked(0x41, b"ab")),
            Err(FrameError::Reserved(0x41))
        );
        let mut agreed = ClientFrames::new(true);
        let (incoming, _) = agreed.next(&compressed).unwrap().unwrap();
        let whole = FromClient::Message {
            payload: b"zz",
            compressed: true,
            text: true,
        };
        assert_eq!(incoming, whole);
        for reserved in [0xA1, 0x91] {
            let refused = agreed.next(&masked(reserved, b"x"));
            assert_eq!(refused, Err(FrameError::Reserved(reserved)));
        }
    }

    #[test]
    fn plain_text_must_be_utf8_and_binary_need_not() {
        let mut frames = ClientFrames::new(false);
        assert_eq!(
            frames.next(&masked(0x81, b"caf\xC3\x28")),
            Err(FrameError::NotUtf8)
        );
        // "é" (C3 A9) cut between two fragments is whole once joined.
        let mut wire = masked(0x01, b"caf\xC3");
        let cut = wire.len();
        wire.extend(masked(0x80, b"\xA9"));
        assert_eq!(frames.next(&wire).unwrap().unwrap().0, FromClient::Fragment);
        let (joined, _) = frames.next(&wire[cut..]).unwrap().unwrap();
        let cafe = FromClient::Message {
            payload: "café".as_bytes(),
            compressed: false,
            text: true,
        };
        assert_eq!(joined, cafe);
        // A fragment no continuation could make UTF-8 fails at once; a cut character
        // left at the end fails the whole message.
        let mut frames = ClientFrames::new(false);
        assert_eq!(
            frames.next(&masked(0x01, b"\xFFab")),
            Err(FrameError::NotUtf8)
        );
        let mut frames = ClientFrames::new(false);
        let mut wire = masked(0x01, b"ab");
        let cut = wire.len();
        wire.extend(masked(0x80, b"\xC3"));
        assert_eq!(frames.next(&wire).unwrap().unwrap().0, FromClient::Fragment);
        assert_eq!(frames.next(&wire[cut..]), Err(FrameError::NotUtf8));
        let mut fresh = ClientFrames::new(false);
        let (binary, _) = fresh.next(&masked(0x82, b"\xFF")).unwrap().unwrap();
        let bytes = FromClient::Message {
            payload: b"\xFF",
            compressed: false,
            text: false,
        };
        assert_eq!(binary, bytes);
        // Compressed text is checked once inflated, by the session.
        let mut agreed = ClientFrames::new(true);
        assert!(agreed.next(&masked(0xC1, b"\xFF")).is_ok());
        assert_eq!(utf8(b"ab\xC3", false), Ok(2));
        assert_eq!(utf8(b"ab\xC3", true), Err(FrameError::NotUtf8));
    }

    #[test]
    fn server_frames_use_the_shortest_length() {
        let mut out = Vec::new();
        server_frame(COMPRESSED_TEXT, b"xy", &mut out);
        assert_eq!(out, [0xC1, 2, b'x', b'y']);
        out.clear();
        server_frame(TEXT, &[0; 300], &mut out);
        assert_eq!(&out[..4], [0x81, 126, 1, 44]);
    }
}
