//! The validator against a zoo of deliberately broken applications, servers
//! and middleware (tests/validate_support), plus correct ones that must pass
//! without a single finding, and the behaviour of the two modes.

mod validate_support;

use std::io::{self, Cursor, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use rgi::validate::{
    check_middleware, validator, RecordingStart, Report, Severity, Side, Validator,
};
use rgi::{AppError, Application, Body, Environ, StartResponse};
use validate_support::*;

#[test]
fn every_zoo_case_is_caught_with_its_rule() {
    let mut failures = Vec::new();
    for case in cases() {
        let report = (case.run)();
        if !report.contains(case.rule) {
            failures.push(format!(
                "{} (expected {}): got\n{}",
                case.name,
                case.rule,
                show(&report)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_finding_of_the_zoo_is_well_formed() {
    for case in cases() {
        for finding in (case.run)().findings() {
            let rule = rgi::rules::rule(finding.rule)
                .unwrap_or_else(|| panic!("{}: unknown rule {}", case.name, finding.rule));
            let expected = match rule.level {
                rgi::rules::Level::Must => [Severity::Error].as_slice(),
                _ => [Severity::Warning, Severity::Advice].as_slice(),
            };
            assert!(
                expected.contains(&finding.severity),
                "{}: {finding} has severity {} for a {} rule",
                case.name,
                finding.severity,
                rule.level
            );
            assert!(
                !finding.seen.is_empty() && finding.fix.len() > 10,
                "{finding}"
            );
        }
    }
}

fn assert_clean(what: &str, report: Report) {
    assert!(report.is_empty(), "{what}: unexpected findings:\n{report}");
}

fn temp_file(data: &[u8]) -> std::fs::File {
    let path = std::env::temp_dir().join(format!(
        "rgi-validate-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(data).unwrap();
    drop(file);
    let file = std::fs::File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    file
}

#[test]
fn correct_applications_produce_no_findings() {
    assert_clean("hello", run(hello));
    // UPG-002: a 101 the request allows, to the protocol it offered.
    assert_clean("switching", run_env(switching, upgrade_request("echo")));
    assert_clean("streaming", run(streaming));
    assert_clean("streaming with length", run(streaming_with_length));
    assert_clean(
        "HEAD with the GET headers",
        run_method(
            "HEAD",
            |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                s.start(
                    "200 OK",
                    [
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Length", "5"),
                    ]
                    .into(),
                )?;
                Ok(Body::empty())
            },
        ),
    );
    assert_clean(
        "write path with Content-Length",
        run(
            |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                s.start(
                    "200 OK",
                    [
                        ("Content-Type", "application/octet-stream"),
                        ("Content-Length", "4"),
                    ]
                    .into(),
                )?;
                s.write(b"ab")?;
                Ok(Body::from("cd"))
            },
        ),
    );
    assert_clean("POST read to the end", with_input(read_all, "3", b"abc"));
    assert_clean(
        "POST read beyond CONTENT_LENGTH is EOF",
        with_input(
            |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                let mut buf = [0u8; 16];
                while e.input().read(&mut buf)? > 0 {}
                let _ = e.input().read(&mut buf)?;
                s.start("204 No Content", rgi::Headers::new())?;
                Ok(Body::empty())
            },
            "3",
            b"abc",
        ),
    );
    // HDR-019: ASCII text needs no charset (text/* defaults to US-ASCII).
    assert_clean(
        "ASCII text/plain without charset",
        respond_body("200 OK", &[("Content-Type", "text/plain")]),
    );
    assert_clean("204", respond("204 No Content", &[]));
    assert_clean("304", respond("304 Not Modified", &[("ETag", "\"v1\"")]));
    assert_clean(
        "redirect",
        respond(
            "301 Moved Permanently",
            &[("Location", "https://example.com/")],
        ),
    );
    assert_clean(
        "error recovery before the head is sent",
        run(
            |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                s.start(
                    "200 OK",
                    [("Content-Type", "text/html; charset=utf-8")].into(),
                )?;
                s.start_error(
                    "500 Internal Server Error",
                    [("Content-Type", "text/plain; charset=utf-8")].into(),
                )?;
                Ok(Body::from("sorry"))
            },
        ),
    );
    assert_clean(
        "file body",
        run(
            |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                s.start(
                    "200 OK",
                    [
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Length", "6"),
                    ]
                    .into(),
                )?;
                Ok(Body::file(rgi::util::FileWrapper::from_file(temp_file(
                    b"file!\n",
                ))?))
            },
        ),
    );
    assert_clean(
        "OPTIONS *",
        run_env(hello, {
            let mut e = env("OPTIONS", "*");
            e.set("PATH_INFO", "*");
            e
        }),
    );
}

#[test]
fn correct_middleware_produce_no_findings() {
    assert_clean("transparent", stacked(MwKind::Transparent, streaming));
    assert_clean("upper", stacked(MwKind::Upper, streaming));
    assert_clean("upper, in-memory body", stacked(MwKind::Upper, hello));
    assert_clean(
        "transparent, POST",
        stacked_post(MwKind::Transparent, read_all),
    );
    assert_clean(
        "check_middleware transparent",
        check_middleware(|app| Mw {
            inner: app,
            kind: MwKind::Transparent,
        }),
    );
    assert_clean(
        "check_middleware upper",
        check_middleware(|app| Mw {
            inner: app,
            kind: MwKind::Upper,
        }),
    );
}

#[test]
fn the_validator_keeps_the_body_kind() {
    // A known-length body keeps its length (the server can send
    // Content-Length), a file body stays a file body (sendfile), and a
    // stream yields the same bytes.
    let app = validator(hello);
    let body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    assert_eq!(body.known_length(), Some(5));
    assert_eq!(body.into_bytes().unwrap(), b"hello");

    let app = validator(
        |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            s.start(
                "200 OK",
                [("Content-Type", "application/octet-stream")].into(),
            )?;
            Ok(Body::file(rgi::util::FileWrapper::from_file(temp_file(
                b"0123456789",
            ))?))
        },
    );
    let mut body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    assert!(body.as_file_mut().is_some());
    assert!(body.as_file_mut().unwrap().file_mut().is_some());
    assert_eq!(body.known_length(), Some(10));
    assert_eq!(body.into_bytes().unwrap(), b"0123456789");

    let app = validator(streaming);
    let body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    assert_eq!(body.known_length(), None);
    assert_eq!(body.into_bytes().unwrap(), b"abc");
    assert_eq!(app.open_bodies(), 0);
}

fn hop_by_hop(_e: &mut Environ, s: &mut dyn StartResponse) -> Result<Body, AppError> {
    s.start(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Connection", "close"),
        ]
        .into(),
    )?;
    Ok(Body::from("x"))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn panic_mode_panics_on_the_first_error_with_rule_and_fix() {
    let app = validator(hop_by_hop);
    let result = catch_unwind(AssertUnwindSafe(|| {
        app.call(&mut env("GET", "/"), &mut RecordingStart::default())
    }));
    let message = panic_message(result.expect_err("panic mode must panic"));
    assert_eq!(
        message,
        "rgi::validate: HDR-003: hop-by-hop header \"Connection\"; fix: remove it: the server manages the connection and the framing"
    );
    assert!(app.report().contains("HDR-003"));
}

#[test]
fn panic_mode_does_not_panic_on_warnings_unless_denied() {
    // A body on a 204 breaks BODY-007, a SHOULD: a warning.
    let no_content = |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
        s.start(204, rgi::Headers::new())?;
        Ok(Body::from("body for 204"))
    };
    let app = validator(no_content);
    let body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    drop(body);
    let findings = app.report().findings();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, "BODY-007");
    assert_eq!(findings[0].severity, Severity::Warning);

    let strict = Validator::builder().deny_warnings(true).build(no_content);
    let result = catch_unwind(AssertUnwindSafe(|| {
        strict.call(&mut env("GET", "/"), &mut RecordingStart::default())
    }));
    assert!(panic_message(result.err().unwrap()).starts_with("rgi::validate: BODY-007: "));
}

