//! The rules of the rgi specification, in machine-readable form.
//!
//! Every normative sentence of the specification (`spec/*.md` in the
//! repository) is a [`Rule`] with a stable ID such as `ENV-004`: an area
//! name, a hyphen and three digits. [`RULES`] lists them all, in area order,
//! and [`rule`] looks one up. Errors ([`Error::rule`](crate::Error::rule)) and
//! validator findings carry these IDs, so every message leads back to the
//! sentence that explains it.
//!
//! The test `tests/spec_rules.rs` keeps this list and the rule lines of
//! `spec/*.md` identical, and fails when code anywhere in the workspace cites
//! an ID that is not listed here. To add a rule, add it to the right
//! `spec/*.md` file and here, in the same commit, with the next free number
//! of its area; IDs are never renumbered or reused (see `spec/README.md`).
//!
//! ```
//! use rgi::rules::{rule, Enforcement, Level};
//!
//! let r = rule("HDR-002").unwrap();
//! assert_eq!(r.level, Level::Must);
//! assert_eq!(r.area(), "HDR");
//! assert_eq!(r.enforced_by, Enforcement::ServerAndValidator);
//! assert!(rule(&format!("HDR-{}", 999)).is_none());
//! ```

use std::fmt;

use self::Enforcement::{NotCheckable, Server, ServerAndValidator, Types, Validator};
use self::Level::{May, Must, Should};

/// How strongly a rule binds, in the sense of RFC 2119.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// MUST or MUST NOT: an absolute requirement; breaking it is a bug, and
    /// the validator reports it as an error.
    Must,
    /// SHOULD or SHOULD NOT: a requirement that a documented reason may
    /// override; the validator reports it as a warning.
    Should,
    /// MAY: a permission; the other party must cope with either choice.
    May,
}

impl Level {
    /// The keyword as the specification writes it: `"MUST"`, `"SHOULD"` or
    /// `"MAY"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What makes sure a rule holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    /// The Rust types make a violation impossible (it does not compile).
    Types,
    /// The reference server (`rgi::simple_server`) enforces it: on the wire
    /// (framing, limits) or when `start_response` is called.
    Server,
    /// The `rgi::validate` middleware checks it at run time, in process.
    Validator,
    /// Both the reference server and the validator check it.
    ServerAndValidator,
    /// Nothing can check it mechanically; the text says why.
    NotCheckable(&'static str),
}

/// One rule of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable ID, `AREA-NNN` (for example `"START-003"`).
    pub id: &'static str,
    /// MUST, SHOULD or MAY.
    pub level: Level,
    /// The rule's text, exactly as `spec/` states it.
    pub summary: &'static str,
    /// What enforces the rule.
    pub enforced_by: Enforcement,
}

impl Rule {
    /// The area of the rule: the part of the ID before the hyphen (`"ENV"`).
    pub fn area(&self) -> &'static str {
        self.id.split('-').next().unwrap_or(self.id)
    }

    /// True for a rule that no longer applies: its text starts with
    /// `"RETIRED:"`. Retired rules keep their ID so that it is never reused.
    pub fn is_retired(&self) -> bool {
        self.summary.starts_with("RETIRED:")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} — {}", self.id, self.level, self.summary)
    }
}

/// The areas of the specification, in the order of `RULES`:
/// APP (application contract), ENV (environ), TEXT (bytes versus text),
/// START (`start_response`), HDR (response headers), BODY (response body),
/// INPUT (input stream), ERRS (error stream), URL (URL reconstruction),
/// MW (middleware), PROXY (proxy headers), SRV (server duties), HTTP (HTTP/1.1 framing and limits),
/// UPG (the upgrade capability).
pub const AREAS: [&str; 14] = [
    "APP", "ENV", "TEXT", "START", "HDR", "BODY", "INPUT", "ERRS", "URL", "MW", "PROXY", "SRV",
    "HTTP", "UPG",
];

