//! Chunked bodies: never panic, never stall, never read past the end
//! (HTTP-014), and the result does not depend on how input is split.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use rgi::simple_server::fuzz::decode_chunked;
    let whole = decode_chunked(data, data.len().max(1), 1 << 16, 1 << 20);
    let bytewise = decode_chunked(data, 1, 7, 1 << 20);
    assert_eq!(whole, bytewise);
    if let Ok(Some((_, used))) = whole {
        assert!(used <= data.len());
    }
});
