//! The investigation's time: the `%time` window every query uses, the periods it may be
//! cut into (`%time periods FRAME`), and where it came from, for `%time` to say.

use huntbook::time::TimeWindow;

/// The most periods one `%time periods` may set: each is a query of its own.
pub const MOST_PERIODS: usize = 100;

#[derive(Debug, Default, Clone)]
pub struct Clock {
    /// The window; with periods, the span from the first one's start to the last one's end.
    pub window: Option<TimeWindow>,
    /// Separate windows, in order and apart: a query runs over each and the rows stack.
    pub periods: Vec<TimeWindow>,
    /// Where the window came from, in words.
    pub from: String,
}

impl Clock {
    /// A single window, set by `how`.
    pub fn set(&mut self, window: TimeWindow, how: impl Into<String>) {
        *self = Clock {
            window: Some(window),
            periods: Vec::new(),
            from: how.into(),
        };
    }

    /// Several periods: sorted, overlapping ones merged. Returns how many were merged.
    pub fn set_periods(&mut self, mut periods: Vec<TimeWindow>, how: impl Into<String>) -> usize {
        periods.sort_by_key(|p| (p.start, p.end));
        let given = periods.len();
        let mut merged: Vec<TimeWindow> = Vec::with_capacity(given);
        for p in periods {
            match merged.last_mut() {
                Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
                _ => merged.push(p),
            }
        }
        *self = Clock {
            window: merged.first().zip(merged.last()).map(|(a, b)| TimeWindow {
                start: a.start,
                end: b.end,
            }),
            from: how.into(),
            periods: merged,
        };
        given - self.periods.len()
    }

    /// The windows a query runs over: each period, else the window alone.
    pub fn windows(&self) -> Vec<TimeWindow> {
        if self.periods.is_empty() {
            self.window.into_iter().collect()
        } else {
            self.periods.clone()
        }
    }
}
