//! The thundering herd, and what jitter does to it (MODELS.md §6).
//!
//! N clients retry a failed request: all after τ (synchronized), or each after an independent
//! U[0, τ] delay (jitter); each request is in service for s. The peak load is the most requests
//! in service at once, which is the most arrivals in any window of length s: the *scan
//! statistic*. Synchronized, the peak is N. With w = s/τ:
//!
//! - the **one-shot fluid ratio** min(1, w) is the time-average jittered load over the
//!   synchronized peak for a single wave of retries;
//! - the **periodic ratio** w/⌈w⌉ is the same for clients that retry every τ forever (their
//!   requests overlap ⌈w⌉ deep when synchronized). This is the seed article's
//!   R = (s/τ)/⌈s/τ⌉; it is a ratio of *averages*, not a peak ratio;
//! - the **expected jittered peak** E\[peak\] is far above fluid for realistic N (N = 10,
//!   w = 0.1: 3.31860, ratio 0.33, not 0.1). It is computed exactly here from the scan-statistic
//!   distribution;
//! - the worst case over jitter draws is still N: jitter gives an expectation, not a guarantee.
//!
//! ## The scan-statistic distribution (Huntington–Naus, via Karlin–McGregor)
//!
//! Put the N points (retry times / τ) in [0, 1) and write w = r/L. Cut [0, 1) into L cells of
//! length 1/L with counts n₀ … n_{L−1} (multinomial), and within each cell the points' offsets,
//! i.i.d. uniform. A window starting at (j + θ)/L holds the points of cell j with offset ≥ θ,
//! cells j+1 … j+r−1 whole, and the points of cell j+r with offset < θ. With Fⱼ(θ) the number
//! of offsets below θ in cell j, "every window holds fewer than k" reads
//! F_{j+r}(θ) + c_{j+r} < Fⱼ(θ) + cⱼ for all θ, with c_{j+r} = cⱼ + n_j + … + n_{j+r−1} − k: the
//! counting paths of cells j, j+r, j+2r, … never touch. The offsets of each cell are a Poisson
//! process conditioned on its count, so the Karlin–McGregor theorem gives the probability of
//! non-touching paths as a determinant, and conditioning the Poisson counts on their total N:
//!
//! P(S < k) = N!/Lᴺ · Σₙ ∏_{chains} det[1/(e_b − s_a)!],   s_j = c_j, e_j = c_j + n_j,
//!
//! over the compositions n of N whose every r consecutive cells hold fewer than k (1/m! = 0 for
//! m < 0). Then E\[peak\] = Σ_{k=1}^{N} (1 − P(S < k)). For w = 1/L this is the Huntington–Naus
//! formula. [`expected_peak`] evaluates it in `f64` (every composition, pruned);
//! [`expected_peak_exact`] in exact rationals, for small N·L. Both are checked against the closed
//! forms P(peak = 1) = (1 − (N−1)w)₊ᴺ, P(peak = N) = N w^(N−1) − (N−1) wᴺ and
//! E\[peak\] = 1 + 2w − w² for N = 2, and against the simulator. Beyond their reach,
//! [`estimate_peak`] draws herds and states its standard error. [`slotted_peak_distribution`] is
//! the slotted form that the retry checker explores: a jitter of 1 ..= D whole slots, N balls
//! in D bins scanned by a window of the service's slots; [`weighted_peak_distribution`] throws
//! the balls with other chances, such as the first delay of a backoff policy
//! ([`first_delay_weights`]).

use crate::units::{ceil, Q};
use inflight_core::retry::{Jitter, Policy};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::fmt;

/// Why a herd law has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HerdError {
    /// An input out of its domain (named).
    Domain(&'static str),
    /// The exact computation would enumerate more compositions than the budget.
    TooLarge {
        /// Compositions that would be enumerated.
        compositions: u128,
    },
}

impl fmt::Display for HerdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HerdError::Domain(what) => f.write_str(what),
            HerdError::TooLarge { compositions } => write!(
                f,
                "the exact scan statistic would enumerate {compositions} cell compositions; \
                 use a w with a smaller denominator or fewer clients"
            ),
        }
    }
}

impl std::error::Error for HerdError {}

