//! A loopback HTTP server that answers from recorded responses.
//!
//! The threat-intel tests and the sample notebook run the real HTTP client against it: the
//! requests are real requests (and are recorded, so tests can check the path, the headers
//! and that no key is in a URL), the answers are providers' recorded answers from
//! `shared/data/fixtures`. It listens on 127.0.0.1 only and serves until dropped (or, from
//! the command line, for a bounded time).
//!
//! Routes are JSON:
//!
//! ```json
//! [{"method": "GET", "path": "/api/v3/ip_addresses/1.1.1.1", "status": 200,
//!   "headers": {"Retry-After": "1"}, "body_file": "virustotal/v3_ip_addresses_1.1.1.1.json",
//!   "times": 1}]
//! ```
//!
//! A route matches on method and path (and `query` or `body_contains` when given); a route
//! with `times` answers that many requests and then gives way to the next match, so a
//! throttled answer can be followed by a good one. An unmatched request gets a 404.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// The exact query string (without `?`), when it matters.
    #[serde(default)]
    pub query: Option<String>,
    /// Text the request body must contain (for form posts).
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    /// A file holding the body, relative to the routes file.
    #[serde(default)]
    pub body_file: Option<PathBuf>,
    /// How many requests this route answers; unlimited when absent.
    #[serde(default)]
    pub times: Option<usize>,
    /// Milliseconds to wait before answering (a slow service, for timeouts).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

fn ok() -> u16 {
    200
}

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

struct Loaded {
    route: Route,
    body: Vec<u8>,
    used: usize,
}

struct Shared {
    routes: Mutex<Vec<Loaded>>,
    log: Mutex<Vec<Recorded>>,
    stop: AtomicBool,
}

pub struct ReplayServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ReplayServer {
    /// Starts a server on a free loopback port. Body files are read now, relative to `base`.
    pub fn start(routes: Vec<Route>, base: &Path) -> std::io::Result<ReplayServer> {
        let mut loaded = Vec::new();
        for route in routes {
            let body = match (&route.body, &route.body_file) {
                (_, Some(f)) => std::fs::read(base.join(f))
                    .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", base.join(f).display())))?,
                (Some(b), None) => b.clone().into_bytes(),
                (None, None) => Vec::new(),
            };
            loaded.push(Loaded { route, body, used: 0 });
        }
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            routes: Mutex::new(loaded),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let inner = shared.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if inner.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = stream {
                    let _ = serve(s, &inner);
                }
            }
        });
        Ok(ReplayServer {
            addr,
            shared,
            thread: Some(thread),
        })
    }

    /// Reads routes from a JSON file; body files are relative to it.
    pub fn from_file(routes: &Path) -> std::io::Result<ReplayServer> {
        Self::from_files(&[routes.to_path_buf()])
    }

    /// Routes from several JSON files, in order (each one's body files relative to it).
    pub fn from_files(files: &[PathBuf]) -> std::io::Result<ReplayServer> {
        let mut all = Vec::new();
        for routes in files {
            let text = std::fs::read_to_string(routes)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", routes.display())))?;
            let parsed: Vec<Route> = serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", routes.display()))
            })?;
            let base = routes.parent().unwrap_or(Path::new("."));
            all.extend(parsed.into_iter().map(|mut r| {
                r.body_file = r.body_file.map(|f| base.join(f));
                r
            }));
        }
        Self::start(all, Path::new("."))
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether a route answers a path starting with `prefix`.
    pub fn serves(&self, prefix: &str) -> bool {
        let routes = self.shared.routes.lock().expect("not poisoned");
        routes.iter().any(|l| l.route.path.starts_with(prefix))
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().expect("not poisoned").clone()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    let mut header_bytes = 0;
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h)?;
        header_bytes += n;
        if n == 0 || h == "\r\n" || h == "\n" || header_bytes > 65_536 {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.clone(), None),
    };
    let (status, extra, payload, delay) = {
        let mut routes = shared.routes.lock().expect("not poisoned");
        let found = routes.iter_mut().find(|l| {
            l.route.method.eq_ignore_ascii_case(&method)
                && l.route.path == path
                && (l.route.query.is_none() || l.route.query == query)
                && l.route.body_contains.as_ref().is_none_or(|b| body.contains(b.as_str()))
                && l.route.times.is_none_or(|t| l.used < t)
        });
        match found {
            Some(l) => {
                l.used += 1;
                (
                    l.route.status,
                    l.route.headers.clone(),
                    l.body.clone(),
                    l.route.delay_ms,
                )
            }
            None => (
                404,
                BTreeMap::new(),
                serde_json::json!({"error": format!("no recorded answer for {method} {target}")})
                    .to_string()
                    .into_bytes(),
                None,
            ),
        }
    };
    // A slow answer waits outside the lock.
    if let Some(ms) = delay {
        std::thread::sleep(Duration::from_millis(ms));
    }
    shared.log.lock().expect("not poisoned").push(Recorded {
        method,
        target,
        headers,
        body,
    });
    let mut out = reader.into_inner();
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        payload.len()
    );
    if !extra.keys().any(|k| k.eq_ignore_ascii_case("content-type")) {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in &extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(&payload)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
