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
    #[error("a text message that is not UTF-8")]
    NotUtf8,
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

/// Appends a masked text message (a chat client's) carrying `payload` to `out`.
pub fn text(payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    client_frame(0x1, payload, mask, out);
}

fn client_frame(opcode: u8, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    // RFC 6455 §5.2: 7 bits, or 126 and 16 bits, or 127 and 64 bits; the mask bit set.
    match payload.len() {
        short @ 0..=125 => out.push(0x80 | short as u8),
        medium @ 126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(medium as u16).to_be_bytes());
        }
        long => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(long as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}

#[cfg(test)]
mod tests;
