//! The pool-thread side of one request: hyper's request → the gateway's
//! request description → the environ; then the gateway's call over
//! [`HyperOutput`].

use std::sync::{Arc, OnceLock};

use hyper::body::{Body as _, Incoming};
use hyper::header::CONTENT_LENGTH;
use hyper::Request;
use rgi::gateway::{self, Version};

use crate::handler::{Reply, Shared};
use crate::input::{HyperInput, InputLimits};
use crate::respond::HyperOutput;

/// A connection's values, made once per connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) values: gateway::Connection,
}

/// Runs one request on this (pool) thread.
pub(crate) fn run(shared: &Shared, req: Request<Incoming>, conn: &Conn, reply: Reply) {
    let (parts, body) = req.into_parts();
    let version = match parts.version {
        hyper::Version::HTTP_10 | hyper::Version::HTTP_09 => Version::Http10,
        hyper::Version::HTTP_2 | hyper::Version::HTTP_3 => Version::Http2,
        _ => Version::Http11,
    };
    // hyper has checked the framing: one valid Content-Length or chunked.
    let content_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let input_terminated = content_length.is_none() && !body.is_end_stream();
    let target = request_target(&parts.uri, version);
    let authority = parts.uri.authority().map(|a| a.as_str().as_bytes());
    let failure = Arc::new(OnceLock::new());
    let input = HyperInput::new(
        Some(body),
        InputLimits {
            max_body_bytes: shared.config.max_body_bytes,
            max_drain_bytes: shared.config.max_drain_bytes,
            drain_timeout: shared.config.drain_timeout,
            read_timeout: shared.config.body_timeout,
        },
        shared.handle.clone(),
        Arc::clone(&failure),
    );
    let flags = gateway::Flags {
        multithread: true,
        multiprocess: false,
        run_once: false,
        file_wrapper: true,
        // Connection upgrades (websockets) are not offered yet: hyper's
        // upgrade API would back Output::take_over.
        upgrade: false,
        server_software: shared.config.server_software,
    };
    let fields: Vec<(&[u8], &[u8])> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
        .collect();
    let mut env = gateway::Request {
        method: parts.method.as_str(),
        target: target.as_bytes(),
        version,
        authority,
        content_length,
        input_terminated,
    }
    .into_environ(
        fields.iter().copied(),
        &conn.values,
        &flags,
        Box::new(input),
    );
    let mut output = HyperOutput::new(shared, reply, version != Version::Http2, failure);
    let log = |line: std::fmt::Arguments<'_>| eprintln!("rgi-hyper: {line}");
    let _outcome = gateway::run(&*shared.app, &mut env, &mut output, &log);
    // The input goes with the environ: what is left of the body drains.
    drop(env);
}

/// The request target as the client sent it: origin-form (or `*`) as
/// path and query; an HTTP/1 absolute-form target whole. HTTP/2 sends
/// `:path`, whose authority is `:authority`.
fn request_target(uri: &hyper::Uri, version: Version) -> String {
    if uri.scheme().is_some() && version != Version::Http2 {
        return uri.to_string();
    }
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned())
}
