//! What a Huntbook Rust cell sees of the session.
//!
//! In a Rust cell, `frame("logons")` gives the session frame `logons` as a [`Frame`]:
//! columns of plain vectors (`Option<i64>`, `Option<f64>`, `Option<bool>`,
//! `Option<String>`, and times as microseconds since the epoch, UTC). `publish("scored",
//! &f)` makes a frame a session frame that `%%sql`, `%show` and every magic see after the
//! cell. A `Frame` as a cell's last expression is shown with the magics' table, and so is
//! one given to [`show`] mid-cell; [`html`] and [`svg`] display markup of the cell's own.
//!
//! The kernel and the cell are two processes (evcxr runs cells in a child process, so a
//! crash in a cell cannot take the session down): frames cross as files in the kernel's
//! exchange folder (`HUNTBOOK_CELL_DIR`), in the column format of [`codec`]. The kernel
//! shares a session frame with a cell when the cell names it in a string literal.
//!
//! ```no_run
//! use huntbook_cell::*;
//! let procs = frame("procs");
//! let score: Vec<Option<f64>> = procs
//!     .text("CommandLine")
//!     .iter()
//!     .map(|c| c.map(|c| c.len() as f64))
//!     .collect();
//! publish("scored", &procs.with_column("Score", score));
//! ```

pub mod codec;

use std::path::PathBuf;

/// The environment variable naming the exchange folder.
pub const DIR_ENV: &str = "HUNTBOOK_CELL_DIR";

/// The MIME type under which a shown frame's file is passed to the kernel.
pub const FRAME_MIME: &str = "application/vnd.huntbook.frame";

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
    /// Microseconds since 1970-01-01T00:00:00Z.
    Time(Vec<Option<i64>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Int(v) | Values::Time(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kind's name, as messages say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Values::Int(_) => "int",
            Values::Float(_) => "float",
            Values::Bool(_) => "bool",
            Values::Text(_) => "text",
            Values::Time(_) => "time",
        }
    }

    /// One value as text (`None` for a null).
    pub fn text_at(&self, row: usize) -> Option<String> {
        match self {
            Values::Int(v) | Values::Time(v) => v[row].map(|x| x.to_string()),
            Values::Float(v) => v[row].map(|x| x.to_string()),
            Values::Bool(v) => v[row].map(|x| x.to_string()),
            Values::Text(v) => v[row].clone(),
        }
    }
}

macro_rules! values_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<Vec<$t>> for Values {
            fn from(v: Vec<$t>) -> Values {
                Values::$variant(v.into_iter().map(|x| Some($conv(x))).collect())
            }
        }
        impl From<Vec<Option<$t>>> for Values {
            fn from(v: Vec<Option<$t>>) -> Values {
                Values::$variant(v.into_iter().map(|x| x.map($conv)).collect())
            }
        }
    };
}

values_from!(i64, Int, |x| x);
values_from!(i32, Int, |x: i32| x as i64);
values_from!(usize, Int, |x: usize| x as i64);
values_from!(f64, Float, |x| x);
values_from!(bool, Bool, |x| x);
values_from!(String, Text, |x| x);
values_from!(&str, Text, |x: &str| x.to_string());

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
}

/// A frame: named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    pub name: String,
    pub columns: Vec<Column>,
    rows: usize,
}

impl Frame {
    /// An empty frame (no columns, no rows), to add columns to.
    pub fn new() -> Frame {
        Frame::default()
    }

