//! Proxy headers: the request as the client sent it to the proxy in front.
//!
//! Behind a reverse proxy or load balancer (nginx, HAProxy, a cloud load
//! balancer) every request arrives from the proxy: `REMOTE_ADDR` is the
//! proxy's address, the scheme is the proxy's (often `http` when the client
//! used `https`), and the host and port are the backend's. The proxy says what
//! the client sent in headers: RFC 7239 `Forwarded`, or the older
//! `X-Forwarded-For`, `-Proto`, `-Host`, `-Port` and `-Prefix`.
//!
//! [`ProxyHeaders`] is a middleware (werkzeug's `ProxyFix`, gunicorn's
//! `forwarded_allow_ips`, Rack's forwarded handling) that reads those headers
//! **only when the peer is a trusted proxy** (PROXY-001; by default loopback
//! only) and rewrites the environ so that the application sees the client's
//! address, scheme, host, port and mount prefix (PROXY-006). Anyone can send
//! these headers; from a peer that is not trusted they are ignored, and even
//! from a trusted one only the part its own proxies added is believed
//! (PROXY-002). A malformed value is ignored and logged to `rgi.errors`,
//! never answered with an error (PROXY-005). The values the server had set
//! stay available in the [`Original`] extension (PROXY-007).
//!
//! ```
//! use rgi::proxy::{self, ProxyConfig, ProxyHeader, ProxyHeaders};
//! use rgi::{Body, Environ};
//!
//! // Trust nginx on this machine and the load balancers of 10.0.0.0/8.
//! // Our nginx sets X-Forwarded-For, -Proto and -Host (and clears the rest).
//! let config = ProxyConfig::new()
//!     .trust("127.0.0.1")?
//!     .trust("10.0.0.0/8")?
//!     .headers(&[ProxyHeader::XForwardedFor, ProxyHeader::XForwardedProto, ProxyHeader::XForwardedHost]);
//! # let my_app = rgi::app(|_env, _start| Ok(Body::empty()));
//! let app = ProxyHeaders::with_config(my_app, config.clone());
//!
//! // What `app` does before it calls `my_app`, for a request that came
//! // from the load balancer 10.1.2.3:
//! let mut env = Environ::new();
//! env.set("REMOTE_ADDR", "10.1.2.3");
//! env.set("HTTP_HOST", "backend:8000");
//! env.set("HTTP_X_FORWARDED_FOR", "203.0.113.7");
//! env.set("HTTP_X_FORWARDED_PROTO", "https");
//! env.set("HTTP_X_FORWARDED_HOST", "example.com");
//! proxy::apply(&config, &mut env);
//! assert_eq!(env.get_str("REMOTE_ADDR"), Some("203.0.113.7"));
//! assert_eq!(env.url_scheme(), "https");
//! assert_eq!(env.get_str("HTTP_HOST"), Some("example.com"));
//! assert_eq!(env.get_str("SERVER_PORT"), Some("443"));
//! // The proxy's own address stays available.
//! let original = env.extensions().get::<proxy::Original>().unwrap();
//! assert_eq!(original.remote_addr.as_ref().unwrap(), "10.1.2.3");
//! # Ok::<(), rgi::proxy::ProxyConfigError>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::{AppError, Application, Body, EnvValue, Environ, StartResponse};

/// A range of addresses: one address, or a CIDR block such as `10.0.0.0/8`
/// or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `"192.0.2.1"`, `"10.0.0.0/8"`, `"::1"` or `"fd00::/8"`.
    pub fn parse(text: &str) -> Result<IpRange, ProxyConfigError> {
        let error = |reason| ProxyConfigError {
            value: text.to_owned(),
            reason,
        };
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, bits)) => (addr, Some(bits)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| error("not an IPv4 or IPv6 address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(bits) => match bits.parse::<u8>() {
                Ok(n) if n <= max && bits.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    return Err(error(
                        "the prefix length after '/' must be 0-32 (IPv4) or 0-128 (IPv6)",
                    ))
                }
            },
        };
        Ok(IpRange { network, prefix })
    }

    /// True when `addr` is in this range (an IPv4-mapped IPv6 address such
    /// as `::ffff:127.0.0.1` counts as its IPv4 address).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, canonical(addr)) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                prefix_match(&net.octets(), &a.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                prefix_match(&net.octets(), &a.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address; others unchanged.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_match(net: &[u8], addr: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if net[..full] != addr[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        net[full] & mask == addr[full] & mask
    }
}