fn q(n: i64, d: i64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

fn check_w(w: &Q) -> Result<(), HerdError> {
    if w.is_negative() || w.is_zero() {
        return Err(HerdError::Domain("w = s/τ must be positive"));
    }
    Ok(())
}

/// The one-shot fluid ratio min(1, w): average jittered load over the synchronized peak for one
/// wave of retries.
pub fn one_shot_fluid_ratio(w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    Ok(w.clone().min(Q::one()))
}

/// The periodic ratio w/⌈w⌉ (the seed article's R): average jittered load over the synchronized
/// peak for clients that retry every τ forever. A ratio of averages, not of peaks.
pub fn periodic_ratio(w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    Ok(w / Q::from_integer(ceil(w)))
}

/// ⌈w⌉: how many rounds of a periodic synchronized herd overlap.
pub fn overlap(w: &Q) -> Result<BigInt, HerdError> {
    check_w(w)?;
    Ok(ceil(w))
}

/// One-shot retries evenly staggered over τ: peak min(N, ⌈N w⌉) over the synchronized N.
pub fn one_shot_even_stagger_ratio(n: u32, w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    let nn = BigInt::from(n.max(1));
    let peak = ceil(&(Q::from_integer(nn.clone()) * w)).min(nn.clone());
    Ok(Q::new(peak, nn))
}

/// Periodic retries evenly staggered: ⌈N w⌉ / (N ⌈w⌉).
pub fn periodic_even_stagger_ratio(n: u32, w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    let nn = BigInt::from(n.max(1));
    let peak = ceil(&(Q::from_integer(nn.clone()) * w));
    Ok(Q::new(peak, nn * ceil(w)))
}

/// P(peak = 1) = (1 − (N−1)w)₊ᴺ: no two of N jittered retries overlap.
pub fn p_peak_one(n: u32, w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    let base = Q::one() - Q::from_integer(BigInt::from(n.saturating_sub(1))) * w;
    Ok(if base.is_positive() { pow(&base, n) } else { Q::zero() })
}

/// P(peak = N) = N w^(N−1) − (N−1) wᴺ for w ≤ 1/2 (all N retries within one window of s);
/// 1 for w ≥ 1.
pub fn p_peak_all(n: u32, w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    if *w >= Q::one() || n <= 1 {
        return Ok(Q::one());
    }
    if *w > q(1, 2) {
        return Err(HerdError::Domain("the closed form of P(peak = N) holds for w ≤ 1/2"));
    }
    let nn = Q::from_integer(BigInt::from(n));
    Ok(nn.clone() * pow(w, n - 1) - (nn - Q::one()) * pow(w, n))
}

/// E\[peak\] for N = 2: 1 + 2w − w² (w ≤ 1), 2 beyond.
pub fn expected_peak_two(w: &Q) -> Result<Q, HerdError> {
    check_w(w)?;
    if *w >= Q::one() {
        return Ok(q(2, 1));
    }
    Ok(Q::one() + q(2, 1) * w - w * w)
}

fn pow(x: &Q, e: u32) -> Q {
    (0..e).fold(Q::one(), |acc, _| acc * x)
}

/// Arithmetic the determinant needs: `f64` or exact rationals.
trait Field: Clone {
    fn fzero() -> Self;
    fn fone() -> Self;
    fn fis_zero(&self) -> bool;
    fn fabs_gt(&self, other: &Self) -> bool;
    fn fadd(&self, o: &Self) -> Self;
    fn fsub(&self, o: &Self) -> Self;
    fn fmul(&self, o: &Self) -> Self;
    fn fdiv(&self, o: &Self) -> Self;
    fn fneg(&self) -> Self;
    fn ffrom(x: u64) -> Self;
}

impl Field for f64 {
    fn fzero() -> Self {
        0.0
    }
    fn fone() -> Self {
        1.0
    }
    fn fis_zero(&self) -> bool {
        *self == 0.0
    }
    fn fabs_gt(&self, o: &Self) -> bool {
        self.abs() > o.abs()
    }
    fn fadd(&self, o: &Self) -> Self {
        self + o
    }
    fn fsub(&self, o: &Self) -> Self {
        self - o
    }
    fn fmul(&self, o: &Self) -> Self {
        self * o
    }
    fn fdiv(&self, o: &Self) -> Self {
        self / o
    }
    fn fneg(&self) -> Self {
        -self
    }
    fn ffrom(x: u64) -> Self {
        x as f64
    }
}

impl Field for Q {
    fn fzero() -> Self {
        Zero::zero()
    }
    fn fone() -> Self {
        One::one()
    }
    fn fis_zero(&self) -> bool {
        Zero::is_zero(self)
    }
    fn fabs_gt(&self, o: &Self) -> bool {
        Signed::abs(self) > Signed::abs(o)
    }
    fn fadd(&self, o: &Self) -> Self {
        self + o
    }
    fn fsub(&self, o: &Self) -> Self {
        self - o
    }
    fn fmul(&self, o: &Self) -> Self {
        self * o
    }
    fn fdiv(&self, o: &Self) -> Self {
        self / o
    }
    fn fneg(&self) -> Self {
        -self.clone()
    }
    fn ffrom(x: u64) -> Self {
        Q::from_integer(BigInt::from(x))
    }
}

/// Determinant by Gaussian elimination with partial pivoting (exact for rationals).
fn det<F: Field>(mut a: Vec<Vec<F>>) -> F {
    let n = a.len();
    let mut d = F::fone();
    for col in 0..n {
        let Some(p) = (col..n).filter(|&r| !a[r][col].fis_zero()).reduce(|best, r| {
            if a[r][col].fabs_gt(&a[best][col]) {
                r
            } else {
                best
            }
        }) else {
            return F::fzero();
        };
        if p != col {
            a.swap(p, col);
            d = d.fneg();
        }
        let pivot = a[col][col].clone();
        d = d.fmul(&pivot);
        for r in col + 1..n {
            if a[r][col].fis_zero() {
                continue;
            }
            let f = a[r][col].fdiv(&pivot);
            let (upper, lower) = a.split_at_mut(r);
            for (x, p) in lower[0][col..].iter_mut().zip(&upper[col][col..]) {
                *x = x.fsub(&f.fmul(p));
            }
        }
    }
    d
}

/// 1/m! for m = 0 ..= max, and 0 for negative m.
struct InvFactorials<F>(Vec<F>);

impl<F: Field> InvFactorials<F> {
    fn new(max: usize) -> Self {
        let mut v = vec![F::fone()];
        for m in 1..=max {
            let prev = v[m - 1].clone();
            v.push(prev.fdiv(&F::ffrom(m as u64)));
        }
        InvFactorials(v)
    }
    fn get(&self, m: i64) -> F {
        if m < 0 {
            F::fzero()
        } else {
            self.0.get(m as usize).cloned().unwrap_or_else(F::fzero)
        }
    }
}

/// Σ over compositions of ∏ chain determinants, for one k (P(S < k) before the N!/Lᴺ factor).
fn sum_compositions<F: Field>(n: u32, r: usize, l: usize, k: u32, inv: &InvFactorials<F>) -> F {
    let mut counts = vec![0u32; l];
    let mut total = F::fzero();
    fn rec<F: Field>(
        j: usize,
        left: u32,
        counts: &mut Vec<u32>,
        r: usize,
        k: u32,
        inv: &InvFactorials<F>,
        total: &mut F,
    ) {
        let l = counts.len();
        if j == l {
            if left == 0 {
                *total = total.fadd(&term(counts, r, k, inv));
            }
            return;
        }
        // The cells j−r+1 ..= j must hold fewer than k once there are r of them.
        let window_before: u32 = if j + 1 >= r { counts[j + 1 - r..j].iter().sum() } else { 0 };
        if window_before >= k {
            return; // the first r cells already hold k or more
        }
        let max_here = k - 1 - window_before;
        for c in 0..=max_here.min(left) {
            counts[j] = c;
            rec(j + 1, left - c, counts, r, k, inv, total);
        }
        counts[j] = 0;
    }
    if k == 0 {
        return F::fzero();
    }
    rec(0, n, &mut counts, r, k, inv, &mut total);
    total
}

/// The same sum in `f64`, with each chain's determinant factored incrementally (Doolittle LU)
/// along the enumeration: adding cell j adds one row and one column to its chain's matrix, the
/// row is known before n_j is chosen, and the determinant is the product of the pivots. For a
/// composition that passes the pruning every leading minor is itself a Karlin–McGregor
/// probability of a feasible sub-family, so it is positive and no pivoting is needed. Cost per
/// enumeration node O(L²/r²) instead of O(L³) per leaf, with no allocation.
fn sum_compositions_f64(n: u32, r: usize, l: usize, k: u32, inv: &[f64]) -> f64 {
    struct Ctx<'a> {
        r: usize,
        k: u32,
        m: usize,
        inv: &'a [f64],
        counts: Vec<u32>,
        c: Vec<i64>,
        lo: Vec<f64>,
        up: Vec<f64>,
        total: f64,
    }
    impl Ctx<'_> {
        fn inv(&self, x: i64) -> f64 {
            if x < 0 {
                0.0
            } else {
                self.inv.get(x as usize).copied().unwrap_or(0.0)
            }
        }
        fn at(&self, rho: usize, a: usize, b: usize) -> usize {
            (rho * self.m + a) * self.m + b
        }
        fn rec(&mut self, j: usize, left: u32, prod: f64) {
            let (r, k, l) = (self.r, self.k, self.counts.len());
            if j == l {
                if left == 0 {
                    self.total += prod;
                }
                return;
            }
            let wb: u32 = if j + 1 >= r { self.counts[j + 1 - r..j].iter().sum() } else { 0 };
            if wb >= k {
                return;
            }
            let (rho, p) = (j % r, j / r);
            let cj = if j < r {
                0
            } else {
                self.c[j - r] + self.counts[j - r..j].iter().map(|&x| x as i64).sum::<i64>()
                    - k as i64
            };
            self.c[j] = cj;
            // Row p of the chain's L factor: known before n_j.
            for b in 0..p {
                let cell_b = rho + b * r;
                let mut v = self.inv(self.c[cell_b] + self.counts[cell_b] as i64 - cj);
                for t in 0..b {
                    v -= self.lo[self.at(rho, p, t)] * self.up[self.at(rho, t, b)];
                }
                let i = self.at(rho, p, b);
                self.lo[i] = v / self.up[self.at(rho, b, b)];
            }
            for nj in 0..=(k - 1 - wb).min(left) {
                let ej = cj + nj as i64;
                for a in 0..=p {
                    let cell_a = rho + a * r;
                    let mut v = self.inv(ej - self.c[cell_a]);
                    for t in 0..a {
                        v -= self.lo[self.at(rho, a, t)] * self.up[self.at(rho, t, p)];
                    }
                    let i = self.at(rho, a, p);
                    self.up[i] = v;
                }
                let pivot = self.up[self.at(rho, p, p)];
                if pivot <= 0.0 {
                    continue; // an infeasible prefix: contributes nothing
                }
                self.counts[j] = nj;
                self.rec(j + 1, left - nj, prod * pivot);
            }
            self.counts[j] = 0;
        }
    }
    if k == 0 {
        return 0.0;
    }
    let m = l.div_ceil(r);
    let mut ctx = Ctx {
        r,
        k,
        m,
        inv,
        counts: vec![0; l],
        c: vec![0; l],
        lo: vec![0.0; r * m * m],
        up: vec![0.0; r * m * m],
        total: 0.0,
    };
    ctx.rec(0, n, 1.0);
    ctx.total
}

