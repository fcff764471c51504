//! `huntbook install`: writes the kernelspec Jupyter uses to find and start Huntbook.
//!
//! The destinations follow Jupyter's own conventions: `--user` is the user data
//! directory (`$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter`, or `~/Library/Jupyter`
//! on macOS), `--sys-prefix` is the active Python environment's `share/jupyter`, and
//! `--prefix DIR` is `DIR/share/jupyter`. The argv records the absolute path of this
//! binary, so the installed spec keeps working from any directory.

use std::path::{Path, PathBuf};

use serde_json::json;

pub const NAME: &str = "huntbook";
const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");

#[derive(Debug, PartialEq)]
pub enum Destination {
    User,
    SysPrefix,
    Prefix(PathBuf),
}

impl Destination {
    pub fn data_dir(&self) -> Result<PathBuf, String> {
        match self {
            Destination::User => {
                if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
                    return Ok(PathBuf::from(dir));
                }
                let home = std::env::var_os("HOME")
                    .ok_or("HOME is not set, so there is no user data directory; use --prefix DIR")?;
                let home = PathBuf::from(home);
                Ok(if cfg!(target_os = "macos") {
                    home.join("Library/Jupyter")
                } else {
                    std::env::var_os("XDG_DATA_HOME")
                        .map_or_else(|| home.join(".local/share"), PathBuf::from)
                        .join("jupyter")
                })
            }
            Destination::SysPrefix => {
                let prefix = std::env::var_os("VIRTUAL_ENV")
                    .or_else(|| std::env::var_os("CONDA_PREFIX"))
                    .ok_or("--sys-prefix needs an active Python environment (VIRTUAL_ENV or CONDA_PREFIX); activate it or use --prefix DIR")?;
                Ok(PathBuf::from(prefix).join("share/jupyter"))
            }
            Destination::Prefix(dir) => Ok(dir.join("share/jupyter")),
        }
    }
}

pub fn kernel_json(executable: &Path) -> serde_json::Value {
    json!({
        "argv": [executable.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "Huntbook",
        "language": "huntbook",
        "interrupt_mode": "message",
        "kernel_protocol_version": crate::wire::PROTOCOL_VERSION,
        "metadata": {"debugger": false},
    })
}

/// Writes `kernels/huntbook/` under the destination; returns the folder written.
pub fn install(destination: &Destination, executable: &Path) -> Result<PathBuf, String> {
    let dir = destination.data_dir()?.join("kernels").join(NAME);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let spec = serde_json::to_string_pretty(&kernel_json(executable)).expect("JSON serialises");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("kernel.json", spec.as_bytes())?;
    write("logo-32x32.png", LOGO_32)?;
    write("logo-64x64.png", LOGO_64)?;
    Ok(dir)
}

pub fn parse_destination(args: &[String]) -> Result<Destination, String> {
    let mut destination = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let next = match arg.as_str() {
            "--user" => Destination::User,
            "--sys-prefix" => Destination::SysPrefix,
            "--prefix" => Destination::Prefix(PathBuf::from(iter.next().ok_or("--prefix needs a directory")?)),
            other => match other.strip_prefix("--prefix=") {
                Some(dir) => Destination::Prefix(PathBuf::from(dir)),
                None => {
                    return Err(format!(
                        "unknown install option {other:?}; use --user, --sys-prefix or --prefix DIR"
                    ));
                }
            },
        };
        if destination.replace(next).is_some() {
            return Err("give only one of --user, --sys-prefix, --prefix DIR".into());
        }
    }
    Ok(destination.unwrap_or(Destination::User))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_spec_and_logos_under_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let dest = parse_destination(&["--prefix".into(), dir.path().display().to_string()]).unwrap();
        let written = install(&dest, Path::new("/opt/huntbook/bin/huntbook")).unwrap();
        assert_eq!(written, dir.path().join("share/jupyter/kernels/huntbook"));
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(written.join("kernel.json")).unwrap()).unwrap();
        assert_eq!(
            spec["argv"],
            json!([
                "/opt/huntbook/bin/huntbook",
                "kernel",
                "--connection-file",
                "{connection_file}"
            ])
        );
        assert_eq!(spec["display_name"], "Huntbook");
        assert_eq!(spec["interrupt_mode"], "message");
        assert!(written.join("logo-64x64.png").exists());
    }

    #[test]
    fn conflicting_destinations_are_refused() {
        assert!(parse_destination(&["--user".into(), "--sys-prefix".into()]).is_err());
        assert!(parse_destination(&["--bogus".into()]).is_err());
        assert_eq!(parse_destination(&[]).unwrap(), Destination::User);
    }
}
