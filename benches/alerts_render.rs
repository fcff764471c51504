//! `%alerts` on 10,000 alerts (issue 22): msticpy's 189 sample Sentinel alerts replicated
//! (each copy its own SystemAlertId), read with their entities, then the cards, the
//! entities frame and the graph made — time for each and the size of what is produced.
//! Prints figures; asserts nothing.
//!
//! cargo bench --bench alerts_render -- [ALERTS]   (default 10000)

use std::time::Instant;

use polars::prelude::*;

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/msticpy/alerts/sentinel_alertlist.csv");
    let sample = huntbook::load::read_file(&path, None).expect("the sample alerts").value;
    let copies = n.div_ceil(sample.height());
    let mut frames = Vec::with_capacity(copies);
    for c in 0..copies {
        let mut df = sample.clone();
        let ids: StringChunked = df
            .column("SystemAlertId")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(|v| format!("{v}-{c}")))
            .collect();
        df.replace("SystemAlertId", ids.into_series().into_column()).unwrap();
        frames.push(df.lazy());
    }
    let df = concat(frames, UnionArgs::default())
        .unwrap()
        .limit(n as u32)
        .collect()
        .unwrap();
    println!("{} alerts ({} sample alerts replicated)", df.height(), sample.height());

    let started = Instant::now();
    let read = huntbook::alerts::read_alerts(&df).unwrap();
    let t_read = started.elapsed().as_secs_f64();
    let entities: usize = read.value.iter().map(|a| a.entities.entities.len()).sum();
    println!("read with their entities: {t_read:.3} s ({entities} entities)");

    let started = Instant::now();
    let (html, text) = huntbook::alerts::cards::cards(&read.value, read.value.len());
    println!(
        "cards for all of them: {:.3} s, {:.1} MB of HTML, {:.1} MB of text",
        started.elapsed().as_secs_f64(),
        html.len() as f64 / 1_048_576.0,
        text.len() as f64 / 1_048_576.0
    );
    let started = Instant::now();
    let (html, _) = huntbook::alerts::cards::cards(&read.value, 20);
    println!(
        "cards, the 20 shown by default: {:.3} s, {:.1} KB of HTML",
        started.elapsed().as_secs_f64(),
        html.len() as f64 / 1024.0
    );
    let started = Instant::now();
    let frame = huntbook::alerts::entity_frame(&read.value).unwrap();
    println!(
        "entities frame: {:.3} s, {} rows",
        started.elapsed().as_secs_f64(),
        frame.height()
    );
    let started = Instant::now();
    let (svg, folded) = huntbook::alerts::graph::svg(&read.value);
    println!(
        "graph: {:.3} s, {:.1} KB of SVG ({})",
        started.elapsed().as_secs_f64(),
        svg.len() as f64 / 1024.0,
        folded.join("; ")
    );
}
