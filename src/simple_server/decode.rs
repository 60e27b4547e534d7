//! Request body decoding: the strict chunked decoder (RFC 9112 §7.1), a pure
//! state machine over byte slices so that it can be fuzzed without I/O.
//! (`Content-Length` bodies need no decoder: a remaining-byte count in
//! [`Transport`](super::transport::Transport) is enough.)

use super::head::Reject;

/// Limits applied while decoding a chunked body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkLimits {
    /// Most data bytes in the whole body (more: 413).
    pub max_body: u64,
    /// Most chunk-extension bytes in the whole body.
    pub max_ext: u64,
    /// Most trailer-section bytes.
    pub max_trailer: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex chunk size; `digits` seen so far.
    Size { value: u64, digits: u8 },
    /// Whitespace after the size (BWS): only a `;` may follow (HTTP-014).
    SizeWs { value: u64 },
    /// Inside a chunk extension (after `;`), until CR.
    Ext { value: u64 },
    /// Saw CR after the size line; expect LF.
    SizeLf { value: u64 },
    /// Chunk data, `remaining` bytes left.
    Data { remaining: u64 },
    /// After chunk data: expect CR.
    DataCr,
    /// After chunk data and CR: expect LF.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// Inside a trailer field line.
    TrailerLine,
    /// Saw CR inside a trailer line; expect LF.
    TrailerLineLf,
    /// Saw CR of the final empty line; expect LF.
    EndLf,
    /// The body is complete.
    Done,
}

/// Decodes `Transfer-Encoding: chunked` (HTTP-014): hex digits only (no
/// `0x`, no sign, no `_`), overflow-checked, no whitespace around the size,
/// CRLF required after every line and after chunk data, extensions and
/// trailers capped, the data total capped.
#[derive(Debug, Clone)]
pub(crate) struct ChunkedDecoder {
    state: State,
    total: u64,
    ext_bytes: u64,
    trailer_bytes: u64,
    limits: ChunkLimits,
}

const BAD: Reject = Reject {
    status: 400,
    reason: "malformed chunked body (HTTP-014)",
};
const TOO_LARGE: Reject = Reject {
    status: 413,
    reason: "request body too large (HTTP-018)",
};

fn hex(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}

/// Bytes allowed inside a chunk extension or trailer line: HTAB, SP and
/// visible characters (obs-text included); no CR, LF, NUL or other controls.
fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

impl ChunkedDecoder {
    pub fn new(limits: ChunkLimits) -> Self {
        ChunkedDecoder {
            state: State::Size {
                value: 0,
                digits: 0,
            },
            total: 0,
            ext_bytes: 0,
            trailer_bytes: 0,
            limits,
        }
    }

    /// True once the final chunk and trailer section were read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// In the middle of chunk data: how many data bytes may be read
    /// directly (bypassing [`decode`](Self::decode)).
    pub fn data_remaining(&self) -> Option<u64> {
        match self.state {
            State::Data { remaining } if remaining > 0 => Some(remaining),
            _ => None,
        }
    }

    /// Records `n` data bytes read directly (`n <= data_remaining()`).
    pub fn consume_data(&mut self, n: u64) {
        if let State::Data { remaining } = self.state {
            let left = remaining.saturating_sub(n);
            self.state = if left == 0 {
                State::DataCr
            } else {
                State::Data { remaining: left }
            };
        }
    }

