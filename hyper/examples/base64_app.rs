//! The base64 demo of `examples/base64_app.rs`, on rgi-hyper (HTTP/1.1 and
//! HTTP/2, optionally over TLS):
//!
//! ```sh
//! cargo run -p rgi-hyper --example base64_app -- 127.0.0.1:8000
//! cargo run -p rgi-hyper --example base64_app -- 127.0.0.1:8443 --tls cert.pem key.pem
//! ```

mod support;

// The same application as the rgi example, not a copy: its file is included.
#[allow(dead_code)]
#[path = "../../examples/base64_app.rs"]
mod app;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::serve(rgi::app(app::base64_app))
}
