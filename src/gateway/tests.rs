//! The gateway with byte slices alone: a recording [`Output`], every path
//! of the call policy.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::*;
use crate::{AppError, Body, Environ, Error, StartResponse};

/// What an engine was asked to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Head {
        status: String,
        framing: Framing,
        computed: Option<u64>,
        fields: Vec<(String, String)>,
    },
    Data(Vec<u8>),
    Flush,
    Finish,
    Abort,
}

#[derive(Default)]
struct Recorder {
    events: Vec<Event>,
    delimiting: Option<Delimiting>,
    /// Fail `send_data` from this call on (the client went away).
    fail_data_after: Option<usize>,
    data_calls: usize,
    input_failure: Option<InputFailure>,
}

impl Output for Recorder {
    fn delimiting(&self) -> Delimiting {
        self.delimiting.unwrap_or(Delimiting::Chunked)
    }
    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
        self.events.push(Event::Head {
            status: head.status.to_owned(),
            framing: head.framing,
            computed: head.computed_length,
            fields: head
                .headers
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        });
        Ok(())
    }
    fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        self.data_calls += 1;
        if self.fail_data_after.is_some_and(|n| self.data_calls > n) {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        self.events.push(Event::Data(data.to_vec()));
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.events.push(Event::Flush);
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.events.push(Event::Finish);
        Ok(())
    }
    fn abort(&mut self) {
        self.events.push(Event::Abort);
    }
    fn input_failure(&self) -> Option<InputFailure> {
        self.input_failure
    }
}

impl Recorder {
    fn body(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Data(d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }
    fn status(&self) -> Option<&str> {
        self.events.iter().find_map(|e| match e {
            Event::Head { status, .. } => Some(status.as_str()),
            _ => None,
        })
    }
    fn framing(&self) -> Option<Framing> {
        self.events.iter().find_map(|e| match e {
            Event::Head { framing, .. } => Some(*framing),
            _ => None,
        })
    }
    fn ended_with(&self, event: &Event) -> bool {
        self.events.last() == Some(event)
    }
}

type Handler = dyn Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, AppError> + Send + Sync;

struct App(Box<Handler>);

impl crate::Application for App {
    fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        (self.0)(env, start)
    }
}

fn app(
    f: impl Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, AppError> + Send + Sync + 'static,
) -> App {
    App(Box::new(f))
}

/// Runs `app` for `method /x`; returns the outcome and the log lines.
fn serve(app: &App, method: &str, out: &mut Recorder) -> (Outcome, Vec<String>) {
    let conn = Connection::new(&ConnInfo::default());
    let request = Request {
        method,
        target: b"/x",
        version: Version::Http11,
        authority: None,
        content_length: None,
        input_terminated: false,
    };
    let mut env = request.into_environ(
        std::iter::empty(),
        &conn,
        &Flags::default(),
        Box::new(io::empty()),
    );
    let lines = RefCell::new(Vec::new());
    let log = |line: std::fmt::Arguments<'_>| lines.borrow_mut().push(line.to_string());
    let outcome = run(app, &mut env, out, &log);
    (outcome, lines.into_inner())
}

fn closed_counter() -> (
    Arc<AtomicUsize>,
    impl Fn(Body) -> Body + Send + Sync + Clone,
) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let wrap = move |body: Body| {
        let c = c.clone();
        body.on_close(move || {
            c.fetch_add(1, Ordering::SeqCst);
        })
    };
    (count, wrap)
}

fn plain() -> crate::Headers {
    [("Content-Type", "text/plain")].into()
}

