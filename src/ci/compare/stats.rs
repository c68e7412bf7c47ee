//! Whether repeated measurements moved: a one-sided Mann–Whitney U test (Google Benchmark's
//! compare.py uses it for the same purpose) on the rounds of each side, and the change of
//! their medians. Rank-based, so that one wild round on a shared machine moves neither.

/// The samples of two sides, as a test of "the second is worse (larger) than the first".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// The one-sided p-value of the second side being stochastically larger.
    pub p_larger: f64,
    /// The one-sided p-value of the second side being stochastically smaller.
    pub p_smaller: f64,
    /// `(median(after) - median(before)) / |median(before)|`; `None` when the baseline's
    /// median is 0.
    pub change: Option<f64>,
    /// Half the range of each side relative to its median, the larger of the two: what a
    /// reader may call the noise of these rounds.
    pub noise: Option<f64>,
}

/// Tests `after` against `before`; `None` when either side is empty.
pub fn shift(before: &[f64], after: &[f64]) -> Option<Shift> {
    if before.is_empty() || after.is_empty() {
        return None;
    }
    let (b, a) = (median(before)?, median(after)?);
    let change = (b != 0.0).then(|| (a - b) / b.abs());
    let noise = [before, after]
        .into_iter()
        .filter_map(half_range)
        .reduce(f64::max);
    Some(Shift {
        p_larger: p_value(before, after),
        p_smaller: p_value(after, before),
        change,
        noise,
    })
}

/// The median of `values`; `None` for none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn half_range(values: &[f64]) -> Option<f64> {
    let middle = median(values).filter(|m| *m != 0.0)?;
    let (min, max) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    Some((max - min) / 2.0 / middle.abs())
}

/// One-sided p-value that `y` is stochastically larger than `x`: the chance, under the null
/// hypothesis that both come from one distribution, of a U statistic (pairs with y > x, a
/// tie counting half) at least as large as observed. Exact for the small samples of
/// repeated runs (up to 20 a side, by counting arrangements); the normal approximation with
/// a continuity correction beyond.
fn p_value(x: &[f64], y: &[f64]) -> f64 {
    let u: f64 = y
        .iter()
        .map(|&yj| {
            x.iter()
                .map(|&xi| match yj.total_cmp(&xi) {
                    std::cmp::Ordering::Greater => 1.0,
                    std::cmp::Ordering::Equal => 0.5,
                    std::cmp::Ordering::Less => 0.0,
                })
                .sum::<f64>()
        })
        .sum();
    let (m, n) = (x.len(), y.len());
    if m <= 20 && n <= 20 {
        let counts = arrangements(m, n);
        let total: f64 = counts.iter().sum();
        // Ties give half-integer U: arrangements with U at least its ceiling are as extreme.
        let at_least = u.ceil() as usize;
        counts.iter().skip(at_least).sum::<f64>() / total
    } else {
        let (mf, nf) = (m as f64, n as f64);
        let mean = mf * nf / 2.0;
        let sd = (mf * nf * (mf + nf + 1.0) / 12.0).sqrt();
        let z = (u - 0.5 - mean) / sd;
        0.5 * erfc(z / std::f64::consts::SQRT_2)
    }
}

/// How many of the C(m+n, m) orderings of two samples give each U, from 0 to m·n: the
/// exact distribution of U under the null hypothesis, by the recurrence
/// N(m, n, u) = N(m-1, n, u-n) + N(m, n-1, u).
fn arrangements(m: usize, n: usize) -> Vec<f64> {
    // table[i][j]: the distribution for samples of i and j.
    let mut table: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); n + 1]; m + 1];
    for i in 0..=m {
        for j in 0..=n {
            table[i][j] = match (i, j) {
                (0, _) | (_, 0) => vec![1.0],
                _ => {
                    let mut counts = vec![0.0; i * j + 1];
                    for (u, c) in table[i - 1][j].iter().enumerate() {
                        counts[u + j] += c;
                    }
                    for (u, c) in table[i][j - 1].iter().enumerate() {
                        counts[u] += c;
                    }
                    counts
                }
            };
        }
    }
    std::mem::take(&mut table[m][n])
}

/// The complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7):
/// enough for a p-value.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_distribution_counts_every_ordering() {
        // C(10, 5) = 252 orderings of two samples of five.
        let counts = arrangements(5, 5);
        assert_eq!(counts.len(), 26);
        assert_eq!(counts.iter().sum::<f64>(), 252.0);
        assert_eq!((counts[0], counts[25]), (1.0, 1.0));
        // Symmetric about m·n/2.
        assert!((0..26).all(|u| counts[u] == counts[25 - u]));
        assert_eq!(arrangements(2, 3), vec![1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0]);
    }

    #[test]
    fn separated_samples_are_significant_and_overlapping_ones_are_not() {
        let before = [10.0, 11.0, 12.0, 13.0, 14.0];
        let worse = [20.0, 21.0, 22.0, 23.0, 24.0];
        let shifted = shift(&before, &worse).unwrap();
        // Every one of the 25 pairs is worse: 1 ordering in 252.
        assert!((shifted.p_larger - 1.0 / 252.0).abs() < 1e-12);
        assert!((shifted.p_smaller - 1.0).abs() < 1e-12);
        assert!((shifted.change.unwrap() - 10.0 / 12.0).abs() < 1e-12);
        // The baseline's rounds spread ±2 about 12, the worse ones ±2 about 22: the larger.
        assert!((shifted.noise.unwrap() - 2.0 / 12.0).abs() < 1e-12);
        let same = shift(&before, &[10.5, 11.5, 12.5, 13.5, 9.5]).unwrap();
        assert!(same.p_larger > 0.2 && same.p_smaller > 0.2, "{same:?}");
        assert!(shift(&[], &worse).is_none());
    }

    #[test]
    fn ties_count_half_and_large_samples_use_the_normal_approximation() {
        // All tied: U = m·n/2, p = P(U ≥ ceil) just over one half.
        let flat = shift(&[5.0; 5], &[5.0; 5]).unwrap();
        assert!(flat.p_larger > 0.4 && flat.p_larger < 0.6, "{flat:?}");
        let before: Vec<f64> = (0..30).map(f64::from).collect();
        let after: Vec<f64> = (0..30).map(|i| f64::from(i) + 30.0).collect();
        let far = shift(&before, &after).unwrap();
        assert!(far.p_larger < 1e-9, "{far:?}");
        assert!((erfc(0.0) - 1.0).abs() < 1e-7 && (erfc(1.0) - 0.157_299_2).abs() < 1e-6);
    }
}
