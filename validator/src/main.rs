//! `rgi-validator`: the command-line fixture runner.
//!
//! ```text
//! rgi-validator --url http://127.0.0.1:8000      check a running server
//! rgi-validator --cmd 'PROGRAM --bind {addr}'    start a server on a free port, check it, stop it
//! rgi-validator --cgi PATH                       run a CGI program once per fixture
//! ```
//!
//! Options: `--format text|json`, `--only NAME,...`, `--skip NAME,...`,
//! `--timeout SECONDS`, `--prefix PATH`, `--strict` (warnings fail too),
//! `--list`.
//! Exit status: 0 when there is no error, 1 when there are errors, 2 when
//! the run could not happen.

use std::process::ExitCode;
use std::time::Duration;

use rgi_validator::{Report, Runner};

const USAGE: &str = "\
usage: rgi-validator (--url URL | --cmd 'PROGRAM ARGS {addr}' | --cgi PATH) [options]

targets:
  --url URL        check a running server (http://host:port)
  --cmd COMMAND    start COMMAND with {addr} (also {host}, {port}) replaced by a free
                   loopback address, check it over the wire, then kill it
  --cgi PATH       run the CGI program PATH once per fixture

options:
  --format FORMAT  text (default) or json
  --only NAMES     run only these fixtures (comma-separated)
  --skip NAMES     leave these fixtures out (comma-separated)
  --timeout SECS   time allowed per response (default 10)
  --prefix PATH    over the wire, put PATH before every request path (an app served
                   below a path, e.g. --prefix /cgi-bin/app.cgi)
  --strict         warnings fail the run too
  --list           list the fixtures and exit
";

enum Target {
    Url(String),
    Cmd(String),
    Cgi(String),
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rgi-validator: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut json = false;
    let mut strict = false;
    let mut list = false;
    let mut only: Vec<String> = Vec::new();
    let mut skip: Vec<String> = Vec::new();
    let mut timeout = Duration::from_secs(10);
    let mut prefix = String::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => target = Some(Target::Url(value("--url")?)),
            "--cmd" => target = Some(Target::Cmd(value("--cmd")?)),
            "--cgi" => target = Some(Target::Cgi(value("--cgi")?)),
            "--format" => match value("--format")?.as_str() {
                "json" => json = true,
                "text" => json = false,
                other => return Err(format!("unknown format {other:?}")),
            },
            "--only" => only.extend(value("--only")?.split(',').map(str::to_owned)),
            "--skip" => skip.extend(value("--skip")?.split(',').map(str::to_owned)),
            "--timeout" => {
                let secs: f64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout needs a number of seconds".to_owned())?;
                if !(secs > 0.0 && secs < 3600.0) {
                    return Err("--timeout must be between 0 and 3600 seconds".into());
                }
                timeout = Duration::from_secs_f64(secs);
            }
            "--prefix" => {
                prefix = value("--prefix")?;
                if !prefix.starts_with('/') {
                    return Err("--prefix must start with /".into());
                }
            }
            "--strict" => strict = true,
            "--list" => list = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let mut runner = Runner::new().timeout(timeout).prefix(&prefix);
    for name in only.iter().chain(&skip) {
        if !runner.fixtures().iter().any(|f| &f.name == name) {
            return Err(format!("no fixture named {name:?} (see --list)"));
        }
    }
    if !only.is_empty() {
        let names: Vec<&str> = only.iter().map(String::as_str).collect();
        runner = runner.only(&names);
    }
    let names: Vec<&str> = skip.iter().map(String::as_str).collect();
    runner = runner.skip(&names);
    if list {
        for f in runner.fixtures() {
            println!("{:<24} {}  [{}]", f.name, f.description, f.rules.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report: Report = match target.ok_or("give --url, --cmd or --cgi")? {
        Target::Url(url) => runner.run_url(&url)?,
        Target::Cmd(cmd) => runner.run_command(&cmd)?,
        Target::Cgi(path) => {
            let path = std::path::PathBuf::from(path);
            if !path.is_file() {
                return Err(format!("{} is not a file", path.display()));
            }
            runner.run_cgi(&path)
        }
    };
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
        if !report.server_stderr.is_empty() {
            // The server's own output, after the report and on stderr.
            eprintln!("--- standard error of the server ---");
            eprint!("{}", report.server_stderr);
            if !report.server_stderr.ends_with('\n') {
                eprintln!();
            }
        }
    }
    let failed = !report.is_ok() || (strict && report.warning_count() > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
