//! Property tests for the head parser, the chunked decoder and the whole
//! connection pipeline: generated and mutated inputs never panic, never
//! hang, and never get a malformed message accepted.
//!
//! The generator is a small deterministic PRNG (splitmix64) written here
//! rather than `proptest`: no new dependency, the same cases on every run
//! (a failure prints its seed and input), and fast enough to run thousands
//! of cases in well under a second. `fuzz/` has cargo-fuzz targets over the
//! same entry points for longer, coverage-guided runs.

use rgi::simple_server::fuzz::{decode_chunked, parse_head, serve_bytes};

/// splitmix64: tiny, deterministic, good enough for test generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TCHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";

fn token(rng: &mut Rng, max: usize) -> String {
    let len = 1 + rng.below(max);
    (0..len).map(|_| *rng.pick(TCHARS) as char).collect()
}

fn value(rng: &mut Rng) -> String {
    let len = rng.below(20);
    (0..len)
        .map(|_| (b' ' + rng.below(95) as u8) as char)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A well-formed request head and what it must parse to.
fn valid_head(rng: &mut Rng) -> (Vec<u8>, String, String, Vec<(String, String)>) {
    let method = rng
        .pick(&["GET", "POST", "PUT", "DELETE", "PATCH", "BREW"])
        .to_string();
    let mut target = String::from("/");
    for _ in 0..rng.below(4) {
        // Token characters, with "%" escaped and "#" (a fragment, refused
        // by HTTP-001) left out.
        target.push_str(&token(rng, 6).replace(['%'], "%25").replace('#', ""));
        target.push('/');
    }
    if rng.chance(30) {
        target.push_str("?a=1&b=%20");
    }
    let mut headers = vec![("Host".to_owned(), "example.com".to_owned())];
    for _ in 0..rng.below(8) {
        let name = token(rng, 12);
        let lower = name.to_ascii_lowercase();
        if [
            "host",
            "content-length",
            "transfer-encoding",
            "expect",
            "connection",
        ]
        .contains(&lower.as_str())
        {
            continue;
        }
        headers.push((name, value(rng)));
    }
    let mut raw = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in &headers {
        let pad = if rng.chance(20) { " \t" } else { "" };
        raw.push_str(&format!("{n}:{pad} {v}{pad}\r\n"));
    }
    raw.push_str("\r\n");
    (raw.into_bytes(), method, target, headers)
}

#[test]
fn valid_heads_parse_to_what_was_sent_in_any_split() {
    // HTTP-001: the parser accepts what RFC 9112 allows and reports it exactly.
    let mut rng = Rng(1);
    for case in 0..3000 {
        let (raw, method, target, headers) = valid_head(&mut rng);
        let step = 1 + rng.below(raw.len());
        let head = parse_head(&raw, step)
            .unwrap_or_else(|s| panic!("case {case}: {s} for {:?}", String::from_utf8_lossy(&raw)))
            .expect("complete");
        assert_eq!(head.method, method);
        assert_eq!(head.target, target.as_bytes());
        assert_eq!(head.head_len, raw.len());
        assert_eq!(head.headers.len(), headers.len());
        for ((n, v), (gn, gv)) in headers.iter().zip(&head.headers) {
            assert_eq!(n, gn);
            assert_eq!(v.as_bytes(), gv.as_slice(), "case {case}");
        }
        assert_eq!(head.content_length, Some(0));
    }
}

/// Mutations that make a head malformed, with the status it must get.
fn break_head(rng: &mut Rng, raw: &[u8]) -> (Vec<u8>, &'static [u16]) {
    let text = String::from_utf8_lossy(raw).into_owned();
    let first_line_end = text.find("\r\n").unwrap_or(0);
    let header_line = text[first_line_end + 2..]
        .find("\r\n")
        .map(|i| i + first_line_end + 2);
    match rng.below(8) {
        // HTTP-001: a bare LF ends a line.
        0 => (text.replacen("\r\n", "\n", 1).into_bytes(), &[400]),
        // HTTP-004: whitespace before the colon.
        1 => (text.replacen("Host:", "Host :", 1).into_bytes(), &[400]),
        // HTTP-004: NUL or CR inside a value.
        2 => (
            text.replacen("example.com", "exa\0mple.com", 1)
                .into_bytes(),
            &[400],
        ),
        3 => (
            text.replacen("example.com", "exa\rmple.com", 1)
                .into_bytes(),
            &[400],
        ),
        // HTTP-004: obs-fold.
        4 => {
            let at = header_line.unwrap_or(first_line_end);
            let mut t = text.clone();
            t.insert_str(at + 2, " folded\r\n");
            (t.into_bytes(), &[400])
        }
        // HTTP-003: a version we do not speak.
        5 => (
            text.replacen("HTTP/1.1", "HTTP/3.0", 1).into_bytes(),
            &[505],
        ),
        // HTTP-010: a malformed Content-Length.
        6 => {
            let bad = rng.pick(&["+1", "-1", "0x1", "1 1", "1,1", "", "99999999999999999999"]);
            let mut t = text.clone();
            t.insert_str(first_line_end + 2, &format!("Content-Length: {bad}\r\n"));
            (t.into_bytes(), &[400])
        }
        // HTTP-009/HTTP-012: smuggling-prone framing.
        _ => {
            let bad = rng.pick(&[
                "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                "Transfer-Encoding: gzip\r\n",
                "Transfer-Encoding: chunked, identity\r\n",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            ]);
            let mut t = text.clone();
            t.insert_str(first_line_end + 2, bad);
            (t.into_bytes(), &[400, 501])
        }
    }
}

#[test]
fn malformed_heads_are_never_accepted() {
    let mut rng = Rng(2);
    for case in 0..3000 {
        let (raw, ..) = valid_head(&mut rng);
        let (bad, statuses) = break_head(&mut rng, &raw);
        let step = 1 + rng.below(bad.len());
        match parse_head(&bad, step) {
            Err(status) => assert!(
                statuses.contains(&status),
                "case {case}: {status} for {:?}",
                String::from_utf8_lossy(&bad)
            ),
            Ok(head) => panic!(
                "case {case}: accepted {:?} as {head:?}",
                String::from_utf8_lossy(&bad)
            ),
        }
    }
}

/// Invariants of anything the parser accepts.
fn check_accepted(head: &rgi::simple_server::fuzz::HeadSummary, input: &[u8]) {
    assert!(head.method.bytes().all(|b| TCHARS.contains(&b)), "{head:?}");
    assert!(
        head.target.iter().all(|&b| b > b' ' && b != 0x7f),
        "{head:?}"
    );
    assert!(head.head_len <= input.len());
    assert!(input[..head.head_len].ends_with(b"\r\n\r\n"));
    for (name, value) in &head.headers {
        assert!(!name.is_empty() && name.bytes().all(|b| TCHARS.contains(&b)));
        assert!(value.iter().all(|&b| b == b'\t' || b >= b' '), "{value:?}");
    }
    let te = head
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
    let cl = head
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    assert!(!(te && cl), "HTTP-009: never both");
    assert_eq!(head.chunked, te);
    assert!(!(head.chunked && head.minor == 0), "HTTP-011");
}

#[test]
fn random_and_byte_mutated_heads_never_panic_and_keep_invariants() {
    // HTTP-001, HTTP-004, HTTP-009, HTTP-011: whatever is accepted is well-formed.
    let mut rng = Rng(3);
    let alphabet: &[u8] = b"GET /HTTP1.\r\n:; ,\t\0\x7f\xffHost chunked Content-Length 0123456789";
    for _ in 0..4000 {
        let input: Vec<u8> = if rng.chance(50) {
            let (mut raw, ..) = valid_head(&mut rng);
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(raw.len());
                match rng.below(3) {
                    0 => raw[at] = *rng.pick(alphabet),
                    1 => raw.insert(at, *rng.pick(alphabet)),
                    _ => {
                        raw.remove(at);
                    }
                }
            }
            raw
        } else {
            (0..rng.below(200)).map(|_| *rng.pick(alphabet)).collect()
        };
        let step = 1 + rng.below(input.len().max(1));
        if let Ok(Some(head)) = parse_head(&input, step) {
            check_accepted(&head, &input);
        }
    }
}