    /// Decodes from `input` into `out`. Returns `(consumed, produced)`: how
    /// many input bytes were used and how many data bytes were written to
    /// `out`. Stops after producing data (so callers see it promptly), at
    /// the end of the body, or when `input` is exhausted.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), Reject> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Done => break,
                State::Size { value, digits } => match b {
                    b'\r' if digits > 0 => self.state = State::SizeLf { value },
                    b';' if digits > 0 => self.state = State::Ext { value },
                    b' ' | b'\t' if digits > 0 => self.state = State::SizeWs { value },
                    _ => {
                        let d = hex(b).ok_or(BAD)?;
                        // 16 hex digits fill a u64; more digits (even
                        // leading zeros) are refused as overflow.
                        if digits >= 16 {
                            return Err(BAD);
                        }
                        self.state = State::Size {
                            value: (value << 4) | d,
                            digits: digits + 1,
                        };
                    }
                },
                State::SizeWs { value } => {
                    self.ext_bytes += 1;
                    if self.ext_bytes > self.limits.max_ext {
                        return Err(BAD);
                    }
                    match b {
                        b' ' | b'\t' => {}
                        b';' => self.state = State::Ext { value },
                        _ => return Err(BAD),
                    }
                }
                State::Ext { value } => {
                    self.ext_bytes += 1;
                    if self.ext_bytes > self.limits.max_ext {
                        return Err(BAD);
                    }
                    if b == b'\r' {
                        self.state = State::SizeLf { value };
                    } else if !is_field_byte(b) {
                        return Err(BAD);
                    }
                }
                State::SizeLf { value } => {
                    if b != b'\n' {
                        return Err(BAD);
                    }
                    if value == 0 {
                        self.state = State::TrailerStart;
                    } else {
                        self.total = self.total.checked_add(value).ok_or(TOO_LARGE)?;
                        if self.total > self.limits.max_body {
                            return Err(TOO_LARGE);
                        }
                        self.state = State::Data { remaining: value };
                    }
                }
                State::Data { remaining } => {
                    let avail = (input.len() - i).min(out.len());
                    let n = usize::try_from(remaining).unwrap_or(usize::MAX).min(avail);
                    if n == 0 {
                        // `out` is full: return what we have.
                        return Ok((i, 0));
                    }
                    out[..n].copy_from_slice(&input[i..i + n]);
                    let left = remaining - n as u64;
                    self.state = if left == 0 {
                        State::DataCr
                    } else {
                        State::Data { remaining: left }
                    };
                    return Ok((i + n, n));
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(BAD);
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(BAD);
                    }
                    self.state = State::Size {
                        value: 0,
                        digits: 0,
                    };
                }
                State::TrailerStart | State::TrailerLine => {
                    self.trailer_bytes += 1;
                    if self.trailer_bytes > self.limits.max_trailer {
                        return Err(BAD);
                    }
                    if b == b'\r' {
                        self.state = if self.state == State::TrailerStart {
                            State::EndLf
                        } else {
                            State::TrailerLineLf
                        };
                    } else if self.state == State::TrailerStart && (b == b' ' || b == b'\t') {
                        // obs-fold in the trailer section.
                        return Err(BAD);
                    } else if !is_field_byte(b) {
                        return Err(BAD);
                    } else {
                        self.state = State::TrailerLine;
                    }
                }
                State::TrailerLineLf => {
                    if b != b'\n' {
                        return Err(BAD);
                    }
                    self.state = State::TrailerStart;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(BAD);
                    }
                    self.state = State::Done;
                    return Ok((i + 1, 0));
                }
            }
            i += 1;
        }
        Ok((i, 0))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const LIMITS: ChunkLimits = ChunkLimits {
        max_body: 1 << 20,
        max_ext: 64,
        max_trailer: 64,
    };

    /// Decodes a whole message fed in pieces of `step` bytes.
    pub(crate) fn decode_all(input: &[u8], step: usize) -> Result<(Vec<u8>, usize), Reject> {
        let mut dec = ChunkedDecoder::new(LIMITS);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        let mut pos = 0;
        while !dec.is_done() {
            if pos >= input.len() {
                return Err(Reject {
                    status: 0,
                    reason: "incomplete",
                });
            }
            let end = (pos + step).min(input.len());
            let (c, p) = dec.decode(&input[pos..end], &mut buf)?;
            out.extend_from_slice(&buf[..p]);
            pos += c;
        }
        Ok((out, pos))
    }

    #[test]
    fn whitespace_before_an_extension_is_accepted() {
        // HTTP-014 (RFC 9112 7.1.1 BWS, RFC 9110 5.6.3): "5 ;x" and
        // "5\t ;x" are the size 5 with an extension; "5 " alone is refused
        // above.
        for good in [
            &b"5 ;x\r\nhello\r\n0\r\n\r\n"[..],
            b"5\t ;x=1\r\nhello\r\n0 ;e\r\n\r\n",
        ] {
            for step in 1..good.len() {
                let (data, used) = decode_all(good, step).unwrap();
                assert_eq!(data, b"hello");
                assert_eq!(used, good.len());
            }
        }
    }

    #[test]
    fn valid_bodies_decode_in_any_split() {
        let msg = b"5\r\nhello\r\n1;name=\"v\"\r\n!\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..msg.len() {
            let (data, used) = decode_all(msg, step).unwrap();
            assert_eq!(data, b"hello!0123456789");
            assert_eq!(&msg[used..], b"NEXT");
        }
    }

    #[test]
    fn malformed_bodies_are_refused() {
        // HTTP-014: the "funky chunks" list.
        for bad in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhello\n0\r\n\r\n",
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"5 \r\nhello\r\n0\r\n\r\n",
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"1_0\r\n",
            b"5x\r\nhello\r\n0\r\n\r\n",
            b"\r\n",
            b"5;a\nb\r\nhello\r\n0\r\n\r\n",
            b"5;a\"\r\n\"\r\nhello\r\n0\r\n\r\n",
            b"f0000000000000003\r\n",
            b"100000000000000000000\r\n",
            b"0\r\nX: y\n\r\n",
            b"0\r\n folded\r\n\r\n",
            b"0\r\n\r\r",
        ] {
            let result = decode_all(bad, 1);
            assert!(
                matches!(result, Err(Reject { status: 400, .. })),
                "{:?}: {result:?}",
                bad.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn direct_data_reads_continue_with_the_chunk_end() {
        let mut dec = ChunkedDecoder::new(LIMITS);
        let mut out = [0u8; 8];
        assert_eq!(dec.decode(b"3\r\n", &mut out).unwrap(), (3, 0));
        assert_eq!(dec.data_remaining(), Some(3));
        dec.consume_data(3);
        assert_eq!(dec.data_remaining(), None);
        assert_eq!(dec.decode(b"\r\n0\r\n\r\n", &mut out).unwrap(), (7, 0));
        assert!(dec.is_done());
    }

    #[test]
    fn caps_apply() {
        let ext = format!("1;{}\r\na\r\n0\r\n\r\n", "x".repeat(100));
        assert!(decode_all(ext.as_bytes(), 3).is_err());
        let trailer = format!("0\r\nX: {}\r\n\r\n", "y".repeat(100));
        assert!(decode_all(trailer.as_bytes(), 3).is_err());
        let mut dec = ChunkedDecoder::new(LIMITS);
        let mut out = [0u8; 8];
        assert_eq!(dec.decode(b"200000\r\n", &mut out).unwrap_err().status, 413);
    }
}
