//! Response bodies, decoded from whatever part of them a read brought: by `content-length`,
//! by chunked transfer coding (RFC 9112 §7.1; chunk extensions and trailers skipped), or to
//! the end of the connection.

use super::HttpError;

/// How a body's end is known, from its response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (204, 304, 1xx).
    Empty,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
}

/// Decodes one body incrementally; see `decode`.
#[derive(Debug)]
pub struct BodyDecoder {
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Body bytes left by `content-length`.
    Length(u64),
    /// A chunk-size line: the size so far and how many hex digits it had.
    Size {
        size: u64,
        digits: u8,
    },
    /// A chunk extension, skipped to the end of its line.
    Extension {
        size: u64,
    },
    /// The LF after a chunk-size line's CR.
    SizeLf {
        size: u64,
    },
    /// Chunk data left.
    Data(u64),
    /// The CRLF after chunk data.
    DataCr,
    DataLf,
    /// After the last chunk: a trailer line or the final CRLF.
    TrailerStart,
    TrailerLine,
    FinalLf,
    UntilClose,
    Done,
}

/// Hex digits a chunk size may have: up to u64::MAX.
const MAX_SIZE_DIGITS: u8 = 16;

impl BodyDecoder {
    pub fn new(framing: Framing) -> Self {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::Size { size: 0, digits: 0 },
            Framing::UntilClose => State::UntilClose,
        };
        Self { state }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input` as much as it holds, appending body bytes to `out`: returns how
    /// many input bytes it used (all of them, unless the body ended before).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, HttpError> {
        let mut used = 0;
        while used < input.len() && self.state != State::Done {
            let rest = &input[used..];
            match self.state {
                State::Length(left) | State::Data(left) => {
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&rest[..take]);
                    used += take;
                    let left = left - take as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), _) => State::Length(left),
                        (_, 0) => State::DataCr,
                        _ => State::Data(left),
                    };
                }
                State::UntilClose => {
                    out.extend_from_slice(rest);
                    used = input.len();
                }
                _ => {
                    self.state = self.step(rest[0])?;
                    used += 1;
                }
            }
        }
        Ok(used)
    }

    /// The body's connection ended: fine only for a body that runs until then.
    pub fn end_of_stream(&mut self) -> Result<(), HttpError> {
        match self.state {
            State::UntilClose | State::Done => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(HttpError::Closed),
        }
    }

    /// One byte of chunked framing.
    fn step(&self, byte: u8) -> Result<State, HttpError> {
        let malformed = || HttpError::Malformed("chunked framing");
        Ok(match (self.state, byte) {
            (State::Size { size, digits }, _) if byte.is_ascii_hexdigit() => {
                if digits == MAX_SIZE_DIGITS {
                    return Err(malformed());
                }
                let digit = (byte as char).to_digit(16).unwrap_or(0);
                State::Size {
                    size: size << 4 | u64::from(digit),
                    digits: digits + 1,
                }
            }
            (State::Size { digits: 0, .. }, _) => return Err(malformed()),
            (State::Size { size, .. }, b';' | b' ' | b'\t') => State::Extension { size },
            (State::Size { size, .. } | State::Extension { size }, b'\r') => State::SizeLf { size },
            (
                State::Size { size, .. } | State::Extension { size } | State::SizeLf { size },
                b'\n',
            ) => {
                if size == 0 {
                    State::TrailerStart
                } else {
                    State::Data(size)
                }
            }
            (State::Extension { size }, _) => State::Extension { size },
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataCr | State::DataLf, b'\n') => State::Size { size: 0, digits: 0 },
            (State::TrailerStart, b'\r') => State::FinalLf,
            (State::TrailerStart | State::FinalLf, b'\n') => State::Done,
            (State::TrailerLine, b'\n') => State::TrailerStart,
            (State::TrailerStart | State::TrailerLine, _) => State::TrailerLine,
            _ => return Err(malformed()),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Decodes `input` fed in pieces cut at `cuts`; the body and the bytes left after it.
    fn decode_in_pieces(framing: Framing, input: &[u8], cuts: &[usize]) -> (Vec<u8>, usize, bool) {
        let mut decoder = BodyDecoder::new(framing);
        let mut body = Vec::new();
        let mut used = 0;
        let mut from = 0;
        for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
            let cut = cut.clamp(from, input.len());
            used += decoder.decode(&input[from..cut], &mut body).unwrap();
            from = cut;
        }
        (body, input.len() - used, decoder.is_done())
    }

    const CHUNKED: &[u8] =
        b"5;name=value\r\nhello\r\n1\r\n \r\nC\r\nworld, again\r\n0\r\nx-trailer: 1\r\n\r\nNEXT";

    #[test]
    fn chunked_bodies_split_at_every_byte_boundary() {
        for cut in 0..=CHUNKED.len() {
            let (body, left, done) = decode_in_pieces(Framing::Chunked, CHUNKED, &[cut]);
            assert_eq!(body, b"hello world, again", "cut at {cut}");
            assert_eq!(
                (left, done),
                (4, true),
                "cut at {cut}: the next response stays"
            );
        }
    }

    #[test]
    fn a_chunked_body_that_is_not_done_yet_waits_for_more() {
        let (body, left, done) = decode_in_pieces(Framing::Chunked, b"5\r\nhel", &[]);
        assert_eq!((body.as_slice(), left, done), (&b"hel"[..], 0, false));
        let mut decoder = BodyDecoder::new(Framing::Chunked);
        assert!(matches!(decoder.end_of_stream(), Err(HttpError::Closed)));
    }

    #[test]
    fn malformed_chunk_framing_is_an_error() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"5\r\nhelloXY",
            b"11111111111111111\r\n",
        ] {
            let mut decoder = BodyDecoder::new(Framing::Chunked);
            assert!(decoder.decode(bad, &mut Vec::new()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn length_and_empty_bodies_stop_where_they_end() {
        let (body, left, done) = decode_in_pieces(Framing::Length(5), b"helloHTTP/1.1", &[2]);
        assert_eq!((body.as_slice(), left, done), (&b"hello"[..], 8, true));
        let (body, left, done) = decode_in_pieces(Framing::Empty, b"HTTP", &[]);
        assert_eq!((body.len(), left, done), (0, 4, true));
        let mut until_close = BodyDecoder::new(Framing::UntilClose);
        let mut body = Vec::new();
        assert_eq!(until_close.decode(b"abc", &mut body).unwrap(), 3);
        assert!(!until_close.is_done());
        until_close.end_of_stream().unwrap();
        assert!(until_close.is_done());
    }

    proptest! {
        #[test]
        fn any_chunking_cut_anywhere_gives_the_body_back(
            body in proptest::collection::vec(any::<u8>(), 0..300),
            sizes in proptest::collection::vec(1usize..40, 1..20),
            cuts in proptest::collection::vec(0usize..600, 0..8),
        ) {
            let mut wire = Vec::new();
            let mut rest = &body[..];
            for size in sizes.iter().cycle() {
                if rest.is_empty() { break; }
                let (chunk, tail) = rest.split_at((*size).min(rest.len()));
                wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                wire.extend_from_slice(chunk);
                wire.extend_from_slice(b"\r\n");
                rest = tail;
            }
            wire.extend_from_slice(b"0\r\n\r\n");
            let mut cuts = cuts;
            cuts.sort_unstable();
            let (decoded, left, done) = decode_in_pieces(Framing::Chunked, &wire, &cuts);
            prop_assert_eq!(decoded, body);
            prop_assert_eq!((left, done), (0, true));
        }
    }
}