/// An independent, naive strict chunked parser: the oracle.
fn oracle(input: &[u8]) -> Option<Result<(Vec<u8>, usize), ()>> {
    let mut pos = 0;
    let mut data = Vec::new();
    let line = |pos: &mut usize| -> Option<Result<Vec<u8>, ()>> {
        let rest = &input[*pos..];
        let lf = rest.iter().position(|&b| b == b'\n')?;
        if lf == 0 || rest[lf - 1] != b'\r' {
            return Some(Err(()));
        }
        let l = rest[..lf - 1].to_vec();
        *pos += lf + 1;
        if l.contains(&b'\r') {
            return Some(Err(()));
        }
        Some(Ok(l))
    };
    loop {
        let l = match line(&mut pos)? {
            Ok(l) => l,
            Err(()) => return Some(Err(())),
        };
        let (size_part, ext) = match l.iter().position(|&b| b == b';') {
            Some(i) => (&l[..i], Some(&l[i + 1..])),
            None => (&l[..], None),
        };
        if size_part.is_empty()
            || size_part.len() > 16
            || !size_part.iter().all(u8::is_ascii_hexdigit)
        {
            return Some(Err(()));
        }
        if let Some(ext) = ext {
            if ext.iter().any(|&b| b != b'\t' && (b < b' ' || b == 0x7f)) {
                return Some(Err(()));
            }
        }
        let size = u64::from_str_radix(std::str::from_utf8(size_part).ok()?, 16).ok()?;
        if size == 0 {
            loop {
                let t = match line(&mut pos)? {
                    Ok(t) => t,
                    Err(()) => return Some(Err(())),
                };
                if t.is_empty() {
                    return Some(Ok((data, pos)));
                }
                if t[0] == b' '
                    || t[0] == b'\t'
                    || t.iter().any(|&b| b != b'\t' && (b < b' ' || b == 0x7f))
                {
                    return Some(Err(()));
                }
            }
        }
        let size = size as usize;
        if input.len() - pos < size {
            return None;
        }
        data.extend_from_slice(&input[pos..pos + size]);
        pos += size;
        if input.len() - pos < 2 {
            if input.len() > pos && input[pos] != b'\r' {
                return Some(Err(()));
            }
            return None;
        }
        if &input[pos..pos + 2] != b"\r\n" {
            return Some(Err(()));
        }
        pos += 2;
    }
}