#[test]
fn a_body_for_head_is_not_reported() {
    // BODY-007: for HEAD the application may return GET's body; the server
    // discards it (BODY-006).
    let hello = |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
        s.start(200, [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("Hello, world!"))
    };
    let app = Validator::builder().deny_warnings(true).build(hello);
    let body = app
        .call(&mut env("HEAD", "/"), &mut RecordingStart::default())
        .unwrap();
    drop(body);
    app.report().assert_clean();
}

#[test]
fn allowed_rules_are_not_reported() {
    let app = Validator::builder()
        .collecting()
        .allow("HDR-003")
        .build(hop_by_hop);
    let report = app.report();
    // A lax server, so that the response goes through.
    drive_with(&app, &mut env("GET", "/"), &mut LaxStart::default());
    assert!(!report.contains("HDR-003"), "{report}");
}

#[derive(Clone, Default)]
struct SharedLog(Arc<Mutex<Vec<u8>>>);

impl Write for SharedLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn findings_go_to_the_error_stream_too() {
    let log = SharedLog::default();
    let mut e = env("GET", "/");
    e.set_errors(Box::new(log.clone()));
    let app = Validator::collecting(
        |env: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            writeln!(env.errors(), "app log line")?;
            s.start("200 OK", rgi::Headers::new())?;
            Ok(Body::lazy(["late"]))
        },
    );
    drive_with(&app, &mut e, &mut RecordingStart::default());
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    // The application's own line passes through; the finding made while
    // the body was pulled (after call returned) arrives as well.
    assert!(text.starts_with("app log line\n"), "{text}");
    assert!(
        text.contains("rgi::validate: warning (application): HDR-010: a response with body bytes but no Content-Type header; fix: "),
        "{text}"
    );
    let findings = app.report().findings();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].side, Side::Application);
}

