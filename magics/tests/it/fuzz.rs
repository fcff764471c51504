//! A fuzz run of the cell language (see `huntbook::fuzz`): splitting a cell into
//! statements, parsing each magic's arguments against its signature, and completion,
//! inspection and is-complete at every kind of cursor. Ignored in the normal suite; run
//! with `HUNTBOOK_FUZZ_SECS=600 cargo nextest run --workspace --run-ignored only -E 'test(/fuzz_/)'`.

use huntbook::fuzz;
use huntbook_magics::Interpreter;
use huntbook_magics::args::Args;
use huntbook_magics::parse::{Statement, split_cell};

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_cell_parser() {
    let interp = Interpreter::default();
    // Every example of every magic is a seed.
    let seeds: Vec<Vec<u8>> = interp
        .registry()
        .signatures()
        .flat_map(|s| s.examples.iter().map(|e| e.code.as_bytes().to_vec()))
        .collect();
    let tokens: &[&[u8]] = &[
        b"%",
        b"%%",
        b" = ",
        b"\"",
        b"'",
        b"\\",
        b"--",
        b"-",
        b".",
        b",",
        b"\n",
        "\u{a0}".as_bytes(),
        "\u{2014}".as_bytes(),
        "\u{1f600}".as_bytes(),
        "\u{202e}".as_bytes(),
        b"\x1b]52;c;",
        b"{",
        b"}",
        b"|first",
        b"?",
    ];
    let report = fuzz::run(&seeds, tokens, fuzz::duration(), |bytes| {
        let code = String::from_utf8_lossy(bytes);
        if let Ok(statements) = split_cell(&code) {
            for s in statements {
                if let Statement::Magic(call) = s
                    && let Some(magic) = interp.registry().get(&call.name.text)
                {
                    let _ = Args::parse(magic.signature(), &call);
                }
            }
        }
        let len = code.len();
        for cursor in [0, len / 3, len / 2, len.saturating_sub(1), len, len + 3] {
            let _ = interp.complete(&code, cursor);
            let _ = interp.inspect(&code, cursor);
        }
        let _ = interp.is_complete(&code);
    });
    match report {
        Ok(r) => println!("{}", r.line("cell parser")),
        Err(f) => panic!(
            "fuzz cell parser: {}; input: {:?}",
            f.what,
            String::from_utf8_lossy(&f.input)
        ),
    }
}
