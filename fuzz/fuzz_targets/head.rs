//! Request heads: never panic; anything accepted is well-formed
//! (HTTP-001, HTTP-004, HTTP-009, HTTP-011).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    if let Ok(Some(head)) = rgi::simple_server::fuzz::parse_head(data, step) {
        assert!(data[..head.head_len].ends_with(b"\r\n\r\n"));
        assert!(head.target.iter().all(|&b| b > b' ' && b != 0x7f));
        for (_, value) in &head.headers {
            assert!(value.iter().all(|&b| b == b'\t' || b >= b' '));
        }
        let te = head.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
        let cl = head.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        assert!(!(te && cl));
        assert!(!(head.chunked && head.minor == 0));
    }
});