/// ∏ over the r chains of det[1/(e_b − s_a)!] for one composition.
fn term<F: Field>(counts: &[u32], r: usize, k: u32, inv: &InvFactorials<F>) -> F {
    let l = counts.len();
    let mut c = vec![0i64; l];
    for j in r..l {
        let window: i64 = counts[j - r..j].iter().map(|&x| x as i64).sum();
        c[j] = c[j - r] + window - k as i64;
    }
    let mut product = F::fone();
    for rho in 0..r.min(l) {
        let chain: Vec<usize> = (rho..l).step_by(r).collect();
        let m: Vec<Vec<F>> = chain
            .iter()
            .map(|&a| chain.iter().map(|&b| inv.get(c[b] + counts[b] as i64 - c[a])).collect())
            .collect();
        product = product.fmul(&det(m));
        if product.fis_zero() {
            break;
        }
    }
    product
}

/// The number of compositions of N into L cells: C(N + L − 1, L − 1).
fn compositions(n: u32, l: u32) -> u128 {
    let (top, k) = ((n + l - 1) as u128, (l - 1) as u128);
    let mut c: u128 = 1;
    for i in 0..k.min(top - k) {
        c = c.saturating_mul(top - i) / (i + 1);
    }
    c
}

/// w = r/L as (r, L), checked.
fn split_w(w: &Q) -> Result<(usize, usize), HerdError> {
    check_w(w)?;
    let (r, l) = (w.numer().to_usize(), w.denom().to_usize());
    match (r, l) {
        (Some(r), Some(l)) if l <= 64 => Ok((r, l)),
        _ => Err(HerdError::Domain("w = s/τ must be a fraction with a denominator of at most 64")),
    }
}

fn expected_peak_in<F: Field>(n: u32, w: &Q, budget: u128) -> Result<F, HerdError> {
    if n == 0 {
        return Err(HerdError::Domain("there must be at least one client"));
    }
    let (r, l) = split_w(w)?;
    if r >= l {
        return Ok(F::ffrom(n as u64)); // s ≥ τ: every request overlaps every other
    }
    let comps = compositions(n, l as u32);
    if comps > budget {
        return Err(HerdError::TooLarge { compositions: comps });
    }
    let inv = InvFactorials::<F>::new(n as usize + l * n as usize);
    // N!/Lᴺ
    let mut scale = F::fone();
    for i in 1..=n as u64 {
        scale = scale.fmul(&F::ffrom(i)).fdiv(&F::ffrom(l as u64));
    }
    let mut e = F::ffrom(n as u64);
    for k in 2..=n {
        let below = scale.fmul(&sum_compositions(n, r, l, k, &inv));
        e = e.fsub(&below);
    }
    Ok(e)
}

/// E\[peak\] for N clients with one-shot U[0, τ] jitter and service s, w = s/τ rational: the exact
/// scan-statistic formula, evaluated in `f64` (agrees with the exact rational evaluation to
/// 1e−12 where both run).
pub fn expected_peak(n: u32, w: &Q) -> Result<f64, HerdError> {
    let d = peak_distribution(n, w)?;
    Ok(d.iter().enumerate().map(|(i, p)| (i + 1) as f64 * p).sum())
}

