//! The reference server: blocking, thread-per-connection HTTP/1.1.
