//! The server's side of WebSocket framing for `ws-deflate` (RFC 6455 §5 with RFC 7692's
//! RSV1): frames from the client, masked as they must be, unmasked and joined into whole
//! messages; frames to the client, unmasked. tungstenite refuses RSV1, so `ws-deflate`
//! frames its own messages.

use crate::transport::ws::frames::{FrameError, MAX_MESSAGE};

/// What a client's frame meant.
#[derive(Debug, PartialEq, Eq)]
pub enum FromClient<'a> {
    /// A whole message, unmasked; `compressed` when its first frame carried RSV1.
    Message {
        payload: &'a [u8],
        compressed: bool,
    },
    Ping(&'a [u8]),
    Pong,
    Close,
    Fragment,
}

/// Unmasks and joins the client's frames.
#[derive(Default)]
pub struct ClientFrames {
    /// The current frame's payload, then the fragments of a message joined.
    payload: Vec<u8>,
    message: Vec<u8>,
    /// A fragmented message under way, and whether it is compressed.
    fragmented: Option<bool>,
}

impl ClientFrames {
    /// The first frame at the front of `input` and the bytes it took, `None` while it is
    /// incomplete.
    pub fn next(&mut self, input: &[u8]) -> Result<Option<(FromClient<'_>, usize)>, FrameError> {
        let [first, second, ..] = *input else {
            return Ok(None);
        };
        if first & 0x30 != 0 {
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
        let incoming = match opcode {
            0x8..=0xA if !fin || rsv1 || len > 125 => return Err(FrameError::BadControl),
            0x8 => FromClient::Close,
            0x9 => FromClient::Ping(&self.payload),
            0xA => FromClient::Pong,
            0x1 | 0x2 if self.fragmented.is_some() => return Err(FrameError::BadFragment),
            0x1 | 0x2 if fin => FromClient::Message {
                payload: &self.payload,
                compressed: rsv1,
            },
            0x1 | 0x2 => {
                self.fragmented = Some(rsv1);
                self.message.clear();
                self.message.extend_from_slice(&self.payload);
                FromClient::Fragment
            }
            0x0 if rsv1 => return Err(FrameError::Reserved(first)),
            0x0 => {
                let compressed = self.fragmented.ok_or(FrameError::BadFragment)?;
                if self.message.len() + self.payload.len() > MAX_MESSAGE {
                    return Err(FrameError::TooBig);
                }
                self.message.extend_from_slice(&self.payload);
                if !fin {
                    return Ok(Some((FromClient::Fragment, total)));
                }
                self.fragmented = None;
                FromClient::Message {
                    payload: &self.message,
                    compressed,
                }
            }
            other => return Err(FrameError::Reserved(other)),
        };
        Ok(Some((incoming, total)))
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
        let mut frames = ClientFrames::default();
        let (incoming, used) = frames.next(&hello).unwrap().unwrap();
        let hello_message = FromClient::Message {
            payload: b"Hello",
            compressed: false,
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
    fn server_frames_use_the_shortest_length() {
        let mut out = Vec::new();
        server_frame(COMPRESSED_TEXT, b"xy", &mut out);
        assert_eq!(out, [0xC1, 2, b'x', b'y']);
        out.clear();
        server_frame(TEXT, &[0; 300], &mut out);
        assert_eq!(&out[..4], [0x81, 126, 1, 44]);
    }
}
