//! A program's stdout cut into lines, in bounded memory: a line over the limit is counted
//! to its end but not kept, and a line that is not UTF-8 says where it stops being so.

use std::io::{BufRead, BufReader, Read};

/// One line of output, without its `\n` (and without a `\r` before it: serial consoles end
/// lines with CRLF).
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a str),
    /// Longer than the limit; `bytes` is its whole length.
    TooLong {
        number: u64,
        bytes: u64,
    },
    /// Not UTF-8 from `line_offset` (a byte of the line) on, which is byte `output_offset`
    /// of the whole output.
    NotUtf8 {
        number: u64,
        line_offset: usize,
        output_offset: u64,
    },
}

pub struct Lines<R> {
    input: BufReader<R>,
    max_bytes: usize,
    kept: Vec<u8>,
    /// Lines read so far: the number of the last one.
    pub number: u64,
    /// Bytes read so far.
    offset: u64,
}

impl<R: Read> Lines<R> {
    pub fn new(input: R, max_bytes: usize) -> Self {
        Self {
            input: BufReader::with_capacity(64 * 1024, input),
            max_bytes,
            kept: Vec::new(),
            number: 0,
            offset: 0,
        }
    }

    /// The next line; `None` at the end of the output. A last line without `\n` is a line.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.kept.clear();
        let start = self.offset;
        let mut length = 0u64;
        // The line's last byte, which may be a `\r` beyond what is kept.
        let mut last = None;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                if length == 0 {
                    return Ok(None);
                }
                break;
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            // One byte past the limit is enough to know a line is over it.
            let room = (self.max_bytes + 1).saturating_sub(self.kept.len());
            self.kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            length += chunk.len() as u64;
            last = chunk.last().copied().or(last);
            let used = chunk.len() + usize::from(newline.is_some());
            self.input.consume(used);
            self.offset += used as u64;
            if newline.is_some() {
                break;
            }
        }
        self.number += 1;
        if last == Some(b'\r') {
            length -= 1;
            self.kept.truncate(length as usize);
        }
        if length > self.max_bytes as u64 {
            return Ok(Some(Line::TooLong {
                number: self.number,
                bytes: length,
            }));
        }
        Ok(Some(match std::str::from_utf8(&self.kept) {
            Ok(text) => Line::Text(text),
            Err(e) => Line::NotUtf8 {
                number: self.number,
                line_offset: e.valid_up_to(),
                output_offset: start + e.valid_up_to() as u64,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize) -> Vec<String> {
        let mut lines = Lines::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(format!("{line:?}"));
        }
        out
    }

    #[test]
    fn lines_are_cut_at_newlines_with_crlf_and_a_last_unterminated_line() {
        assert_eq!(
            all(b"one\r\ntwo\n\nthree", 10),
            [
                "Text(\"one\")",
                "Text(\"two\")",
                "Text(\"\")",
                "Text(\"three\")"
            ]
        );
        assert!(all(b"", 10).is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_measured_whole_and_the_next_one_read() {
        let mut input = vec![b'x'; 9];
        input.extend_from_slice(b"\r\nok\n");
        assert_eq!(
            all(&input, 8),
            ["TooLong { number: 1, bytes: 9 }", "Text(\"ok\")"]
        );
        // Exactly at the limit, with its CR, is not over it.
        assert_eq!(all(&input, 9)[0], format!("Text(\"{}\")", "x".repeat(9)));
    }

    #[test]
    fn invalid_utf8_names_the_line_and_the_byte() {
        assert_eq!(
            all("ok\nnaïve \u{e9}\nab\u{ff}c\n".as_bytes(), 100).len(),
            3,
            "valid UTF-8 passes"
        );
        assert_eq!(
            all(b"ok\nab\xffc\nend\n", 100),
            [
                "Text(\"ok\")",
                "NotUtf8 { number: 2, line_offset: 2, output_offset: 5 }",
                "Text(\"end\")"
            ]
        );
    }
}
