//! Frames as tables: HTML, plain text and Table Schema JSON
//! (`application/vnd.dataresource+json`) from one row selection.
//!
//! All three forms show the same rows, so what a reader sees does not depend on the front
//! end. Rows beyond the limit are cut with a visible "showing N of M rows" line in every
//! form; cell text is never cut in HTML (long command lines wrap), and in plain text a cell
//! wider than [`TEXT_CELL_WIDTH`] is shortened with an ellipsis that says so.

use std::fmt::Write;

use polars::prelude::*;
use serde_json::Value;

use super::cells::{cell_text, dataresource};
use super::escape::escape_html;
use crate::frame::Frame;

/// HTML cells longer than this many characters wrap; shorter ones stay on one line.
const LONG_CELL: usize = 60;

/// Inline style of a long cell: left, wrapping at word breaks.
const LONG_STYLE: &str =
    "text-align:left;vertical-align:top;white-space:pre-wrap;word-break:break-word;min-width:30ch;max-width:60ch";

/// HTML cells longer than this many characters, or of more than [`FOLD_LINES`] lines, are
/// folded to their start.
const FOLD_CHARS: usize = 240;
const FOLD_LINES: usize = 3;

fn is_folded(text: &str) -> bool {
    text.lines().count() > FOLD_LINES || text.chars().count() > FOLD_CHARS
}

/// What a folded cell shows: its first line, cut at 100 characters.
fn folded_start(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(100).collect()
}

/// The widest a plain-text cell gets before it is shortened with "…".
pub const TEXT_CELL_WIDTH: usize = 48;

