//! The rgi fixture runner: representative requests replayed against an
//! application under [`rgi::validate`], or against a server over the wire.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
