//! Embeds the query library (`queries/`) in the binary, so it works wherever the kernel
//! runs: every `.yaml` file, as `(path, text)` pairs, the Sentinel hunting queries apart.

use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let queries = root.join("queries");
    println!("cargo:rerun-if-changed=queries");
    let mut files = Vec::new();
    yaml_files(&queries, &mut files);
    files.sort();
    let mut library = String::from("pub const BUILTIN_LIBRARY: &[(&str, &str)] = &[\n");
    let mut hunts = String::from("pub const BUILTIN_HUNTS: &[(&str, &str)] = &[\n");
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under the root");
        let name = relative.to_string_lossy().replace('\\', "/");
        // Relative to the crate being compiled, not this script's checkout: one target
        // folder may serve several checkouts (CI's fresh clones), whose paths differ.
        let line = format!("    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{name}\"))),\n");
        if name.starts_with("queries/sentinel-hunting/") {
            hunts.push_str(&line);
        } else {
            library.push_str(&line);
        }
    }
    library.push_str("];\n");
    hunts.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin_queries.rs");
    std::fs::write(out, library + &hunts).expect("OUT_DIR is writable");
}
