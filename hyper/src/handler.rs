//! The async side of one request: refuse what cannot be served (413, 503),
//! hand the rest to a pool thread, and wait for its response head.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER, SERVER,
};
use hyper::{Request, Response, StatusCode};
use rgi::Application;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::bridge::Conn;
use crate::output::ResponseBody;
use crate::pool::{Busy, Pool};
use crate::Config;

/// What every request of a server shares.
pub(crate) struct Shared {
    pub(crate) app: Box<dyn Application>,
    pub(crate) config: Config,
    pub(crate) pool: Pool,
    pub(crate) handle: Handle,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

/// Where a pool thread sends the response head (and the body handle).
pub(crate) type Reply = oneshot::Sender<Response<ResponseBody>>;

impl Shared {
    pub(crate) fn new(app: impl Application, config: Config, pool: Pool, handle: Handle) -> Shared {
        Shared {
            app: Box::new(app),
            config,
            pool,
            handle,
        }
    }

    /// Answers one request.
    pub(crate) async fn respond(
        self: Arc<Self>,
        req: Request<Incoming>,
        conn: Arc<Conn>,
    ) -> Response<ResponseBody> {
        if let Some(refusal) = self.refuse_early(&req) {
            return refusal;
        }
        let (tx, rx) = oneshot::channel();
        let shared = Arc::clone(&self);
        let job = Box::new(move || crate::bridge::run(&shared, req, &conn, tx));
        if let Err(Busy(job)) = self.pool.submit(job) {
            drop(job);
            return self.busy();
        }
        // The pool thread always replies (the gateway answers failures with
        // a 500 of its own); a lost reply means the runtime is going away.
        rx.await.unwrap_or_else(|_| {
            self.plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n")
        })
    }

    /// What hyper accepts but rgi refuses before the application is called:
    /// a bad Host (HTTP-005: 400) and a declared body over the limit (413).
    /// Both close an HTTP/1 connection (HTTP-025); the body is not read.
    fn refuse_early(&self, req: &Request<Incoming>) -> Option<Response<ResponseBody>> {
        let refusal = if !host_ok(req) {
            self.plain(
                StatusCode::BAD_REQUEST,
                "Bad Request: missing, repeated or invalid Host\n",
            )
        } else if declared_length(req).is_some_and(|n| n > self.config.max_body_bytes) {
            self.plain(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large\n")
        } else {
            return None;
        };
        let mut refusal = refusal;
        if req.version() < hyper::Version::HTTP_2 {
            refusal
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        Some(refusal)
    }

    /// 503 with Retry-After: the pool and its queue are full.
    fn busy(&self) -> Response<ResponseBody> {
        let mut response = self.plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: the server is busy, retry shortly\n",
        );
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(self.config.retry_after_secs));
        response
    }

    /// One of the server's own plain-text responses.
    pub(crate) fn plain(&self, status: StatusCode, text: &'static str) -> Response<ResponseBody> {
        let mut response = Response::new(ResponseBody::full(Bytes::from_static(text.as_bytes())));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(text.len()));
        if let Ok(server) = HeaderValue::from_str(self.config.server_software) {
            headers.insert(SERVER, server);
        }
        response
    }
}

fn declared_length(req: &Request<Incoming>) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// HTTP-005: at most one Host, of valid syntax; HTTP/1.1 needs one unless
/// the target is in absolute form (HTTP/2 has `:authority`).
fn host_ok(req: &Request<Incoming>) -> bool {
    let mut hosts = req.headers().get_all(HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => false,
        (Some(host), None) => rgi::util::is_host_value(host.as_bytes()),
        (None, _) => req.version() != hyper::Version::HTTP_11 || req.uri().authority().is_some(),
    }
}