/// A proxy address or range that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfigError {
    value: String,
    reason: &'static str,
}

impl fmt::Display for ProxyConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trusted proxy {:?}: {}; write an address (\"10.0.0.5\", \"::1\") or a CIDR range (\"10.0.0.0/8\")",
            self.value, self.reason
        )
    }
}

impl std::error::Error for ProxyConfigError {}

/// A header [`ProxyHeaders`] can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyHeader {
    /// RFC 7239 `Forwarded`: `for`, `proto` and `host` of each hop.
    Forwarded,
    /// `X-Forwarded-For`: the client address and the proxies it passed.
    XForwardedFor,
    /// `X-Forwarded-Proto`: `http` or `https`.
    XForwardedProto,
    /// `X-Forwarded-Host`: the Host the client sent.
    XForwardedHost,
    /// `X-Forwarded-Port`: the port the client connected to.
    XForwardedPort,
    /// `X-Forwarded-Prefix`: the path the proxy mounts the application at.
    XForwardedPrefix,
}

impl ProxyHeader {
    /// Every header, in the order they are applied.
    pub const ALL: [ProxyHeader; 6] = [
        ProxyHeader::Forwarded,
        ProxyHeader::XForwardedFor,
        ProxyHeader::XForwardedProto,
        ProxyHeader::XForwardedHost,
        ProxyHeader::XForwardedPort,
        ProxyHeader::XForwardedPrefix,
    ];

    /// The header's name as sent on the wire.
    pub fn name(self) -> &'static str {
        match self {
            ProxyHeader::Forwarded => "Forwarded",
            ProxyHeader::XForwardedFor => "X-Forwarded-For",
            ProxyHeader::XForwardedProto => "X-Forwarded-Proto",
            ProxyHeader::XForwardedHost => "X-Forwarded-Host",
            ProxyHeader::XForwardedPort => "X-Forwarded-Port",
            ProxyHeader::XForwardedPrefix => "X-Forwarded-Prefix",
        }
    }

    fn env_key(self) -> &'static str {
        match self {
            ProxyHeader::Forwarded => "HTTP_FORWARDED",
            ProxyHeader::XForwardedFor => "HTTP_X_FORWARDED_FOR",
            ProxyHeader::XForwardedProto => "HTTP_X_FORWARDED_PROTO",
            ProxyHeader::XForwardedHost => "HTTP_X_FORWARDED_HOST",
            ProxyHeader::XForwardedPort => "HTTP_X_FORWARDED_PORT",
            ProxyHeader::XForwardedPrefix => "HTTP_X_FORWARDED_PREFIX",
        }
    }
}

/// Which peers are trusted proxies and which of their headers are read.
///
/// Defaults: trusted are the loopback addresses (`127.0.0.0/8` and `::1`,
/// a proxy on the same machine), and only `X-Forwarded-For` and
/// `X-Forwarded-Proto` are read (PROXY-009): the two that every common
/// proxy sets or overwrites. A proxy passes the headers it does not set
/// through from the client unchanged (nginx forwards a client's
/// `Forwarded` as it came), so read the others only when your proxy sets
/// them: [`headers`](ProxyConfig::headers).
/// [`trust`](ProxyConfig::trust) replaces the default set with the ranges
/// you list, so that listing a load balancer's range does not also keep
/// trusting loopback unless you list it.
///
/// ```
/// use rgi::proxy::{ProxyConfig, ProxyHeader};
/// let config = ProxyConfig::new()
///     .trust("10.0.0.0/8")?
///     .headers(&[ProxyHeader::XForwardedFor, ProxyHeader::XForwardedProto]);
/// assert!(config.is_trusted("10.20.30.40".parse().unwrap()));
/// assert!(!config.is_trusted("127.0.0.1".parse().unwrap()));
/// assert!(!config.reads(ProxyHeader::Forwarded));
/// # Ok::<(), rgi::proxy::ProxyConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    trusted: Trusted,
    headers: Vec<ProxyHeader>,
}

