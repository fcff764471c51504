//! Local files to frames — one file, a folder or a glob — in any format of
//! [`crate::formats`].
//!
//! A folder or glob is read file by file and concatenated diagonally — columns missing in
//! one file become nulls rather than an error — because evidence folders routinely mix
//! exports with slightly different schemas. Each row then carries a `SourceFile` column so
//! the analyst can still tell where it came from. Files that cannot be read in a
//! multi-file load are skipped and named in a warning; a single named file that cannot be
//! read is an error.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::formats::of_path;
pub use crate::formats::{FileFormat, read_file};
use crate::frame::{Frame, Warned};

/// The name of the column that says which file a row came from in a multi-file load.
pub const SOURCE_FILE_COLUMN: &str = "SourceFile";

/// Loads `spec` — a file, a folder, or a glob pattern — into one frame.
pub fn load(spec: &str, format: Option<FileFormat>) -> Result<Warned<Frame>> {
    load_with_progress(spec, format, &mut |_, _| true)
}

/// [`load`], calling `progress(files_done, files_total)` before each file of a folder or
/// glob and once at the end; returning `false` stops the load with [`Error::Cancelled`].
pub fn load_with_progress(
    spec: &str,
    format: Option<FileFormat>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Warned<Frame>> {
    let path = Path::new(spec);
    if path.is_file() {
        let read = read_file(path, format)?;
        return Ok(Warned {
            value: Frame::new(read.value, spec),
            warnings: read.warnings,
        });
    }
    let files = if path.is_dir() {
        folder_files(path, format)?
    } else if spec.contains(['*', '?', '[']) {
        glob_files(spec)?
    } else {
        return Err(Error::NoMatch {
            pattern: spec.to_string(),
        });
    };
    load_many(spec, &files, format, progress)
}

fn folder_files(dir: &Path, format: Option<FileFormat>) -> Result<Vec<PathBuf>> {
    let io_err = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        // With an explicit format every regular file is taken; without one, only files
        // whose extension names a readable format, so READMEs and licences are ignored.
        let wanted = path.is_file() && (format.is_some() || of_path(&path).is_some());
        if wanted {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(Error::EmptyFolder {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    Ok(files)
}

fn glob_files(pattern: &str) -> Result<Vec<PathBuf>> {
    let paths = glob::glob(pattern).map_err(|e| Error::NoMatch {
        pattern: format!("{pattern} (bad pattern: {e})"),
    })?;
    let mut files: Vec<PathBuf> = paths.filter_map(|p| p.ok()).filter(|p| p.is_file()).collect();
    if files.is_empty() {
        return Err(Error::NoMatch {
            pattern: pattern.to_string(),
        });
    }
    files.sort();
    Ok(files)
}

fn load_many(
    spec: &str,
    files: &[PathBuf],
    format: Option<FileFormat>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Warned<Frame>> {
    let mut frames = Vec::with_capacity(files.len());
    let mut warnings = Vec::new();
    for (done, file) in files.iter().enumerate() {
        if !progress(done, files.len()) {
            return Err(Error::Cancelled {
                what: format!("loading {spec} after {done} of {} files", files.len()),
            });
        }
        match read_file(file, format) {
            Ok(Warned {
                value: df,
                warnings: read_warnings,
            }) => {
                warnings.extend(read_warnings);
                frames.push((file.display().to_string(), df));
            }
            Err(e) => warnings.push(format!("skipped {}: {e}", file.display())),
        }
    }
    if frames.is_empty() {
        return Err(Error::Format {
            path: PathBuf::from(spec),
            format: "data",
            message: format!(
                "none of its {} files could be read: {}",
                files.len(),
                warnings.join("; ")
            ),
        });
    }
    let df = stack(frames)?;
    progress(files.len(), files.len());
    Ok(Warned {
        value: Frame::new(df, spec),
        warnings,
    })
}

/// Frames read from several places, each tagged with where it came from in
/// [`SOURCE_FILE_COLUMN`] and stacked diagonally (a column one lacks becomes nulls).
pub(crate) fn stack(parts: Vec<(String, DataFrame)>) -> Result<DataFrame> {
    let mut frames = Vec::with_capacity(parts.len());
    for (source, mut df) in parts {
        df.with_column(Column::new(SOURCE_FILE_COLUMN.into(), vec![source; df.height()]))?;
        frames.push(df.lazy());
    }
    Ok(concat_lf_diagonal(frames, UnionArgs::default())?.collect()?)
}
