//! The upgrade path of the call policy (spec section 12): a `101` with
//! `Body::upgrade` hands the connection to the application's handler.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::call::{close_body, panic_message, End, Log, ReqName};
use super::response::{Output, Responder};
use crate::Body;

/// True when the response is a switch or claims to be one: the recorded
/// status is 101 or the body is an upgrade body.
pub(crate) fn is_switch<O: Output + ?Sized>(responder: &Responder<'_, O>, body: &Body) -> bool {
    body.is_upgrade() || responder.recorded_code() == Some(101)
}

/// Sends the 101 head, takes the connection over and runs the handler on
/// this thread (UPG-006, UPG-007); a mismatch of status and body is the
/// server's 500 (UPG-005). The connection never returns to HTTP (UPG-009).
pub(crate) fn switch<O: Output + ?Sized>(
    responder: &mut Responder<'_, O>,
    mut body: Body,
    log: Log<'_>,
    name: &ReqName<'_>,
) -> End {
    let handler = match (responder.recorded_code(), body.take_upgrade()) {
        (Some(101), Some(handler)) => handler,
        (code, handler) => {
            let problem = match (code, handler.is_some()) {
                (_, true) => "returned Body::upgrade without a 101 status",
                _ => "started a 101 but returned a body that is not Body::upgrade",
            };
            log(format_args!(
                "{name}: the application {problem}; answering 500 (UPG-005)"
            ));
            drop(handler);
            close_body(body, log, name);
            return super::call::fail(responder);
        }
    };
    let stream = match responder
        .send_switch_head()
        .and_then(|()| responder.take_over())
    {
        Ok(stream) => stream,
        Err(e) => {
            log(format_args!(
                "{name}: the connection could not be handed over after the 101: {e}"
            ));
            close_body(body, log, name);
            return End::ClientGone;
        }
    };
    match catch_unwind(AssertUnwindSafe(move || handler.run(stream))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => log(format_args!(
            "{name}: the upgrade handler failed (UPG-009): {e}"
        )),
        Err(payload) => log(format_args!(
            "{name}: the upgrade handler panicked (UPG-009, SRV-004): {}",
            panic_message(&*payload)
        )),
    }
    close_body(body, log, name);
    End::Upgraded
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::fs::File;
    use std::io::{self, Read, Write};
    use std::net::Shutdown;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::gateway::{
        run, ConnInfo, Connection, Delimiting, End, Flags, Framing, Output, Request, ResponseHead,
        Version,
    };
    use crate::upgrade::{Socket, Upgraded};
    use crate::{Body, Environ, StartResponse};

    /// An in-memory connection: what the client sent after the switch, and
    /// what the handler wrote.
    struct Pipe {
        from_client: io::Cursor<Vec<u8>>,
        to_client: Arc<Mutex<Vec<u8>>>,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.from_client.read(buf)
        }
    }
    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.to_client.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Socket for Pipe {
        fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
        fn set_write_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
        fn shutdown(&mut self, _: Shutdown) -> io::Result<()> {
            Ok(())
        }
    }

    /// Status, framing, computed length and fields of a sent head.
    type SentHead = (String, Framing, Option<u64>, Vec<(String, String)>);

    /// An engine that can take connections over: it records the head and
    /// hands over a [`Pipe`] with `early` bytes read past the head.
    #[derive(Default)]
    struct Engine {
        heads: Vec<SentHead>,
        data: Vec<u8>,
        flushed: bool,
        finished: bool,
        to_client: Arc<Mutex<Vec<u8>>>,
    }

    impl Output for Engine {
        fn delimiting(&self) -> Delimiting {
            Delimiting::Chunked
        }
        fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
            let fields = head
                .headers
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
            self.heads.push((
                head.status.to_owned(),
                head.framing,
                head.computed_length,
                fields,
            ));
            Ok(())
        }
        fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
            self.data.extend_from_slice(data);
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushed = true;
            Ok(())
        }
        fn send_file(&mut self, _: &mut File, _: u64) -> io::Result<u64> {
            unreachable!("no file bodies here")
        }
        fn finish(&mut self) -> io::Result<()> {
            self.finished = true;
            Ok(())
        }
        fn abort(&mut self) {}
        fn take_over(&mut self) -> io::Result<Upgraded> {
            let pipe = Pipe {
                from_client: io::Cursor::new(b" late".to_vec()),
                to_client: Arc::clone(&self.to_client),
            };
            Ok(Upgraded::new(Box::new(pipe), b"early".to_vec()))
        }
    }

    fn environ(
        version: Version,
        fields: &[(&str, &str)],
        content_length: Option<u64>,
        engine_can: bool,
    ) -> Environ {
        let request = Request {
            method: "GET",
            target: b"/chat",
            version,
            authority: None,
            content_length,
            input_terminated: false,
        };
        let fields: Vec<(&[u8], &[u8])> = fields
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let flags = Flags {
            upgrade: engine_can,
            ..Flags::default()
        };
        request.into_environ(
            fields.iter().copied(),
            &Connection::new(&ConnInfo::default()),
            &flags,
            Box::new(io::empty()),
        )
    }

    const ASKS: &[(&str, &str)] = &[("Upgrade", "echo"), ("Connection", "keep-alive, Upgrade")];

    #[test]
    fn the_capability_is_set_only_for_requests_that_can_switch() {
        // UPG-001
        assert!(environ(Version::Http11, ASKS, None, true).upgrade_available());
        assert!(environ(Version::Http11, ASKS, Some(0), true).upgrade_available());
        assert!(!environ(Version::Http11, ASKS, None, false).upgrade_available());
        assert!(!environ(Version::Http10, ASKS, None, true).upgrade_available());
        assert!(!environ(Version::Http2, ASKS, None, true).upgrade_available());
        assert!(!environ(Version::Http11, ASKS, Some(5), true).upgrade_available());
        let no_option = &[("Upgrade", "echo"), ("Connection", "keep-alive")];
        assert!(!environ(Version::Http11, no_option, None, true).upgrade_available());
        let no_protocol = &[("Connection", "upgrade")];
        assert!(!environ(Version::Http11, no_protocol, None, true).upgrade_available());
    }

    fn serve(
        env: &mut Environ,
        app: impl Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, crate::AppError>
            + Send
            + Sync
            + 'static,
    ) -> (Engine, End, Vec<String>) {
        let app = crate::app(app);
        let mut engine = Engine::default();
        let lines = RefCell::new(Vec::new());
        let log = |line: std::fmt::Arguments<'_>| lines.borrow_mut().push(line.to_string());
        let outcome = run(&app, env, &mut engine, &log);
        (engine, outcome.end, lines.into_inner())
    }

    fn echo_twice(stream: &mut Upgraded) -> io::Result<()> {
        let mut got = Vec::new();
        stream.read_to_end(&mut got)?;
        stream.write_all(&got)?;
        stream.write_all(&got)
    }

    #[test]
    fn a_101_with_an_upgrade_body_switches() {
        // UPG-002, UPG-006, UPG-007, UPG-009
        let closed = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&closed);
        let mut env = environ(Version::Http11, ASKS, None, true);
        let (engine, end, log) = serve(&mut env, move |_env, start| {
            start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
            let seen = Arc::clone(&seen);
            Ok(
                Body::upgrade(|mut stream| echo_twice(&mut stream)).on_close(move || {
                    seen.fetch_add(1, Ordering::SeqCst);
                }),
            )
        });
        assert_eq!(end, End::Upgraded);
        assert!(log.is_empty(), "{log:?}");
        let (status, framing, computed, fields) = &engine.heads[0];
        assert_eq!(status, "101 Switching Protocols");
        assert_eq!(*framing, Framing::NoBody);
        assert_eq!(*computed, None, "UPG-006: no Content-Length on a 101");
        assert!(fields.iter().any(|(n, v)| n == "Upgrade" && v == "echo"));
        assert!(engine.flushed, "the head is out before the handler runs");
        assert!(
            !engine.finished,
            "a switched connection does not finish as HTTP"
        );
        assert!(engine.data.is_empty());
        assert_eq!(
            &*engine.to_client.lock().unwrap(),
            b"early lateearly late",
            "UPG-007: early bytes first, nothing lost"
        );
        assert_eq!(closed.load(Ordering::SeqCst), 1, "the body is closed once");
    }

    #[test]
    fn start_refuses_a_101_the_request_cannot_have() {
        // UPG-003
        for (env, headers) in [
            (
                environ(Version::Http11, ASKS, None, false),
                vec![("Upgrade", "echo"), ("Connection", "upgrade")],
            ),
            (
                environ(Version::Http11, ASKS, None, true),
                vec![("Upgrade", "echo")],
            ),
            (
                environ(Version::Http11, ASKS, None, true),
                vec![("Connection", "upgrade")],
            ),
        ] {
            let mut env = env;
            let headers = crate::Headers::from(headers);
            let (engine, end, log) = serve(&mut env, move |_env, start| {
                let refused = start.start(101, headers.clone()).unwrap_err();
                assert_eq!(refused.rule(), Some("UPG-003"), "{refused}");
                Err(refused.into())
            });
            assert_eq!(end, End::Complete);
            assert_eq!(engine.heads[0].0, "500 Internal Server Error", "{log:?}");
        }
    }

    #[test]
    fn status_and_body_must_agree() {
        // UPG-005
        let mut env = environ(Version::Http11, ASKS, None, true);
        let (engine, _, log) = serve(&mut env, |_env, start| {
            start.start(200, [("Content-Type", "text/plain")].into())?;
            Ok(Body::upgrade(|_| panic!("must not run")))
        });
        assert_eq!(engine.heads[0].0, "500 Internal Server Error");
        assert!(log[0].contains("UPG-005"), "{log:?}");
        let mut env = environ(Version::Http11, ASKS, None, true);
        let (engine, _, log) = serve(&mut env, |_env, start| {
            start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
            Ok(Body::from("not an upgrade"))
        });
        assert_eq!(engine.heads[0].0, "500 Internal Server Error");
        assert!(log[0].contains("UPG-005"), "{log:?}");
    }

    #[test]
    fn a_failing_or_panicking_handler_is_logged_and_the_connection_ends() {
        // UPG-009
        let mut env = environ(Version::Http11, ASKS, None, true);
        let (_, end, log) = serve(&mut env, |_env, start| {
            start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
            Ok(Body::upgrade(|_| panic!("handler broke")))
        });
        assert_eq!(end, End::Upgraded);
        assert!(
            log[0].contains("UPG-009") && log[0].contains("handler broke"),
            "{log:?}"
        );
        let mut env = environ(Version::Http11, ASKS, None, true);
        let (_, end, log) = serve(&mut env, |_env, start| {
            start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
            Ok(Body::upgrade(|_| {
                Err(io::Error::other("peer spoke nonsense"))
            }))
        });
        assert_eq!(end, End::Upgraded);
        assert!(
            log[0].contains("UPG-009") && log[0].contains("nonsense"),
            "{log:?}"
        );
    }
}