/// The trusted set: the documented default, or what the user listed.
#[derive(Debug, Clone)]
enum Trusted {
    Loopback,
    Listed(Vec<IpRange>),
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig::new()
    }
}

impl ProxyConfig {
    /// Loopback trusted; `X-Forwarded-For` and `X-Forwarded-Proto` read.
    pub fn new() -> Self {
        ProxyConfig {
            trusted: Trusted::Loopback,
            headers: vec![ProxyHeader::XForwardedFor, ProxyHeader::XForwardedProto],
        }
    }

    /// Trusts an address or CIDR range (`"10.0.0.0/8"`); the first call
    /// replaces the loopback default.
    pub fn trust(mut self, range: &str) -> Result<Self, ProxyConfigError> {
        let range = IpRange::parse(range)?;
        match &mut self.trusted {
            Trusted::Listed(list) => list.push(range),
            Trusted::Loopback => self.trusted = Trusted::Listed(vec![range]),
        }
        Ok(self)
    }

    /// Trusts every address in a comma-separated list, as gunicorn's
    /// `forwarded_allow_ips` is written (`"127.0.0.1,::1,10.0.0.0/8"`).
    pub fn trust_list(self, list: &str) -> Result<Self, ProxyConfigError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .try_fold(self, |config, range| config.trust(range))
    }

    /// Reads only these headers (the others are ignored even from a trusted
    /// proxy): list exactly what your proxy sets, so that a header it passes
    /// through from the client unchanged is not believed.
    pub fn headers(mut self, headers: &[ProxyHeader]) -> Self {
        self.headers = headers.to_vec();
        self
    }

    /// True when `addr` is a trusted proxy.
    pub fn is_trusted(&self, addr: IpAddr) -> bool {
        match &self.trusted {
            Trusted::Loopback => canonical(addr).is_loopback(),
            Trusted::Listed(list) => list.iter().any(|r| r.contains(addr)),
        }
    }

    /// True when `header` is read.
    pub fn reads(&self, header: ProxyHeader) -> bool {
        self.headers.contains(&header)
    }
}

/// What the server had set before [`ProxyHeaders`] rewrote the environ,
/// kept as an extension (PROXY-007). Present only when the peer was a
/// trusted proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// The proxy's address (`REMOTE_ADDR` as the server set it).
    pub remote_addr: Option<EnvValue>,
    /// The proxy's port (`REMOTE_PORT`).
    pub remote_port: Option<EnvValue>,
    /// The scheme of the connection from the proxy.
    pub url_scheme: String,
    /// `HTTP_HOST` as the proxy sent it.
    pub http_host: Option<EnvValue>,
    /// `SERVER_NAME` as the server set it.
    pub server_name: Option<EnvValue>,
    /// `SERVER_PORT` as the server set it.
    pub server_port: Option<EnvValue>,
    /// `SCRIPT_NAME` as the server set it.
    pub script_name: Option<EnvValue>,
}

impl Original {
    fn of(env: &Environ) -> Self {
        let get = |key: &str| env.get(key).cloned();
        Original {
            remote_addr: get("REMOTE_ADDR"),
            remote_port: get("REMOTE_PORT"),
            url_scheme: env.url_scheme().to_owned(),
            http_host: get("HTTP_HOST"),
            server_name: get("SERVER_NAME"),
            server_port: get("SERVER_PORT"),
            script_name: get("SCRIPT_NAME"),
        }
    }
}

/// The proxy-headers middleware: see the [module documentation](self).
#[derive(Debug)]
pub struct ProxyHeaders<A> {
    inner: A,
    config: ProxyConfig,
}

impl<A: Application> ProxyHeaders<A> {
    /// Wraps `inner` with [`ProxyConfig::new`]: loopback proxies trusted,
    /// `X-Forwarded-For` and `X-Forwarded-Proto` read.
    pub fn new(inner: A) -> Self {
        ProxyHeaders::with_config(inner, ProxyConfig::new())
    }