    pub fn height(&self) -> usize {
        self.rows
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The column `name`; a panic naming the columns there are when it is not one.
    pub fn column(&self, name: &str) -> &Column {
        match self.columns.iter().find(|c| c.name == name) {
            Some(c) => c,
            None => panic!(
                "frame {:?} has no column {name:?}; its columns: {}",
                self.name,
                self.names().join(", ")
            ),
        }
    }

    fn wrong(&self, name: &str, want: &str, got: &Values) -> ! {
        panic!(
            "column {name:?} of frame {:?} holds {} values, not {want}",
            self.name,
            got.kind()
        )
    }

    /// A text column's values (any other column's, written as text).
    pub fn text(&self, name: &str) -> Vec<Option<&str>> {
        match &self.column(name).values {
            Values::Text(v) => v.iter().map(|x| x.as_deref()).collect(),
            other => self.wrong(name, "text (use .column(name).values.text_at(row) for any kind)", other),
        }
    }

    /// An int column's values.
    pub fn ints(&self, name: &str) -> &[Option<i64>] {
        match &self.column(name).values {
            Values::Int(v) => v,
            other => self.wrong(name, "int", other),
        }
    }

    /// A float column's values (an int column's, converted).
    pub fn floats(&self, name: &str) -> Vec<Option<f64>> {
        match &self.column(name).values {
            Values::Float(v) => v.clone(),
            Values::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
            other => self.wrong(name, "numbers", other),
        }
    }

    /// A bool column's values.
    pub fn bools(&self, name: &str) -> &[Option<bool>] {
        match &self.column(name).values {
            Values::Bool(v) => v,
            other => self.wrong(name, "bool", other),
        }
    }

    /// A time column's values, µs since the epoch (UTC).
    pub fn times(&self, name: &str) -> &[Option<i64>] {
        match &self.column(name).values {
            Values::Time(v) => v,
            other => self.wrong(name, "time", other),
        }
    }

    /// The frame with column `name` added, or replaced if it exists. The first column
    /// sets the height; a column of another length is a panic that says both.
    pub fn with_column(mut self, name: &str, values: impl Into<Values>) -> Frame {
        let values = values.into();
        if self.columns.is_empty() {
            self.rows = values.len();
        } else if values.len() != self.rows {
            panic!(
                "column {name:?} has {} values, and frame {:?} has {} rows",
                values.len(),
                self.name,
                self.rows
            );
        }
        let column = Column {
            name: name.to_string(),
            values,
        };
        match self.columns.iter().position(|c| c.name == name) {
            Some(i) => self.columns[i] = column,
            None => self.columns.push(column),
        }
        self
    }

    /// The rows where `keep` is true (`keep` has one entry per row).
    pub fn filter(&self, keep: &[bool]) -> Frame {
        assert_eq!(keep.len(), self.rows, "filter takes one bool per row");
        fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| x.clone())
                .collect()
        }
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                values: match &c.values {
                    Values::Int(v) => Values::Int(pick(v, keep)),
                    Values::Time(v) => Values::Time(pick(v, keep)),
                    Values::Float(v) => Values::Float(pick(v, keep)),
                    Values::Bool(v) => Values::Bool(pick(v, keep)),
                    Values::Text(v) => Values::Text(pick(v, keep)),
                },
            })
            .collect();
        Frame {
            name: self.name.clone(),
            columns,
            rows: keep.iter().filter(|k| **k).count(),
        }
    }

    /// Shows the frame with the magics' table when it is a cell's last expression (evcxr
    /// calls this): the frame goes to the exchange folder, the kernel renders it.
    pub fn evcxr_display(&self) {
        let text = format!("frame {:?}: {} rows × {} columns", self.name, self.rows, self.width());
        let shown = dir().ok().and_then(|d| {
            let path = fresh(&d, "shown", "hbf");
            write(&path, self).ok().map(|()| path)
        });
        println!("EVCXR_BEGIN_CONTENT text/plain\n{text}\nEVCXR_END_CONTENT");
        if let Some(path) = shown {
            println!(
                "EVCXR_BEGIN_CONTENT {FRAME_MIME}\n{}\nEVCXR_END_CONTENT",
                path.display()
            );
        }
    }
}

/// The marker line by which a cell asks the kernel to display a file: `HUNTBOOK_SHOW
/// <mime> <path>` on stdout, in order with what the cell prints.
pub const SHOW_MARKER: &str = "HUNTBOOK_SHOW";

/// A file name in the exchange folder no other display of this process takes.
fn fresh(d: &std::path::Path, folder: &str, ext: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    d.join(folder).join(format!("{}-{n}.{ext}", std::process::id()))
}

fn show_file(mime: &str, ext: &str, bytes: &[u8]) {
    let d = dir().unwrap_or_else(|e| panic!("{e}"));
    let path = fresh(&d, "shown", ext);
    match put(&path, bytes) {
        Ok(()) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{SHOW_MARKER} {mime} {}", path.display());
            let _ = out.flush();
        }
        Err(e) => panic!("cannot write a display to {}: {e}", path.display()),
    }
}

/// Displays a frame now, with the magics' table (as `%show` would).
pub fn show(frame: &Frame) {
    show_file(FRAME_MIME, "hbf", &codec::encode(frame));
}

/// Displays HTML now (the cell's own markup: nothing in it is escaped).
pub fn html(markup: &str) {
    show_file("text/html", "html", markup.as_bytes());
}

