//! The hello application of `examples/hello.rs`, on rgi-hyper:
//!
//! ```sh
//! cargo run --release -p rgi-hyper --example hello -- 127.0.0.1:8000
//! cargo run --release -p rgi-hyper --example hello -- 127.0.0.1:8443 --tls cert.pem key.pem
//! ```

mod support;

// The same application as the rgi example, not a copy: its file is included.
#[allow(dead_code)]
#[path = "../../examples/hello.rs"]
mod app;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::serve(rgi::app(app::hello))
}
