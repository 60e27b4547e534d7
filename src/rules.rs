//! The rules of the rgi specification, in machine-readable form.
//!
//! (Placeholder: the spec author replaces this with the full list.)
