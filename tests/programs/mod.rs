//! Test support shared by the test suites of both workspace packages (`rgi`
//! includes it as `mod programs;`, `rgi-validator` with `#[path]`): the
//! example binaries, and the external programs some tests need.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// True under CI (`CI=true`): a missing program is then a failure, not a
/// skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The workspace root (the directory holding `spec/` and the root
/// `Cargo.toml`), found from the including package's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("spec").is_dir() && dir.join("Cargo.toml").is_file())
        .expect("the workspace root above CARGO_MANIFEST_DIR")
        .to_path_buf()
}

/// `target/<profile>`, from this test binary's path
/// (`target/<profile>/deps/<binary>`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps layout")
        .to_path_buf()
}

/// Builds the example `name` of the `rgi` package in this test's profile (a
/// no-op when it is up to date; `cargo test --test X` does not build
/// examples) and returns the path of its binary.
pub fn example_path(name: &str) -> PathBuf {
    package_example_path("rgi", name)
}

/// [`example_path`] for the example `name` of any workspace package
/// (`rgi-web`'s examples, for instance).
pub fn package_example_path(package: &str, name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let path = profile_dir().join("examples").join(name);
    let key = format!("{package}/{name}");
    if !built.contains(&key) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", package, "--example", name])
            .current_dir(workspace_root());
        if profile_dir().ends_with("release") {
            cmd.arg("--release");
        }
        let output = cmd.output().expect("run cargo build");
        assert!(
            output.status.success(),
            "building example {name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        built.push(key);
    }
    path
}

/// The lighttpd binary. When it is missing the test is skipped (`None`,
/// with the reason printed) unless `CI=true`, where it fails: `.ci/run`
/// installs it (`apt-get install -y lighttpd`).
pub fn lighttpd() -> Option<PathBuf> {
    let found = [
        "/usr/sbin/lighttpd",
        "/usr/local/sbin/lighttpd",
        "/usr/bin/lighttpd",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            !under_ci(),
            "lighttpd is required in CI (apt-get install -y lighttpd)"
        );
        eprintln!("SKIPPED: lighttpd is not installed (apt-get install -y lighttpd)");
    }
    found
}

/// A lighttpd serving one CGI program at `/cgi-bin/hello.cgi` on a free
/// loopback port, from a fresh temporary directory; stopped (by its PID)
/// and cleaned up when dropped.
pub struct Lighttpd {
    child: std::process::Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Its directory: the document root, `lighttpd.conf`, `error.log` and
    /// `stderr.log`.
    pub dir: PathBuf,
}

impl Lighttpd {
    /// Starts `lighttpd` with mod_cgi running `program`; waits (up to 10 s)
    /// until it accepts connections. `tag` keeps concurrent test binaries'
    /// directories apart.
    pub fn start(lighttpd: &Path, program: &Path, tag: &str) -> Lighttpd {
        use std::process::Stdio;
        use std::time::{Duration, Instant};
        let dir = std::env::temp_dir().join(format!("rgi-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("cgi-bin")).expect("create the document root");
        std::fs::copy(program, dir.join("cgi-bin/hello.cgi")).expect("copy the CGI program");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
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
        std::fs::write(dir.join("lighttpd.conf"), config).expect("write lighttpd.conf");
        let stderr = std::fs::File::create(dir.join("stderr.log")).expect("create stderr.log");
        let child = Command::new(lighttpd)
            .arg("-D")
            .arg("-f")
            .arg(dir.join("lighttpd.conf"))
            .stdin(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("lighttpd starts");
        let server = Lighttpd { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "lighttpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for Lighttpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
