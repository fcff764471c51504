//! DBSCAN as scikit-learn's `DBSCAN(eps, min_samples)` labels points, on rows of features
//! (L2-normalised first when asked, as msticpy's `dbcluster_events` does with
//! scikit-learn's `Normalizer`).
//!
//! Event features repeat: a million process events hold a few thousand distinct
//! (tokens, path score, system session) triples. Neighbour lists over the rows grow with
//! the square of a repeated value's count (scikit-learn's 10 GB at 300k rows); here the
//! distinct points are clustered once, each weighted by how often it occurs, which gives
//! the same labels: identical points are neighbours of each other, so a point's neighbour
//! count is the sum of its distinct neighbours' weights, and every copy of a point ends in
//! the same cluster (or is noise). Neighbours are found in a grid of cells `eps` wide over
//! the first three dimensions and checked at full dimension.

use std::collections::HashMap;

/// The label of a point in no cluster.
pub const NOISE: i64 = -1;

/// The rows' labels: clusters numbered 0, 1, … in the order of their first core row (as
/// scikit-learn numbers them), `NOISE` for the rest. `rows` is row-major, `dims` values a
/// row; a border point reachable from two clusters joins the one numbered first.
pub fn dbscan(rows: &[f64], dims: usize, eps: f64, min_samples: usize) -> Vec<i64> {
    assert!(dims > 0 && rows.len().is_multiple_of(dims), "rows of {dims} values");
    let distinct = Distinct::of(rows, dims);
    let grid = Grid::new(&distinct.points, dims, eps);
    let weight_near = |p: usize| -> usize {
        let mut total = 0;
        grid.each_near(&distinct.points, p, |q| total += distinct.weights[q]);
        total
    };
    let core: Vec<bool> = (0..distinct.weights.len())
        .map(|p| weight_near(p) >= min_samples)
        .collect();
    let mut labels = vec![NOISE; distinct.weights.len()];
    let mut next = 0;
    let mut stack = Vec::new();
    // Distinct points are in the order of their first row, so the first core point met
    // here is the first core row: the clusters are numbered as scikit-learn numbers them.
    for start in 0..labels.len() {
        if labels[start] != NOISE || !core[start] {
            continue;
        }
        stack.push(start);
        while let Some(p) = stack.pop() {
            if labels[p] != NOISE {
                continue;
            }
            labels[p] = next;
            if core[p] {
                grid.each_near(&distinct.points, p, |q| {
                    if labels[q] == NOISE {
                        stack.push(q);
                    }
                });
            }
        }
        next += 1;
    }
    distinct.of_row.iter().map(|&p| labels[p as usize]).collect()
}

/// Rows scaled to unit length (scikit-learn's `Normalizer(norm="l2")`); a row of zeros
/// stays zeros.
pub fn l2_normalise(rows: &mut [f64], dims: usize) {
    for row in rows.chunks_mut(dims) {
        let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// The distinct points, in the order of their first row, with their counts.
struct Distinct {
    /// Row-major, `dims` a point.
    points: Vec<f64>,
    weights: Vec<usize>,
    /// For each row, its point.
    of_row: Vec<u32>,
}

impl Distinct {
    fn of(rows: &[f64], dims: usize) -> Distinct {
        let mut index: HashMap<Vec<u64>, u32> = HashMap::new();
        let mut points = Vec::new();
        let mut weights = Vec::new();
        let mut of_row = Vec::with_capacity(rows.len() / dims);
        for row in rows.chunks(dims) {
            // -0.0 and 0.0 are the same point.
            let key: Vec<u64> = row.iter().map(|x| (x + 0.0).to_bits()).collect();
            let id = *index.entry(key).or_insert_with(|| {
                points.extend_from_slice(row);
                weights.push(0);
                (weights.len() - 1) as u32
            });
            weights[id as usize] += 1;
            of_row.push(id);
        }
        Distinct {
            points,
            weights,
            of_row,
        }
    }
}

/// Points by cell: a cell is `eps` wide in each of the first (up to) three dimensions, so
/// every point within `eps` of a point is in its cell or a neighbouring one.
struct Grid {
    dims: usize,
    eps: f64,
    cells: HashMap<[i64; 3], Vec<u32>>,
}

impl Grid {
    fn new(points: &[f64], dims: usize, eps: f64) -> Grid {
        let mut grid = Grid {
            dims,
            eps,
            cells: HashMap::new(),
        };
        for (i, point) in points.chunks(dims).enumerate() {
            grid.cells.entry(grid.cell(point)).or_default().push(i as u32);
        }
        grid
    }

    fn cell(&self, point: &[f64]) -> [i64; 3] {
        let mut cell = [0i64; 3];
        for (c, x) in cell.iter_mut().zip(point) {
            *c = (x / self.eps).floor() as i64;
        }
        cell
    }

    /// Calls `f` with every point within `eps` of point `p` (itself included), as
    /// scikit-learn's `radius_neighbors` finds them (distance ≤ eps).
    fn each_near(&self, points: &[f64], p: usize, mut f: impl FnMut(usize)) {
        let point = &points[p * self.dims..(p + 1) * self.dims];
        let centre = self.cell(point);
        let spread = |d: usize| if d < self.dims.min(3) { -1..=1 } else { 0..=0 };
        let limit = self.eps * self.eps;
        for a in spread(0) {
            for b in spread(1) {
                for c in spread(2) {
                    let key = [centre[0] + a, centre[1] + b, centre[2] + c];
                    let Some(members) = self.cells.get(&key) else { continue };
                    for &q in members {
                        let other = &points[q as usize * self.dims..(q as usize + 1) * self.dims];
                        let d2: f64 = point.iter().zip(other).map(|(x, y)| (x - y) * (x - y)).sum();
                        if d2 <= limit {
                            f(q as usize);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_groups_and_a_stray_point() {
        // 1-D: {0, 0.1, 0.2} and {5, 5.1} with eps 0.15; 9 is alone.
        let rows = [5.0, 0.0, 0.1, 9.0, 0.2, 5.1];
        assert_eq!(dbscan(&rows, 1, 0.15, 2), vec![0, 1, 1, NOISE, 1, 0]);
        // min_samples 3: 0.1 (with 0 and 0.2) is core; 5 and 5.1 have two neighbours each.
        assert_eq!(dbscan(&rows, 1, 0.15, 3), vec![NOISE, 0, 0, NOISE, 0, NOISE]);
    }

    #[test]
    fn copies_of_one_point_make_a_cluster_and_weights_count() {
        let rows = [1.0, 1.0, 7.0, 7.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0];
        assert_eq!(dbscan(&rows, 2, 0.01, 2), vec![0, NOISE, 0, 1, 1]);
        assert_eq!(dbscan(&rows, 2, 0.01, 3), vec![NOISE; 5]);
    }

    #[test]
    fn distance_is_checked_in_every_dimension() {
        // Same cell in the first three dimensions, far apart in the fourth.
        let rows = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0];
        assert_eq!(dbscan(&rows, 4, 0.5, 2), vec![NOISE, NOISE]);
    }

    #[test]
    fn normalising_scales_rows_to_unit_length() {
        let mut rows = [3.0, 4.0, 0.0, 0.0];
        l2_normalise(&mut rows, 2);
        assert_eq!(rows, [0.6, 0.8, 0.0, 0.0]);
    }
}
