//! Input an attacker could write — into a cell, a log file, an inspected word — reaching
//! completion, inspection and display: nothing panics, nothing is obeyed.

use huntbook_magics::Interpreter;
use huntbook_magics::io::Event;

use crate::common::{PROCS, loaded, ok_text, run, written};

/// Completion, inspection and is_complete never panic, whatever characters surround the
/// cursor: multi-byte delimiters (NBSP, em dash, an emoji, a combining mark) at every
/// cursor position of cells that name magics, frames and columns.
#[test]
fn completion_and_inspection_take_any_character_at_any_cursor() {
    let mut interp = loaded(&[PROCS]);
    ok_text(&mut interp, "x = %ioc procs.CommandLine");
    let cells = [
        "%show\u{a0}x",
        "%show\u{2014}procs",
        "%ioc procs.\u{1F600}CommandLine",
        "y = %load\u{a0}--format\u{a0}c",
        "%%sql\nSELECT * FROM procs\u{a0}WHERE\u{2014}x",
        "\u{a0}%ti\u{a0}procs.CommandLine --providers \u{e9}\u{301}",
        "%ptree procs --color-by Sub\u{a0}",
        "\u{1F600}",
        "%",
        "%%",
    ];
    for cell in cells {
        for cursor in 0..=cell.len() {
            let _ = interp.complete(cell, cursor);
            let _ = interp.inspect(cell, cursor);
        }
        let _ = interp.is_complete(cell);
    }
    // And the answers are still right where they should be.
    let found = interp
        .inspect("%show\u{a0}procs", "%show\u{a0}procs".len())
        .expect("procs is a frame");
    assert!(found.plain().starts_with("procs: "), "{}", found.plain());
}

/// Data carrying terminal escape sequences (an OSC 52 clipboard write) or a bidi override
/// (`invoice\u{202e}fdp.exe` reads as `invoiceexe.pdf`) is shown escaped, in text and HTML,
/// never obeyed by a terminal or a browser.
#[test]
fn escape_sequences_and_bidi_overrides_in_data_are_shown_escaped() {
    let (_dir, csv) = written(
        "hostile.csv",
        "Name,CommandLine\ninvoice\u{202e}fdp.exe,\"echo \u{1b}]52;c;SGVsbG8=\u{7}\"\n",
    );
    let mut interp = Interpreter::default();
    let (outcome, io) = run(&mut interp, &format!("x = %load {csv}\n%show x"));
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = outcome.result.expect("a table");
    let plain = shown.plain();
    let html = shown.data["text/html"].as_str().unwrap();
    for text in [plain, html] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.contains("\\u{202e}") && text.contains("\\u{1b}]52"), "{text:?}");
    }
    for event in &io.events {
        if let Event::Stream(_, text) = event {
            assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "{text:?}");
        }
    }
}

/// An error quoting data (here a file name carrying an OSC 52 sequence) shows it escaped
/// in its message and hint: only the traceback's own colour codes stay escape sequences.
/// (The lines quoting the cell itself show what the analyst typed, as typed.)
#[test]
fn errors_quoting_data_show_its_control_characters() {
    let (_dir, name) = written("x\u{1b}]52;c;SGVsbG8=\u{7}.unknown", "a");
    let mut interp = Interpreter::default();
    let (outcome, _) = run(&mut interp, &format!("%load '{name}'"));
    let e = outcome.error.expect("an unknown format is an error");
    assert!(
        !e.evalue.contains('\u{1b}') && e.evalue.contains("\\u{1b}]52"),
        "{:?}",
        e.evalue
    );
    let quoted_cell = |line: &str| {
        line.split_once(" | ")
            .is_some_and(|(n, _)| n.trim().parse::<usize>().is_ok())
    };
    for line in e.traceback.iter().filter(|l| !quoted_cell(l)) {
        let without_colours = line.replace("\u{1b}[1;31m", "").replace("\u{1b}[0m", "");
        assert!(
            !without_colours.contains('\u{7}') && !without_colours.contains("\u{1b}]"),
            "{line:?}"
        );
    }
}