    /// Wraps `inner` with an explicit configuration.
    pub fn with_config(inner: A, config: ProxyConfig) -> Self {
        ProxyHeaders { inner, config }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }
}

impl<A: Application> Application for ProxyHeaders<A> {
    fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        apply(&self.config, env);
        self.inner.call(env, start)
    }
}

/// One hop as a proxy reported it: the address it received the request
/// from, and the scheme and host the request had there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Hop {
    node: Node,
    proto: Option<String>,
    host: Option<String>,
}

/// The `for` of a hop (RFC 7239 §6).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum Node {
    /// Not given, `unknown`, or an obfuscated identifier (`_hidden`).
    #[default]
    Unknown,
    /// An IP address, with the port when the proxy gave one.
    Addr(IpAddr, Option<u16>),
}

/// Rewrites `env` from the forwarding headers, if the peer is trusted
/// (PROXY-001): what [`ProxyHeaders`] does before it calls its application,
/// for servers and middleware that want the rewrite without the wrapper.
pub fn apply(config: &ProxyConfig, env: &mut Environ) {
    let peer = env
        .get_str("REMOTE_ADDR")
        .and_then(|a| a.parse::<IpAddr>().ok());
    if !peer.is_some_and(|p| config.is_trusted(p)) {
        return;
    }
    let original = Original::of(env);
    let mut rewrite = Rewrite { env };
    let source = match client_hop(config, rewrite.env) {
        Some((hop, source)) => {
            rewrite.set_client(hop);
            source
        }
        None => Source::Nothing,
    };
    rewrite.apply_x_headers(config, source);
    rewrite.env.extensions_mut().insert(original);
}

/// Which header named the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Forwarded,
    XForwardedFor,
    Nothing,
}

/// The hop that names the client, from `Forwarded` (preferred, PROXY-004)
/// or from `X-Forwarded-For`.
fn client_hop(config: &ProxyConfig, env: &mut Environ) -> Option<(Hop, Source)> {
    let sources = [
        (ProxyHeader::Forwarded, Source::Forwarded),
        (ProxyHeader::XForwardedFor, Source::XForwardedFor),
    ];
    for (which, source) in sources {
        if !config.reads(which) {
            continue;
        }
        let Some(value) = header(env, which) else {
            continue;
        };
        let parsed = match which {
            ProxyHeader::Forwarded => parse_forwarded(&value),
            _ => parse_x_forwarded_for(&value),
        };
        match parsed {
            Ok(hops) => return pick(config, hops).map(|hop| (hop, source)),
            Err(why) => log_malformed(env, which, &value, why),
        }
    }
    None
}

/// The client's hop (PROXY-002): walking from the nearest hop outwards, the
/// first whose address is not a trusted proxy; the farthest if all are.
fn pick(config: &ProxyConfig, mut hops: Vec<Hop>) -> Option<Hop> {
    while hops.len() > 1 {
        match hops.last().map(|h| &h.node) {
            Some(Node::Addr(addr, _)) if config.is_trusted(*addr) => {
                hops.pop();
            }
            _ => break,
        }
    }
    hops.pop()
}

/// A header's value as text; a value that is not UTF-8 is malformed.
fn header(env: &mut Environ, which: ProxyHeader) -> Option<String> {
    let bytes = env.get_bytes(which.env_key())?.to_vec();
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            log_malformed(env, which, &shown, "not ASCII text");
            None
        }
    }
}

/// The last comma-separated value of a header: the one the nearest
/// (trusted) proxy set or appended (PROXY-003).
fn last_value(env: &mut Environ, which: ProxyHeader) -> Option<String> {
    let value = header(env, which)?;
    Some(value.rsplit(',').next().unwrap_or("").trim().to_owned())
}

fn log_malformed(env: &mut Environ, which: ProxyHeader, value: &str, why: &str) {
    let peer = env.get_str("REMOTE_ADDR").unwrap_or("?").to_owned();
    let _ = writeln!(
        env.errors(),
        "rgi::proxy: ignored {} {:?} from trusted proxy {}: {} (PROXY-005)",
        which.name(),
        value,
        peer,
        why
    );
}

/// The environ being rewritten.
struct Rewrite<'e> {
    env: &'e mut Environ,
}

