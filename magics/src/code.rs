//! Cells that are not magics: code, run by a [`CodeRunner`] that the kernel provides (Rust,
//! by evcxr, in a child process). The interpreter is the session's side of the exchange:
//! before the code runs, the session frames it names in string literals are written to the
//! exchange folder (only when they changed since), with an index of every frame's name;
//! after it runs, the frames it published become session frames, and a frame shown as its
//! last expression is shown with the magics' table.
//!
//! Frames cross in [`huntbook_cell::codec`]'s column format: no rows are serialised, each
//! column is one block of values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huntbook::Frame;
use huntbook_cell::{Column as CellColumn, Frame as CellFrame, Values};
use polars::prelude::*;

use crate::bundle::MimeBundle;
use crate::interpreter::CellError;
use crate::io::Io;

/// What runs code cells.
pub trait CodeRunner: Send {
    /// Runs `code`, which starts on line `first_line` (1-based) of the cell: its output
    /// streamed to `io`, its last expression's display returned. Errors point at the cell's
    /// own lines.
    fn run(&mut self, code: &str, first_line: usize, io: &mut dyn Io) -> Result<Option<MimeBundle>, CellError>;

    /// The folder frames cross through (`HUNTBOOK_CELL_DIR` of the code's process).
    fn exchange(&self) -> &Path;

    /// Completions at byte `cursor` of `code`: the matches and the byte range they replace.
    fn complete(&mut self, code: &str, cursor: usize) -> Option<(Vec<String>, usize, usize)>;

    /// What is at byte `cursor` of `code`, for shift-tab.
    fn inspect(&mut self, code: &str, cursor: usize) -> Option<MimeBundle>;
}

/// A session frame in the exchange format's columns: text stays text, numbers and
/// booleans stay what they are, times become µs since the epoch; anything else (lists,
/// structs, categories) is written as text.
pub fn to_cell(name: &str, df: &DataFrame) -> PolarsResult<CellFrame> {
    let mut frame = CellFrame::new();
    for c in df.columns() {
        let s = c.as_materialized_series();
        let values = match s.dtype() {
            DataType::Boolean => Values::Bool(s.bool()?.iter().collect()),
            DataType::Float32 | DataType::Float64 => Values::Float(s.cast(&DataType::Float64)?.f64()?.iter().collect()),
            d if d.is_integer() => Values::Int(s.cast(&DataType::Int64)?.i64()?.iter().collect()),
            DataType::Datetime(_, _) | DataType::Date => {
                let us = s.cast(&DataType::Datetime(TimeUnit::Microseconds, None))?;
                Values::Time(us.datetime()?.physical().iter().collect())
            }
            DataType::String => Values::Text(s.str()?.iter().map(|v| v.map(str::to_string)).collect()),
            _ => Values::Text(
                s.cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
            ),
        };
        frame = frame.with_column(c.name().as_str(), values);
    }
    frame.name = name.to_string();
    Ok(frame)
}

/// A frame from the exchange format, times in UTC.
pub fn from_cell(frame: &CellFrame) -> PolarsResult<DataFrame> {
    let columns: Vec<Column> = frame
        .columns
        .iter()
        .map(|CellColumn { name, values }| {
            let name: PlSmallStr = name.as_str().into();
            Ok(match values {
                Values::Int(v) => Column::new(name, v),
                Values::Float(v) => Column::new(name, v),
                Values::Bool(v) => Column::new(name, v),
                Values::Text(v) => Column::new(name, v),
                Values::Time(v) => {
                    Column::new(name, v).cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))?
                }
            })
        })
        .collect::<PolarsResult<_>>()?;
    DataFrame::new_infer_height(columns)
}

/// The string literals of `code` (`"…"`, simple escapes read), where a cell names frames.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut text = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        text.push(n);
                    }
                }
                '"' => break,
                c => text.push(c),
            }
        }
        out.push(text);
    }
    out
}

