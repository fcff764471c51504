//! An offline world map with points: country outlines (Natural Earth, public domain; see
//! `assets/README.md`) in an equirectangular projection, and one circle per located row
//! with its details in a tooltip. Plain SVG, no tiles, no script.

use std::fmt::Write as _;

use polars::prelude::*;

use crate::error::Result;
use crate::frame::no_column;
use crate::render::escape_html as esc;

static WORLD: &str = include_str!("assets/world_110m.txt");

/// Draws the rows of `df` that have `Latitude` and `Longitude`. The notes say what could
/// not be drawn.
pub fn render(df: &DataFrame) -> Result<(String, Vec<String>)> {
    let number = |name: &str| -> Result<Vec<Option<f64>>> {
        let c = df.column(name).map_err(|_| no_column(df, name))?;
        let c = c.cast(&DataType::Float64)?;
        Ok(c.f64()?.iter().collect())
    };
    let lat = number("Latitude")?;
    let lon = number("Longitude")?;
    let label_columns: Vec<&str> = ["IpAddress", "City", "CountryName", "ASOrganization"]
        .into_iter()
        .filter(|c| df.column(c).is_ok_and(|c| c.dtype() == &DataType::String))
        .collect();
    let labels: Vec<Vec<Option<String>>> = label_columns
        .iter()
        .map(|c| {
            df.column(c)
                .ok()
                .and_then(|c| c.str().ok().map(|s| s.iter().map(|v| v.map(str::to_string)).collect()))
                .unwrap_or_default()
        })
        .collect();
    let mut svg = String::with_capacity(WORLD.len() + 200 + df.height() * 120);
    svg.push_str(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 360 180\" width=\"720\" height=\"360\" role=\"img\" \
         aria-label=\"located addresses on a world map\"><rect width=\"360\" height=\"180\" fill=\"#eef4f8\"/>\
         <path fill=\"#d9d9d9\" stroke=\"#ffffff\" stroke-width=\"0.2\" fill-rule=\"evenodd\" d=\"",
    );
    for line in WORLD.lines() {
        svg.push_str(line);
    }
    svg.push_str("\"/>");
    let mut drawn = 0;
    let mut unlocated = 0;
    // Many rows at one place (one city) are drawn once, with their count:
    // (rounded position, longitude, latitude, labels).
    type Place = ((i64, i64), f64, f64, Vec<String>);
    let mut places: Vec<Place> = Vec::new();
    for i in 0..df.height() {
        let (Some(la), Some(lo)) = (lat[i], lon[i]) else {
            unlocated += 1;
            continue;
        };
        if !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo) {
            unlocated += 1;
            continue;
        }
        let label = labels
            .iter()
            .filter_map(|l| l.get(i).cloned().flatten())
            .collect::<Vec<_>>()
            .join(" · ");
        let key = ((lo * 100.0).round() as i64, (la * 100.0).round() as i64);
        match places.iter_mut().find(|p| p.0 == key) {
            Some(p) => p.3.push(label),
            None => places.push((key, lo, la, vec![label])),
        }
        drawn += 1;
    }
    for (_, lo, la, items) in &places {
        let r = 1.2 + (items.len() as f64).ln().max(0.0) * 0.6;
        let mut uniq = items.clone();
        uniq.sort();
        uniq.dedup();
        let shown: Vec<&str> = uniq.iter().take(10).map(String::as_str).collect();
        let more = if uniq.len() > 10 {
            format!("\n… and {} more", uniq.len() - 10)
        } else {
            String::new()
        };
        let _ = write!(
            svg,
            "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"{r:.2}\" fill=\"#c0392b\" fill-opacity=\"0.75\" stroke=\"#7b1e14\" stroke-width=\"0.2\"><title>{} row{} at {la:.4}, {lo:.4}\n{}{}</title></circle>",
            lo + 180.0,
            90.0 - la,
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            esc(&shown.join("\n")),
            esc(&more),
        );
    }
    svg.push_str("</svg>");
    let mut notes = vec![format!(
        "{drawn} located row{} drawn at {} place{}",
        if drawn == 1 { "" } else { "s" },
        places.len(),
        if places.len() == 1 { "" } else { "s" }
    )];
    if unlocated > 0 {
        notes.push(format!(
            "{unlocated} row{} without coordinates (private, unknown or invalid addresses) not drawn",
            if unlocated == 1 { "" } else { "s" }
        ));
    }
    Ok((svg, notes))
}
