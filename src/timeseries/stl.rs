//! STL: seasonal-trend decomposition by LOESS (Cleveland, Cleveland, McRae & Terpenning,
//! 1990), ported from the NETLIB Fortran as statsmodels' `STL` implements it (the robust
//! weights use the corrected median), so the two agree to rounding. Index arithmetic keeps
//! the Fortran's 1-based positions where the weights depend on them.

// Index loops mirror the Fortran line for line, which is what makes the port checkable.
#![allow(clippy::needless_range_loop)]

/// STL's parameters, with statsmodels' defaults derived from `period` and `seasonal`.
#[derive(Debug, Clone)]
pub struct Stl {
    pub period: usize,
    pub seasonal: usize,
    pub trend: usize,
    pub low_pass: usize,
    pub seasonal_deg: usize,
    pub trend_deg: usize,
    pub low_pass_deg: usize,
    pub seasonal_jump: usize,
    pub trend_jump: usize,
    pub low_pass_jump: usize,
    pub robust: bool,
}

/// An STL decomposition: `observed = seasonal + trend + residual`.
#[derive(Debug, Clone)]
pub struct Decomposition {
    pub seasonal: Vec<f64>,
    pub trend: Vec<f64>,
    pub residual: Vec<f64>,
    /// Robustness weights (all 1 unless robust).
    pub weights: Vec<f64>,
}

impl Stl {
    /// statsmodels' `STL(endog, period, seasonal)` defaults: trend is the smallest odd
    /// integer ≥ 1.5·period / (1 − 1.5/seasonal), low-pass the smallest odd > period.
    pub fn new(period: usize, seasonal: usize) -> Result<Stl, String> {
        if period < 2 {
            return Err(format!("the period must be at least 2 (got {period})"));
        }
        if seasonal < 3 || seasonal.is_multiple_of(2) {
            return Err(format!(
                "the seasonal smoother must be an odd number ≥ 3 (got {seasonal})"
            ));
        }
        let mut trend = (1.5 * period as f64 / (1.0 - 1.5 / seasonal as f64)).ceil() as usize;
        trend += usize::from(trend.is_multiple_of(2));
        let mut low_pass = period + 1;
        low_pass += usize::from(low_pass.is_multiple_of(2));
        Ok(Stl {
            period,
            seasonal,
            trend,
            low_pass,
            seasonal_deg: 1,
            trend_deg: 1,
            low_pass_deg: 1,
            seasonal_jump: 1,
            trend_jump: 1,
            low_pass_jump: 1,
            robust: false,
        })
    }

