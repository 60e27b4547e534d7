//! The whole chain over the wire: the cgi_hello example as a CGI program
//! under lighttpd (mod_cgi), checked by `rgi-validator --url --prefix`.
//!
//! Skipped (with a message) only when lighttpd is not installed and `CI` is
//! not `true`; in CI it must run (`apt-get install -y lighttpd`).

#[path = "../../tests/programs/mod.rs"]
mod programs;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn cgi_hello_under_lighttpd_passes_over_the_wire() {
    let Some(lighttpd) = programs::lighttpd() else {
        return;
    };
    let program = programs::example_path("cgi_hello");
    let dir = std::env::temp_dir().join(format!("rgi-validator-lighttpd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("cgi-bin")).unwrap();
    std::fs::copy(&program, dir.join("cgi-bin/hello.cgi")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        "server.document-root = \"{root}\"\n\
         server.bind = \"127.0.0.1\"\n\
         server.port = {port}\n\
         server.modules = (\"mod_cgi\")\n\
         server.errorlog = \"{root}/error.log\"\n\
         $HTTP[\"url\"] =~ \"^/cgi-bin/\" {{ cgi.assign = (\".cgi\" => \"\") }}\n",
        root = dir.display()
    );
    std::fs::write(dir.join("lighttpd.conf"), config).unwrap();
    let child = Command::new(lighttpd)
        .arg("-D")
        .arg("-f")
        .arg(dir.join("lighttpd.conf"))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lighttpd starts");
    let _server = Server { child, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "lighttpd did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rgi-validator"))
        .args([
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--prefix",
            "/cgi-bin/hello.cgi",
            "--timeout",
            "30",
        ])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains(", 0 error(s)"), "{report}");
    // The application answered (not lighttpd's own 404).
    assert!(
        report.contains("post-chunked                 200"),
        "{report}"
    );
}