/// What was written to the exchange folder, by frame name: the session's generation of it.
#[derive(Debug, Default)]
pub struct Shared {
    written: BTreeMap<String, u64>,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> CellError {
    CellError {
        ename: "exchange-error".into(),
        evalue: format!("frames cannot cross to the Rust cell through {}: {e}", path.display()),
        traceback: Vec::new(),
    }
}

impl Shared {
    /// Writes the index of the session's frames, and the frames `code` names that changed
    /// since they were last written.
    pub fn share(&mut self, code: &str, session: &crate::session::Session, dir: &Path) -> Result<(), CellError> {
        let frames = dir.join("frames");
        std::fs::create_dir_all(&frames).map_err(|e| io_error(&frames, e))?;
        let names: Vec<&str> = session.names().collect();
        let index = frames.join("index");
        std::fs::write(&index, names.join("\n")).map_err(|e| io_error(&index, e))?;
        for name in literals(code) {
            let (Some(frame), Some(generation)) = (session.get(&name), session.generation(&name)) else {
                continue;
            };
            if self.written.get(&name) == Some(&generation) {
                continue;
            }
            let path = frames.join(format!("{name}.hbf"));
            let cell = to_cell(&name, &frame.data).map_err(|e| io_error(&path, e))?;
            let part = path.with_extension("part");
            std::fs::write(&part, huntbook_cell::codec::encode(&cell)).map_err(|e| io_error(&part, e))?;
            std::fs::rename(&part, &path).map_err(|e| io_error(&path, e))?;
            self.written.insert(name, generation);
        }
        Ok(())
    }

    /// The frames the code published, each read and its file removed, in name order; a
    /// file that cannot be read is an error naming it, the others are still taken.
    pub fn take_published(dir: &Path) -> Vec<(String, Result<Frame, String>)> {
        let folder = dir.join("published");
        let Ok(entries) = std::fs::read_dir(&folder) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "hbf"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
                let read = read_frame(&name, &path).map(|df| Frame::new(df, "a Rust cell (publish)"));
                let _ = std::fs::remove_file(&path);
                (name, read)
            })
            .collect()
    }
}

/// A frame a cell displayed (with `show`, or as its last expression): its file read and
/// removed, the frame, and the magics' table of it.
pub fn shown_frame(path: &Path, origin: &str) -> Result<(Frame, MimeBundle), String> {
    let read = read_frame("shown", path);
    let _ = std::fs::remove_file(path);
    let frame = Frame::new(read?, origin);
    let table = crate::display::table(&frame, None, crate::display::DEFAULT_ROWS).bundle();
    Ok((frame, table))
}

/// A frame file of the exchange folder, as a polars frame.
pub fn read_frame(name: &str, path: &Path) -> Result<DataFrame, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cell = huntbook_cell::codec::decode(name, &bytes).map_err(|e| e.to_string())?;
    from_cell(&cell).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_read_with_their_escapes() {
        assert_eq!(
            literals(r#"let a = frame("procs"); let b = "say \"hi\""; // "x"#),
            ["procs", "say \"hi\"", "x"]
        );
    }

    #[test]
    fn a_frame_crosses_both_ways_with_its_kinds() {
        let df = df!(
            "Host" => [Some("ws01"), None],
            "Pid" => [Some(4u32), None],
            "Score" => [0.5f32, 2.0],
            "Ok" => [true, false],
        )
        .unwrap();
        let mut df = df;
        df.with_column(
            Column::new("When".into(), [1_547_529_303_000_000i64, 0])
                .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
                .unwrap(),
        )
        .unwrap();
        let back = from_cell(&to_cell("x", &df).unwrap()).unwrap();
        assert_eq!(back.column("Host").unwrap().str().unwrap().get(0), Some("ws01"));
        assert_eq!(back.column("Pid").unwrap().dtype(), &DataType::Int64);
        assert_eq!(back.column("Score").unwrap().f64().unwrap().get(0), Some(0.5));
        assert_eq!(back.column("When").unwrap().dtype(), df.column("When").unwrap().dtype());
        assert!(back.column("When").unwrap().equals(df.column("When").unwrap()));
    }
}