impl Rewrite<'_> {
    /// Applies the client's hop: address, then scheme, then host.
    fn set_client(&mut self, hop: Hop) {
        if let Node::Addr(addr, port) = hop.node {
            self.env.set("REMOTE_ADDR", canonical(addr).to_string());
            if let Some(port) = port {
                self.env.set("REMOTE_PORT", port.to_string());
            }
        }
        if let Some(proto) = hop.proto {
            self.set_scheme(ProxyHeader::Forwarded, &proto);
        }
        if let Some(host) = hop.host {
            self.set_host(ProxyHeader::Forwarded, &host);
        }
    }

    /// X-Forwarded-Proto, -Host and -Port, each from its last value
    /// (PROXY-003), unless `Forwarded` named the client (PROXY-004: it
    /// carries the scheme and host itself); X-Forwarded-Prefix, which has
    /// no `Forwarded` counterpart, in either case.
    fn apply_x_headers(&mut self, config: &ProxyConfig, source: Source) {
        let wanted = |which| config.reads(which) && source != Source::Forwarded;
        if wanted(ProxyHeader::XForwardedProto) {
            if let Some(proto) = last_value(self.env, ProxyHeader::XForwardedProto) {
                self.set_scheme(ProxyHeader::XForwardedProto, &proto);
            }
        }
        if wanted(ProxyHeader::XForwardedHost) {
            if let Some(host) = last_value(self.env, ProxyHeader::XForwardedHost) {
                self.set_host(ProxyHeader::XForwardedHost, &host);
            }
        }
        if wanted(ProxyHeader::XForwardedPort) {
            if let Some(port) = last_value(self.env, ProxyHeader::XForwardedPort) {
                self.set_port(&port);
            }
        }
        if config.reads(ProxyHeader::XForwardedPrefix) {
            if let Some(prefix) = last_value(self.env, ProxyHeader::XForwardedPrefix) {
                self.set_prefix(&prefix);
            }
        }
    }

    fn set_scheme(&mut self, which: ProxyHeader, proto: &str) {
        let scheme = match proto.to_ascii_lowercase().as_str() {
            "http" => "http",
            "https" => "https",
            _ => return log_malformed(self.env, which, proto, "the scheme must be http or https"),
        };
        self.env.set_url_scheme(scheme);
    }

    /// HTTP_HOST, SERVER_NAME and SERVER_PORT from a Host value (PROXY-008).
    fn set_host(&mut self, which: ProxyHeader, host: &str) {
        let Some((name, port)) = split_host(host) else {
            return log_malformed(self.env, which, host, "not a host[:port] (PROXY-008)");
        };
        let port = port.map_or_else(|| default_port(self.env.url_scheme()), |p| p.to_string());
        self.env.set("HTTP_HOST", host.to_owned());
        self.env.set("SERVER_NAME", name.to_owned());
        self.env.set("SERVER_PORT", port);
    }

    /// SERVER_PORT, and the port of HTTP_HOST (left out when it is the
    /// scheme's default).
    fn set_port(&mut self, port: &str) {
        let Some(port) = parse_port(port) else {
            return log_malformed(
                self.env,
                ProxyHeader::XForwardedPort,
                port,
                "not a port number 1-65535",
            );
        };
        let host = self.env.get_str("HTTP_HOST").and_then(split_host);
        if let Some((name, _)) = host {
            let host = if port.to_string() == default_port(self.env.url_scheme()) {
                name.to_owned()
            } else {
                format!("{name}:{port}")
            };
            self.env.set("HTTP_HOST", host);
        }
        self.env.set("SERVER_PORT", port.to_string());
    }

    /// Puts the proxy's mount path in front of SCRIPT_NAME (PROXY-006).
    fn set_prefix(&mut self, prefix: &str) {
        let ok = prefix.starts_with('/')
            && prefix
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"?#\"\\".contains(&b));
        if !ok {
            return log_malformed(
                self.env,
                ProxyHeader::XForwardedPrefix,
                prefix,
                "a prefix is a path starting with '/', without query, fragment or spaces",
            );
        }
        let decoded: Vec<u8> =
            percent_encoding::percent_decode_str(prefix.trim_end_matches('/')).collect();
        let mut script = decoded;
        script.extend_from_slice(self.env.get_bytes("SCRIPT_NAME").unwrap_or_default());
        self.env.set("SCRIPT_NAME", script);
    }
}