/// E\[peak\] as an exact rational (the same formula in rational arithmetic), when the enumeration
/// stays within `budget` compositions.
pub fn expected_peak_exact(n: u32, w: &Q, budget: u128) -> Result<Q, HerdError> {
    expected_peak_in::<Q>(n, w, budget)
}

/// The most cell compositions the `f64` evaluation enumerates: about 5 s on one core (N = 15 at
/// w = 1/10 is 1.3 million and takes 4 s; N = 20 at w = 1/5 takes 20 ms, at w = 1/10 a minute).
pub const FLOAT_BUDGET: u128 = 1_500_000;

/// The distribution of the peak: P(peak = k) for k = 1 ..= N, in `f64`.
pub fn peak_distribution(n: u32, w: &Q) -> Result<Vec<f64>, HerdError> {
    if n == 0 {
        return Err(HerdError::Domain("there must be at least one client"));
    }
    let (r, l) = split_w(w)?;
    if r >= l {
        let mut d = vec![0.0; n as usize];
        d[n as usize - 1] = 1.0;
        return Ok(d);
    }
    let comps = compositions(n, l as u32);
    if comps > FLOAT_BUDGET {
        return Err(HerdError::TooLarge { compositions: comps });
    }
    let inv = InvFactorials::<f64>::new(n as usize + l * n as usize);
    let scale = (1..=n).fold(1.0, |s, i| s * i as f64 / l as f64);
    // below[k] = P(S < k) for k = 1 ..= N + 1.
    let below: Vec<f64> = (1..=n + 1)
        .map(|k| if k > n { 1.0 } else { scale * sum_compositions_f64(n, r, l, k, &inv.0) })
        .collect();
    Ok((1..=n as usize).map(|k| below[k] - below[k - 1]).collect())
}

/// The slotted herd's peak: N clients each retry in one of D slots, uniformly and
/// independently (a jittered delay of 1 ..= D slots), and each retry is in service for
/// `service` slots. The peak is the most retries in any `service` consecutive slots, the
/// discrete scan statistic of the throw (MODELS.md §6 in slots, w = service/D). Returns
/// P(peak = k) for k = 0 ..= N, exactly: [`weighted_peak_distribution`] with every slot
/// equally likely.
pub fn slotted_peak_distribution(n: u32, d: u32, service: u32) -> Result<Vec<Q>, HerdError> {
    if d == 0 || service == 0 {
        return Err(HerdError::Domain("the jitter and the service must span at least one slot"));
    }
    weighted_peak_distribution(n, &vec![1; d as usize], service)
}

/// The peak of a slotted herd whose clients each retry in slot i + 1 with probability
/// `weights[i]`/W (W = Σ weights), independently: N balls in D = `weights.len()` bins with those
/// chances, scanned by a window of `service` slots. Returns P(peak = k) for k = 0 ..= N,
/// exactly. With equal weights it is [`slotted_peak_distribution`]; with other weights it is the
/// first wave of a policy whose first delay is not uniform ([`first_delay_weights`]).
///
/// One slot of service: the peak is the maximum load. Of the Wᴺ equally likely throws (each
/// client picks one of W draws), those with no bin above m number
/// N!·\[xᴺ\]∏_b Σ_{j ≤ m} (w_b x)ʲ/j! (exponential generating functions: Kolchin, Sevast'yanov
/// & Chistyakov, *Random Allocations*, 1978, ch. II), counted here bin by bin,
/// f_b(t) = Σ_{j ≤ min(m, t)} C(t, j)·w_bʲ·f_{b−1}(t − j), in integers: every count is at most
/// Wᴺ, which must fit in 127 bits. Longer service: every composition (n₁ … n_D) of N is weighed
/// by its number of throws, N!/∏nᵢ!·∏w_iⁿⁱ, and its peak is the largest sum of `service`
/// neighbouring nᵢ (windows running past slot D hold no more than one inside it); at most 10⁷
/// compositions. A service of D slots or more holds the whole herd at once.
pub fn weighted_peak_distribution(
    n: u32,
    weights: &[u64],
    service: u32,
) -> Result<Vec<Q>, HerdError> {
    let total: u128 = weights.iter().map(|&w| w as u128).sum();
    if total == 0 || service == 0 {
        return Err(HerdError::Domain(
            "some slot must be possible, and the service must span at least one slot",
        ));
    }
    let Some(throws) = total.checked_pow(n).filter(|&t| t < 1 << 127) else {
        return Err(HerdError::Domain("the slotted law needs W^N below 2^127"));
    };
    let (n, d) = (n as usize, weights.len());
    // count[k]: throws whose peak is k.
    let mut count = vec![0u128; n + 1];
    // A window as long as the span of the possible slots holds the whole herd. Past this, two
    // slots are possible, so W ≥ 2 and N ≤ 126: every C(N, k) fits in 128 bits.
    let possible = |w: &u64| *w > 0;
    let span = match (weights.iter().position(possible), weights.iter().rposition(possible)) {
        (Some(first), Some(last)) => last - first + 1,
        _ => 0,
    };
    if span <= service as usize {
        count[n] = throws;
        let p = |c: &u128| Q::new(BigInt::from(*c), BigInt::from(throws));
        return Ok(count.iter().map(p).collect());
    }
    // C(t, j) for t, j ≤ N.
    let mut choose = vec![vec![0u128; n + 1]; n + 1];
    for t in 0..=n {
        choose[t][0] = 1;
        for j in 1..=t {
            choose[t][j] = choose[t - 1][j - 1] + if j < t { choose[t - 1][j] } else { 0 };
        }
    }
    // power[b][j] = w_b^j, at most W^N.
    let power: Vec<Vec<u128>> =
        weights.iter().map(|&w| (0..=n as u32).map(|j| (w as u128).pow(j)).collect()).collect();
    if service == 1 {
        // at_most(m): throws with no bin above m. A term with a zero factor is left out before
        // multiplying, so every product is at most the count it adds to, at most Wᴺ.
        let at_most = |m: usize| {
            let mut f = vec![0u128; n + 1];
            f[0] = 1;
            for w in &power {
                f = (0..=n)
                    .map(|t| {
                        let term = |j: usize| (w[j] > 0 && f[t - j] > 0).then_some(j);
                        let terms = (0..=m.min(t)).filter_map(term);
                        terms.map(|j| choose[t][j] * w[j] * f[t - j]).sum()
                    })
                    .collect();
            }
            f[n]
        };
        let mut below = 0;
        for (k, c) in count.iter_mut().enumerate() {
            let upto = at_most(k);
            *c = upto - below;
            below = upto;
        }
    } else {
        if compositions(n as u32, d as u32) > 10_000_000 {
            return Err(HerdError::TooLarge { compositions: compositions(n as u32, d as u32) });
        }
        let mut bins = vec![0usize; d];
        // rest[j]: the weight of slots j and after.
        let mut rest = vec![0u128; d + 1];
        for j in (0..d).rev() {
            rest[j] = rest[j + 1] + weights[j] as u128;
        }
        let law = Throws { choose: &choose, power: &power, rest: &rest, service: service as usize };
        law.compose(&mut bins, 0, n, 1, &mut count);
    }
    let p = |c: &u128| Q::new(BigInt::from(*c), BigInt::from(throws));
    Ok(count.iter().map(p).collect())
}

