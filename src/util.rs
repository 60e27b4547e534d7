//! Helpers for applications and servers (parity with `wsgiref.util`).

pub use crate::file_wrapper::{FileWrapper, DEFAULT_BLOCK_SIZE};