#[derive(Debug, Clone)]
pub struct TableOptions {
    /// How many rows to show at most.
    pub max_rows: usize,
    /// The session name of the frame, shown in the caption.
    pub name: Option<String>,
    /// What to type to see more rows; shown when rows are cut.
    pub more_hint: Option<String>,
    /// How many columns to show at most (see [`super::view`]).
    pub max_columns: usize,
    /// What to type to choose other columns; shown when columns are left out.
    pub columns_hint: Option<String>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            max_rows: 20,
            name: None,
            more_hint: None,
            max_columns: super::view::MAX_COLUMNS,
            columns_hint: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TableRender {
    pub html: String,
    pub text: String,
    pub dataresource: Value,
}

const STYLE: &str = "<style>\
.hb-frame{font-family:var(--jp-code-font-family,monospace);font-size:12px}\
.hb-frame .hb-caption{margin:2px 0 4px 0;color:var(--jp-ui-font-color1,#333)}\
.hb-frame .hb-scroll{overflow-x:auto;max-width:100%}\
.hb-frame table{border-collapse:collapse}\
.hb-frame th,.hb-frame td{border:1px solid rgba(128,128,128,.3);padding:2px 6px;text-align:left;vertical-align:top}\
.hb-frame td{white-space:pre}\
.hb-frame td.hb-long{white-space:pre-wrap;word-break:break-word;min-width:30ch;max-width:60ch}\
.hb-frame thead th{position:sticky;top:0;background:var(--jp-layout-color1,#fff)}\
.hb-frame .hb-dtype{font-weight:normal;opacity:.6;font-size:10px}\
.hb-frame .hb-null{opacity:.45;font-style:italic}\
.hb-frame .hb-idx{opacity:.6}\
.hb-frame .hb-more{margin-top:4px;font-style:italic}\
</style>";

pub fn render_table(frame: &Frame, options: &TableOptions) -> TableRender {
    let df = &frame.data;
    let shown = df.height().min(options.max_rows);
    // HTML and text show the chosen columns; the Table Schema form keeps them all.
    let (columns, left_out) = super::view::choose(df, options.max_columns);
    let view = View {
        df: DataFrame::new(df.height(), columns.iter().map(|&i| df.columns()[i].clone()).collect())
            .unwrap_or_else(|_| df.clone()),
        left_out: super::view::left_out_line(&left_out, columns.len()).map(|line| match &options.columns_hint {
            Some(hint) => format!("{line} — {hint}"),
            None => line,
        }),
    };
    let cells = collect_cells(&view.df, shown);
    TableRender {
        html: html(frame, &view, options, shown, &cells),
        text: text(frame, &view, options, shown, &cells),
        dataresource: dataresource(df, shown),
    }
}

/// The columns a table shows, and the line naming those it leaves out.
struct View {
    df: DataFrame,
    left_out: Option<String>,
}

/// The text of each shown cell, column by column; `None` is a null.
fn collect_cells(df: &DataFrame, rows: usize) -> Vec<Vec<Option<String>>> {
    df.columns()
        .iter()
        .map(|col| (0..rows).map(|i| col.get(i).ok().and_then(|v| cell_text(&v))).collect())
        .collect()
}

fn shape_line(frame: &Frame) -> String {
    format!(
        "{} rows × {} columns",
        thousands(frame.height()),
        thousands(frame.width())
    )
}

fn more_line(frame: &Frame, options: &TableOptions, shown: usize) -> Option<String> {
    if shown >= frame.height() {
        return None;
    }
    let mut line = format!("showing {} of {} rows", thousands(shown), thousands(frame.height()));
    if let Some(hint) = &options.more_hint {
        let _ = write!(line, " — {hint}");
    }
    Some(line)
}

fn html(frame: &Frame, view: &View, options: &TableOptions, shown: usize, cells: &[Vec<Option<String>>]) -> String {
    let df = &view.df;
    let mut out = String::with_capacity(1024 + shown * df.width() * 24);
    out.push_str("<div class=\"hb-frame\">");
    out.push_str(STYLE);
    out.push_str("<div class=\"hb-caption\">");
    if let Some(name) = &options.name {
        let _ = write!(out, "<b>{}</b> · ", escape_html(name));
    }
    out.push_str(&shape_line(frame));
    if !frame.provenance.source.is_empty() {
        let _ = write!(out, " · from <code>{}</code>", escape_html(&frame.provenance.source));
    }
    if let Some(window) = &frame.provenance.window {
        let _ = write!(out, " · window <code>{}</code>", escape_html(window));
    }
    if let Some(service) = &frame.provenance.service {
        let _ = write!(out, " · <small>{}</small>", escape_html(service));
    }
    out.push_str("</div>");
    out.push_str("<div class=\"hb-scroll\"><table><thead><tr><th></th>");
    // Styles that matter are inline: an untrusted notebook loses the <style> element, and
    // JupyterLab's own right-aligns every cell.
    let aligns: Vec<&str> = df
        .columns()
        .iter()
        .map(|c| {
            if c.dtype().is_primitive_numeric() {
                "right"
            } else {
                "left"
            }
        })
        .collect();
    for (col, align) in df.columns().iter().zip(&aligns) {
        let _ = write!(
            out,
            "<th style=\"text-align:{align}\">{}<br><span class=\"hb-dtype\">{}</span></th>",
            escape_html(col.name()),
            escape_html(&col.dtype().to_string())
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in 0..shown {
        let _ = write!(out, "<tr><th class=\"hb-idx\">{row}</th>");
        for (col, align) in cells.iter().zip(&aligns) {
            match &col[row] {
                // A very long value (an event's Message, a script) is folded to its start:
                // the row stays one line tall and the whole value is a click away.
                Some(text) if is_folded(text) => {
                    let _ = write!(
                        out,
                        "<td class=\"hb-long\" style=\"{LONG_STYLE}\"><details><summary>{}…</summary>{}</details></td>",
                        escape_html(&folded_start(text)),
                        escape_html(text)
                    );
                }
                // Short values never wrap, so GUIDs and timestamps stay on one line; long
                // ones (command lines, paths) wrap within a readable width.
                Some(text) if text.chars().count() > LONG_CELL => {
                    let _ = write!(
                        out,
                        "<td class=\"hb-long\" style=\"{LONG_STYLE}\">{}</td>",
                        escape_html(text)
                    );
                }
                Some(text) => {
                    let _ = write!(
                        out,
                        "<td style=\"text-align:{align};white-space:pre\">{}</td>",
                        escape_html(text)
                    );
                }
                None => out.push_str("<td class=\"hb-null\" style=\"text-align:left\">null</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    for more in more_line(frame, options, shown).iter().chain(&view.left_out) {
        let _ = write!(out, "<div class=\"hb-more\">{}</div>", escape_html(more));
    }
    out.push_str("</div>");
    out
}

fn text(frame: &Frame, view: &View, options: &TableOptions, shown: usize, cells: &[Vec<Option<String>>]) -> String {
    let df = &view.df;
    let mut out = String::new();
    if let Some(name) = &options.name {
        let _ = write!(out, "{name}: ");
    }
    let _ = writeln!(out, "{}", shape_line(frame));
    // Query results say where and when they came from, in text as in HTML.
    if let Some(window) = &frame.provenance.window {
        let _ = writeln!(out, "from {} · window {window}", frame.provenance.source);
    }
    if let Some(service) = &frame.provenance.service {
        let _ = writeln!(out, "{service}");
    }
    let mut shortened = false;
    let columns: Vec<Vec<String>> = df
        .columns()
        .iter()
        .zip(cells)
        .map(|(col, values)| {
            let mut lines = vec![col.name().to_string(), col.dtype().to_string()];
            for value in values {
                let text = value.as_deref().unwrap_or("null").replace(['\n', '\r', '\t'], " ");
                let (text, cut) = shorten(&text, TEXT_CELL_WIDTH);
                shortened |= cut;
                lines.push(text);
            }
            lines
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| c.iter().map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let index_width = shown.saturating_sub(1).to_string().len();
    for line in 0..shown + 2 {
        let index = if line < 2 {
            String::new()
        } else {
            (line - 2).to_string()
        };
        let _ = write!(out, "{index:>index_width$}");
        for (col, width) in columns.iter().zip(&widths) {
            let _ = write!(out, "  {:<width$}", col[line], width = *width);
        }
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
    for more in more_line(frame, options, shown).iter().chain(&view.left_out) {
        let _ = writeln!(out, "{more}");
    }
    if shortened {
        let _ = writeln!(
            out,
            "(cells wider than {TEXT_CELL_WIDTH} characters are shortened with … in plain text; the HTML view shows them whole)"
        );
    }
    out.truncate(out.trim_end().len());
    out
}

/// `text` cut to `width` characters with "…", and whether it was cut.
pub(crate) fn shorten(text: &str, width: usize) -> (String, bool) {
    if text.chars().count() <= width {
        return (text.to_string(), false);
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    (s, true)
}

/// 1234567 → "1,234,567": row counts are read at a glance.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame() -> Frame {
        let df = df! {
            "Host" => ["web01", "<script>alert(1)</script>", "db02"],
            "Count" => [Some(3i64), None, Some(1_000_000)],
        }
        .unwrap();
        Frame::new(df, "test")
    }

    #[test]
    fn cut_rows_are_announced_in_every_form() {
        let options = TableOptions {
            max_rows: 2,
            more_hint: Some("%show t --rows 3".into()),
            ..TableOptions::default()
        };
        let r = render_table(&frame(), &options);
        assert!(r.html.contains("showing 2 of 3 rows — %show t --rows 3"));
        assert!(r.text.contains("showing 2 of 3 rows"));
        assert_eq!(r.dataresource["data"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn data_is_escaped_and_nulls_are_marked() {
        let r = render_table(&frame(), &TableOptions::default());
        assert!(!r.html.contains("<script>alert"));
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            r.html
                .contains("<td class=\"hb-null\" style=\"text-align:left\">null</td>")
        );
        // Alignment is inline (it must survive an untrusted notebook): text left, numbers right.
        assert!(
            r.html
                .contains("<td style=\"text-align:left;white-space:pre\">web01</td>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<td style=\"text-align:right;white-space:pre\">3</td>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("showing"));
        assert_eq!(r.dataresource["data"][1]["Count"], Value::Null);
        assert_eq!(r.dataresource["data"][2]["Count"], json!(1_000_000));
        assert_eq!(r.dataresource["schema"]["fields"][1]["type"], "integer");
    }

    /// An event's Message (a dozen lines) folds to its first line; the row stays short and
    /// the whole value is in the fold.
    #[test]
    fn very_long_cells_fold_to_their_first_line() {
        let message = "Process Create:\nRuleName: -\nUtcTime: 2020-10-18\nImage: C:\\Windows\\System32\\rundll32.exe\nCommandLine: x";
        let df = df!("Message" => [message], "Short" => ["ok"]).unwrap();
        let r = render_table(&Frame::new(df, "test"), &TableOptions::default());
        assert!(
            r.html
                .contains("<details><summary>Process Create:…</summary>Process Create:\nRuleName: -"),
            "{}",
            r.html
        );
        assert!(r.html.contains("CommandLine: x</details>"), "{}", r.html);
        assert!(r.html.contains(">ok</td>"), "{}", r.html);
    }

    #[test]
    fn plain_text_is_aligned_with_dtypes() {
        let r = render_table(&frame(), &TableOptions::default());
        let lines: Vec<&str> = r.text.lines().collect();
        assert_eq!(lines[0], "3 rows × 2 columns");
        assert_eq!(lines[1], "   Host                       Count");
        assert_eq!(lines[2], "   str                        i64");
        assert_eq!(lines[3], "0  web01                      3");
        assert_eq!(lines[4], "1  <script>alert(1)</script>  null");
    }

    /// A crafted file can hold any 64-bit time: polars' formatting panicked on values past
    /// chrono's calendar; they are shown as their number, in every form.
    #[test]
    fn datetimes_outside_the_calendar_are_shown_as_numbers() {
        let times = Int64Chunked::from_iter([Some(i64::MAX), Some(0), Some(i64::MIN)])
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series();
        let days = Int32Chunked::from_iter([Some(i32::MAX), Some(0), Some(i32::MIN)])
            .into_date()
            .into_series();
        let df = DataFrame::new_infer_height(vec![
            times.into_column().with_name("T".into()),
            days.into_column().with_name("D".into()),
        ])
        .unwrap();
        let r = render_table(&Frame::new(df, "test"), &TableOptions::default());
        assert!(
            r.html
                .contains("9223372036854775807 microseconds since 1970 (outside the calendar)"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("-9223372036854775808 microseconds since 1970"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("2147483647 days since 1970 (outside the calendar)"),
            "{}",
            r.html
        );
        assert!(
            r.text.contains("1970-01-01 00:00:00") && r.text.contains("since 1970"),
            "{}",
            r.text
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