/// The first retry delay of a client under `policy`, in ticks: entry i is the number of equally
/// likely draws that give a delay of i + 1 ticks. With it, [`weighted_peak_distribution`] is
/// the law of the first wave of a herd that failed together (one tick a slot). From the
/// policies' definitions, for a client's first failure, in whole ticks and never below one
/// tick: a fixed delay τ; uniform jitter U{1..τ}; exponential backoff, whose first ceiling is
/// c = min(cap, base), with full jitter U{1..c}, equal jitter c/2 + U{0..c − c/2} (c/2
/// rounded down), or decorrelated jitter min(cap, U{base..3·base}) (its previous delay starts
/// at base). Backoff and its jitters: Brooker, "Exponential Backoff And Jitter", AWS
/// Architecture Blog, 2015. A first ceiling of one tick leaves full and equal jitter no spread
/// at all: every client retries one tick later, as with a fixed delay. The law is for slotted
/// herds: a first delay that can exceed [`MAX_FIRST_DELAY`] ticks is an error, not a vector of
/// that length.
pub fn first_delay_weights(policy: &Policy) -> Result<Vec<u64>, HerdError> {
    let longest = match *policy {
        Policy::Fixed { delay } => delay.ticks(),
        Policy::Uniform { window } => window.ticks(),
        Policy::Backoff { base, cap, jitter: Jitter::Decorrelated } => {
            base.ticks().saturating_mul(3).min(cap.ticks())
        }
        Policy::Backoff { base, cap, .. } => base.ticks().min(cap.ticks()),
    };
    if longest > MAX_FIRST_DELAY {
        return Err(HerdError::Domain("the first delay can exceed MAX_FIRST_DELAY ticks"));
    }
    let mut weights = vec![0; longest.max(1) as usize];
    let mut add = |delay: u64| weights[delay.clamp(1, longest.max(1)) as usize - 1] += 1;
    match *policy {
        Policy::Fixed { delay } => add(delay.ticks()),
        Policy::Uniform { window } => (1..=window.ticks()).for_each(&mut add),
        Policy::Backoff { base, cap, jitter } => {
            let c = base.ticks().min(cap.ticks());
            match jitter {
                Jitter::Full => (1..=c).for_each(&mut add),
                Jitter::Equal => (0..=c - c / 2).for_each(|v| add(c / 2 + v)),
                Jitter::Decorrelated => {
                    // U{base..3·base}, the draws at or past the cap counted onto it at once.
                    let (b, cap) = (base.ticks(), cap.ticks());
                    (b..cap.min(b.saturating_mul(3).saturating_add(1))).for_each(&mut add);
                    let capped = b.saturating_mul(3).saturating_add(1).saturating_sub(cap.max(b));
                    weights[longest.max(1) as usize - 1] += capped;
                }
            }
        }
    }
    Ok(weights)
}

/// The longest first delay, in ticks, that [`first_delay_weights`] lays out slot by slot.
pub const MAX_FIRST_DELAY: u64 = 4096;

/// E\[peak\] of a peak distribution given as P(peak = k) for k = 0, 1, … (such as
/// [`slotted_peak_distribution`]'s): Σ k·P(peak = k), exactly.
pub fn distribution_mean(d: &[Q]) -> Q {
    d.iter().enumerate().fold(Q::zero(), |m, (k, p)| m + p * Q::from_integer(BigInt::from(k)))
}

/// What counting the throws of a composition needs: binomials, each slot's weight to each
/// power, the weight of the slots from each on, and the window.
struct Throws<'a> {
    choose: &'a [Vec<u128>],
    power: &'a [Vec<u128>],
    rest: &'a [u128],
    service: usize,
}

impl Throws<'_> {
    /// Fills `bins[j..]` with every split of `left` throws, `ways` being the throws that put
    /// `bins[..j]` as they are, and adds each complete split's ways to `count` at its peak.
    /// Only splits that can happen are followed (no throw in a slot of weight 0), so `ways` is
    /// always a count of throws of the whole herd, at most Wᴺ.
    fn compose(&self, bins: &mut [usize], j: usize, left: usize, ways: u128, count: &mut [u128]) {
        if j + 1 == bins.len() {
            bins[j] = left;
            let windows = bins.windows(self.service);
            let peak = windows.map(|w| w.iter().sum::<usize>()).max().unwrap_or(0);
            count[peak] += ways * self.power[j][left];
            return;
        }
        for c in 0..=left {
            let here = c == 0 || self.power[j][1] > 0;
            let after = c == left || self.rest[j + 1] > 0;
            if !(here && after) {
                continue;
            }
            bins[j] = c;
            let ways = ways * self.choose[left][c] * self.power[j][c];
            self.compose(bins, j + 1, left - c, ways, count);
        }
    }
}

/// A Monte Carlo estimate of E\[peak\] (see [`estimate_peak`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeakEstimate {
    /// The mean peak over the draws.
    pub mean: f64,
    /// Its standard error: the sample standard deviation over √draws.
    pub std_err: f64,
    /// Herds drawn.
    pub draws: u32,
    /// The seed of the draws ([`inflight_core::rng::SplitMix64`]).
    pub seed: u64,
}