/// Displays an SVG picture now.
pub fn svg(picture: &str) {
    show_file("image/svg+xml", "svg", picture.as_bytes());
}

fn dir() -> Result<PathBuf, String> {
    std::env::var_os(DIR_ENV)
        .map(PathBuf::from)
        .ok_or_else(|| format!("{DIR_ENV} is not set: frame() and publish() work in a Huntbook Rust cell"))
}

/// Whether `name` can name a session frame (a file name too).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn write(path: &std::path::Path, frame: &Frame) -> std::io::Result<()> {
    put(path, &codec::encode(frame))
}

/// Writes a file of the exchange folder, its folder made first. It is written beside its
/// place and renamed, so the kernel never reads half of it.
fn put(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let part = path.with_extension("part");
    std::fs::write(&part, bytes)?;
    std::fs::rename(part, path)
}

/// The session frame `name`. It must be named in the cell as a string literal (the kernel
/// shares those); a panic says what is wrong otherwise.
pub fn frame(name: &str) -> Frame {
    let d = dir().unwrap_or_else(|e| panic!("{e}"));
    let path = d.join("frames").join(format!("{name}.hbf"));
    match std::fs::read(&path) {
        Ok(bytes) => codec::decode(name, &bytes).unwrap_or_else(|e| panic!("frame {name:?} cannot be read: {e}")),
        Err(_) => {
            let known = frames();
            if known.iter().any(|k| k == name) {
                panic!(
                    "frame {name:?} is in the session but was not shared with this cell: name it in the cell as the string literal \"{name}\""
                )
            }
            panic!(
                "there is no session frame {name:?}; the session has: {}",
                known.join(", ")
            )
        }
    }
}

/// The names of the session's frames.
pub fn frames() -> Vec<String> {
    dir()
        .ok()
        .and_then(|d| std::fs::read_to_string(d.join("frames").join("index")).ok())
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Makes `frame` the session frame `name` when the cell ends (replacing one of that name).
pub fn publish(name: &str, frame: &Frame) {
    if !valid_name(name) {
        panic!("{name:?} cannot name a frame: use letters, digits and _, not starting with a digit");
    }
    let d = dir().unwrap_or_else(|e| panic!("{e}"));
    let mut frame = frame.clone();
    frame.name = name.to_string();
    write(&d.join("published").join(format!("{name}.hbf")), &frame)
        .unwrap_or_else(|e| panic!("frame {name:?} cannot be published: {e}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Frame {
        Frame::new()
            .with_column("Host", vec![Some("ws01"), None, Some("ünïcode \"quoted\"")])
            .with_column("Pid", vec![Some(4i64), Some(-1), None])
            .with_column("Score", vec![Some(0.5f64), None, Some(f64::MAX)])
            .with_column("Ok", vec![Some(true), Some(false), None])
            .with_column("When", Values::Time(vec![Some(1_547_529_303_000_000), None, Some(0)]))
    }

    #[test]
    fn frames_round_trip_through_the_exchange_format() {
        let f = sample();
        let back = codec::decode("", &codec::encode(&f)).unwrap();
        assert_eq!(back, f);
        let empty = Frame::new();
        assert_eq!(codec::decode("", &codec::encode(&empty)).unwrap(), empty);
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic_or_a_huge_allocation() {
        let bytes = codec::encode(&sample());
        for cut in 0..bytes.len() {
            assert!(codec::decode("x", &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = bytes.clone();
        huge[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(codec::decode("x", &huge).is_err());
        let mut kind = bytes.clone();
        // The first column's kind byte: after header (16) and its name (4 + 4).
        kind[24] = 9;
        assert!(codec::decode("x", &kind).unwrap_err().0.contains("unknown kind 9"));
        let mut longer = bytes;
        longer.push(0);
        assert!(codec::decode("x", &longer).is_err());
    }

    #[test]
    #[should_panic(expected = "has 2 values, and frame")]
    fn a_column_of_another_length_says_both() {
        let _ = sample().with_column("Short", vec![1i64, 2]);
    }

    #[test]
    fn filter_keeps_the_chosen_rows() {
        let f = sample().filter(&[true, false, true]);
        assert_eq!(f.height(), 2);
        assert_eq!(f.ints("Pid"), &[Some(4), None]);
        assert_eq!(f.text("Host"), vec![Some("ws01"), Some("ünïcode \"quoted\"")]);
    }
}
