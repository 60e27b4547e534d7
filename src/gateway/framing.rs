//! The response framing decision (HTTP-020, HTTP-021, BODY-006, BODY-009),
//! as a pure function.

/// How the engine delimits a response body whose length is not known in
/// advance: what its protocol offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delimiting {
    /// HTTP/1.1: chunked transfer coding.
    Chunked,
    /// HTTP/1.0: the end of the connection ends the body.
    Close,
    /// The engine's protocol frames every message itself (HTTP/2 DATA
    /// frames and END_STREAM, or a CGI program's end of output).
    Engine,
}

/// How the body of one response goes out: the result of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// No body bytes at all (HEAD, 1xx, 204, 304: BODY-006); the body is
    /// dropped unsent.
    NoBody,
    /// `Content-Length: n`: exactly `n` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked` (HTTP/1.1, unknown length).
    Chunked,
    /// Unknown length on HTTP/1.0: the connection closes after the body.
    Close,
    /// Unknown length, delimited by the engine's own framing
    /// ([`Delimiting::Engine`]).
    Engine,
}

impl Framing {
    /// True when no body byte may be sent.
    pub fn is_bodiless(self) -> bool {
        self == Framing::NoBody
    }
}

/// What the framing decision looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramingInput {
    /// The response status code.
    pub code: u16,
    /// The request's method is HEAD.
    pub head_request: bool,
    /// The Content-Length the application declared (after HDR-008 dropped
    /// it from a 1xx or 204).
    pub declared: Option<u64>,
    /// The body's length, when it is known before sending (and no `write`
    /// came first).
    pub known: Option<u64>,
    /// What the engine's protocol offers for an unknown length.
    pub delimiting: Delimiting,
}

/// The framing decision, and the Content-Length the engine must add
/// because the application gave none (BODY-009: only for a body that will
/// be sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// How the body goes out.
    pub framing: Framing,
    /// A computed `Content-Length` to add to the head.
    pub computed_length: Option<u64>,
}

/// Decides a response's framing in the order of HTTP-020: no body for HEAD
/// and 1xx, 204, 304 (BODY-006); the application's Content-Length; a
/// computed one for a body of known length (BODY-009); chunked on HTTP/1.1;
/// otherwise close-delimited — or, for an engine that frames messages
/// itself, its own framing.
///
/// ```
/// use rgi::gateway::{decide, Delimiting, Framing, FramingInput};
///
/// let get = FramingInput { code: 200, head_request: false, declared: None, known: Some(5), delimiting: Delimiting::Chunked };
/// assert_eq!(decide(get).framing, Framing::Length(5));
/// assert_eq!(decide(get).computed_length, Some(5));
/// let stream = FramingInput { known: None, ..get };
/// assert_eq!(decide(stream).framing, Framing::Chunked);
/// assert_eq!(decide(FramingInput { delimiting: Delimiting::Engine, ..stream }).framing, Framing::Engine);
/// assert_eq!(decide(FramingInput { code: 304, ..get }).framing, Framing::NoBody);
/// ```
pub fn decide(input: FramingInput) -> Decision {
    let bodiless = crate::start_response::code_forbids_body(input.code) || input.head_request;
    let length = input.declared.or(input.known);
    let framing = if bodiless {
        Framing::NoBody
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        match input.delimiting {
            Delimiting::Chunked => Framing::Chunked,
            Delimiting::Close => Framing::Close,
            Delimiting::Engine => Framing::Engine,
        }
    };
    // HTTP-020, HTTP-021, BODY-009: a computed Content-Length only for a
    // body that will be sent.
    let computed_length = match input.declared {
        None if !bodiless => input.known,
        _ => None,
    };
    Decision {
        framing,
        computed_length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(code: u16) -> FramingInput {
        FramingInput {
            code,
            head_request: false,
            declared: None,
            known: None,
            delimiting: Delimiting::Chunked,
        }
    }

    #[test]
    fn bodiless_statuses_and_head() {
        // BODY-006, HTTP-021
        for code in [100, 204, 304] {
            let d = decide(FramingInput {
                known: Some(3),
                ..input(code)
            });
            assert_eq!(d.framing, Framing::NoBody, "{code}");
            assert_eq!(d.computed_length, None, "{code}");
        }
        let head = FramingInput {
            head_request: true,
            declared: Some(10),
            ..input(200)
        };
        assert_eq!(decide(head).framing, Framing::NoBody);
        assert_eq!(decide(head).computed_length, None);
    }

    #[test]
    fn order_of_preference() {
        // HTTP-020
        let declared = FramingInput {
            declared: Some(4),
            known: Some(9),
            ..input(200)
        };
        assert_eq!(
            decide(declared),
            Decision {
                framing: Framing::Length(4),
                computed_length: None
            }
        );
        let known = FramingInput {
            known: Some(9),
            ..input(200)
        };
        assert_eq!(decide(known).computed_length, Some(9));
        assert_eq!(decide(input(200)).framing, Framing::Chunked);
        let old = FramingInput {
            delimiting: Delimiting::Close,
            ..input(200)
        };
        assert_eq!(decide(old).framing, Framing::Close);
        let h2 = FramingInput {
            delimiting: Delimiting::Engine,
            ..input(200)
        };
        assert_eq!(decide(h2).framing, Framing::Engine);
    }
}