/// How many herds [`estimate_peak`] draws for N clients when not told: about 2·10⁷ retry times
/// in all (about a second), and between 20 and 10⁶ herds.
pub fn default_draws(n: u32) -> u32 {
    (20_000_000 / n.max(1)).clamp(20, 1_000_000)
}

/// E\[peak\] estimated by drawing `draws` herds, for when the exact formula is out of reach
/// (many clients, or a w with a large denominator): each herd is N retry times uniform on
/// [0, τ), and its peak is the scan statistic, the most of them in any window of length s.
/// Times are 64-bit integers (τ = 2⁶⁴) and the window test is exact integer arithmetic,
/// (xⱼ − xᵢ)·L < r·2⁶⁴ for w = r/L, so the only error is the sampling error, which
/// [`PeakEstimate::std_err`] states; the peaks are summed exactly. Deterministic for a seed.
/// For w ≥ 1 every herd peaks at N.
pub fn estimate_peak(n: u32, w: &Q, draws: u32, seed: u64) -> Result<PeakEstimate, HerdError> {
    check_w(w)?;
    if n == 0 {
        return Err(HerdError::Domain("there must be at least one client"));
    }
    if draws < 2 {
        return Err(HerdError::Domain("an estimate needs at least 2 draws"));
    }
    let mut estimate = PeakEstimate { mean: n as f64, std_err: 0.0, draws, seed };
    if *w >= Q::one() {
        return Ok(estimate);
    }
    let (Some(r), Some(l)) = (w.numer().to_u128(), w.denom().to_u64()) else {
        return Err(HerdError::Domain("w = s/τ must be a fraction with a denominator below 2^64"));
    };
    // w < 1, so r < L < 2^64 and r·2^64 fits in 128 bits.
    let reach = r << 64;
    let mut rng = inflight_core::rng::SplitMix64::new(seed);
    let mut times = vec![0u64; n as usize];
    let (mut sum, mut sum_sq) = (0u128, 0u128);
    for _ in 0..draws {
        times.iter_mut().for_each(|t| *t = rng.next_u64());
        let peak = scan(&mut times, l as u128, reach) as u128;
        sum += peak;
        sum_sq += peak * peak;
    }
    let d = draws as f64;
    estimate.mean = sum as f64 / d;
    // Sample variance, from exact integer sums: (d·Σp² − (Σp)²) / (d(d − 1)).
    let spread = (draws as u128 * sum_sq - sum * sum) as f64;
    estimate.std_err = (spread / (d * (d - 1.0)) / d).sqrt();
    Ok(estimate)
}

/// The most of `times` in any window [xᵢ, xᵢ + w), with w = reach/(L·2⁶⁴): sorts `times`.
fn scan(times: &mut [u64], l: u128, reach: u128) -> usize {
    times.sort_unstable();
    let (mut peak, mut end) = (0, 0);
    for (i, &start) in times.iter().enumerate() {
        end = end.max(i);
        while end < times.len() && (times[end] - start) as u128 * l < reach {
            end += 1;
        }
        peak = peak.max(end - i);
    }
    peak
}

