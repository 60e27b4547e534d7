//! Behind nginx (the Debian package; `.ci/run` installs it): a load
//! balancer with a keep-alive upstream of two backends, one of each engine,
//! both wrapped in `rgi::proxy::ProxyHeaders`. The test writes nginx's
//! configuration for free loopback ports, starts it, and stops it by its
//! PID. Skipped with the reason printed when nginx is missing, unless
//! `CI=true`.
//!
//! The client connects from 127.0.0.2, nginx from 127.0.0.1, and only
//! 127.0.0.1 is a trusted proxy: the application must see 127.0.0.2, even
//! when the client forges `X-Forwarded-For`, `X-Real-IP` and `Forwarded`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rgi::proxy::{ProxyConfig, ProxyHeaders};
use support::client_support::{run, tool};
use support::programs::under_ci;
use support::{config, serve, Served};

/// The backends' application: who served, and what the middleware made of
/// the request; `POST /ignore` answers without reading the body.
fn backend_app(name: &'static str, served: Arc<AtomicUsize>) -> impl rgi::Application {
    let trusted = ProxyConfig::new()
        .trust("127.0.0.1")
        .expect("a valid range");
    let app = move |env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        served.fetch_add(1, Ordering::SeqCst);
        let text = if env.get_bytes("PATH_INFO") == Some(b"/ignore") {
            "ignored".to_owned()
        } else {
            format!(
                "backend={name} addr={} scheme={}",
                env.get_str("REMOTE_ADDR").unwrap_or("-"),
                env.url_scheme()
            )
        };
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(rgi::Body::from(text))
    };
    ProxyHeaders::with_config(app, trusted)
}

fn nginx_binary() -> Option<PathBuf> {
    let sbin = PathBuf::from("/usr/sbin/nginx");
    if sbin.is_file() {
        return Some(sbin);
    }
    tool("nginx")
}

/// nginx's configuration: the one README.md's "Deploying" section shows,
/// with this test's ports and paths.
fn nginx_conf(dir: &Path, listen: u16, backends: &[u16]) -> String {
    let user = if std::env::var("USER").is_ok_and(|u| u == "root") || is_root() {
        "user root;\n"
    } else {
        ""
    };
    let servers: String = backends
        .iter()
        .map(|port| format!("        server 127.0.0.1:{port} max_fails=1 fail_timeout=30s;\n"))
        .collect();
    let dir = dir.display();
    format!(
        "{user}daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 16m;
    upstream rgi {{
{servers}        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://rgi;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx as a child process; stopped by its PID when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    fn start(binary: &Path, backends: &[u16]) -> (Nginx, u16) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("nginx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(&dir, port, backends)).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen; error.log:\n{}",
                nginx.error_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        (nginx, port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM to the master by its PID: it stops its workers, then exits.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request through nginx with curl from 127.0.0.2: (status, body).
fn curl(curl: &Path, url: &str, extra: &[&str]) -> (u16, String) {
    let output = run(
        Command::new(curl)
            .args([
                "-sS",
                "--max-time",
                "30",
                "--interface",
                "127.0.0.2",
                "-w",
                "\n%{http_code}",
            ])
            .args(extra)
            .arg(url),
        Duration::from_secs(40),
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// The simple_server backend.
struct Simple {
    port: u16,
    stop: rgi::simple_server::ShutdownHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Drop for Simple {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn simple_backend(app: impl rgi::Application) -> Simple {
    let config = rgi::simple_server::Config::default()
        .access_log(false)
        .shutdown_timeout(Duration::ZERO);
    let server = rgi::simple_server::make_server_with("127.0.0.1", 0, app, config).unwrap();
    let port = server.server_address().port();
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    Simple {
        port,
        stop,
        thread: Some(thread),
    }
}

#[test]
fn nginx_balances_two_backends_and_loses_no_request_when_one_dies() {
    let (Some(nginx), Some(curl_bin)) = (nginx_binary(), tool("curl")) else {
        let reason = "nginx is not installed (apt-get install -y nginx; .ci/run does it)";
        assert!(!under_ci(), "CI=true but {reason}");
        eprintln!("SKIPPED: {reason}");
        return;
    };
    let (simple_count, hyper_count) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let simple = simple_backend(backend_app("simple_server", Arc::clone(&simple_count)));
    let hyper: Served = serve(
        backend_app("rgi-hyper", Arc::clone(&hyper_count)),
        config().shutdown_timeout(Duration::ZERO),
    );
    let (proxy, port) = Nginx::start(&nginx, &[simple.port, hyper.addr.port()]);
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let ports = format!(
        "simple_server on {}, rgi-hyper on {}",
        simple.port,
        hyper.addr.port()
    );

    // Both backends answer; the application sees the client, not nginx,
    // whatever forged headers the client sends.
    let forged = [
        "-H",
        "X-Forwarded-For: 6.6.6.6",
        "-H",
        "X-Real-IP: 6.6.6.6",
        "-H",
        "Forwarded: for=6.6.6.6;proto=https",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let (status, body) = curl(&curl_bin, &url("/who"), &forged);
        assert_eq!(status, 200, "{body}\n{}", proxy.error_log());
        let backend = body.split(' ').next().unwrap_or("").to_owned();
        assert!(body.ends_with(" addr=127.0.0.2 scheme=http"), "{body}");
        seen.insert(backend);
    }
    assert_eq!(seen.len(), 2, "both backends served: {seen:?}");

    // An unread 4 MiB body: each engine drains it (HTTP-032), so nginx,
    // still sending it, gets the response rather than a reset and a 502.
    let body_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nginx-4mib.bin");
    std::fs::write(&body_file, vec![b'x'; 4 << 20]).unwrap();
    let data = format!("@{}", body_file.display());
    let before = (
        simple_count.load(Ordering::SeqCst),
        hyper_count.load(Ordering::SeqCst),
    );
    for i in 0..10 {
        let (status, body) = curl(&curl_bin, &url("/ignore"), &["--data-binary", &data]);
        assert_eq!(
            status,
            200,
            "upload {i} ({ports}): {body}\nnginx error.log:\n{}",
            proxy.error_log()
        );
    }
    assert!(
        simple_count.load(Ordering::SeqCst) > before.0,
        "simple_server got uploads"
    );
    assert!(
        hyper_count.load(Ordering::SeqCst) > before.1,
        "rgi-hyper got uploads"
    );

    // One backend dies mid-run: nginx retries the idempotent requests on
    // the other; none is lost.
    let mut simple = Some(simple);
    for i in 0..60 {
        if i == 20 {
            drop(simple.take()); // simple_server stops, its connections closed at once
        }
        let (status, body) = curl(&curl_bin, &url("/who"), &[]);
        assert_eq!(
            status,
            200,
            "request {i}: {body}\nnginx error.log:\n{}",
            proxy.error_log()
        );
        if i > 25 {
            assert!(
                body.starts_with("backend=rgi-hyper "),
                "request {i}: {body}"
            );
        }
    }
    drop(proxy);
    drop(hyper);
}