#[test]
fn errors_and_panics_of_the_application_pass_through() {
    let app = Validator::collecting(
        |_e: &mut Environ, _s: &mut dyn StartResponse| -> Result<Body, AppError> {
            Err("database down".into())
        },
    );
    let err = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "database down");
    assert!(app.report().is_empty(), "{}", app.report());

    let app = Validator::collecting(
        |_e: &mut Environ, _s: &mut dyn StartResponse| -> Result<Body, AppError> {
            panic!("app bug")
        },
    );
    let result = catch_unwind(AssertUnwindSafe(|| {
        app.call(&mut env("GET", "/"), &mut RecordingStart::default())
    }));
    assert_eq!(panic_message(result.err().unwrap()), "app bug");
    // The validator is still usable afterwards.
    let ok = Validator::collecting(hello);
    assert!(drive_with(&ok, &mut env("GET", "/"), &mut RecordingStart::default()).is_some());
    assert!(ok.report().is_empty());
}

#[test]
fn a_body_closed_late_is_checked_when_the_validator_asks() {
    let app = Validator::collecting(hello);
    let body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    assert_eq!(app.open_bodies(), 1);
    drop(body);
    assert_eq!(app.open_bodies(), 0);
    app.check_closed();
    assert!(app.report().is_empty());
}

#[test]
fn input_reads_are_passed_through_unchanged() {
    let mut e = env("POST", "/");
    e.set("CONTENT_LENGTH", "11");
    e.set_input(Box::new(Cursor::new(b"line 1\nrest".to_vec())));
    let app = Validator::collecting(
        |env: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            let mut first = String::new();
            env.input().read_line(&mut first)?;
            let mut rest = Vec::new();
            std::io::Read::read_to_end(env.input(), &mut rest)?;
            s.start(
                "200 OK",
                [("Content-Type", "text/plain; charset=utf-8")].into(),
            )?;
            Ok(Body::from(format!("{first}|{}", String::from_utf8(rest)?)))
        },
    );
    let out = drive_with(&app, &mut e, &mut RecordingStart::default()).unwrap();
    assert_eq!(out, b"line 1\n|rest");
    assert!(app.report().is_empty(), "{}", app.report());
}

