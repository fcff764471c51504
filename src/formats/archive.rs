//! zip, tar and tar.gz archives of evidence files (as OTRF Security-Datasets ships them):
//! every member in a format of the table is read and stacked like a folder.

use std::path::PathBuf;

use polars::prelude::*;

use super::{Format, Input, of_member};
use crate::error::{Error, Result};
use crate::frame::Warned;
use crate::load::stack;

pub const ARCHIVE: Format = Format::new("archive", "archive", &["zip", "tar", "tgz", "tar.gz"], read)
    .aliases(&["zip", "tar"])
    .not_in_archives();

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    match input {
        Input::File(path) => read_archive(path),
        Input::Bytes { name, .. } => Err(Error::Format {
            path: PathBuf::from(name),
            format: "archive",
            message: "archives inside archives are not opened".into(),
        }),
    }
}

/// Archive members larger than this are not read (an export of this size belongs on disk).
const MAX_MEMBER_BYTES: u64 = 4 << 30;

/// A zip, tar or tar.gz of evidence files (as OTRF Security-Datasets ships them): every
/// member in a readable format is read from the archive and stacked like a folder, with
/// `SourceFile` naming `archive!member`. A damaged archive whose members can still be
/// listed loses only the damaged members, each named in a warning.
fn read_archive(path: &std::path::Path) -> Result<Warned<DataFrame>> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        format: "archive",
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut members: Vec<(String, std::result::Result<Vec<u8>, String>)> = Vec::new();
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        let mut zip = ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    members.push((format!("member {i}"), Err(e.to_string())));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let member = entry.name().map_or_else(|_| format!("member {i}"), |n| n.to_string());
            let size = entry.size();
            members.push((member, read_member(&mut entry, size)));
        }
    } else {
        let reader: Box<dyn std::io::Read> = if name.ends_with(".gz") || name.ends_with(".tgz") {
            Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
        } else {
            Box::new(std::io::BufReader::new(file))
        };
        let mut tar = tar::Archive::new(reader);
        let entries = tar.entries().map_err(|e| bad(e.to_string()))?;
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    members.push(("(the rest of the archive)".into(), Err(e.to_string())));
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let size = entry.size();
            members.push((member, read_member(&mut entry, size)));
        }
    }
    let mut frames = Vec::new();
    let mut warnings = Vec::new();
    for (member, bytes) in members {
        // A member that could not be read is reported whatever its name; one that was read
        // is parsed only when its name (or a .log's content) says it is a format we read.
        let read = match bytes {
            Err(e) => Err(e),
            Ok(bytes) => match of_member(&member, &bytes) {
                None => continue,
                Some(format) => (format.read)(&Input::Bytes { bytes, name: &member }).map_err(|e| e.to_string()),
            },
        };
        match read {
            Ok(mut w) => {
                warnings.append(&mut w.warnings);
                frames.push((format!("{}!{member}", path.display()), w.value));
            }
            Err(e) => warnings.push(format!("{}: member {member} skipped: {e}", path.display())),
        }
    }
    if frames.is_empty() {
        return Err(bad(if warnings.is_empty() {
            "it holds no member in a format Huntbook reads".to_string()
        } else {
            warnings.join("; ")
        }));
    }
    Ok(Warned {
        value: stack(frames)?,
        warnings,
    })
}

fn read_member(reader: &mut dyn std::io::Read, size: u64) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read;
    if size > MAX_MEMBER_BYTES {
        return Err(format!(
            "{size} bytes is over the {MAX_MEMBER_BYTES}-byte limit for one member"
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    reader
        .take(MAX_MEMBER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("damaged: {e}"))?;
    if bytes.len() as u64 > MAX_MEMBER_BYTES {
        return Err(format!("over the {MAX_MEMBER_BYTES}-byte limit for one member"));
    }
    Ok(bytes)
}