/// Looks a rule up by its ID.
///
/// ```
/// assert_eq!(rgi::rules::rule("APP-002").map(|r| r.area()), Some("APP"));
/// ```
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Every rule of the specification, grouped by area in the order of
/// [`AREAS`], numbered from 001 within each area.
pub static RULES: &[Rule] = &[
    // ---- APP ----
    Rule {
        id: "APP-001",
        level: Must,
        summary: "An application is a value whose type implements `Application`; the server hands each request to `call(&self, &mut Environ, &mut dyn StartResponse)`, which returns `Result<Body, AppError>`.",
        enforced_by: Types,
    },
    Rule {
        id: "APP-002",
        level: Must,
        summary: "An application is `Send + Sync + 'static`: a server shares one application value between all its worker threads and may run `call` on several threads at the same time, so per-application state lives in the value itself and is synchronised (atomics, `Mutex`, `RwLock`).",
        enforced_by: Types,
    },
    Rule {
        id: "APP-003",
        level: Must,
        summary: "An application MUST work when called any number of times, concurrently, in any order and on any thread; it MUST NOT assume that one call finishes before the next begins or that calls stay on one thread.",
        enforced_by: NotCheckable("concurrency assumptions leave no trace that a run-time check could see"),
    },
    Rule {
        id: "APP-004",
        level: Must,
        summary: "`Ok(body)` answers the request with the status and headers recorded through `start_response` followed by `body`; `Err(error)` says that the application could not produce a response.",
        enforced_by: Types,
    },
    Rule {
        id: "APP-005",
        level: Must,
        summary: "A server treats `Err` from `call` and a panic inside `call` alike: if the response head has not been sent it answers `500 Internal Server Error` with its own fixed body, otherwise it aborts the connection; either way it logs the error and keeps serving.",
        enforced_by: Server,
    },
    Rule {
        id: "APP-006",
        level: Should,
        summary: "An application SHOULD report failures by returning `Err` rather than by panicking: both end the same way on the wire, but a panic can poison locks the application shares between requests.",
        enforced_by: NotCheckable("choosing between Err and panic is a coding decision, invisible at run time"),
    },
    Rule {
        id: "APP-007",
        level: Should,
        summary: "An application SHOULD catch its own errors while nothing has been sent and answer them with a helpful response made with `start_error`, instead of leaving the client with the server's generic 500.",
        enforced_by: NotCheckable("whether an error was handled helpfully is a judgement, not a check"),
    },
    Rule {
        id: "APP-008",
        level: Should,
        summary: "An application SHOULD check that the environ keys it needs are present and have a fallback (or answer 400) when one is missing, since middleware may remove or rewrite keys.",
        enforced_by: NotCheckable("which keys an application needs is known only to the application"),
    },
    Rule {
        id: "APP-009",
        level: Must,
        summary: "An application MUST NOT panic because request data is malformed (a path that is not UTF-8, a missing header, a Content-Length it cannot parse); every request byte is untrusted input.",
        enforced_by: NotCheckable("the inputs that would trigger a panic cannot be enumerated by a checker"),
    },
    Rule {
        id: "APP-010",
        level: May,
        summary: "An application MAY be a closure `Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, AppError>` (wrapped in `rgi::app` for type inference) or a shared or boxed application (`Arc<A>`, `Box<dyn Application>`); all of these implement `Application`.",
        enforced_by: Types,
    },
    Rule {
        id: "APP-011",
        level: Should,
        summary: "An application SHOULD read its configuration once, when the application value is built, rather than from the environ on every request.",
        enforced_by: NotCheckable("where configuration comes from is not observable"),
    },
    Rule {
        id: "APP-012",
        level: May,
        summary: "An application MAY implement conditional requests (ETag, Last-Modified), byte ranges and content codings itself; servers are not required to provide them.",
        enforced_by: NotCheckable("a permission; nothing to check"),
    },
    Rule {
        id: "APP-013",
        level: Must,
        summary: "An application keeps nothing borrowed from the call after `call` returns: the environ and the `StartResponse` handle are borrowed for the duration of `call` only; values it moved out (the input stream, cloned strings) are its own.",
        enforced_by: Types,
    },
    Rule {
        id: "APP-014",
        level: May,
        summary: "An application MAY implement the optional lifecycle hooks of `Application`, `on_start(&self) -> Result<(), AppError>` and `on_shutdown(&self)`, to create and release what lives as long as the server (pools, connections, caches); both default to doing nothing.",
        enforced_by: Types,
    },
    Rule {
        id: "APP-015",
        level: Must,
        summary: "A server calls `on_start` exactly once, before it calls the application for the first request; requests that arrive meanwhile wait.",
        enforced_by: Server,
    },
    Rule {
        id: "APP-016",
        level: Must,
        summary: "When `on_start` returns `Err` or panics, the server logs the error and serves anyway, unless the error is `rgi::StopServing` (the application asks not to be served): then the server serves no request, does not call `on_shutdown`, and reports the error (`serve_forever` returns it).",
        enforced_by: Server,
    },
    Rule {
        id: "APP-017",
        level: Must,
        summary: "A server calls `on_shutdown` exactly once when it stops serving, after it stopped accepting connections and every request in flight finished (its body sent or dropped) or was cut at the shutdown deadline; a panic in `on_shutdown` is logged.",
        enforced_by: Server,
    },
    Rule {
        id: "APP-018",
        level: Must,
        summary: "A CGI handler, which serves one request per process, calls `on_start` before that request and `on_shutdown` after its response was written: once per process. After `StopServing` it answers `503 Service Unavailable` without calling the application.",
        enforced_by: Server,
    },
    // ---- ENV ----
    Rule {
        id: "ENV-001",
        level: Must,
        summary: "A server gives every request a fresh `Environ`; nothing in it is shared with another request except what the server documents as shared (for example an error stream that writes to a common log).",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-002",
        level: May,
        summary: "An application or middleware MAY add, change and remove CGI keys during the call; such changes are seen by the layers it calls, and never change how the server frames the request or the response.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-003",
        level: Must,
        summary: "`REQUEST_METHOD` is always present and non-empty: the method token exactly as the client sent it (methods are case-sensitive, so `get` is not `GET`), made only of token characters.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-004",
        level: Must,
        summary: "`SCRIPT_NAME` is always present; it is either empty or begins with \"/\"; as a server provides it, it is never exactly \"/\" (an application at the root gets \"\" and the \"/\" is in `PATH_INFO`), while a middleware's `shift_path_info` may produce \"/\" (URL-008, MW-005), which applications accept.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-005",
        level: Must,
        summary: "`PATH_INFO` is always present; it is either empty or begins with \"/\", except for an asterisk-form request (`OPTIONS *`), for which it is exactly \"*\" and `SCRIPT_NAME` is empty.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-006",
        level: Must,
        summary: "As a server provides them, `SCRIPT_NAME` followed by `PATH_INFO` is the percent-decoded path of the request target (TEXT-003); a server that mounts the application at the root sets `SCRIPT_NAME` to \"\" and `PATH_INFO` to the whole decoded path.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-007",
        level: Must,
        summary: "`QUERY_STRING` is always present: the bytes of the request target after its first \"?\", exactly as sent and not decoded, or empty when the target has no \"?\".",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-008",
        level: Must,
        summary: "`CONTENT_TYPE` is present exactly when the request has a Content-Type header, and holds that header's value.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-009",
        level: Must,
        summary: "`CONTENT_LENGTH` is present exactly when the length of the request body is known before the application reads it: the value of a valid Content-Length header, or the decoded length of a chunked body that the server read completely before the call (INPUT-004; what RFC 3875 section 4.2 asks of a CGI gateway); its value is the body length in ASCII decimal digits, nothing else.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-010",
        level: Must,
        summary: "The environ never contains `HTTP_CONTENT_TYPE` or `HTTP_CONTENT_LENGTH`: those two headers appear only as `CONTENT_TYPE` and `CONTENT_LENGTH`.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-011",
        level: Must,
        summary: "`SERVER_NAME` is always present and non-empty: the name the server is configured with, or else the host or address it listens on; an IPv6 address is written in brackets (\"[::1]\", RFC 3875 section 4.1.14), so that a URL rebuilt from it (URL-002) stays valid.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-012",
        level: Must,
        summary: "`SERVER_PORT` is always present and non-empty, made of ASCII decimal digits only: the port on which the request was received.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-013",
        level: Must,
        summary: "`SERVER_PROTOCOL` is always present: the protocol version in which the server handles the request, of the form `HTTP/` digit `.` digit; for an HTTP/1 server \"HTTP/1.0\" or \"HTTP/1.1\", the version on the request line, except that a higher HTTP/1 minor version is handled and reported as \"HTTP/1.1\" (HTTP-003).",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-014",
        level: Must,
        summary: "`REQUEST_URI` is always present: the request target exactly as it appeared on the request line, not decoded (the path and query of an origin-form target; the whole URI, scheme and authority included, of an absolute-form one; \"*\" for asterisk-form), so that an application can still tell \"%2F\" from \"/\".",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-015",
        level: Must,
        summary: "`version()` is `(1, 0)` for servers and applications that follow this specification.",
        enforced_by: Types,
    },
    Rule {
        id: "ENV-016",
        level: Must,
        summary: "`url_scheme()` is \"http\" or \"https\": the scheme of the request as the server received it (a server behind a TLS-terminating proxy reports the scheme it is configured to trust); the scheme of an absolute-form target does not change it.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-017",
        level: Must,
        summary: "`multithread()` is true if the server may call the same application value from another thread while this call runs, and false only if it never does.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-018",
        level: Must,
        summary: "`multiprocess()` is true if an equivalent application value may be handling requests at the same time in another process.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-019",
        level: Must,
        summary: "`run_once()` is true if the server expects, without promising, to call the application only once in the life of this process (as a CGI gateway does); an application MAY then skip building caches.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-020",
        level: Must,
        summary: "`extensions()` is a map keyed by type: a server offers a capability beyond this specification by inserting a value of a type it (or a crate shared with applications) defines, and an application treats a missing extension as \"not offered\".",
        enforced_by: Types,
    },
    Rule {
        id: "ENV-021",
        level: Must,
        summary: "`input_terminated()` is true exactly when the application gets a body whose length is not given in advance (a chunked body that the server passes on as it arrives): the application reads the input until EOF; when it is true, `CONTENT_LENGTH` is absent.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-022",
        level: Must,
        summary: "`file_wrapper()` is true when the server transmits a `Body::file` natively (for example with `sendfile`) and false otherwise; it is a performance hint only, and every server accepts `Body::file` whatever the flag says.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-023",
        level: Must,
        summary: "`input()` and `errors()` are always available: the request body stream ([INPUT](06-input-and-errors.md)) and the error stream ([ERRS](06-input-and-errors.md)).",
        enforced_by: Types,
    },
    Rule {
        id: "ENV-024",
        level: Must,
        summary: "`REMOTE_ADDR` is always present (RFC 3875 section 4.1.8): the IP address of the peer in text form (IPv6 without brackets); it is the immediate peer, which may be a proxy; a server without a network peer (a test client) gives the address it stands for, such as \"127.0.0.1\".",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-025",
        level: Should,
        summary: "`REMOTE_PORT` SHOULD be present: the peer's port in decimal digits.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-026",
        level: Must,
        summary: "`GATEWAY_INTERFACE` is always present with the value \"CGI/1.1\" (RFC 3875 section 4.1.4).",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-027",
        level: Must,
        summary: "`SERVER_SOFTWARE` is always present (RFC 3875 section 4.1.17): the server's product name and version, such as \"rgi-simple/0.1\".",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-028",
        level: Should,
        summary: "A key that does not apply to the request (`REMOTE_USER` without authentication, `HTTPS` on plain HTTP) SHOULD be absent rather than empty; over TLS the server SHOULD set `HTTPS` to \"on\".",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-029",
        level: Must,
        summary: "Each request header whose name is made only of ASCII letters, digits and \"-\" and is neither Content-Type nor Content-Length appears under the key \"HTTP_\" followed by the header name with ASCII letters in upper case and each \"-\" replaced by \"_\" (`Accept-Encoding` becomes `HTTP_ACCEPT_ENCODING`).",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-030",
        level: Must,
        summary: "A request header whose name contains any other character (an \"_\", or token punctuation such as \"!\", \".\" or \"~\") is dropped and never reaches the environ: with \"_\" its key would be indistinguishable from that of the same name spelled with \"-\", and the others cannot appear in a CGI-style key (ENV-034).",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-031",
        level: Must,
        summary: "Several header lines with the same name (compared case-insensitively) become one value: their values in order of arrival joined by \", \", except Cookie, whose values are joined by \"; \".",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-032",
        level: Must,
        summary: "A header value reaches the environ with its leading and trailing spaces and tabs removed and every other byte unchanged.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-033",
        level: Must,
        summary: "Hop-by-hop request headers (Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade, Expect) appear as `HTTP_*` keys for information only: the server has already acted on them, and an application MUST NOT act on them again (for example by decoding chunked input itself).",
        enforced_by: NotCheckable("acting on a header is application logic a checker cannot see"),
    },
    Rule {
        id: "ENV-034",
        level: Must,
        summary: "A server puts only CGI-style keys (ASCII upper-case letters, digits and \"_\") in the CGI map; it never stores `rgi.*` or `wsgi.*` entries there, since those are typed entries or extensions.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "ENV-035",
        level: Must,
        summary: "A server MUST NOT copy its process environment into the environ (a CGI gateway, whose request arrives in its process environment, copies only the request's meta-variables: the CGI keys and `HTTP_*`); deployment configuration reaches an application through the application value or an extension.",
        enforced_by: Server,
    },
    Rule {
        id: "ENV-036",
        level: Must,
        summary: "An application MUST NOT take a missing `CONTENT_LENGTH` to mean \"no body\" when `input_terminated()` is true; reading the input until EOF is correct in every case.",
        enforced_by: NotCheckable("how an application interprets an absent key is its own logic"),
    },
    Rule {
        id: "ENV-037",
        level: Should,
        summary: "A server SHOULD document the CGI keys and extensions it provides beyond the required ones.",
        enforced_by: NotCheckable("documentation is not a run-time property"),
    },
    Rule {
        id: "ENV-038",
        level: Must,
        summary: "A request header field whose name the request's Connection field lists as a connection option is hop-by-hop (RFC 9110 section 7.6.1) and never reaches the environ; the fields of ENV-033 and Host, Content-Type and Content-Length, which no connection option can take from the other recipients, stay.",
        enforced_by: Server,
    },
    // ---- TEXT ----
    Rule {
        id: "TEXT-001",
        level: Must,
        summary: "Every CGI value in the environ is an `EnvValue` holding bytes; a server stores exactly the bytes this specification names for the key, with no character decoding, no re-encoding and no replacement characters.",
        enforced_by: Types,
    },
    Rule {
        id: "TEXT-002",
        level: Must,
        summary: "`EnvValue::as_str()` returns `Some` exactly when the bytes are valid UTF-8, `as_bytes()` always returns the exact bytes, and `to_str_lossy()` replaces invalid sequences with U+FFFD and is meant for display, never for decisions.",
        enforced_by: Types,
    },
    Rule {
        id: "TEXT-003",
        level: Must,
        summary: "A server builds the path part of the environ (`SCRIPT_NAME` + `PATH_INFO`) by percent-decoding the path of the request target byte by byte: \"%\" followed by two hex digits (either case) becomes that byte (\"%2F\" becomes \"/\", \"%FF\" becomes the byte 0xFF), a \"%\" not followed by two hex digits stays a literal \"%\", and every other byte is kept as it is.",
        enforced_by: Server,
    },
    Rule {
        id: "TEXT-004",
        level: Must,
        summary: "The decoded path is not normalised: \".\" and \"..\" segments and repeated \"/\" reach the application as sent.",
        enforced_by: Server,
    },
    Rule {
        id: "TEXT-005",
        level: Must,
        summary: "`QUERY_STRING` and `REQUEST_URI` carry the raw bytes of the request target: no percent-decoding and no \"+\" to space conversion.",
        enforced_by: Server,
    },
    Rule {
        id: "TEXT-006",
        level: Must,
        summary: "Every server handles the bytes of a request target that RFC 3986 does not allow in the same way: bytes of 0x80 and above that form UTF-8, and the printable ASCII characters RFC 3986 excludes (`\"`, `<`, `>`, `\\`, `^`, `` ` ``, `{`, `|`, `}`), which clients send raw, are passed to the application unchanged; controls, space, DEL, \"#\" and bytes of 0x80 and above that are not UTF-8 get 400 (HTTP-001); a server never substitutes or drops such bytes.",
        enforced_by: Server,
    },
    Rule {
        id: "TEXT-007",
        level: Must,
        summary: "Header values keep every byte as received, including bytes of 0x80 and above; only the surrounding whitespace is removed and repeated headers are joined (ENV-031, ENV-032).",
        enforced_by: Server,
    },
    Rule {
        id: "TEXT-008",
        level: Must,
        summary: "Keys of the CGI map are ASCII strings (header names are tokens); only values are bytes.",
        enforced_by: Types,
    },
    Rule {
        id: "TEXT-009",
        level: Must,
        summary: "Two conforming servers that receive the same request bytes give byte-identical values for `REQUEST_METHOD`, `SCRIPT_NAME` + `PATH_INFO`, `QUERY_STRING`, `REQUEST_URI`, `CONTENT_TYPE`, `CONTENT_LENGTH`, `SERVER_PROTOCOL` and every `HTTP_*` key.",
        enforced_by: NotCheckable("a property across server implementations, tested by running one conformance suite against each server"),
    },
    Rule {
        id: "TEXT-010",
        level: Should,
        summary: "An application that needs text SHOULD decide explicitly what to do with values that are not UTF-8 (answer 400, or decode lossily for display) and never assume that `as_str()` succeeds.",
        enforced_by: NotCheckable("application logic"),
    },
    Rule {
        id: "TEXT-011",
        level: Should,
        summary: "An application that maps the path to files SHOULD reject NUL bytes and \"..\" segments itself, since the decoded path may contain both.",
        enforced_by: NotCheckable("application logic"),
    },
    Rule {
        id: "TEXT-012",
        level: Must,
        summary: "The status and the header names and values given to `start_response` are `&str`; their bytes on the wire are the UTF-8 bytes of those strings (START-003 and the HDR rules restrict what they may contain).",
        enforced_by: Types,
    },
    Rule {
        id: "TEXT-013",
        level: Must,
        summary: "Body bytes are opaque: a server never decodes, re-encodes or alters request input or response body bytes (line endings included), apart from removing or applying transfer codings.",
        enforced_by: Server,
    },
    // ---- START ----
    Rule {
        id: "START-001",
        level: Must,
        summary: "The `StartResponse` handle is borrowed for the duration of `call` only; a returned body cannot reach it, so every status and header is recorded before the first byte of the returned body exists.",
        enforced_by: Types,
    },
    Rule {
        id: "START-002",
        level: Must,
        summary: "An application that returns `Ok(body)` MUST have recorded a response with a successful `start` or `start_error`; if it did not, the server answers 500 and logs this rule.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-003",
        level: Must,
        summary: "The status is \"NNN Reason\": three ASCII digits forming a final status code from 200 to 599, one space, and a non-empty reason phrase containing no control characters other than horizontal tab; nothing comes before the code; `start` and `start_error` refuse a 1xx code, since rgi 1.0 has no interim responses (100 Continue is the server's job, HTTP-015) and no protocol switching (a 101 needs the Upgrade capability, a later version).",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-004",
        level: Should,
        summary: "The reason phrase SHOULD be ASCII; other characters go out as their UTF-8 bytes, which clients treat as opaque.",
        enforced_by: Validator,
    },
    Rule {
        id: "START-005",
        level: Must,
        summary: "An application calls `start` at most once per call; a second `start` returns `Err(Error::AlreadyStarted)` and changes nothing.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-006",
        level: Must,
        summary: "`start` checks the status (START-003) and the headers (HDR-001 to HDR-006) when it is called and returns an `Err` naming the rule; a refused `start` records nothing but still counts as the one `start`, so the application then either calls `start_error` or returns `Err`.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-007",
        level: Must,
        summary: "Once the head has been sent, `start_error` returns `Err(Error::HeadersAlreadySent)` and changes nothing, and the application MUST then return `Err` from `call` so that the server aborts the connection.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-008",
        level: Must,
        summary: "`start` and `start_error` store the status and headers and transmit nothing; the server sends the head at the first call to `write` (even with no data), or when the body produces its first non-empty chunk, or when the body ends without producing a byte, never earlier.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-009",
        level: Must,
        summary: "`write` called before a response was recorded returns `Err(Error::NotStarted)` and sends nothing.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-010",
        level: Must,
        summary: "`write(data)` sends the head (if not sent yet) and then `data` before it returns (or hands them to a sender that transmits them while the application continues); bytes passed to `write` come before any byte of the returned body and count towards Content-Length.",
        enforced_by: Server,
    },
    Rule {
        id: "START-011",
        level: Should,
        summary: "New applications SHOULD return their body instead of calling `write`, which exists for imperative code ported from WSGI.",
        enforced_by: NotCheckable("a style recommendation"),
    },
    Rule {
        id: "START-012",
        level: Must,
        summary: "While the head has not been sent, `start_error` replaces the recorded status and headers; it may be called whether or not `start` was called before, and more than once (the last call wins).",
        enforced_by: Server,
    },
    Rule {
        id: "START-013",
        level: Should,
        summary: "An application SHOULD call `start_error` only while handling an error: middleware may take it as the signal to substitute its own error page.",
        enforced_by: Validator,
    },
    Rule {
        id: "START-014",
        level: Must,
        summary: "If `start_error` returns `Err` for any other reason (an invalid status or header), nothing is replaced and the application MUST return `Err` from `call`.",
        enforced_by: Validator,
    },
    Rule {
        id: "START-015",
        level: Must,
        summary: "After `write` has failed with an I/O error, later calls to `write` fail too and the server sends nothing more for this response.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-016",
        level: Should,
        summary: "An application whose `write` failed SHOULD return `Err` promptly, since its response can no longer complete.",
        enforced_by: Validator,
    },
    Rule {
        id: "START-017",
        level: Must,
        summary: "`headers_sent()` returns true exactly when the head has been transmitted or handed to the transmitter, that is, when `start_error` can no longer replace it.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "START-018",
        level: Should,
        summary: "RETIRED: replaced by START-003, which refuses a 1xx status in `start` (a 101 must carry Upgrade, RFC 9110 section 15.2.2, and an HTTP/1.0 client never receives a 1xx, section 15.2).",
        enforced_by: NotCheckable("retired: START-003 refuses a 1xx status"),
    },
    // ---- HDR ----
    Rule {
        id: "HDR-001",
        level: Must,
        summary: "Each header name is a non-empty token as RFC 9110 defines it: only ASCII letters, digits and the characters ``!#$%&'*+-.^_`|~``.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "HDR-002",
        level: Must,
        summary: "A header value contains no CR, no LF, no NUL and no other control character (0x00 to 0x1F, 0x7F) except horizontal tab.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "HDR-003",
        level: Must,
        summary: "The response headers contain none of the hop-by-hop fields Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding and Upgrade, in any letter case, except the two that RFC 9110 requires of the response itself: Upgrade on a 426 (sections 15.5.22 and 7.8; the server then adds the \"upgrade\" connection option to Connection) and Proxy-Authenticate on a 407 (section 15.5.8); connection management and transfer coding belong to the server.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "HDR-004",
        level: Must,
        summary: "Header names are case-insensitive: servers, middleware and helpers compare them ignoring ASCII case, and servers send each name with the case the application gave it.",
        enforced_by: Server,
    },
    Rule {
        id: "HDR-005",
        level: Must,
        summary: "The response headers contain no `Status` field: the status is the first argument of `start`.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "HDR-006",
        level: Must,
        summary: "A Content-Length value is ASCII decimal digits only (no sign, no inner spaces) that fit in 64 bits, and if the field appears more than once every value is the same.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "HDR-007",
        level: Must,
        summary: "A server sends the application's headers in the order given, each pair as its own field line; it never merges repeated names such as Set-Cookie.",
        enforced_by: Server,
    },
    Rule {
        id: "HDR-008",
        level: Must,
        summary: "A response with a 1xx or 204 status carries neither Content-Length nor Content-Type.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-009",
        level: Should,
        summary: "A 304 response SHOULD NOT carry Content-Type (RFC 9110 section 15.4.5: a 304 carries only the metadata a 200 would update); its Content-Length follows HDR-021.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-010",
        level: Should,
        summary: "A response that has content (its status allows a body and it produces at least one body byte, or declares a non-zero Content-Length) SHOULD carry Content-Type.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-011",
        level: Should,
        summary: "A header value SHOULD NOT begin or end with a space or tab, which HTTP strips.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-012",
        level: Should,
        summary: "A header value SHOULD be ASCII; other characters go out as their UTF-8 bytes, which recipients treat as opaque.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-013",
        level: Must,
        summary: "A field that takes a single value (Content-Type, Location, ETag, Last-Modified, Date, Expires) MUST NOT appear more than once in a response (RFC 9110 section 5.3: only fields defined as comma-separated lists, and Set-Cookie, may repeat).",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-014",
        level: Should,
        summary: "Location SHOULD be an absolute URI (\"https://example.com/x\") or an absolute path (\"/x\").",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-015",
        level: Should,
        summary: "A redirect (301, 302, 303, 307, 308) SHOULD carry Location.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-016",
        level: Should,
        summary: "An ETag value SHOULD be a quoted string, optionally preceded by \"W/\" (`\"abc\"`, `W/\"abc\"`).",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-017",
        level: Should,
        summary: "A 401 response SHOULD carry WWW-Authenticate and a 405 response SHOULD carry Allow (RFC 9110 requires both of the origin server).",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-018",
        level: Should,
        summary: "Each cookie SHOULD be set with its own Set-Cookie field, never several cookies joined in one value.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-019",
        level: Should,
        summary: "A `text/*` Content-Type SHOULD name its charset (`text/html; charset=utf-8`) when the body holds bytes outside ASCII: without a charset, `text/*` means US-ASCII (RFC 2046), and clients guess.",
        enforced_by: Validator,
    },
    Rule {
        id: "HDR-020",
        level: May,
        summary: "An application MAY give Date and Server headers; a server then sends them as given instead of its own.",
        enforced_by: Server,
    },
    Rule {
        id: "HDR-021",
        level: Must,
        summary: "A Content-Length in a response to HEAD or in a 304 response equals the length of the content that the response to GET, or the 200 response, to the same request would have (RFC 9110 section 8.6); an application that does not know that length leaves Content-Length out.",
        enforced_by: NotCheckable("the validator sees one response and not the one a GET or a 200 to the same request would have"),
    },
    // ---- BODY ----
    Rule {
        id: "BODY-001",
        level: Must,
        summary: "The returned `Body` is the response content that follows whatever was passed to `write`; the server sends its bytes in order and unchanged.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-002",
        level: Must,
        summary: "A server sends each chunk of a streaming body as it comes: it asks the body for the next chunk only after handing the previous one to the operating system, so no chunk is held back waiting for more.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-003",
        level: Must,
        summary: "If the response declares Content-Length, the bytes passed to `write` plus the bytes of the body add up to exactly that length (except for HEAD requests and 304 responses, which send no body and whose Content-Length follows HDR-021).",
        enforced_by: Validator,
    },
    Rule {
        id: "BODY-004",
        level: Must,
        summary: "A server never sends more body bytes than the declared Content-Length: `write` beyond it sends the part that fits and returns `Err(Error::ContentLengthExceeded)`; a returned body that is longer — in memory or streamed alike — has its declared prefix sent, the surplus discarded and the body no longer pulled, and the server logs one line naming this rule.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-005",
        level: Must,
        summary: "If the body ends, or the application fails, before Content-Length bytes were sent, the server closes the connection after what was sent, so the client sees a truncated response, and logs the error.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-006",
        level: Must,
        summary: "A response to HEAD, and any response with status 1xx, 204 or 304, is sent without body bytes; the server drops the body without sending it and MAY skip pulling it.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-007",
        level: Should,
        summary: "An application SHOULD return an empty body for 1xx, 204 and 304 responses. For a HEAD request it is told nothing beyond `REQUEST_METHOD`; it gives the status and headers GET would have and MAY return GET's body too, which the server discards (BODY-006), or an empty body.",
        enforced_by: Validator,
    },
    Rule {
        id: "BODY-008",
        level: Must,
        summary: "A server drops the body exactly once on every path (complete response, error while pulling, application panic, client gone, HEAD, truncation), and does so before it reads the next request on the connection.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "BODY-009",
        level: Must,
        summary: "When the application gave no Content-Length and called no `write`, a server computes Content-Length for a body of known length, except in a response to HEAD and in 1xx, 204 and 304 responses, which get none (HTTP-021).",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-010",
        level: Must,
        summary: "Closing a body is dropping it: resources behind a body (files, locks, cursors) are released in `Drop` or by `Body::on_close`, not when the last chunk is pulled.",
        enforced_by: Types,
    },
    Rule {
        id: "BODY-011",
        level: Must,
        summary: "`Body::on_close(f)` runs `f` exactly once when the body is dropped, after the body's own resources were released, whether or not the body was pulled; several hooks run in the order they were added.",
        enforced_by: Types,
    },
    Rule {
        id: "BODY-012",
        level: May,
        summary: "An application MAY return any form of body: empty (`Body::empty()`), in memory (one buffer or `Body::from_chunks`, known length), streamed (`Body::stream`, `Body::lazy`, `Body::reader`, unknown length) or a file (`Body::file`).",
        enforced_by: Types,
    },
    Rule {
        id: "BODY-013",
        level: Must,
        summary: "`Body` is `Send`, so a server may move it to another thread to send it; it need not be `Sync`.",
        enforced_by: Types,
    },
    Rule {
        id: "BODY-014",
        level: Must,
        summary: "An empty chunk is allowed, is skipped, and does not cause the head to be sent.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-015",
        level: Must,
        summary: "A body that yields `Err(e)` ends the response as an application error: the server stops pulling, drops the body, logs `e`, and answers 500 if the head was not sent or aborts the connection if it was.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-016",
        level: Must,
        summary: "A server never pulls a body again after it returned `None` (the end) or an `Err`.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "BODY-017",
        level: Must,
        summary: "For a file body the server sends the file's bytes from its current position to its end, or up to the declared Content-Length; it MAY use an operating-system fast path such as `sendfile`, and reports that with `file_wrapper()`.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-018",
        level: Must,
        summary: "The known length of a file body is the file's length minus its current position when the metadata gives it (a regular file); otherwise the file is sent like a stream of unknown length.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-019",
        level: Must,
        summary: "When the body ends without producing a byte and nothing was written, the server frames the response as empty (Content-Length: 0, unless the request is HEAD or the status allows no body), since the head has not been sent yet.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-020",
        level: Must,
        summary: "When the client goes away, the server stops pulling the body, drops it, and does not log this as an application error.",
        enforced_by: Server,
    },
    Rule {
        id: "BODY-021",
        level: Must,
        summary: "An application MUST NOT apply a transfer coding such as chunked to its body bytes; it MAY apply a content coding such as gzip and declare it with Content-Encoding.",
        enforced_by: NotCheckable("chunk-like bytes cannot be told apart from content that happens to look like chunks"),
    },
    Rule {
        id: "BODY-022",
        level: Should,
        summary: "An application SHOULD return a small response as one buffer (so that the server can send Content-Length and keep the connection open) and stream large or slow content in chunks of useful size, not byte by byte.",
        enforced_by: NotCheckable("a performance recommendation"),
    },
    Rule {
        id: "BODY-023",
        level: Must,
        summary: "An application MUST NOT assume that its body is pulled to the end: the server may drop it early (client gone, HEAD, error).",
        enforced_by: NotCheckable("what an application assumes is not observable"),
    },
    // ---- INPUT ----
    Rule {
        id: "INPUT-001",
        level: Must,
        summary: "A read from `environ.input()` never returns bytes past the end of the request body: at the end it returns `Ok(0)` (EOF), and every later read while the response is not finished returns `Ok(0)` at once without blocking; once the response has finished (its body dropped), INPUT-007 applies instead.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "INPUT-002",
        level: Must,
        summary: "The input yields the request body without its framing: exactly `CONTENT_LENGTH` bytes for a Content-Length body, the concatenated chunk data (no sizes, extensions or trailers) for a chunked body, and nothing for a request without a body.",
        enforced_by: Server,
    },
    Rule {
        id: "INPUT-003",
        level: Must,
        summary: "If the connection ends, times out or breaks the framing before the body is complete, a read returns `Err` (`UnexpectedEof`, `TimedOut`, `InvalidData`), never an early `Ok(0)`, so that an application can tell a truncated body from a complete one; a body that passes the server's size limit fails the read with `InvalidData` carrying `rgi::Error::BodyTooLarge` (`rgi::Error::in_io` finds it; its rule is HTTP-018).",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "INPUT-004",
        level: May,
        summary: "A server MAY read the body on demand or buffer it beforehand (in memory or on disk); the application sees the same bytes either way.",
        enforced_by: Server,
    },
    Rule {
        id: "INPUT-005",
        level: Must,
        summary: "A read may return fewer bytes than asked for; an application loops (`read_to_end`, `read_exact`, `BufRead` methods) instead of assuming that one read returns everything.",
        enforced_by: NotCheckable("how an application loops over reads is its own logic"),
    },
    Rule {
        id: "INPUT-006",
        level: May,
        summary: "An application MAY read the input until EOF without counting bytes, whatever `CONTENT_LENGTH` says, and MAY leave it unread.",
        enforced_by: NotCheckable("a permission; nothing to check"),
    },
    Rule {
        id: "INPUT-007",
        level: Must,
        summary: "Reads after the response has finished (the body was dropped) fail with an I/O error and never return bytes of a later request; an application MUST NOT read the input after its response has finished.",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "INPUT-008",
        level: May,
        summary: "An application or middleware MAY move the input out of the environ with `take_input`, which leaves an empty stream in its place, or replace it with `set_input`.",
        enforced_by: Types,
    },
    Rule {
        id: "INPUT-009",
        level: Must,
        summary: "A server does not depend on getting the input stream back: after the response it knows from its own connection state how much of the request body is still unread, whatever the application did with the stream.",
        enforced_by: Server,
    },
    Rule {
        id: "INPUT-010",
        level: Must,
        summary: "If the request body was not read to its end, the server after the response either reads and discards the rest, up to a limit on bytes and time, and then reuses the connection, or closes the connection; it never parses unread body bytes as the next request.",
        enforced_by: Server,
    },
    Rule {
        id: "INPUT-011",
        level: Must,
        summary: "If reading the request body failed (bad chunked framing, timeout, size limit), the server closes the connection after the response.",
        enforced_by: Server,
    },
    Rule {
        id: "INPUT-012",
        level: Must,
        summary: "The input stream cannot be rewound; a middleware that must read the body and still pass it on buffers it and installs the buffer with `set_input` (MW-004).",
        enforced_by: Types,
    },
    Rule {
        id: "INPUT-013",
        level: Must,
        summary: "A failure of the request body that is the client's (it closed or reset the connection, or stopped sending, before the body's end) is reported to the application as a read error of kind `UnexpectedEof`, `ConnectionReset`/`ConnectionAborted` or `TimedOut`, and the server tells it apart from the application's failures: whatever the application returns, it answers 400 (408 for a timeout) if nothing was sent, otherwise aborts the response, and logs a client disconnect, not APP-005.",
        enforced_by: Server,
    },
    // ---- ERRS ----
    Rule {
        id: "ERRS-001",
        level: Must,
        summary: "`environ.errors()` is always available, implements `Write + Send`, and accepts any bytes.",
        enforced_by: Types,
    },
    Rule {
        id: "ERRS-002",
        level: Should,
        summary: "An application SHOULD write UTF-8 text in lines ending with \"\\n\"; the server MAY translate line endings for its log.",
        enforced_by: Validator,
    },
    Rule {
        id: "ERRS-003",
        level: Must,
        summary: "The error stream may buffer: an application that needs its output to appear now calls `flush()`, and `flush()` pushes everything written so far to its destination.",
        enforced_by: Server,
    },
    Rule {
        id: "ERRS-004",
        level: Must,
        summary: "A failing error stream never affects the response: an application ignores errors from writing to it, and a server never aborts a response because logging failed.",
        enforced_by: Server,
    },
    Rule {
        id: "ERRS-005",
        level: Must,
        summary: "A server logs every application failure (`Err` or panic from `call`, `Err` from the body, `Ok` without a recorded response, a Content-Length mismatch) with the request method and target, and with the rule ID when the failure has one.",
        enforced_by: Server,
    },
    Rule {
        id: "ERRS-006",
        level: Should,
        summary: "A server SHOULD escape control characters that come from the request (method, target, header values) before writing them into a log line, so that a client cannot inject terminal escapes or fake log lines.",
        enforced_by: Server,
    },
    Rule {
        id: "ERRS-007",
        level: Should,
        summary: "Text written with one `write_all` call, and a line written with several writes up to its newline (as `writeln!` and `write!` do), SHOULD reach the destination in one piece, not interleaved with text from concurrent requests.",
        enforced_by: Server,
    },
    Rule {
        id: "ERRS-008",
        level: May,
        summary: "Different applications or requests MAY get different error streams; an application MUST NOT assume that its error stream is standard error.",
        enforced_by: NotCheckable("an assumption of the application"),
    },
    // ---- URL ----
    Rule {
        id: "URL-001",
        level: Must,
        summary: "The URL of a request is rebuilt from the environ as the application URL (URL-005) followed by the quoted `PATH_INFO` (URL-003), whose leading \"/\" is left out when `SCRIPT_NAME` is empty (the application URL then already ends in \"/\"), then \"?\" and `QUERY_STRING` when `QUERY_STRING` is not empty.",
        enforced_by: NotCheckable("defines an algorithm; rgi's URL helpers implement it and are unit-tested"),
    },
    Rule {
        id: "URL-002",
        level: Must,
        summary: "The host part is `HTTP_HOST` as sent when it is present and non-empty; otherwise `SERVER_NAME` (an IPv6 address in brackets, added when the server left them out, ENV-011), followed by \":\" and `SERVER_PORT` unless the port is the default of the scheme (80 for http, 443 for https); bytes that no URL can hold (controls, space, bytes of 0x80 and above) are percent-encoded.",
        enforced_by: NotCheckable("defines an algorithm; rgi's URL helpers implement it and are unit-tested"),
    },
    Rule {
        id: "URL-003",
        level: Must,
        summary: "Quoting writes every byte of `SCRIPT_NAME` and `PATH_INFO` other than ASCII letters, digits, \"-\", \".\", \"_\", \"~\" and \"/\" as \"%\" and two upper-case hex digits (a space becomes \"%20\", the byte 0xFF becomes \"%FF\").",
        enforced_by: NotCheckable("defines an algorithm; rgi's URL helpers implement it and are unit-tested"),
    },
    Rule {
        id: "URL-004",
        level: Must,
        summary: "`QUERY_STRING` is appended as it is, never quoted again; only bytes that no URL can hold (controls, space, bytes of 0x80 and above) are percent-encoded.",
        enforced_by: NotCheckable("defines an algorithm; rgi's URL helpers implement it and are unit-tested"),
    },
    Rule {
        id: "URL-005",
        level: Must,
        summary: "The application URL (the mount point) is `url_scheme()`, \"://\", the host part (URL-002) and the quoted `SCRIPT_NAME`, or \"/\" when `SCRIPT_NAME` is empty.",
        enforced_by: NotCheckable("defines an algorithm; rgi's URL helpers implement it and are unit-tested"),
    },
    Rule {
        id: "URL-006",
        level: Should,
        summary: "The rebuilt URL is what the server and middleware made of the request (decoded, possibly rewritten); an application that must see the target as the client sent it (to tell \"%2F\" from \"/\", or to check a signature) SHOULD use `REQUEST_URI`.",
        enforced_by: NotCheckable("application logic"),
    },
    Rule {
        id: "URL-007",
        level: Should,
        summary: "`HTTP_HOST` is chosen by the client: an application that puts a rebuilt URL into a response (Location, links, e-mails) SHOULD check the host against the names it serves.",
        enforced_by: NotCheckable("application logic"),
    },
    Rule {
        id: "URL-008",
        level: Must,
        summary: "`shift_path_info` moves the first segment of `PATH_INFO` to the end of `SCRIPT_NAME` and returns it, following the steps of this section (those of wsgiref's `shift_path_info`) exactly.",
        enforced_by: NotCheckable("defines a helper; it is unit-tested against wsgiref's vectors"),
    },
    // ---- MW ----
    Rule {
        id: "MW-001",
        level: Must,
        summary: "A middleware obeys the application rules towards the server that calls it and the server rules (START, BODY, INPUT) towards the application it calls.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-002",
        level: Must,
        summary: "A middleware passes the environ it received down to the application it calls; if it builds a new `Environ` instead, it copies every typed entry (`url_scheme`, `multithread`, `multiprocess`, `run_once`, `input_terminated`, `file_wrapper`, `upgrade`), the input and error streams and all extensions into it.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-003",
        level: Must,
        summary: "A middleware MUST NOT hide or falsify a capability: flags and extensions reach the inner application as the server set them, unless the middleware itself changes what a flag describes (for example by replacing the input stream).",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-004",
        level: Must,
        summary: "A middleware that replaces the input with `set_input` keeps `CONTENT_LENGTH` and `input_terminated()` true to the new stream, and the new stream obeys INPUT-001.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-005",
        level: Must,
        summary: "A middleware that rewrites `SCRIPT_NAME` or `PATH_INFO` (mounting, `shift_path_info`) keeps the forms of ENV-004 and ENV-005 and leaves `REQUEST_URI` as it was; the one exception is the `SCRIPT_NAME` of \"/\" that `shift_path_info` produces from a `PATH_INFO` of \"/\" (URL-008).",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-006",
        level: Must,
        summary: "A middleware returns its body as soon as the application it wraps has returned; it MUST NOT pull the inner body to its end inside `call`.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-007",
        level: Must,
        summary: "Each time its body is asked for a chunk, a middleware pulls at most one chunk from the inner body before answering (with an empty chunk if it is still accumulating), so that it never waits for several inner chunks at once.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-008",
        level: Must,
        summary: "A middleware that does not pass the inner body on (it replaces or transforms the response) drops the inner body exactly once, no later than when its own body is dropped.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-009",
        level: Must,
        summary: "A middleware that changes the body bytes removes or corrects Content-Length.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-010",
        level: Should,
        summary: "A transforming middleware SHOULD look at Content-Type and Content-Encoding before it transforms, and SHOULD leave responses to HEAD and 204 and 304 responses alone.",
        enforced_by: NotCheckable("whether a transformation suits a content type is a judgement"),
    },
    Rule {
        id: "MW-011",
        level: Should,
        summary: "Work to be done after the response (timing, access logs, releasing resources) SHOULD be attached with `Body::on_close`, so that it runs on every path.",
        enforced_by: NotCheckable("a recommendation about where code goes"),
    },
    Rule {
        id: "MW-012",
        level: Must,
        summary: "A middleware that gives its application its own `StartResponse` implements every START rule for it: the checks of `start`, a single `start`, `start_error` semantics, `write` ordering, and a `headers_sent()` that is true as soon as a response can no longer be replaced through it.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-013",
        level: Must,
        summary: "Bytes from the inner body MUST NOT be sent through the outer `write`; only data the inner application passed to the middleware's own `write` may go that way.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-014",
        level: May,
        summary: "A middleware MAY handle its application's `start_error` itself (for example to render its own error page) as long as it has not passed a head on; once it has, it answers `Err(Error::HeadersAlreadySent)`.",
        enforced_by: NotCheckable("a permission"),
    },
    Rule {
        id: "MW-015",
        level: Must,
        summary: "A middleware passes on an inner failure (`Err` from `call` or from the inner body) unless it can still replace the whole response; it never turns an aborted inner response into one that looks complete.",
        enforced_by: Validator,
    },
    Rule {
        id: "MW-016",
        level: Should,
        summary: "Data derived from the request (parsed cookies, form fields, sessions, route parameters) SHOULD go into `extensions()` under a type the middleware owns, or be computed from the environ when needed, not stored in new CGI keys.",
        enforced_by: NotCheckable("a design recommendation"),
    },
    Rule {
        id: "MW-017",
        level: Should,
        summary: "A middleware that reads the request body for its own use SHOULD give the inner application a replay of it (`set_input`), or document that the inner application sees an empty input.",
        enforced_by: NotCheckable("documentation is not a run-time property"),
    },
    // ---- PROXY ----
    Rule {
        id: "PROXY-001",
        level: Must,
        summary: "A proxy-headers middleware reads forwarding headers only when the peer the server saw (`REMOTE_ADDR` as the server set it) is a trusted proxy, given as addresses or CIDR ranges; the default trusted set is loopback only (`127.0.0.0/8` and `::1`). From any other peer the headers are ignored and the environ is left exactly as the server set it.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-002",
        level: Must,
        summary: "The client address is found by walking the forwarded chain (the `for=` of each `Forwarded` element, or the `X-Forwarded-For` entries) from the last entry, the one the nearest proxy added, towards the first, skipping entries that are themselves trusted proxies: the first untrusted entry is the client, and every entry before it is ignored, because the client may have written it; if every entry is trusted, the first one is the client.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-003",
        level: Must,
        summary: "The scheme and host come from the same `Forwarded` element that named the client; `X-Forwarded-Proto`, `-Host`, `-Port` and `-Prefix` are taken from their last comma-separated value, the one the nearest trusted proxy set.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-004",
        level: Must,
        summary: "When a well-formed `Forwarded` header (RFC 7239) is read, it names the client and gives the scheme and host, and `X-Forwarded-For`, `-Proto`, `-Host` and `-Port` are ignored; `X-Forwarded-Prefix`, which has no `Forwarded` counterpart, applies either way.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-005",
        level: Must,
        summary: "A malformed forwarding value (an unparseable `Forwarded`, an `X-Forwarded-For` entry that is not an address, a scheme other than `http` or `https`, a bad host, port or prefix, a value that is not text) is ignored, the environ keeping the server's value for what it would have set, and logged to `rgi.errors` naming the header; it never turns into an error response.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-006",
        level: Must,
        summary: "From a trusted proxy the middleware rewrites `REMOTE_ADDR` (IPv6 without brackets, an IPv4-mapped address as IPv4) and `REMOTE_PORT` when the proxy gives the client's port, `url_scheme`, `HTTP_HOST`, `SERVER_NAME` and `SERVER_PORT` (from the forwarded host's port, else `X-Forwarded-Port`, else the scheme's default), and puts the percent-decoded prefix, without its trailing \"/\", in front of `SCRIPT_NAME` (ENV-004); `PATH_INFO`, `REQUEST_URI` and the forwarding headers themselves are left as they were.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-007",
        level: Should,
        summary: "The values the server had set (`REMOTE_ADDR`, `REMOTE_PORT`, `url_scheme`, `HTTP_HOST`, `SERVER_NAME`, `SERVER_PORT`, `SCRIPT_NAME`) SHOULD stay available to the application in an extension when the middleware rewrites them.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-008",
        level: Must,
        summary: "A forwarded host is accepted only in the form of a Host value: a registered name of letters, digits, `-`, `.`, `_`, `~` and percent-escapes, an IPv4 address or a bracketed IPv6 address, optionally followed by `:` and a port 1-65535; userinfo, spaces, quotes, paths and empty names are malformed (PROXY-005).",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    Rule {
        id: "PROXY-009",
        level: Should,
        summary: "By default a proxy-headers middleware SHOULD read only `X-Forwarded-For` and `X-Forwarded-Proto`, which every common proxy sets or overwrites; `Forwarded`, `X-Forwarded-Host`, `-Port` and `-Prefix` are read only when configured, because a proxy that does not set a header passes the client's own copy through unchanged.",
        enforced_by: NotCheckable("defines a middleware; rgi::proxy implements it and tests/proxy_headers.rs tests it against spoofing"),
    },
    // ---- SRV ----
    Rule {
        id: "SRV-001",
        level: Must,
        summary: "A server calls the application once per request, with a fresh environ that follows the ENV rules and a `StartResponse` that serves this request only.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-002",
        level: Must,
        summary: "A server's own 500 response (APP-005, START-002, BODY-015) has Content-Type `text/plain`, a short fixed body and a Content-Length, and reveals nothing about the error; the details go to the log only.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-003",
        level: Must,
        summary: "Aborting a connection means closing it without completing the message framing (no terminating zero-size chunk; fewer bytes than Content-Length), so that the client can see that the response is incomplete.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-004",
        level: Must,
        summary: "A panic in the application or in its body never takes down the server, a worker thread or a connection slot: the server catches it and releases every resource that belongs to the request.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-005",
        level: Must,
        summary: "A server that has a clock adds a Date header in IMF-fixdate form (\"Sun, 06 Nov 1994 08:49:37 GMT\") to every 2xx, 3xx and 4xx response when the application gave none, and MAY add one to a 5xx response (RFC 9110 section 6.6.1); a server without a clock adds none.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-006",
        level: Should,
        summary: "A server SHOULD add a Server header when the application gave none.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-007",
        level: Must,
        summary: "Apart from Date, Server and the framing and connection fields it owns (a computed Content-Length, Transfer-Encoding, Connection, Keep-Alive) and what the HTTP rules require, a server does not add, remove or change the application's status or headers.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-008",
        level: May,
        summary: "A server MAY answer conditional or range requests or apply a content coding on the application's behalf only if the meaning of the response is kept.",
        enforced_by: NotCheckable("a permission whose limit (keeping the meaning) is a judgement"),
    },
    Rule {
        id: "SRV-009",
        level: Must,
        summary: "A server never reads framing information back from the environ after calling the application: the request body's length and coding, the persistence of the connection and whether the method is HEAD come from the request as received.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-010",
        level: Must,
        summary: "Before a server calls the application for the next request on a connection, the previous response is complete (head and body sent, or the connection aborted), its body dropped, and the rest of its request body drained or the connection closed.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-011",
        level: Should,
        summary: "An extension that replaces part of rgi (raw access to the request head, another way to respond) SHOULD be reached through the environ of the call, and SHOULD refuse service when it cannot guarantee that it agrees with the environ as middleware may have changed it.",
        enforced_by: NotCheckable("depends on the semantics of each extension"),
    },
    Rule {
        id: "SRV-012",
        level: Should,
        summary: "A server SHOULD cap the number of connections it serves at once and keep accepting after transient accept errors (too many open files, aborted connections).",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-013",
        level: Should,
        summary: "On shutdown a server SHOULD stop accepting, let requests in progress finish within a deadline, then close idle connections.",
        enforced_by: Server,
    },
    Rule {
        id: "SRV-014",
        level: Should,
        summary: "A server SHOULD log one access line per request (method, target, status, bytes sent), with control characters escaped (ERRS-006).",
        enforced_by: Server,
    },
    // ---- HTTP ----
    Rule {
        id: "HTTP-001",
        level: Must,
        summary: "A server parses requests as RFC 9112 defines them: a request line `method SP request-target SP HTTP-version CRLF`, header field lines, an empty line, every line ending in CRLF; a request line with extra spaces, missing parts or invalid characters (among them \"#\" in the target: a fragment never leaves the client, RFC 9112 section 3.2), or a line ending in a bare LF, gets 400 and the connection is closed.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-002",
        level: Should,
        summary: "A server SHOULD ignore empty lines (CRLF) received before a request line.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-003",
        level: Must,
        summary: "A request is served in the version on its request line when that is HTTP/1.0 or HTTP/1.1; HTTP/1.x with a digit x above 1 is served as HTTP/1.1, the highest minor version of major version 1 the server implements (RFC 9110 section 2.5, RFC 9112 section 2.3), and `SERVER_PROTOCOL` is then \"HTTP/1.1\" (ENV-013); any other well-formed version (HTTP/0.9, HTTP/2.0, HTTP/3.0) gets 505, and a malformed one (not `HTTP/` digit `.` digit) gets 400.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-004",
        level: Must,
        summary: "A header section with obs-fold (a line that begins with space or tab), whitespace between a field name and its colon, a bare CR, a line ending in a bare LF (which RFC 9112 section 2.2 lets a recipient accept and rgi does not), a NUL or other control character except tab in a value, or an invalid field name gets 400 and the connection is closed.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-005",
        level: Must,
        summary: "A request of any version with more than one Host field line, or with a Host value that is not `uri-host [ \":\" port ]` (RFC 9110 section 7.2: a bracketed IP literal, or a reg-name of letters, digits, `-._~`, sub-delims and percent escapes; then optionally \":\" and digits; an empty value is valid), gets 400, and so does an HTTP/1.1 request with no Host (RFC 9112 section 3.2); an HTTP/1.0 request may have none.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-006",
        level: Must,
        summary: "Request targets: origin-form (\"/path?query\") is accepted for every method; absolute-form (\"http://host/path\") is accepted, its path becoming the path of the environ and its authority, held to HTTP-005's Host syntax, becoming `HTTP_HOST`: the Host field is still required and checked (HTTP-005) but its value is ignored, even when it names another host (RFC 9112 section 3.2.2); asterisk-form (\"*\") only with OPTIONS; CONNECT and its authority-form get 501; any other target gets 400.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-007",
        level: Must,
        summary: "A server enforces limits and answers 414 when the request target is longer than its limit and 431 when the header section or the number of header fields is over its limits, closing the connection after the response.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-008",
        level: Should,
        summary: "A server SHOULD document its limits and their defaults (for example 8 KiB of request target, 64 KiB of header section, 100 header fields, a request body limit).",
        enforced_by: NotCheckable("documentation is not a run-time property"),
    },
    Rule {
        id: "HTTP-009",
        level: Must,
        summary: "A request with both Transfer-Encoding and Content-Length gets 400 and the connection is closed.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-010",
        level: Must,
        summary: "A Content-Length value must be ASCII decimal digits only (no sign, space, comma or hex) that fit in 64 bits; several Content-Length lines must all carry the same digits and then count as one; anything else gets 400 and the connection is closed.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-011",
        level: Must,
        summary: "A Transfer-Encoding header in an HTTP/1.0 request gets 400 and the connection is closed.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-012",
        level: Must,
        summary: "The transfer codings of a request (all Transfer-Encoding lines together) end with \"chunked\" (any letter case), which appears once; otherwise the request gets 400 and the connection is closed; a list that names another coding before chunked gets 501.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-013",
        level: Must,
        summary: "A request with neither Content-Length nor Transfer-Encoding has an empty body whatever its method; the bytes after its head belong to the next request; a request body is never delimited by closing the connection.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-014",
        level: Must,
        summary: "A server decodes chunked bodies strictly: chunk sizes are hex digits only and checked for overflow, every line ends with CRLF (a bare LF or CR is an error), chunk data is followed by CRLF, chunk extensions are ignored but limited in size (whitespace between the size and the `;` of an extension is allowed and removed, RFC 9112 section 7.1.1 and RFC 9110 section 5.6.3, but not after a size without an extension), trailer fields are read, limited in size and discarded; any violation fails the read (INPUT-003) and the connection is closed after the response.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-015",
        level: Must,
        summary: "On an HTTP/1.1 request with `Expect: 100-continue`, the server sends \"HTTP/1.1 100 Continue\" when the application first reads the input and the body has not started to arrive, and never once the final response head has been sent.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-016",
        level: Must,
        summary: "An HTTP/1.1 request with an Expect value other than 100-continue (any letter case) gets 417 without the application being called; Expect on an HTTP/1.0 request is ignored.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-017",
        level: Must,
        summary: "If a request carried `Expect: 100-continue`, no 100 Continue was sent and the body was not read, the server closes the connection after the response, since the client may or may not send the body.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-018",
        level: Must,
        summary: "A request body larger than the server's limit gets 413: before the application is called when Content-Length is over the limit, and for a chunked body by failing the read once the limit is passed (with the error INPUT-003 names) and answering 413 if the head was not sent yet, whatever the application then returns (an application that passes the read error up with `?` gets the 413, not APP-005's 500); the connection is closed afterwards.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-019",
        level: Must,
        summary: "A server answers with the status line \"HTTP/1.1 NNN Reason\"; to an HTTP/1.0 client it never sends a chunked body or other HTTP/1.1-only features.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-020",
        level: Must,
        summary: "A server frames a response in this order of preference: no body for HEAD and for 1xx, 204 and 304 (BODY-006); the application's Content-Length; a computed Content-Length for a body of known length (BODY-009); chunked coding for an HTTP/1.1 client; otherwise no length, closing the connection after the body.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-021",
        level: Must,
        summary: "A 1xx or 204 response goes out without Content-Length and Transfer-Encoding (the server drops an application Content-Length there and logs HDR-008); a 304 response and a response to HEAD keep the application's Content-Length and get no computed one.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-022",
        level: Must,
        summary: "A chunked response sends each non-empty chunk as one HTTP chunk (size in hex, CRLF, data, CRLF) and ends with the zero-size last chunk and an empty trailer section.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-023",
        level: Must,
        summary: "RETIRED: `start` refuses a 1xx status (START-003), so no application's 1xx response reaches the wire; the server's own 500 follows SRV-002.",
        enforced_by: NotCheckable("retired: START-003 refuses a 1xx status"),
    },
    Rule {
        id: "HTTP-024",
        level: Must,
        summary: "The server's own error responses (400, 408, 413, 414, 417, 431, 501, 505) have a short `text/plain` body and a Content-Length, carry `Connection: close`, and are followed by closing the connection; the application is not called for them, except for a 413 discovered while it reads.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-025",
        level: Must,
        summary: "An HTTP/1.1 connection stays open after a response unless the request or the server says `Connection: close`; an HTTP/1.0 connection closes after the response unless the request said `Connection: keep-alive`, the server chooses to honour it (RFC 9112 section 9.3 leaves that to the recipient; `simple_server` does) and the response's end is known without closing (it has a Content-Length or no body), in which case the server answers `Connection: keep-alive`; the Connection header is a comma-separated list of case-insensitive tokens.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-026",
        level: Must,
        summary: "When a server has decided, before sending a response's head, to close the connection after that response, it includes `Connection: close` in that head; a close decided only later (an unread request body that turns out larger than the drain cap or does not arrive in time, a failure while sending) happens without it, as RFC 9112 (section 9.6) permits.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-027",
        level: Must,
        summary: "Pipelined requests are handled one at a time in the order received, and their responses are sent in that order; bytes read ahead are kept for the next request, unless the connection closes after this response (HTTP-033).",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-028",
        level: Must,
        summary: "A server limits the time to receive a request head (a deadline for the whole head, not only per read), each body read, each write, and the idle time between requests on a connection; on an idle or head timeout it closes the connection, and it MAY send 408 first if part of a head arrived.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-029",
        level: Must,
        summary: "An Upgrade request header does not by itself switch protocols: the request is handled as an ordinary request, its body framed only by Content-Length or Transfer-Encoding; the connection leaves HTTP only when the application accepts the switch with a 101 and `Body::upgrade` on a server that offers the upgrade capability (section 12, UPG-001 to UPG-009).",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-030",
        level: Should,
        summary: "A server SHOULD answer 501 to a request whose method is longer than its method limit (RFC 9112 section 3: longer than any method it implements), closing the connection; the limit is documented with the others (HTTP-008).",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-031",
        level: Must,
        summary: "A server that closes a connection closes it in stages (RFC 9112 section 9.6): it sends the whole response, closes its write side, then reads and discards what the client still sends until the client closes, a byte limit is reached or a deadline passes (HTTP-032), and only then closes fully; closing at once with unread input would let the TCP stack reset the connection and erase a response the client has not read yet.",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-032",
        level: Should,
        summary: "An unread request body is dealt with in two tiers: up to a small keep-alive drain limit it is read and discarded and the connection reused (INPUT-010; `simple_server`: `max_drain_bytes`, 64 KiB); beyond it the response carries `Connection: close` (HTTP-026) and the staged close (HTTP-031) SHOULD discard at least as much as the largest request body a proxy in front of the server forwards; a server makes that amount and the deadline deployment settings (`simple_server`: `max_linger_bytes`, 16 MiB, and `linger_timeout`, 2 s).",
        enforced_by: Server,
    },
    Rule {
        id: "HTTP-033",
        level: Must,
        summary: "After the response to a request that carried the \"close\" connection option, or any response after which the server decided to close, the server processes no further request on that connection (RFC 9112 section 9.6): bytes it has already read ahead (HTTP-027) are discarded unparsed.",
        enforced_by: Server,
    },
    // ---- UPG ----
    Rule {
        id: "UPG-001",
        level: May,
        summary: "A server MAY offer the upgrade capability. It sets `rgi.upgrade` (`Environ::upgrade_available`) to true for a request only when it can hand that request's connection over: an HTTP/1.1 request (not HTTP/1.0, not HTTP/2: RFC 8441's extended CONNECT is not part of rgi 1.0) that carries an `Upgrade` field and the `upgrade` option in `Connection` (RFC 9110, section 7.8), and no request content (no `Content-Length` other than 0, no `Transfer-Encoding`). In every other case, and on servers without the capability (a CGI gateway: the web server owns the connection), it is false.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-002",
        level: Must,
        summary: "An application that takes over a connection does so only when `rgi.upgrade` is true: it calls `start` with status `101` and an `Upgrade` field naming the one protocol it switches to, plus `Connection: upgrade`, and returns `Body::upgrade(handler)`. On a 101 these two fields are the application's to send (the exception to HDR-003); every other response header rule still applies.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-003",
        level: Must,
        summary: "`start` refuses a 101 when `rgi.upgrade` is false for the request (START-003 refuses every other 1xx), and a 101 that lacks `Upgrade` or the `upgrade` option in `Connection`; the refusal is an `Err` the application can pass up, and the server answers as for any failed application (APP-005).",
        enforced_by: ServerAndValidator,
    },
    Rule {
        id: "UPG-004",
        level: Should,
        summary: "The protocol the application names in `Upgrade` SHOULD be one the client offered in its `Upgrade` field (RFC 9110, section 7.8: a server switches only to a protocol the client asked for).",
        enforced_by: Validator,
    },
    Rule {
        id: "UPG-005",
        level: Must,
        summary: "A server that receives `Body::upgrade` with a status other than 101, or a 101 with any other body, answers 500 (before the head is sent) and logs the mismatch with this rule's ID; the handler is dropped without being called. A middleware passes an upgrade body through unchanged (MW-003): it MUST NOT wrap, buffer or iterate it.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-006",
        level: Must,
        summary: "Before the switch the server has read the whole request head and no request content exists (UPG-001). It sends the 101 head with the application's fields and the server's own (`Server`, `Date` as SRV-005 allows), with no `Content-Length` and no `Transfer-Encoding`; it writes nothing after the head.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-007",
        level: Must,
        summary: "The server then calls the handler once, on a thread that may block for as long as the connection lives, with a stream that implements `Read` and `Write` over the connection. Bytes the client sent after the request head that the server already read (a client may send its first frame without waiting for the 101) come first out of `read`; nothing is lost or reordered.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-008",
        level: Must,
        summary: "The stream lets the handler set a read and a write timeout and shut the connection down in either direction; `read` returns `Ok(0)` when the client has closed its side. At the switch, the server's write timeout applies to writes and reads have no timeout: an idle limit is the protocol's to choose (a WebSocket ping interval, say).",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-009",
        level: Must,
        summary: "After the handler returns (`Ok` or `Err`) or panics, the server closes the connection: it never returns to HTTP, no further request is read from it. An `Err` or a panic is logged with this rule's ID and does not stop the server.",
        enforced_by: Server,
    },
    Rule {
        id: "UPG-010",
        level: Should,
        summary: "An engine that bridges to asynchronous I/O SHOULD bound the bytes it holds for a taken-over connection in each direction (a few times 64 KiB), so that a slow peer slows the handler instead of growing the server's memory.",
        enforced_by: NotCheckable("a bound on the bytes an engine buffers is a property of its implementation, measured by a benchmark, not visible to an application"),
    },
    Rule {
        id: "UPG-011",
        level: Must,
        summary: "A taken-over connection stays counted as a live connection of the server (its thread or slot, its place in the connection limit) until it is closed. At shutdown the server waits for it like for an in-flight request, up to the shutdown deadline; then it shuts the stream down, so that a blocked `read` or `write` returns.",
        enforced_by: Server,
    },
];

/// The Rust examples in `spec/*.md`, compiled and run as doctests so that
/// the specification cannot drift from the crate's API.
#[cfg(doctest)]
mod spec_examples {
    #[doc = include_str!("../spec/01-application.md")]
    struct Application;
    #[doc = include_str!("../spec/02-environ.md")]
    struct Environ;
    #[doc = include_str!("../spec/03-text.md")]
    struct Text;
    #[doc = include_str!("../spec/04-start-response.md")]
    struct StartResponse;
    #[doc = include_str!("../spec/05-body.md")]
    struct Body;
    #[doc = include_str!("../spec/06-input-and-errors.md")]
    struct InputAndErrors;
    #[doc = include_str!("../spec/07-server.md")]
    struct Server;
    #[doc = include_str!("../spec/08-middleware.md")]
    struct Middleware;
    #[doc = include_str!("../spec/09-url.md")]
    struct Url;
    #[doc = include_str!("../spec/12-upgrade.md")]
    struct Upgrade;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_well_formed_and_in_order() {
        let mut previous: Option<(usize, u32)> = None;
        for r in RULES {
            let (area, number) = r.id.split_once('-').expect("ID has a hyphen");
            let area_index = AREAS
                .iter()
                .position(|a| *a == area)
                .unwrap_or_else(|| panic!("{}: unknown area", r.id));
            assert!(
                number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
                "{}: the number must be three digits",
                r.id
            );
            let number: u32 = number.parse().expect("digits");
            if let Some(p) = previous {
                assert!(
                    (area_index, number) > p,
                    "{}: RULES must be sorted by area (in AREAS order) and number, without duplicates",
                    r.id
                );
            }
            previous = Some((area_index, number));
        }
    }

    #[test]
    fn lookup_finds_every_rule() {
        for r in RULES {
            assert_eq!(rule(r.id), Some(r));
        }
        assert_eq!(rule("ENV-4"), None);
    }
}
