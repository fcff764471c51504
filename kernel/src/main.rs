//! The `huntbook` binary: the only place that wires the kernel together.
//!
//! `huntbook kernel --connection-file F` serves Jupyter; `huntbook install` writes the
//! kernelspec; `huntbook replay` serves recorded API answers on loopback. Rust cells
//! (evcxr) are not in this version: when they come, `evcxr::runtime_hook()` must be the
//! first call in `main`.

mod connection;
mod executor;
mod history;
mod kernelspec;
mod log;
mod replies;
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
  huntbook replay ROUTES.json [--for SECONDS]                serve recorded API answers on 127.0.0.1 (default 600 s)
  huntbook --version";

fn main() {
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

/// Serves recorded provider answers on a loopback port, for offline demos and the
/// notebook tests: prints the URL, then serves for a bounded time.
fn replay(args: &[String]) -> Result<(), String> {
    let mut routes = None;
    let mut seconds = 600u64;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--for" => {
                seconds = iter
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--for takes a number of seconds")?;
            }
            other if routes.is_none() => routes = Some(std::path::PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let routes = routes.ok_or("replay needs a routes file")?;
    let server = huntbook::ti::replay::ReplayServer::from_file(&routes).map_err(|e| e.to_string())?;
    println!("{}", server.url());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    std::thread::sleep(std::time::Duration::from_secs(seconds));
    drop(server);
    Ok(())
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
