//! `%ptree` through the interpreter: trees of real 4688 events and the selections. (Data
//! values that try to inject markup: tests/charts.rs.)

use crate::common::{PROCS, fails, loaded, ok};

fn html(outcome: &huntbook_magics::CellOutcome) -> String {
    outcome.result.as_ref().unwrap().data["text/html"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn draws_the_trees_and_keeps_the_frame() {
    let mut interp = loaded(&[PROCS]);
    let outcome = ok(&mut interp, "%ptree procs --max-nodes 1000");
    let bundle = outcome.result.as_ref().unwrap();
    let text = bundle.data["text/plain"].as_str().unwrap();
    assert!(
        text.starts_with("369 processes drawn of 369 (6 roots"),
        "{}",
        &text[..200]
    );
    let page = html(&outcome);
    // Folding needs no script: native <details>, balanced.
    assert!(!page.contains("<script"), "{:?}", page);
    assert_eq!(page.matches("<details").count(), page.matches("</details>").count());
    assert!(page.matches("<details").count() >= 84, "every branch folds");
    assert!(
        page.contains("table of the 369 processes drawn"),
        "an aligned table too"
    );
    let svg = bundle.data["image/svg+xml"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{:?}", svg);
    let tree = interp.session().get("_").unwrap();
    assert_eq!(tree.height(), 369);
    for column in [
        "proc_key",
        "parent_key",
        "IsRoot",
        "IsLeaf",
        "IsBranch",
        "Inferred",
        "Depth",
        "path",
    ] {
        assert!(tree.column_names().iter().any(|c| c == column), "{column}");
    }
}

#[test]
fn summary_matches_msticpy() {
    let mut interp = loaded(&[PROCS]);
    ok(&mut interp, "s = %ptree procs --summary");
    let s = interp.session().get("s").unwrap();
    let value = |name: &str| {
        let names = s.data.column("Measure").unwrap().str().unwrap();
        let at = names.iter().position(|n| n == Some(name)).unwrap();
        s.data.column("Value").unwrap().u64().unwrap().get(at).unwrap()
    };
    // msticpy 3.0.2 on the same file (tests/expected/ptree_msticpy.json).
    assert_eq!(value("Processes"), 369);
    assert_eq!(value("RootProcesses"), 6);
    assert_eq!(value("LargestTreeDepth"), 5);
}

#[test]
fn selections_answer_what_started_what() {
    let mut interp = loaded(&[PROCS]);
    ok(&mut interp, "t = %ptree procs");
    let t = interp.session().get("t").unwrap();
    // A process with children, by its key.
    let keys = t.data.column("proc_key").unwrap().str().unwrap();
    let branch = t.data.column("IsBranch").unwrap().bool().unwrap();
    let at = (0..t.height()).find(|&i| branch.get(i) == Some(true)).unwrap();
    let key = keys.get(at).unwrap().to_string();
    ok(&mut interp, &format!("d = %ptree procs --descendants-of '{key}'"));
    ok(&mut interp, &format!("c = %ptree procs --children-of '{key}'"));
    ok(&mut interp, &format!("a = %ptree procs --ancestors-of '{key}'"));
    let (d, c, a) = (
        interp.session().get("d").unwrap().height(),
        interp.session().get("c").unwrap().height(),
        interp.session().get("a").unwrap().height(),
    );
    assert!(
        c >= 1 && d > c,
        "descendants {d} include the {c} children and the process itself"
    );
    assert!(a >= 2, "a branch has a parent");
    ok(&mut interp, "r = %ptree procs --roots");
    assert_eq!(interp.session().get("r").unwrap().height(), 6);
    ok(
        &mut interp,
        &format!("one = %ptree procs --descendants-of '{key}' --depth 1"),
    );
    assert_eq!(interp.session().get("one").unwrap().height(), c + 1);
    let err = fails(&mut interp, "%ptree procs --children-of 0xdeadbeef", "not-found");
    assert!(err.contains("0xdeadbeef"), "{err}");
    let err = fails(&mut interp, "%ptree procs --color-by SubjectUserNme", "no-column");
    assert!(err.contains("SubjectUserName"), "suggests the column: {err}");
}

/// `--max-nodes` cuts the drawing, and the heading says so: it read "369 processes shown
/// of 369" while 40 were drawn, and the 40 were the first in file order (agent noise)
/// while the attack branch was left out.
#[test]
fn the_heading_says_how_many_are_drawn_and_the_rare_branch_is_among_them() {
    let mut interp = loaded(&[PROCS]);
    let outcome = ok(&mut interp, "%ptree procs --max-nodes 40");
    let text = outcome.result.as_ref().unwrap().data["text/plain"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.starts_with(
            "40 processes drawn of the 369 selected: the branches of the rarest processes (--max-nodes 40; all are in the result frame), 369 in all"
        ),
        "{}",
        &text[..300]
    );
    // The attack simulation's branch: the batch file's cmd.exe and what it started.
    for process in [
        "cmd.exe [0xbc8]",
        "mimikatz.exe [0x1440]",
        "vssadmin.exe [0x1550]",
        "ransomware.exe [0x1404]",
    ] {
        assert!(text.contains(process), "{process} not drawn:\n{text}");
    }
    assert_eq!(text.lines().filter(|l| l.contains(" [0x")).count(), 40, "{text}");
    // Without --max-nodes, a readable drawing: 100 processes, not 369.
    let outcome = ok(&mut interp, "tree = %ptree procs");
    assert_eq!(
        interp.session().get("tree").unwrap().height(),
        369,
        "the frame holds all"
    );
    drop(outcome);
}