fn default_port(scheme: &str) -> String {
    if scheme == "https" { "443" } else { "80" }.to_owned()
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|p| *p != 0)
}

/// Splits a Host value into name and port (PROXY-008): a reg-name of
/// letters, digits, `-`, `.`, `_`, `~` (or percent-escapes), an IPv4
/// address or a bracketed IPv6 address, then optionally `:` and a port.
/// Userinfo, spaces, quotes, paths and empty names are refused.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        rest[..end].parse::<std::net::Ipv6Addr>().ok()?;
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return None,
        };
        (&host[..end + 2], port)
    } else {
        match host.split_once(':') {
            Some((name, p)) => (name, Some(parse_port(p)?)),
            None => (host, None),
        }
    };
    let name_ok = name.starts_with('[')
        || (!name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    name_ok.then_some((name, port))
}

/// X-Forwarded-For: comma-separated addresses, the client's first, each
/// proxy's appended (`203.0.113.7, 10.0.0.1`). An address may carry a port
/// (`203.0.113.7:5123`, `[2001:db8::1]:5123`); `unknown` is allowed.
fn parse_x_forwarded_for(value: &str) -> Result<Vec<Hop>, &'static str> {
    value
        .split(',')
        .map(|item| {
            let node = parse_node(item.trim()).ok_or("an entry is not an IP address")?;
            Ok(Hop {
                node,
                ..Hop::default()
            })
        })
        .collect()
}

/// A `for` value: an IP address (IPv6 in brackets when it has a port, as
/// RFC 7239 writes it), optionally with a port, or `unknown` / an
/// obfuscated `_identifier`.
fn parse_node(text: &str) -> Option<Node> {
    if text.eq_ignore_ascii_case("unknown") {
        return Some(Node::Unknown);
    }
    if let Some(name) = text.strip_prefix('_') {
        let ok = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        return ok.then_some(Node::Unknown);
    }
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(Node::Addr(addr, None));
    }
    let (addr, port) = text.rsplit_once(':')?;
    let addr = match addr.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        Some(v6) => IpAddr::V6(v6.parse().ok()?),
        None => IpAddr::V4(addr.parse().ok()?),
    };
    // RFC 7239 §6.3: an obfuscated port (`_abc`) says nothing we can use.
    let port = if port.starts_with('_') {
        None
    } else {
        Some(parse_port(port)?)
    };
    Some(Node::Addr(addr, port))
}

/// RFC 7239 `Forwarded`: comma-separated elements, each `;`-separated
/// `name=value` pairs (`for`, `by`, `proto`, `host`), values a token or a
/// quoted string. A parameter given twice in one element is malformed
/// (§4).
fn parse_forwarded(value: &str) -> Result<Vec<Hop>, &'static str> {
    let mut hops = Vec::new();
    let mut rest = value;
    loop {
        let (hop, after) = parse_element(rest)?;
        hops.push(hop);
        match after.trim_start().strip_prefix(',') {
            Some(next) => rest = next,
            None if after.trim().is_empty() => return Ok(hops),
            None => return Err("expected ',' between elements"),
        }
    }
}

/// One forwarded-element, and the text after it.
fn parse_element(mut rest: &str) -> Result<(Hop, &str), &'static str> {
    let mut hop = Hop::default();
    let mut seen: Vec<String> = Vec::new();
    loop {
        rest = rest.trim_start();
        let name_len = rest.bytes().take_while(|&b| is_tchar(b)).count();
        if name_len == 0 {
            return Err("expected a parameter name");
        }
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..]
            .trim_start()
            .strip_prefix('=')
            .ok_or("expected '=' after a parameter name")?
            .trim_start();
        let (value, after) = parse_value(rest)?;
        rest = after;
        if seen.contains(&name) {
            return Err("a parameter is repeated within one element");
        }
        set_param(&mut hop, &name, value)?;
        seen.push(name);
        match rest.trim_start().strip_prefix(';') {
            Some(next) => rest = next,
            None => return Ok((hop, rest)),
        }
    }
}