/// The greatest common divisor helper for callers building w from integers.
pub fn ratio(s: u64, tau: u64) -> Q {
    let g = s.gcd(&tau).max(1);
    q((s / g) as i64, (tau / g) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_clients_at_w_one_tenth_expect_a_peak_of_3_31860() {
        let e = expected_peak(10, &q(1, 10)).expect("computes");
        assert!((e - 3.31860).abs() < 5e-6, "{e}");
    }

    #[test]
    fn two_clients_match_the_closed_form_exactly() {
        for w in [q(1, 2), q(1, 3), q(2, 5), q(3, 4), q(1, 10), q(7, 9)] {
            let exact = expected_peak_exact(2, &w, 1_000_000).expect("computes");
            assert_eq!(exact, expected_peak_two(&w).expect("closed form"), "w = {w}");
        }
    }

    #[test]
    fn the_extremes_of_the_distribution_match_their_closed_forms() {
        for n in 2..=7u32 {
            for w in [q(1, 2), q(1, 3), q(1, 4), q(2, 5), q(1, 5), q(3, 10), q(1, 8)] {
                let d = peak_distribution(n, &w).expect("computes");
                let one = p_peak_one(n, &w).expect("closed form").to_f64().expect("f64");
                assert!((d[0] - one).abs() < 1e-12, "n={n} w={w}: {} vs {one}", d[0]);
                let all = p_peak_all(n, &w).expect("closed form").to_f64().expect("f64");
                assert!(
                    (d[n as usize - 1] - all).abs() < 1e-12,
                    "n={n} w={w}: {} vs {all}",
                    d[n as usize - 1]
                );
                let total: f64 = d.iter().sum();
                assert!((total - 1.0).abs() < 1e-12);
                assert!(d.iter().all(|&p| p > -1e-13), "{d:?}");
            }
        }
    }

    #[test]
    fn exact_and_floating_evaluations_agree_and_the_fraction_does_not_depend_on_its_terms() {
        for (n, w) in [(3, q(1, 2)), (4, q(1, 3)), (5, q(2, 5)), (6, q(1, 4))] {
            let exact = expected_peak_exact(n, &w, 1_000_000).expect("computes");
            let float = expected_peak(n, &w).expect("computes");
            assert!((exact.to_f64().expect("f64") - float).abs() < 1e-12);
            // The same w written as 2r/2L must give the same value (the r-chain formula).
            let scaled = Q::new(w.numer() * 2, w.denom() * 2);
            let (r2, l2) = (
                2 * w.numer().to_usize().expect("small"),
                2 * w.denom().to_usize().expect("small"),
            );
            let inv = InvFactorials::<Q>::new(64);
            let mut e2 = Q::from_integer(BigInt::from(n));
            let scale = (1..=n).fold(Q::one(), |s, i| {
                s * Q::from_integer(BigInt::from(i)) / Q::from_integer(BigInt::from(l2))
            });
            for k in 2..=n {
                e2 -= scale.clone() * sum_compositions(n, r2, l2, k, &inv);
            }
            assert_eq!(e2, exact, "w = {scaled} vs {w}");
        }
    }

    #[test]
    fn the_estimate_agrees_with_the_exact_expectation_within_its_error() {
        // Pinned seeds, so the comparisons are reproducible; 4 standard errors.
        for (n, w) in [(10, q(1, 10)), (7, q(1, 4)), (5, q(2, 5)), (12, q(1, 3)), (2, q(7, 9))] {
            let exact = expected_peak(n, &w).expect("exact");
            let e = estimate_peak(n, &w, 40_000, 7).expect("estimates");
            assert!(e.std_err > 0.0 && e.draws == 40_000);
            assert!((e.mean - exact).abs() <= 4.0 * e.std_err, "N={n} w={w}: {e:?} vs {exact}");
        }
        // N = 2 against the closed form 1 + 2w − w², at a w whose exact sum is out of reach.
        let w = ratio(1, 1000);
        let two = expected_peak_two(&w).expect("closed form").to_f64().expect("f64");
        let e = estimate_peak(2, &w, 400_000, 3).expect("estimates");
        assert!((e.mean - two).abs() <= 4.0 * e.std_err, "{e:?} vs {two}");
    }

    #[test]
    fn the_scan_counts_a_window_of_exactly_w_and_no_more() {
        // τ = 2^64, w = 1/4: points a quarter apart are in different windows; closer, the same.
        let quarter = 1u64 << 62;
        let (l, reach) = (4u128, 1u128 << 64);
        assert_eq!(scan(&mut [0, quarter, 2 * quarter, 3 * quarter], l, reach), 1);
        assert_eq!(scan(&mut [3 * quarter - 1, 0, quarter - 1, 2 * quarter], l, reach), 2);
        assert_eq!(scan(&mut [5, 5, 5, u64::MAX], l, reach), 3);
        assert_eq!(scan(&mut [], l, reach), 0);
    }

    #[test]
    fn estimates_at_the_edges_and_bad_inputs() {
        let sure = estimate_peak(30, &q(3, 2), 10, 1).expect("estimates");
        assert_eq!((sure.mean, sure.std_err), (30.0, 0.0));
        let one = estimate_peak(1, &q(1, 10), 100, 1).expect("estimates");
        assert_eq!((one.mean, one.std_err), (1.0, 0.0));
        assert!(estimate_peak(0, &q(1, 2), 100, 1).is_err());
        assert!(estimate_peak(5, &q(1, 2), 1, 1).is_err());
        assert!(estimate_peak(5, &Q::zero(), 100, 1).is_err());
        let a = estimate_peak(50, &q(1, 100), 2_000, 9).expect("estimates");
        assert_eq!(a, estimate_peak(50, &q(1, 100), 2_000, 9).expect("estimates"));
        assert_ne!(a.mean, estimate_peak(50, &q(1, 100), 2_000, 10).expect("estimates").mean);
        assert_eq!(default_draws(10), 1_000_000);
        assert_eq!(default_draws(1000), 20_000);
        assert_eq!(default_draws(1_000_000), 20);
    }

    #[test]
    fn the_slotted_peak_is_the_scan_statistic_of_balls_in_bins() {
        // 3 clients in 3 slots, one slot of service: all apart 3!/27, all together 3/27, else
        // a pair: 18/27.
        let d = slotted_peak_distribution(3, 3, 1).expect("computes");
        assert_eq!(d, vec![Q::zero(), q(6, 27), q(18, 27), q(3, 27)]);
        // One slot, or a service as long as the jitter: the herd stays together.
        assert_eq!(slotted_peak_distribution(4, 1, 1).expect("computes")[4], Q::one());
        assert_eq!(slotted_peak_distribution(4, 3, 3).expect("computes")[4], Q::one());
        assert_eq!(
            slotted_peak_distribution(1, 6, 2).expect("computes"),
            vec![Q::zero(), Q::one()]
        );
        // Against brute force over every throw, for small N, D and service.
        for n in 1..=5u32 {
            for slots in 1..=5u32 {
                for service in 1..=4u32 {
                    let mut counts = vec![0i64; n as usize + 1];
                    let throws = (slots as i64).pow(n);
                    for t in 0..throws {
                        let mut load = vec![0usize; slots as usize];
                        let mut x = t;
                        for _ in 0..n {
                            load[(x % slots as i64) as usize] += 1;
                            x /= slots as i64;
                        }
                        let peak = (0..slots as usize)
                            .map(|j| -> usize {
                                load[j..(j + service as usize).min(load.len())].iter().sum()
                            })
                            .max()
                            .expect("a slot");
                        counts[peak] += 1;
                    }
                    let want: Vec<Q> = counts.iter().map(|&c| q(c, throws)).collect();
                    let got = slotted_peak_distribution(n, slots, service).expect("computes");
                    assert_eq!(got, want, "N={n} D={slots} service={service}");
                }
            }
        }
        assert_eq!(distribution_mean(&d), q(17, 9));
        assert!(slotted_peak_distribution(3, 0, 1).is_err());
        assert!(slotted_peak_distribution(3, 2, 0).is_err());
        assert!(slotted_peak_distribution(64, 4, 1).is_err()); // 4^64 = 2^128
        assert!(matches!(slotted_peak_distribution(20, 12, 2), Err(HerdError::TooLarge { .. })));
        let big = slotted_peak_distribution(63, 4, 1).expect("computes");
        assert_eq!(big.iter().fold(Q::zero(), |a, p| a + p), Q::one());
        assert_eq!(big[63], q(4, 1) / Q::from_integer(BigInt::from(4u128.pow(63))));
    }

    #[test]
    fn weighted_bins_are_counted_like_every_draw_of_every_client() {
        // Brute force: each client picks one of W draws; draw i lands in the slot it weighs.
        for weights in [vec![1u64, 2], vec![0, 1, 3], vec![2, 0, 1, 1], vec![1, 1, 1], vec![5]] {
            let slot_of: Vec<usize> =
                weights.iter().enumerate().flat_map(|(i, &w)| vec![i; w as usize]).collect();
            let w = slot_of.len() as i64;
            for n in 1..=4u32 {
                for service in 1..=3u32 {
                    let mut counts = vec![0i64; n as usize + 1];
                    for t in 0..w.pow(n) {
                        let mut load = vec![0usize; weights.len()];
                        let mut x = t;
                        for _ in 0..n {
                            load[slot_of[(x % w) as usize]] += 1;
                            x /= w;
                        }
                        let span = |j: usize| (j + service as usize).min(load.len());
                        let peak = (0..load.len())
                            .map(|j| load[j..span(j)].iter().sum::<usize>())
                            .max()
                            .expect("a slot");
                        counts[peak] += 1;
                    }
                    let want: Vec<Q> = counts.iter().map(|&c| q(c, w.pow(n))).collect();
                    let got = weighted_peak_distribution(n, &weights, service).expect("computes");
                    assert_eq!(got, want, "{weights:?} N={n} service={service}");
                }
            }
        }
        // Equal weights are the uniform law, whatever the weight.
        assert_eq!(
            weighted_peak_distribution(4, &[3, 3, 3], 1).expect("computes"),
            slotted_peak_distribution(4, 3, 1).expect("computes")
        );
        // Large herds: slots of weight 0 take no throw, and one possible slot holds the herd,
        // without tables of N² binomials that no longer fit in 128 bits.
        let certain = weighted_peak_distribution(1000, &[0, 1, 0], 1).expect("computes");
        assert_eq!((certain.len(), &certain[1000]), (1001, &Q::one()));
        assert_eq!(slotted_peak_distribution(200, 1, 1).expect("computes")[200], Q::one());
        for service in [1, 2] {
            let apart = weighted_peak_distribution(126, &[1, 0, 1], service).expect("computes");
            assert_eq!(apart.iter().fold(Q::zero(), |a, p| a + p), Q::one());
            // Both slots empty but one, or split: the peak is at least half the herd.
            assert!(apart[..63].iter().all(Zero::is_zero) && !apart[63].is_zero());
        }
        assert!(weighted_peak_distribution(3, &[0, 0], 1).is_err());
        assert!(weighted_peak_distribution(3, &[], 1).is_err());
        assert!(weighted_peak_distribution(3, &[1], 0).is_err());
    }

    fn first_delay_weights_ok(policy: &Policy) -> Vec<u64> {
        first_delay_weights(policy).expect("a short first delay")
    }

    #[test]
    fn first_delays_follow_each_policys_definition() {
        use inflight_core::Duration;
        let t = Duration;
        assert_eq!(first_delay_weights_ok(&Policy::Fixed { delay: t(3) }), [0, 0, 1]);
        assert_eq!(first_delay_weights_ok(&Policy::Uniform { window: t(4) }), [1, 1, 1, 1]);
        let backoff = |base, cap, jitter| Policy::Backoff { base: t(base), cap: t(cap), jitter };
        // Full jitter: U{1..c}, c = min(cap, base).
        assert_eq!(first_delay_weights_ok(&backoff(1, 6, Jitter::Full)), [1]);
        assert_eq!(first_delay_weights_ok(&backoff(4, 6, Jitter::Full)), [1, 1, 1, 1]);
        assert_eq!(first_delay_weights_ok(&backoff(4, 2, Jitter::Full)), [1, 1]);
        // Equal jitter: c/2 + U{0..c − c/2}, never below one tick.
        assert_eq!(first_delay_weights_ok(&backoff(1, 6, Jitter::Equal)), [2]);
        assert_eq!(first_delay_weights_ok(&backoff(4, 6, Jitter::Equal)), [0, 1, 1, 1]);
        assert_eq!(first_delay_weights_ok(&backoff(5, 6, Jitter::Equal)), [0, 1, 1, 1, 1]);
        // Decorrelated: min(cap, U{base..3·base}).
        assert_eq!(first_delay_weights_ok(&backoff(1, 6, Jitter::Decorrelated)), [1, 1, 1]);
        assert_eq!(first_delay_weights_ok(&backoff(1, 2, Jitter::Decorrelated)), [1, 2]);
        assert_eq!(first_delay_weights_ok(&backoff(2, 5, Jitter::Decorrelated)), [0, 1, 1, 1, 2]);
        // A first delay too long to lay out slot by slot is an error, not an allocation.
        assert!(first_delay_weights(&Policy::Uniform { window: t(1 << 40) }).is_err());
        assert!(first_delay_weights(&backoff(1 << 40, 1 << 41, Jitter::Decorrelated)).is_err());
        // Every draw past the cap is counted onto it, without drawing them one by one.
        assert_eq!(first_delay_weights_ok(&backoff(3, 2, Jitter::Decorrelated)), [0, 7]);
        let many = first_delay_weights_ok(&backoff(1 << 40, 2, Jitter::Decorrelated));
        assert_eq!(many, [0, (1 << 41) + 1]);
        assert_eq!(first_delay_weights_ok(&Policy::Uniform { window: t(4096) }).len(), 4096);
        // A first ceiling of one tick: the herd's first wave stays whole, as with a fixed delay.
        let whole =
            weighted_peak_distribution(5, &first_delay_weights_ok(&backoff(1, 6, Jitter::Full)), 1);
        assert_eq!(whole.expect("computes")[5], Q::one());
    }

    #[test]
    fn ratios_of_the_vectors_examples() {
        assert_eq!(periodic_ratio(&q(3, 2)).expect("R"), q(3, 4));
        assert_eq!(one_shot_fluid_ratio(&q(3, 2)).expect("fluid"), Q::one());
        assert_eq!(one_shot_even_stagger_ratio(7, &q(1, 20)).expect("stagger"), q(1, 7));
        assert_eq!(periodic_even_stagger_ratio(7, &q(5, 4)).expect("stagger"), q(9, 14));
        assert!(periodic_ratio(&Q::zero()).is_err());
        assert!(expected_peak(0, &q(1, 2)).is_err());
        assert!(matches!(expected_peak(20, &q(1, 60)), Err(HerdError::TooLarge { .. })));
    }
}
#[cfg(test)]
mod incremental_lu {
    use super::*;
    #[test]
    fn incremental_lu_matches_full_determinants() {
        for (n, r, l) in
            [(5u32, 2usize, 5usize), (7, 3, 10), (10, 1, 10), (6, 1, 4), (8, 2, 7), (9, 4, 9)]
        {
            for k in 2..=n {
                let inv = InvFactorials::<f64>::new(200);
                let slow = sum_compositions(n, r, l, k, &inv);
                let fast = sum_compositions_f64(n, r, l, k, &inv.0);
                assert!(
                    (slow - fast).abs() <= 1e-12 * slow.abs().max(1e-300),
                    "n={n} r={r} l={l} k={k}: {slow} vs {fast}"
                );
            }
        }
    }
}