    /// Decomposes `y` (statsmodels' `fit()`: 5 inner loops, or 2 inner and 15 robust
    /// outer loops when robust).
    pub fn fit(&self, y: &[f64]) -> Result<Decomposition, String> {
        let n = y.len();
        if n < 2 * self.period {
            return Err(format!(
                "{n} points are fewer than two periods of {}: there is no season to fit",
                self.period
            ));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(format!("value {} (position {i}) is missing or not finite", y[i]));
        }
        let (inner, outer) = if self.robust { (2, 15) } else { (5, 0) };
        let width = n + 2 * self.period;
        let mut w = Work {
            w0: vec![0.0; width],
            w1: vec![0.0; width],
            w2: vec![0.0; width],
            w3: vec![0.0; width],
            w4: vec![0.0; width],
        };
        let mut season = vec![0.0; n];
        let mut trend = vec![0.0; n];
        let mut rw = vec![1.0; n];
        let mut use_rw = false;
        let mut k = 0;
        loop {
            self.onestp(y, inner, use_rw, &rw, &mut season, &mut trend, &mut w);
            k += 1;
            if k > outer {
                break;
            }
            for i in 0..n {
                w.w0[i] = trend[i] + season[i];
            }
            rwts(y, &w.w0[..n], &mut rw);
            use_rw = true;
        }
        let residual = (0..n).map(|i| y[i] - season[i] - trend[i]).collect();
        Ok(Decomposition {
            seasonal: season,
            trend,
            residual,
            weights: rw,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn onestp(
        &self,
        y: &[f64],
        inner: usize,
        use_rw: bool,
        rw: &[f64],
        season: &mut [f64],
        trend: &mut [f64],
        w: &mut Work,
    ) {
        let n = y.len();
        let np = self.period;
        for _ in 0..inner {
            for i in 0..n {
                w.w0[i] = y[i] - trend[i];
            }
            self.ss(n, use_rw, rw, season, w);
            fts(n, np, w);
            ess(
                &w.w2,
                n,
                self.low_pass,
                self.low_pass_deg,
                self.low_pass_jump,
                false,
                &w.w3,
                &mut w.w0,
                &mut w.w4,
            );
            for i in 0..n {
                season[i] = w.w1[np + i] - w.w0[i];
                w.w0[i] = y[i] - season[i];
            }
            ess(
                &w.w0,
                n,
                self.trend,
                self.trend_deg,
                self.trend_jump,
                use_rw,
                rw,
                trend,
                &mut w.w2,
            );
        }
    }

    /// Cycle-subseries smoothing: each position in the period smoothed across cycles and
    /// extended one cycle at each end, into `w1`.
    fn ss(&self, n: usize, use_rw: bool, rw: &[f64], scratch: &mut [f64], w: &mut Work) {
        let np = self.period;
        let ns = self.seasonal;
        for j in 0..np {
            let k = (n - (j + 1)) / np + 1;
            for i in 0..k {
                w.w2[i] = w.w0[i * np + j];
            }
            if use_rw {
                for i in 0..k {
                    w.w4[i] = rw[i * np + j];
                }
            }
            ess(
                &w.w2,
                k,
                ns,
                self.seasonal_deg,
                self.seasonal_jump,
                use_rw,
                &w.w4,
                &mut w.w3[1..],
                scratch,
            );
            let nright = ns.min(k);
            let first = est(&w.w2, k, ns, self.seasonal_deg, 0, 1, nright, scratch, use_rw, &w.w4);
            w.w3[0] = if first.is_nan() { w.w3[1] } else { first };
            let nleft = 1.max(k as i64 - ns as i64 + 1) as usize;
            let last = est(
                &w.w2,
                k,
                ns,
                self.seasonal_deg,
                k as i64 + 1,
                nleft,
                k,
                scratch,
                use_rw,
                &w.w4,
            );
            w.w3[k + 1] = if last.is_nan() { w.w3[k] } else { last };
            for m in 0..k + 2 {
                w.w1[m * np + j] = w.w3[m];
            }
        }
    }
}

struct Work {
    w0: Vec<f64>,
    w1: Vec<f64>,
    w2: Vec<f64>,
    w3: Vec<f64>,
    w4: Vec<f64>,
}

/// Low-pass filter of the seasonal: moving averages of np, np and 3, from `w1` into `w2`.
fn fts(n: usize, np: usize, w: &mut Work) {
    let len = n + 2 * np;
    ma(&w.w1, len, np, &mut w.w2);
    ma(&w.w2, len - np + 1, np, &mut w.w0);
    ma(&w.w0, len - 2 * np + 2, 3, &mut w.w2);
}

fn ma(x: &[f64], n: usize, len: usize, ave: &mut [f64]) {
    let newn = n - len + 1;
    let flen = len as f64;
    let mut v: f64 = x[..len].iter().sum();
    ave[0] = v / flen;
    let (mut k, mut m) = (len, 0);
    for slot in ave.iter_mut().take(newn).skip(1) {
        v += x[k] - x[m];
        *slot = v / flen;
        k += 1;
        m += 1;
    }
}

/// LOESS fit at 1-based position `xs` from the points `nleft..=nright` (1-based); NaN when
/// every weight is zero.
#[allow(clippy::too_many_arguments)]
fn est(
    y: &[f64],
    n: usize,
    len: usize,
    ideg: usize,
    xs: i64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
    userw: bool,
    rw: &[f64],
) -> f64 {
    let rng = n as f64 - 1.0;
    let mut h = ((xs - nleft as i64).max(nright as i64 - xs)) as f64;
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut a = 0.0;
    for j in nleft - 1..nright {
        w[j] = 0.0;
        let r = ((j + 1) as f64 - xs as f64).abs();
        if r <= h9 {
            w[j] = if r <= h1 { 1.0 } else { (1.0 - (r / h).powi(3)).powi(3) };
            if userw {
                w[j] *= rw[j];
            }
            a += w[j];
        }
    }
    if a <= 0.0 {
        return f64::NAN;
    }
    for wj in &mut w[nleft - 1..nright] {
        *wj /= a;
    }
    if h > 0.0 && ideg > 0 {
        let mut a = 0.0;
        for j in nleft - 1..nright {
            a += w[j] * (j + 1) as f64;
        }
        let mut b = xs as f64 - a;
        let mut c = 0.0;
        for j in nleft - 1..nright {
            c += w[j] * ((j + 1) as f64 - a).powi(2);
        }
        if c.sqrt() > 0.001 * rng {
            b /= c;
            for j in nleft - 1..nright {
                w[j] *= b * ((j + 1) as f64 - a) + 1.0;
            }
        }
    }
    let mut ys = 0.0;
    for j in nleft - 1..nright {
        ys += w[j] * y[j];
    }
    ys
}

/// LOESS smoothing of `y[..n]` into `ys`, every `njump` points with linear interpolation
/// between.
#[allow(clippy::too_many_arguments)]
fn ess(
    y: &[f64],
    n: usize,
    len: usize,
    ideg: usize,
    njump: usize,
    userw: bool,
    rw: &[f64],
    ys: &mut [f64],
    res: &mut [f64],
) {
    if n < 2 {
        ys[0] = y[0];
        return;
    }
    let newnj = njump.min(n - 1);
    let (mut nleft, mut nright) = (0usize, 0usize);
    let fit = |i: usize, nleft: usize, nright: usize, ys: &mut [f64], res: &mut [f64]| {
        let v = est(y, n, len, ideg, i as i64 + 1, nleft, nright, res, userw, rw);
        ys[i] = if v.is_nan() { y[i] } else { v };
    };
    if len >= n {
        nleft = 1;
        nright = n;
        let mut i = 0;
        while i < n {
            fit(i, nleft, nright, ys, res);
            i += newnj;
        }
    } else if newnj == 1 {
        let nsh = (len + 2) / 2;
        nleft = 1;
        nright = len;
        for i in 0..n {
            if i + 1 > nsh && nright != n {
                nleft += 1;
                nright += 1;
            }
            fit(i, nleft, nright, ys, res);
        }
    } else {
        let nsh = len.div_ceil(2);
        let mut i = 0;
        while i < n {
            if i + 1 < nsh {
                nleft = 1;
                nright = len;
            } else if i + 1 > n - nsh {
                nleft = n - len + 1;
                nright = n;
            } else {
                nleft = i + 1 - nsh + 1;
                nright = len + i + 1 - nsh;
            }
            fit(i, nleft, nright, ys, res);
            i += newnj;
        }
    }
    if newnj == 1 {
        return;
    }
    let mut i = 0;
    while i < n - newnj {
        let delta = (ys[i + newnj] - ys[i]) / newnj as f64;
        for j in i..i + newnj {
            ys[j] = ys[i] + delta * ((j + 1) as f64 - (i + 1) as f64);
        }
        i += newnj;
    }
    let k = ((n - 1) / newnj) * newnj + 1;
    if k != n {
        fit(n - 1, nleft, nright, ys, res);
        if k != n - 1 {
            let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
            for j in k..n {
                ys[j] = ys[k - 1] + delta * ((j + 1) as f64 - k as f64);
            }
        }
    }
}

/// Robustness weights: bisquare of the residuals over six times their median.
fn rwts(y: &[f64], fit: &[f64], rw: &mut [f64]) {
    let n = y.len();
    for i in 0..n {
        rw[i] = (y[i] - fit[i]).abs();
    }
    let mut sorted = rw.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (m0, m1) = (n / 2, n - n / 2 - 1);
    let cmad = 3.0 * (sorted[m0] + sorted[m1]);
    if cmad == 0.0 {
        rw.fill(1.0);
        return;
    }
    let (c9, c1) = (0.999 * cmad, 0.001 * cmad);
    for r in rw.iter_mut() {
        *r = if *r <= c1 {
            1.0
        } else if *r <= c9 {
            (1.0 - (*r / cmad).powi(2)).powi(2)
        } else {
            0.0
        };
    }
}