#[test]
fn server_faults_passed_through_a_middleware_are_not_blamed_on_it() {
    // The server forgot REMOTE_ADDR, feeds too many input bytes and accepts
    // a hop-by-hop header; a transparent middleware passes all of it on.
    let mut e = env("POST", "/");
    e.remove("REMOTE_ADDR");
    e.set("CONTENT_LENGTH", "1");
    e.set_input(Box::new(Cursor::new(b"too long".to_vec())));
    let report = stacked_with(
        MwKind::Transparent,
        |env: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            std::io::Read::read_to_end(env.input(), &mut Vec::new())?;
            s.start(
                "200 OK",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Keep-Alive", "timeout=5"),
                ]
                .into(),
            )?;
            Ok(Body::from("x"))
        },
        e,
        &mut LaxStart::default(),
    );
    for rule in ["ENV-024", "INPUT-001", "HDR-003"] {
        assert!(report.contains(rule), "{rule} missing:\n{report}");
    }
    let blamed: Vec<_> = report
        .findings()
        .into_iter()
        .filter(|f| f.side == Side::Middleware || f.rule.starts_with("MW-"))
        .collect();
    assert!(blamed.is_empty(), "{blamed:?}");
}

/// ENV-004, URL-008, MW-005: a server never sets SCRIPT_NAME to "/", but a
/// middleware's shift_path_info makes "/" of a PATH_INFO of "/"; a validator
/// below that middleware accepts it, the outermost one still refuses it.
#[test]
fn script_name_slash_is_a_finding_only_at_the_server() {
    use rgi::validate::ValidatorBuilder;
    let report = Report::new();
    let builder = ValidatorBuilder::new()
        .collecting()
        .log_to_errors(false)
        .report(report.clone());
    let inner = builder.clone().build(hello);
    let shifting = move |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
        rgi::util::shift_path_info(e);
        inner.call(e, s)
    };
    let outer = builder.build(shifting);
    let mut environ = env("GET", "/");
    let body = outer
        .call(&mut environ, &mut RecordingStart::default())
        .unwrap();
    drop(body.into_bytes());
    assert_eq!(environ.get_str("SCRIPT_NAME"), Some("/"));
    assert_clean("shift_path_info below a validator", report);

    let alone = Validator::collecting(hello);
    let report = alone.report();
    let mut environ = env("GET", "/x");
    environ.set("SCRIPT_NAME", "/");
    let body = alone
        .call(&mut environ, &mut RecordingStart::default())
        .unwrap();
    drop(body.into_bytes());
    assert!(report.contains("ENV-004"), "{report}");
}

#[test]
fn a_body_whose_drop_panics_is_not_the_servers_body_008() {
    // The server dropped the body; the panic came from the application's
    // own Drop. BODY-008 (never closed) must not be charged to the server.
    struct Exploding;
    impl Iterator for Exploding {
        type Item = std::io::Result<rgi::Chunk>;
        fn next(&mut self) -> Option<Self::Item> {
            None
        }
    }
    impl Drop for Exploding {
        fn drop(&mut self) {
            panic!("drop exploded on purpose");
        }
    }
    let app = Validator::collecting(
        |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            s.start(200, [("Content-Type", "text/plain")].into())?;
            Ok(Body::stream(Exploding))
        },
    );
    let report = app.report();
    let body = app
        .call(&mut env("GET", "/"), &mut RecordingStart::default())
        .unwrap();
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(body)));
    assert!(dropped.is_err(), "the application's Drop panicked");
    app.check_closed();
    assert!(!report.contains("BODY-008"), "{report}");
}