#[test]
fn a_known_length_body_gets_a_computed_content_length() {
    // BODY-009, HTTP-020, START-008
    let hello = app(|_, start| {
        start.start("200 OK", plain())?;
        Ok(Body::from("hello"))
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&hello, "GET", &mut out);
    assert_eq!(
        out.events,
        [
            Event::Head {
                status: "200 OK".into(),
                framing: Framing::Length(5),
                computed: Some(5),
                fields: vec![("Content-Type".into(), "text/plain".into())],
            },
            Event::Data(b"hello".to_vec()),
            Event::Finish,
        ]
    );
    assert_eq!(
        outcome,
        Outcome {
            status: 200,
            body_bytes: 5,
            end: End::Complete
        }
    );
    assert!(log.is_empty(), "{log:?}");
}

#[test]
fn streams_are_chunked_or_engine_framed_and_flushed() {
    // HTTP-020, BODY-002
    let stream = app(|_, start| {
        start.start("200 OK", plain())?;
        Ok(Body::lazy(vec!["a", "", "b"]))
    });
    let mut out = Recorder::default();
    serve(&stream, "GET", &mut out);
    assert_eq!(out.framing(), Some(Framing::Chunked));
    assert_eq!(out.body(), b"ab");
    assert_eq!(out.events.iter().filter(|e| **e == Event::Flush).count(), 2);
    let mut h2 = Recorder {
        delimiting: Some(Delimiting::Engine),
        ..Recorder::default()
    };
    serve(&stream, "GET", &mut h2);
    assert_eq!(h2.framing(), Some(Framing::Engine));
    assert!(h2.ended_with(&Event::Finish));
}

#[test]
fn head_and_bodiless_statuses_send_no_body_and_close_it_once() {
    // BODY-006, BODY-008, HDR-008
    let (closed, wrap) = closed_counter();
    let w = wrap.clone();
    let head = app(move |_, start| {
        start.start("200 OK", plain())?;
        Ok(w(Body::lazy(vec!["never sent"])))
    });
    let mut out = Recorder::default();
    let (outcome, _) = serve(&head, "HEAD", &mut out);
    assert_eq!(out.framing(), Some(Framing::NoBody));
    assert!(out.body().is_empty());
    assert_eq!(outcome.end, End::Complete);
    assert_eq!(closed.load(Ordering::SeqCst), 1);

    let no_content = app(move |_, start| {
        start.start("204 No Content", [("Content-Length", "0")].into())?;
        Ok(wrap(Body::empty()))
    });
    let mut out = Recorder::default();
    let (_, log) = serve(&no_content, "GET", &mut out);
    assert_eq!(out.framing(), Some(Framing::NoBody));
    assert!(matches!(&out.events[0], Event::Head { fields, .. } if fields.is_empty()));
    assert!(log.iter().any(|l| l.contains("HDR-008")), "{log:?}");
    assert_eq!(closed.load(Ordering::SeqCst), 2);
}

#[test]
fn a_refused_start_still_counts() {
    // START-006, START-005, START-002: a second start after a refused one
    // is refused too, and a body without a recorded response is a 500.
    let seen = Arc::new(std::sync::Mutex::new(None));
    let s = seen.clone();
    let twice = app(move |_, start| {
        assert!(start.start("200 OK", [("Bad Name", "x")].into()).is_err());
        let second = start.start("200 OK", plain());
        *s.lock().unwrap() = Some(matches!(second, Err(Error::AlreadyStarted)));
        Ok(Body::from("ignored"))
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&twice, "GET", &mut out);
    assert_eq!(*seen.lock().unwrap(), Some(true));
    assert_eq!(out.status(), Some(ERROR_STATUS));
    assert_eq!(out.body(), ERROR_BODY);
    assert_eq!(outcome.status, 500);
    assert!(log.iter().any(|l| l.contains("START-006")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("START-005")), "{log:?}");
}

#[test]
fn a_second_start_after_a_good_one_is_logged() {
    // START-005: refused, and the server says so in its log.
    let twice = app(|_, start| {
        start.start("200 OK", plain())?;
        let _ = start.start("201 Created", plain());
        Ok(Body::from("x"))
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&twice, "GET", &mut out);
    assert_eq!(outcome.status, 200);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].starts_with("GET /x: ") && log[0].contains("START-005"));
}

#[test]
fn a_body_without_start_is_start_002() {
    let unstarted = app(|_, _| Ok(Body::from("x")));
    let mut out = Recorder::default();
    let (outcome, log) = serve(&unstarted, "GET", &mut out);
    assert_eq!(outcome.status, 500);
    assert!(log.iter().any(|l| l.contains("(START-002)")), "{log:?}");
}

#[test]
fn errors_and_panics_are_500_before_the_head_and_abort_after() {
    // APP-005, SRV-002, SRV-003, SRV-004
    let failing = app(|_, _| Err("secret detail".into()));
    let mut out = Recorder::default();
    let (outcome, log) = serve(&failing, "GET", &mut out);
    assert_eq!(outcome.status, 500);
    assert_eq!(out.body(), ERROR_BODY);
    assert!(log[0].contains("APP-005") && log[0].contains("secret detail"));

    let panicking = app(|_, start| {
        start.start("200 OK", plain())?;
        start.write(b"partial")?;
        panic!("kaboom");
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&panicking, "GET", &mut out);
    assert_eq!(outcome.end, End::Aborted);
    assert_eq!(out.status(), Some("200 OK"));
    assert!(out.ended_with(&Event::Abort));
    assert!(log[0].contains("kaboom") && log[0].contains("SRV-004"));
}

#[test]
fn a_failing_body_is_body_015() {
    let (closed, wrap) = closed_counter();
    let broken = app(move |_, start| {
        start.start("200 OK", plain())?;
        Ok(wrap(Body::stream(vec![
            Ok(b"first".to_vec()),
            Err(io::Error::other("generator broke")),
        ])))
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&broken, "GET", &mut out);
    assert_eq!(outcome.end, End::Aborted);
    assert_eq!(out.body(), b"first");
    assert!(log[0].contains("BODY-015") && log[0].contains("generator broke"));
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[test]
fn surplus_bytes_are_discarded_in_memory_or_streamed_alike() {
    // BODY-004: the declared length goes out, one log line, complete.
    for streamed in [false, true] {
        let (closed, wrap) = closed_counter();
        let long = app(move |_, start| {
            start.start("200 OK", [("Content-Length", "3")].into())?;
            Ok(wrap(if streamed {
                Body::lazy(vec!["ab", "cdef", "gh"])
            } else {
                Body::from("abcdefgh")
            }))
        });
        let mut out = Recorder::default();
        let (outcome, log) = serve(&long, "GET", &mut out);
        assert_eq!(out.body(), b"abc", "streamed: {streamed}");
        assert_eq!(outcome.end, End::Complete);
        assert_eq!(log.len(), 1, "{log:?}");
        assert!(log[0].contains("BODY-004"));
        assert_eq!(closed.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn a_short_body_aborts_with_body_005() {
    let short = app(|_, start| {
        start.start("200 OK", [("Content-Length", "10")].into())?;
        Ok(Body::lazy(vec!["abc"]))
    });
    let mut out = Recorder::default();
    let (outcome, log) = serve(&short, "GET", &mut out);
    assert_eq!(outcome.end, End::Aborted);
    assert!(out.ended_with(&Event::Abort));
    assert!(log[0].contains("BODY-005") && log[0].contains("7 bytes short"));
}

#[test]
fn a_client_gone_during_the_download_is_not_blamed_on_the_application() {
    let (closed, wrap) = closed_counter();
    let long = app(move |_, start| {
        start.start("200 OK", [("Content-Length", "6")].into())?;
        Ok(wrap(Body::lazy(vec!["ab", "cd", "ef"])))
    });
    let mut out = Recorder {
        fail_data_after: Some(1),
        ..Recorder::default()
    };
    let (outcome, log) = serve(&long, "GET", &mut out);
    assert_eq!(outcome.end, End::ClientGone);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("client disconnected"), "{log:?}");
    assert!(!log[0].contains("BODY-005"));
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[test]
fn write_sends_the_head_first_and_fails_for_good_after_an_output_error() {
    // START-010, START-015
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let writer = app(move |_, start| {
        start.start("200 OK", plain())?;
        start.write(b"one")?;
        s.lock().unwrap().push(start.headers_sent());
        s.lock().unwrap().push(start.write(b"two").is_err());
        s.lock().unwrap().push(start.write(b"three").is_err());
        Ok(Body::empty())
    });
    let mut out = Recorder {
        fail_data_after: Some(1),
        ..Recorder::default()
    };
    let (outcome, _) = serve(&writer, "GET", &mut out);
    assert_eq!(*seen.lock().unwrap(), [true, true, true]);
    assert_eq!(out.body(), b"one");
    assert_eq!(out.framing(), Some(Framing::Chunked));
    assert_ne!(outcome.end, End::Complete);
}

#[test]
fn start_error_replaces_until_the_head_is_sent() {
    // START-007, START-012
    let recovering = app(|_, start| {
        start.start("200 OK", plain())?;
        start.start_error("503 Service Unavailable", plain())?;
        Ok(Body::from("later"))
    });
    let mut out = Recorder::default();
    serve(&recovering, "GET", &mut out);
    assert_eq!(out.status(), Some("503 Service Unavailable"));
    let late = app(|_, start| {
        start.start("200 OK", plain())?;
        start.write(b"x")?;
        assert!(matches!(
            start.start_error("500 Oops", plain()),
            Err(Error::HeadersAlreadySent)
        ));
        Ok(Body::empty())
    });
    let mut out = Recorder::default();
    let (outcome, _) = serve(&late, "GET", &mut out);
    assert_eq!(outcome.status, 200);
}

#[test]
fn a_client_that_stops_sending_is_a_client_disconnect() {
    // INPUT-013: the application's read failed because of the client.
    let reader = app(|env, _| {
        let mut all = Vec::new();
        io::Read::read_to_end(env.input(), &mut all)?;
        Err("unreachable in this test".into())
    });
    let mut out = Recorder {
        input_failure: Some(InputFailure::Disconnected),
        ..Recorder::default()
    };
    let (outcome, log) = serve(&reader, "POST", &mut out);
    assert_eq!(outcome.status, 400);
    assert_eq!(outcome.end, End::ClientGone);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("INPUT-013") && !log[0].contains("APP-005"));
}

#[test]
fn a_refused_body_is_the_answer() {
    // HTTP-018: whatever the application made of the read error.
    let ignoring = app(|_, start| {
        start.start("200 OK", plain())?;
        Ok(Body::from("fine"))
    });
    let mut out = Recorder {
        input_failure: Some(InputFailure::Refused {
            status: 413,
            reason: "request body too large (HTTP-018)",
        }),
        ..Recorder::default()
    };
    let (outcome, _) = serve(&ignoring, "POST", &mut out);
    assert_eq!(outcome.status, 413);
    assert_eq!(out.status(), Some("413 Content Too Large"));
}

#[test]
fn written_bytes_come_before_the_returned_body() {
    // START-010, BODY-001
    let writer = app(|_, start| {
        start.start("200 OK", plain())?;
        start.write(b"written ")?;
        Ok(Body::from("returned"))
    });
    for delimiting in [Delimiting::Chunked, Delimiting::Engine] {
        let mut out = Recorder {
            delimiting: Some(delimiting),
            ..Recorder::default()
        };
        let (outcome, log) = serve(&writer, "GET", &mut out);
        assert_eq!(out.body(), b"written returned", "{:?} {log:?}", out.events);
        assert_eq!(outcome.end, End::Complete);
    }
}