fn set_param(hop: &mut Hop, name: &str, value: Cow<'_, str>) -> Result<(), &'static str> {
    match name {
        "for" => hop.node = parse_node(&value).ok_or("for= is not a node (RFC 7239 section 6)")?,
        "proto" => hop.proto = Some(value.into_owned()),
        "host" => hop.host = Some(value.into_owned()),
        _ => {} // `by` and extensions: nothing to rewrite.
    }
    Ok(())
}

/// A token or a quoted string (with `\` escapes), and the rest.
fn parse_value(text: &str) -> Result<(Cow<'_, str>, &str), &'static str> {
    let Some(quoted) = text.strip_prefix('"') else {
        let len = text.bytes().take_while(|&b| is_tchar(b)).count();
        if len == 0 {
            return Err("expected a value after '='");
        }
        return Ok((Cow::Borrowed(&text[..len]), &text[len..]));
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((Cow::Owned(value), &quoted[i + 1..])),
            '\\' => value.push(chars.next().ok_or("unterminated quoted string")?.1),
            c if c.is_control() && c != '\t' => {
                return Err("a control character in a quoted string")
            }
            c => value.push(c),
        }
    }
    Err("unterminated quoted string")
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_match_by_prefix() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains(ip("10.255.1.1")));
        assert!(!r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.1.1.1")));
        let r = IpRange::parse("192.168.1.128/25").unwrap();
        assert!(r.contains(ip("192.168.1.200")));
        assert!(!r.contains(ip("192.168.1.127")));
        let r = IpRange::parse("fd00::/8").unwrap();
        assert!(r.contains(ip("fd12::1")));
        assert!(!r.contains(ip("fe80::1")));
        assert!(!r.contains(ip("10.0.0.1")));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(IpRange::parse("::1").unwrap().contains(ip("::1")));
        assert!(!IpRange::parse("::1").unwrap().contains(ip("::2")));
    }

    #[test]
    fn bad_ranges_are_typed_errors() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0",
            "abc",
            "10.0.0.0/+8",
            "10.0.0.0/",
            "",
        ] {
            let e = IpRange::parse(bad).unwrap_err();
            assert!(e.to_string().contains("CIDR"), "{bad}: {e}");
        }
    }

    #[test]
    fn forwarded_elements_parse_per_rfc_7239() {
        let hops = parse_forwarded(
            r#"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";Host="a.example""#,
        )
        .unwrap();
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[0].node, Node::Addr(ip("192.0.2.60"), None));
        assert_eq!(hops[0].proto.as_deref(), Some("http"));
        assert_eq!(
            hops[1].node,
            Node::Addr(ip("2001:db8:cafe::17"), Some(4711))
        );
        assert_eq!(hops[1].host.as_deref(), Some("a.example"));
        assert_eq!(
            parse_forwarded("for=unknown").unwrap()[0].node,
            Node::Unknown
        );
        assert_eq!(
            parse_forwarded("for=_hidden").unwrap()[0].node,
            Node::Unknown
        );
        assert_eq!(
            parse_forwarded(r#"for="_x\"y""#).map(|_| ()),
            Err("for= is not a node (RFC 7239 section 6)")
        );
        for bad in [
            "for=",
            "for",
            "=x",
            "for=1.2.3.4;for=5.6.7.8",
            "for=1.2.3.4 x",
            r#"for="1.2.3.4"#,
            "for=1.2.3.4,,",
        ] {
            assert!(parse_forwarded(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hosts_must_look_like_host_headers() {
        assert_eq!(split_host("example.com"), Some(("example.com", None)));
        assert_eq!(
            split_host("example.com:8443"),
            Some(("example.com", Some(8443)))
        );
        assert_eq!(split_host("[::1]:8080"), Some(("[::1]", Some(8080))));
        for bad in [
            "",
            "a b",
            "user@host",
            "host/path",
            "host:0",
            "host:99999",
            "[::1",
            "[zz]",
            "\"host\"",
            ":80",
        ] {
            assert_eq!(split_host(bad), None, "{bad:?}");
        }
    }
}
