//! Writing a frame to a file (`%export`): CSV, Parquet, JSON or NDJSON, chosen by name or
//! by the file's extension. The file appears whole or not at all — it is written beside
//! its final place and renamed — and an existing file is replaced only when asked. A
//! Parquet file carries the frame's provenance (source, query, window, service) in its
//! metadata, under `huntbook.provenance`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::frame::Frame;

/// The key of the provenance in a Parquet file's metadata.
pub const PROVENANCE_KEY: &str = "huntbook.provenance";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Parquet,
    Json,
    Ndjson,
}

impl ExportFormat {
    pub const NAMES: &[&str] = &["csv", "parquet", "json", "ndjson"];

    pub fn named(name: &str) -> Option<ExportFormat> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "parquet" | "pq" => Some(ExportFormat::Parquet),
            "json" => Some(ExportFormat::Json),
            "ndjson" | "jsonl" => Some(ExportFormat::Ndjson),
            _ => None,
        }
    }

    /// The format a file's extension names.
    pub fn of_path(path: &Path) -> Option<ExportFormat> {
        ExportFormat::named(path.extension()?.to_str()?)
    }

    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Parquet => "Parquet",
            ExportFormat::Json => "JSON",
            ExportFormat::Ndjson => "NDJSON",
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub rows: usize,
    pub columns: usize,
    pub bytes: u64,
}

/// Writes `frame` to `path` as `format`; an existing file is an error unless `replace`.
pub fn export(frame: &Frame, path: &Path, format: ExportFormat, replace: bool) -> Result<Written> {
    let failed = |why: String| Error::Write {
        path: path.to_path_buf(),
        why,
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(failed(format!("the folder {} does not exist", folder.display())));
    }
    if path.is_dir() {
        return Err(failed("it is a folder".into()));
    }
    if path.exists() && !replace {
        return Err(failed("the file exists (--force replaces it)".into()));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("export");
    let partial = folder.join(format!(".{name}.{}.partial", std::process::id()));
    let written = write(frame, &partial, format)
        .and_then(|()| std::fs::rename(&partial, path).map_err(|e| format!("cannot put it in place: {e}")));
    if let Err(why) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(why));
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Written {
        rows: frame.data.height(),
        columns: frame.data.width(),
        bytes,
    })
}

fn write(frame: &Frame, to: &Path, format: ExportFormat) -> std::result::Result<(), String> {
    let file = File::create(to).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("no permission to write in {}", to.parent().unwrap_or(to).display())
        }
        _ => e.to_string(),
    })?;
    let mut out = BufWriter::new(file);
    let mut df = frame.data.clone();
    let done = match format {
        ExportFormat::Csv => CsvWriter::new(&mut out).include_header(true).finish(&mut df),
        ExportFormat::Json => JsonWriter::new(&mut out)
            .with_json_format(JsonFormat::Json)
            .finish(&mut df),
        ExportFormat::Ndjson => JsonWriter::new(&mut out)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut df),
        ExportFormat::Parquet => ParquetWriter::new(&mut out)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
                PROVENANCE_KEY.to_string(),
                provenance(frame),
            )])))
            .finish(&mut df)
            .map(|_| ()),
    };
    done.map_err(|e| e.to_string())?;
    let file = out.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

/// The frame's provenance as JSON.
fn provenance(frame: &Frame) -> String {
    let p = &frame.provenance;
    serde_json::json!({
        "source": p.source,
        "query": p.query,
        "window": p.window,
        "service": p.service,
    })
    .to_string()
}
