//! The exchange format between the kernel and a Rust cell: a frame as columns, each a
//! type, a validity byte per row and its values in one block, little-endian. The kernel
//! writes it from polars' columns and reads it back into them; the cell crate reads it
//! into plain vectors. Reading checks every length against what is left of the input, so
//! a damaged or hostile file is an error, never a huge allocation or a panic.
//!
//! ```text
//! "HBF1"  rows: u64  columns: u32
//! per column: name: u32 length + UTF-8   kind: u8   valid: rows × u8
//!   int, time (µs since the epoch, UTC): rows × i64     float: rows × f64
//!   bool: rows × u8                     text: rows × u32 lengths, then the bytes
//! ```

use crate::{Column, Frame, Values};

const MAGIC: &[u8; 4] = b"HBF1";

/// What went wrong reading a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn kind_byte(v: &Values) -> u8 {
    match v {
        Values::Int(_) => 0,
        Values::Float(_) => 1,
        Values::Bool(_) => 2,
        Values::Text(_) => 3,
        Values::Time(_) => 4,
    }
}

/// The frame in the exchange format.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let rows = frame.height();
    let mut out = Vec::with_capacity(16 + rows * 9 * frame.columns.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(rows as u64).to_le_bytes());
    out.extend_from_slice(&(frame.columns.len() as u32).to_le_bytes());
    for c in &frame.columns {
        out.extend_from_slice(&(c.name.len() as u32).to_le_bytes());
        out.extend_from_slice(c.name.as_bytes());
        out.push(kind_byte(&c.values));
        fn block<T: Copy>(out: &mut Vec<u8>, v: &[Option<T>], zero: T, bytes: impl Fn(T) -> [u8; 8]) {
            out.extend(v.iter().map(|x| x.is_some() as u8));
            for x in v {
                out.extend_from_slice(&bytes(x.unwrap_or(zero)));
            }
        }
        match &c.values {
            Values::Int(v) | Values::Time(v) => block(&mut out, v, 0, i64::to_le_bytes),
            Values::Float(v) => block(&mut out, v, 0.0, f64::to_le_bytes),
            Values::Bool(v) => {
                out.extend(v.iter().map(|x| x.is_some() as u8));
                out.extend(v.iter().map(|x| x.unwrap_or(false) as u8));
            }
            Values::Text(v) => {
                out.extend(v.iter().map(|x| x.is_some() as u8));
                for x in v {
                    out.extend_from_slice(&(x.as_deref().unwrap_or("").len() as u32).to_le_bytes());
                }
                for x in v.iter().flatten() {
                    out.extend_from_slice(x.as_bytes());
                }
            }
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| Error(format!("the frame ends inside {what} (byte {})", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self, what: &str) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }

    /// `rows × width` bytes, the product checked.
    fn block(&mut self, rows: usize, width: usize, what: &str) -> Result<&'a [u8], Error> {
        let n = rows
            .checked_mul(width)
            .ok_or_else(|| Error(format!("{what} is larger than memory")))?;
        self.take(n, what)
    }
}

/// A frame from the exchange format.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Frame, Error> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4, "the header")? != MAGIC {
        return Err(Error("not a Huntbook frame (no HBF1 header)".into()));
    }
    let rows = r.u64("the header")?;
    let rows = usize::try_from(rows).map_err(|_| Error(format!("{rows} rows do not fit in memory")))?;
    let count = r.u32("the header")?;
    let mut columns = Vec::new();
    for i in 0..count {
        let what = format!("column {}", i + 1);
        let len = r.u32(&what)? as usize;
        let col = String::from_utf8(r.take(len, &what)?.to_vec())
            .map_err(|_| Error(format!("the name of {what} is not UTF-8")))?;
        let kind = r.take(1, &what)?[0];
        let valid: Vec<bool> = r.block(rows, 1, &what)?.iter().map(|&b| b != 0).collect();
        let eight = |b: &[u8], i: usize| -> [u8; 8] { b[i * 8..i * 8 + 8].try_into().expect("8 bytes") };
        let values = match kind {
            0 | 4 => {
                let b = r.block(rows, 8, &what)?;
                let v = (0..rows)
                    .map(|i| valid[i].then(|| i64::from_le_bytes(eight(b, i))))
                    .collect();
                if kind == 0 { Values::Int(v) } else { Values::Time(v) }
            }
            1 => {
                let b = r.block(rows, 8, &what)?;
                Values::Float(
                    (0..rows)
                        .map(|i| valid[i].then(|| f64::from_le_bytes(eight(b, i))))
                        .collect(),
                )
            }
            2 => {
                let b = r.block(rows, 1, &what)?;
                Values::Bool((0..rows).map(|i| valid[i].then_some(b[i] != 0)).collect())
            }
            3 => {
                let lens = r.block(rows, 4, &what)?;
                let mut v = Vec::with_capacity(rows);
                for i in 0..rows {
                    let n = u32::from_le_bytes(lens[i * 4..i * 4 + 4].try_into().expect("4 bytes")) as usize;
                    if !valid[i] {
                        v.push(None);
                        continue;
                    }
                    let text = std::str::from_utf8(r.take(n, &what)?)
                        .map_err(|_| Error(format!("row {} of {what} ({col}) is not UTF-8", i + 1)))?;
                    v.push(Some(text.to_string()));
                }
                Values::Text(v)
            }
            other => return Err(Error(format!("{what} ({col}) has an unknown kind {other}"))),
        };
        columns.push(Column { name: col, values });
    }
    if r.at != bytes.len() {
        return Err(Error(format!("{} bytes follow the last column", bytes.len() - r.at)));
    }
    Ok(Frame {
        name: name.to_string(),
        columns,
        rows,
    })
}