fn encode_chunked(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(40));
        if rng.chance(20) {
            out.extend_from_slice(format!("{n:X};x=\"y\"\r\n").as_bytes());
        } else {
            out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        }
        out.extend_from_slice(&rest[..n]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    out.extend_from_slice(b"0\r\n");
    if rng.chance(30) {
        out.extend_from_slice(b"Trailer-Field: v\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[test]
fn chunked_decoder_agrees_with_an_oracle_on_valid_and_mutated_bodies() {
    // HTTP-014: strict decoding; random splits of input and output.
    let mut rng = Rng(4);
    let alphabet: &[u8] = b"0123456789abcdefxX;= \t\r\n\0\"zG-+_";
    for case in 0..6000 {
        let data: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let mut input = encode_chunked(&mut rng, &data);
        let mutated = rng.chance(60);
        if mutated {
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(input.len());
                match rng.below(3) {
                    0 => input[at] = *rng.pick(alphabet),
                    1 => input.insert(at, *rng.pick(alphabet)),
                    _ => {
                        input.remove(at);
                    }
                }
            }
        }
        input.extend_from_slice(b"GET / HTTP/1.1\r\n");
        let step = 1 + rng.below(input.len());
        let out_size = 1 + rng.below(64);
        let got = decode_chunked(&input, step, out_size, u64::MAX);
        let want = oracle(&input);
        match (&got, &want) {
            (Ok(Some((d, used))), Some(Ok((wd, wused)))) => {
                assert_eq!((d, used), (wd, wused), "case {case}");
                if !mutated {
                    assert_eq!(d, &data);
                }
            }
            (Err(400), Some(Err(()))) | (Ok(None), None) => {}
            _ => panic!(
                "case {case}: decoder {got:?} vs oracle {want:?} on {:?}",
                String::from_utf8_lossy(&input)
            ),
        }
    }
}

#[test]
fn chunked_body_limit_is_enforced() {
    // HTTP-018
    let mut rng = Rng(5);
    for _ in 0..500 {
        let data = vec![b'x'; 1 + rng.below(300)];
        let input = encode_chunked(&mut rng, &data);
        let limit = rng.below(400) as u64;
        let got = decode_chunked(&input, 1 + rng.below(50), 16, limit);
        if data.len() as u64 > limit {
            assert_eq!(got, Err(413));
        } else {
            assert_eq!(got.unwrap().unwrap().0, data);
        }
    }
}

/// Parses the server's output as a sequence of well-formed HTTP/1.1
/// responses (Content-Length or chunked bodies) and counts them; panics
/// on anything else.
fn responses(output: &[u8]) -> usize {
    let mut rest = output;
    let mut count = 0;
    while !rest.is_empty() {
        assert!(
            rest.starts_with(b"HTTP/1.1 "),
            "{:?}",
            String::from_utf8_lossy(rest)
        );
        let end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head")
            + 4;
        let head = std::str::from_utf8(&rest[..end]).expect("ASCII head");
        let status: u16 = head[9..12].parse().expect("status code");
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map(|v| v.parse::<usize>().expect("digits"));
        rest = &rest[end..];
        count += 1;
        if let Some(n) = length {
            assert!(rest.len() >= n, "truncated body");
            rest = &rest[n..];
        } else if head.contains("Transfer-Encoding: chunked\r\n") {
            loop {
                let lf = rest.iter().position(|&b| b == b'\n').expect("size line");
                let size = usize::from_str_radix(std::str::from_utf8(&rest[..lf - 1]).unwrap(), 16)
                    .expect("hex size");
                rest = &rest[lf + 1 + size + 2..];
                if size == 0 {
                    break;
                }
            }
        } else {
            assert!(
                status < 200 || status == 204 || status == 304,
                "unframed body"
            );
        }
    }
    count
}

#[test]
fn the_pipeline_survives_random_and_mutated_connections() {
    // SRV-004, HTTP-027: whatever arrives, serve_connection returns, and
    // every response is well-formed HTTP/1.1; no more responses than
    // requests.
    let mut rng = Rng(6);
    for case in 0..600 {
        let mut input = Vec::new();
        let requests = 1 + rng.below(4);
        for _ in 0..requests {
            let (raw, ..) = valid_head(&mut rng);
            let mut raw = String::from_utf8(raw).unwrap();
            if rng.chance(40) {
                let body = "x".repeat(rng.below(30));
                if rng.chance(50) {
                    raw = raw.replacen(
                        "\r\n\r\n",
                        &format!("\r\nContent-Length: {}\r\n\r\n{body}", body.len()),
                        1,
                    );
                } else {
                    let enc = encode_chunked(&mut rng, body.as_bytes());
                    raw = raw.replacen("\r\n\r\n", "\r\nTransfer-Encoding: chunked\r\n\r\n", 1);
                    raw.push_str(&String::from_utf8_lossy(&enc));
                }
            }
            input.extend_from_slice(raw.as_bytes());
        }
        if rng.chance(50) {
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(input.len());
                input[at] = rng.next() as u8;
            }
        }
        let output = serve_bytes(&input);
        // Well-formed responses only, one per request.
        let count = responses(&output);
        // A mutation can turn body bytes into one more (refused) request;
        // after a refusal the connection closes.
        assert!(count <= requests + 1, "case {case}");
    }
}

#[test]
fn pipelined_requests_get_one_response_each_in_order() {
    // HTTP-027
    let mut input = Vec::new();
    for i in 0..50 {
        input.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    }
    let output = String::from_utf8(serve_bytes(&input)).unwrap();
    assert_eq!(responses(output.as_bytes()), 50);
    let mut at = 0;
    for i in 0..50 {
        let needle = format!("GET /{i} ");
        let found = output[at..].find(&needle).expect("in order");
        at += found + needle.len();
    }
}
