//! Whole connections through serve_connection with an echo application:
//! never panic or hang; the output is HTTP/1.1 responses (SRV-004).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let output = rgi::simple_server::fuzz::serve_bytes(data);
    assert!(output.is_empty() || output.starts_with(b"HTTP/1.1 "));
});
