//! The `huntbook` binary: the only place that wires the kernel together.
//!
//! `huntbook kernel --connection-file F` serves Jupyter; `huntbook install` writes the
//! kernelspec; `huntbook replay` serves recorded API answers on loopback. Rust cells run
//! in a child process that is this same binary: `evcxr::runtime_hook()`, first in `main`,
//! turns it into evcxr's runtime (or its rustc wrapper) when evcxr started it so.

mod connection;
mod executor;
mod history;
mod kernelspec;
mod log;
mod replies;
#[cfg(feature = "rust-cells")]
mod rust_cells;
mod server;
mod shared;
mod wire;

// Counts memory in the unit tests, so the envelope's fuzz run can check each case's peak.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: huntbook::fuzz::Counting = huntbook::fuzz::Counting;

use std::path::PathBuf;

const USAGE: &str = "\
Huntbook — a Jupyter kernel for security investigation and threat hunting

Usage:
  huntbook install [--user | --sys-prefix | --prefix DIR]   write the kernelspec (default --user)
  huntbook kernel --connection-file FILE                    run the kernel (Jupyter does this)
  huntbook replay ROUTES.json [--for SECONDS] [--write-config FILE [--geoip FOLDER]]
                                                            serve recorded API answers on 127.0.0.1 until stopped
  huntbook --version";

fn main() {
    #[cfg(feature = "rust-cells")]
    evcxr::runtime_hook();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("kernel") => run_kernel(&args[1..]),
        Some("install") => install(&args[1..]),
        Some("replay") => replay(&args[1..]),
        Some("--version" | "-V") => {
            println!("huntbook {}", replies::VERSION);
            Ok(())
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        None => Err("no command given".to_string()),
        Some(other) => Err(format!("unknown command {other:?}")),
    };
    if let Err(message) = result {
        eprintln!("huntbook: {message}\n\n{USAGE}");
        std::process::exit(2);
    }
}

fn install(args: &[String]) -> Result<(), String> {
    let destination = kernelspec::parse_destination(args)?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let dir = kernelspec::install(&destination, &exe)?;
    println!("Installed the Huntbook kernelspec in {}", dir.display());
    Ok(())
}

const REPLAY_USAGE: &str = "\
Usage: huntbook replay ROUTES.json… [--for SECONDS] [--write-config FILE [--geoip FOLDER]]

Serves recorded service answers on 127.0.0.1 (a free port), prints its URL, and runs
until stopped (Ctrl-C) or for SECONDS. --write-config writes a huntbook.yaml that points
the threat-intel providers at it (placeholder keys: the server checks none; a cache of its
own beside the file), a sentinel source `soc` when the routes replay Microsoft sign-in and
Log Analytics, and, with --geoip, the MaxMind databases in FOLDER. For example, from the
checkout, before opening notebooks/threat-intel.ipynb or notebooks/sentinel-hunt.ipynb:

  huntbook replay tests/notebooks/ti-replay.json tests/notebooks/sentinel-replay.json \\
      --write-config notebooks/huntbook.yaml --geoip ../shared/data/geoip/test-data";

/// Serves recorded provider answers on a loopback port, for offline demos and the
/// notebook tests: prints the URL, then serves until stopped (or for `--for` seconds).
fn replay(args: &[String]) -> Result<(), String> {
    let mut routes = Vec::new();
    let mut seconds = None;
    let mut config = None;
    let mut geoip = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |what: &str| iter.next().cloned().ok_or(format!("{arg} takes {what}"));
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{REPLAY_USAGE}");
                return Ok(());
            }
            "--for" => {
                let text = value("a number of seconds")?;
                seconds = Some(
                    text.parse::<u64>()
                        .map_err(|_| format!("--for takes a number of seconds, not {text:?}"))?,
                );
            }
            "--write-config" => config = Some(PathBuf::from(value("a file to write")?)),
            "--geoip" => geoip = Some(PathBuf::from(value("a folder")?)),
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}\n\n{REPLAY_USAGE}")),
            other => routes.push(PathBuf::from(other)),
        }
    }
    if routes.is_empty() {
        return Err(format!("replay needs a routes file\n\n{REPLAY_USAGE}"));
    }
    let server = huntbook::ti::replay::ReplayServer::from_files(&routes).map_err(|e| e.to_string())?;
    if let Some(file) = &config {
        let mut text = replay_config(&server.url(), file, geoip.as_deref())?;
        if server.serves("/la/v1/workspaces/") {
            text.push_str(&replay_sources(&server.url()));
        }
        std::fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        eprintln!("wrote {}", file.display());
    }
    println!("{}", server.url());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    match seconds {
        Some(s) => std::thread::sleep(std::time::Duration::from_secs(s)),
        None => loop {
            std::thread::park();
        },
    }
    drop(server);
    Ok(())
}

/// A huntbook.yaml pointing each recorded provider at the replay server (the routes file
/// serves each under its own prefix), with a cache beside the file.
fn replay_config(url: &str, file: &std::path::Path, geoip: Option<&std::path::Path>) -> Result<String, String> {
    let cache = file
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(".huntbook-replay-cache");
    let mut text = format!(
        "# Written by `huntbook replay`: the providers' recorded answers on {url}.\n\
         # The keys are placeholders; the replay server checks none.\n\
         ti:\n  cache:\n    path: {}\n  providers:\n\
         \x20   virustotal: {{key: replay-demo-key, url: {url}/vt, rate: 100/sec}}\n\
         \x20   otx: {{key: replay-demo-key, url: {url}/otx}}\n\
         \x20   xforce: {{key: \"replay-id:replay-demo-key\", url: {url}/xforce}}\n\
         \x20   greynoise: {{key: replay-demo-key, url: {url}/greynoise}}\n\
         \x20   urlhaus: {{url: {url}/urlhaus}}\n\
         \x20   rdap: {{url: {url}/arin, enabled: false}}\n",
        cache.display()
    );
    if let Some(folder) = geoip {
        let folder = folder
            .canonicalize()
            .map_err(|e| format!("--geoip {}: {e}", folder.display()))?;
        text.push_str(&format!(
            "geoip:\n  city: {}\n  asn: {}\n",
            folder.join("GeoLite2-City-Test.mmdb").display(),
            folder.join("GeoLite2-ASN-Test.mmdb").display()
        ));
    }
    Ok(text)
}

/// The replayed Microsoft Sentinel workspace as source `soc`, signing in with a client
/// secret at the replayed authority (`/aad`) and querying the replayed API (`/la`).
fn replay_sources(url: &str) -> String {
    format!(
        "sources:\n  soc:\n    kind: sentinel\n    workspace: 8ecf8077-cf51-4820-aadd-14040956f35d\n\
         \x20   tenant: contoso.onmicrosoft.com\n    client_id: 11111111-2222-3333-4444-555555555555\n\
         \x20   client_secret: replay-demo-secret\n    authority: {url}/aad\n    endpoint: {url}/la\n"
    )
}

fn run_kernel(args: &[String]) -> Result<(), String> {
    let mut file = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--connection-file" | "-f" => file = iter.next().map(PathBuf::from),
            other => match other.strip_prefix("--connection-file=") {
                Some(path) => file = Some(PathBuf::from(path)),
                None => return Err(format!("unknown kernel option {other:?}")),
            },
        }
    }
    let file = file.ok_or("kernel needs --connection-file FILE")?;
    let info = connection::ConnectionInfo::read(&file)?;
    // Two workers: one core for the sockets while the other runs a cell.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(server::serve(info))
}
