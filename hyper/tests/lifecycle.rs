//! The lifecycle hooks (spec 1.6) on rgi-hyper: `on_start` before the first
//! request, `on_shutdown` once after the last; `StopServing` means no
//! serving at all.

mod support;

use std::sync::{Arc, Mutex};

use rgi::{AppError, Application, Body, Environ, StartResponse, StopServing};

struct Hooked {
    events: Arc<Mutex<Vec<&'static str>>>,
    stop: bool,
}

impl Application for Hooked {
    fn call(&self, _env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        self.events.lock().unwrap().push("call");
        start.start(200, [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("ok"))
    }
    fn on_start(&self) -> Result<(), AppError> {
        self.events.lock().unwrap().push("start");
        if self.stop {
            return Err(StopServing::new("no database").into());
        }
        Ok(())
    }
    fn on_shutdown(&self) {
        self.events.lock().unwrap().push("shutdown");
    }
}

#[test]
fn hooks_run_once_around_the_requests() {
    // APP-015, APP-017
    let events = Arc::new(Mutex::new(Vec::new()));
    let app = Hooked {
        events: Arc::clone(&events),
        stop: false,
    };
    let served = support::serve(app, support::config());
    let response = support::get(served.addr, "/");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    served.stop().unwrap();
    assert_eq!(*events.lock().unwrap(), ["start", "call", "shutdown"]);
}

#[test]
fn stop_serving_from_on_start_means_no_serving() {
    // APP-016
    let events = Arc::new(Mutex::new(Vec::new()));
    let app = Hooked {
        events: Arc::clone(&events),
        stop: true,
    };
    let server = rgi_hyper::Server::bind("127.0.0.1:0").unwrap();
    let err = server.serve(app).unwrap_err();
    assert!(err.to_string().contains("no database"), "{err}");
    assert_eq!(
        *events.lock().unwrap(),
        ["start"],
        "no shutdown hook after StopServing"
    );
}
