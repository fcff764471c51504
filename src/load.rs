//! Local files to frames: CSV, JSON (an array of records, or one record), NDJSON and
//! Parquet, one file, a folder or a glob.
//!
//! A folder or glob is read file by file and concatenated diagonally — columns missing in
//! one file become nulls rather than an error — because evidence folders routinely mix
//! exports with slightly different schemas. Each row then carries a `SourceFile` column so
//! the analyst can still tell where it came from. Files that cannot be read in a
//! multi-file load are skipped and named in a warning; a single named file that cannot be
//! read is an error.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::frame::{Frame, Warned};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Json,
    Ndjson,
    Parquet,
}

impl FileFormat {
    pub const NAMES: &'static [&'static str] = &["csv", "json", "ndjson", "parquet"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "parquet" => Some(FileFormat::Parquet),
            _ => None,
        }
    }

    /// The format a file's extension names, if it names one Huntbook reads.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "parquet" | "pq" => Some(FileFormat::Parquet),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Json => "JSON",
            FileFormat::Ndjson => "NDJSON",
            FileFormat::Parquet => "Parquet",
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
        let df = read_file(path, format)?;
        return Ok(Warned::clean(Frame::new(df, spec)));
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
        let wanted = path.is_file() && (format.is_some() || FileFormat::from_path(&path).is_some());
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
            Ok(mut df) => {
                let name = file.display().to_string();
                df.with_column(Column::new(SOURCE_FILE_COLUMN.into(), vec![name; df.height()]))?;
                frames.push(df.lazy());
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
    let df = concat_lf_diagonal(frames, UnionArgs::default())?.collect()?;
    progress(files.len(), files.len());
    Ok(Warned {
        value: Frame::new(df, spec),
        warnings,
    })
}

/// Reads one file in the given format, or the one its extension names.
pub fn read_file(path: &Path, format: Option<FileFormat>) -> Result<DataFrame> {
    let format = match format.or_else(|| FileFormat::from_path(path)) {
        Some(f) => f,
        None => {
            return Err(Error::UnknownFormat {
                path: path.to_path_buf(),
                reason: "the extension is not one of .csv, .tsv, .json, .ndjson, .jsonl, .parquet; \
                         give --format"
                    .into(),
            });
        }
    };
    let open = || {
        File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let bad = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        format: format.name(),
        message: e.to_string(),
    };
    match format {
        FileFormat::Csv => {
            let separator = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv")) {
                b'\t'
            } else {
                b','
            };
            // Opening first gives a clean I/O error for missing or unreadable files.
            let file = open()?;
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(10_000))
                .map_parse_options(|o| o.with_separator(separator).with_try_parse_dates(true))
                .into_reader_with_file_handle(file)
                .finish()
                .map_err(bad)
        }
        FileFormat::Json => read_json(open()?).map_err(bad),
        FileFormat::Ndjson => JsonReader::new(open()?)
            .with_json_format(JsonFormat::JsonLines)
            .infer_schema_len(std::num::NonZeroUsize::new(10_000))
            .finish()
            .map_err(bad),
        FileFormat::Parquet => ParquetReader::new(open()?).finish().map_err(bad),
    }
}

/// JSON documents hold either an array of records or a single record; a single record
/// becomes a one-row frame.
fn read_json(file: File) -> PolarsResult<DataFrame> {
    JsonReader::new(file)
        .with_json_format(JsonFormat::Json)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish()
}
