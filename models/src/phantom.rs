//! The phantom-deadlock probability, MODELS.md §4.
//!
//! A cycle of `n` wait-for edges is reported to a detector; each edge is released after an
//! independent Exp(μ) time (a lock-wait timeout or an abort). The detector decides on reports of
//! some age; the declaration is a phantom if any edge was released before the decision. With
//! ages a₁ … aₙ, P(phantom) = 1 − E[∏ e^(−μ aᵢ)], so everything depends on how reports age:
//!
//! | model | report ages | P(δ) | τ₅₀ |
//! |---|---|---|---|
//! | A snapshot | all δ | 1 − e^(−nμδ) | ln 2 / (nμ) |
//! | B staggered | report i taken at (i−1)δ/(n−1), decided at δ | 1 − e^(−nμδ/2) | 2 ln 2 / (nμ) |
//! | B′ edge-chasing probe | n hops of δ/n | 1 − e^(−μδ(n+1)/2) | 2 ln 2 / (μ(n+1)) |
//! | C1 | i.i.d. U[0, δ] | 1 − ((1 − e^(−μδ))/(μδ))ⁿ | numeric (bisection) |
//! | C2 | i.i.d. Exp(mean δ) | 1 − (1 + μδ)^(−n) | (2^(1/n) − 1)/μ |
//!
//! τ₅₀ is the report age δ at which a declaration is a phantom half the time. The values are
//! transcendental, so they are `f64`, computed with `expm1`/`ln_1p` to keep full relative
//! precision for small μδ.

use crate::laws::LawError;
use crate::units::{to_f64, PerSec, Seconds, Q};
use num_traits::Zero;
use std::f64::consts::LN_2;
use std::fmt;

/// How the reports a detector decides on have aged (MODELS.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportAges {
    /// A: all reports taken together, the decision δ later.
    Snapshot,
    /// B: report i taken at (i−1)δ/(n−1), the decision at δ.
    Staggered,
    /// B′: an edge-chasing probe, n hops of δ/n each.
    Probe,
    /// C1: independent ages uniform on [0, δ].
    Uniform,
    /// C2: independent ages exponential with mean δ.
    Exponential,
}

impl ReportAges {
    /// Every model, in the order of MODELS.md's table.
    pub const ALL: [ReportAges; 5] = [
        ReportAges::Snapshot,
        ReportAges::Staggered,
        ReportAges::Probe,
        ReportAges::Uniform,
        ReportAges::Exponential,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportAges::Snapshot => "snapshot",
            ReportAges::Staggered => "staggered",
            ReportAges::Probe => "probe",
            ReportAges::Uniform => "uniform",
            ReportAges::Exponential => "exponential",
        }
    }

    /// MODELS.md's label for the model.
    pub fn label(self) -> &'static str {
        match self {
            ReportAges::Snapshot => "A",
            ReportAges::Staggered => "B",
            ReportAges::Probe => "B′",
            ReportAges::Uniform => "C1",
            ReportAges::Exponential => "C2",
        }
    }

    /// The formula, for people.
    pub fn formula(self) -> &'static str {
        match self {
            ReportAges::Snapshot => "1 − e^(−nμδ)",
            ReportAges::Staggered => "1 − e^(−nμδ/2)",
            ReportAges::Probe => "1 − e^(−μδ(n+1)/2)",
            ReportAges::Uniform => "1 − ((1 − e^(−μδ))/(μδ))^n",
            ReportAges::Exponential => "1 − (1 + μδ)^(−n)",
        }
    }
}

impl fmt::Display for ReportAges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.label(), self.name())
    }
}

/// The inputs: `n` edges in the cycle, each released at rate μ, reports of age parameter δ.
#[derive(Clone, Debug, PartialEq)]
pub struct PhantomInputs {
    /// Edges in the cycle, n ≥ 1.
    pub n: u32,
    /// Release rate of each edge, μ > 0.
    pub mu: PerSec,
    /// The report age parameter δ ≥ 0.
    pub delta: Seconds,
}

impl PhantomInputs {
    /// (n, μ in 1/s, δ in s) as `f64`, after checking the domain.
    fn check(&self) -> Result<(f64, f64, f64), LawError> {
        if self.n == 0 {
            return Err(LawError::Domain("n must be at least 1 edge"));
        }
        let (mu, delta) = (to_f64(&self.mu.0), to_f64(&self.delta.0));
        if !(mu > 0.0 && mu.is_finite()) {
            return Err(LawError::Domain("the release rate μ must be positive"));
        }
        if !(delta >= 0.0 && delta.is_finite()) {
            return Err(LawError::Domain("the report age δ must not be negative"));
        }
        Ok((self.n as f64, mu, delta))
    }
}

/// P(phantom) under `model`, MODELS.md §4.
pub fn probability(model: ReportAges, inputs: &PhantomInputs) -> Result<f64, LawError> {
    let (n, mu, delta) = inputs.check()?;
    let x = mu * delta;
    Ok(match model {
        ReportAges::Snapshot => -(-n * x).exp_m1(),
        ReportAges::Staggered => -(-n * x / 2.0).exp_m1(),
        ReportAges::Probe => -(-x * (n + 1.0) / 2.0).exp_m1(),
        ReportAges::Uniform => {
            if x == 0.0 {
                0.0
            } else {
                // ln of the mean survival of one edge, (1 − e^(−x))/x, kept accurate near 0.
                let ln_mean = (-(-x).exp_m1() / x).ln();
                -(n * ln_mean).exp_m1()
            }
        }
        ReportAges::Exponential => -(-n * x.ln_1p()).exp_m1(),
    })
}

/// τ₅₀ in seconds: the report age at which P(phantom) = 1/2, for `n` edges released at rate μ.
pub fn tau50_seconds(model: ReportAges, n: u32, mu: &PerSec) -> Result<f64, LawError> {
    let inputs = PhantomInputs { n, mu: mu.clone(), delta: Seconds(Q::zero()) };
    let (n, mu, _) = inputs.check()?;
    Ok(match model {
        ReportAges::Snapshot => LN_2 / (n * mu),
        ReportAges::Staggered => 2.0 * LN_2 / (n * mu),
        ReportAges::Probe => 2.0 * LN_2 / (mu * (n + 1.0)),
        ReportAges::Exponential => (LN_2 / n).exp_m1() / mu,
        ReportAges::Uniform => uniform_half_life(n) / mu,
    })
}

/// The x = μδ at which ((1 − e^(−x))/x)^n = 1/2, by bisection on
/// f(x) = n·ln((1 − e^(−x))/x) + ln 2, which falls from ln 2 at 0 towards −∞.
fn uniform_half_life(n: f64) -> f64 {
    let f = |x: f64| n * (-(-x).exp_m1() / x).ln() + LN_2;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while f(hi) > 0.0 {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{parse_duration, parse_rate};

    fn inputs(n: u32, mu: &str, delta: &str) -> PhantomInputs {
        PhantomInputs {
            n,
            mu: parse_rate(mu).expect("rate"),
            delta: parse_duration(delta).expect("duration"),
        }
    }

    #[test]
    fn the_snapshot_half_life_is_8_66434_ms_for_four_edges_at_20_per_second() {
        let t = tau50_seconds(ReportAges::Snapshot, 4, &parse_rate("20/s").expect("rate"));
        let t = t.expect("τ");
        assert!((t - 8.66434e-3).abs() < 1e-8, "{t}");
    }

    #[test]
    fn every_half_life_gives_one_half() {
        for model in ReportAges::ALL {
            for n in [1, 2, 4, 10, 32] {
                let mu = parse_rate("20/s").expect("rate");
                let t = tau50_seconds(model, n, &mu).expect("τ");
                let delta = Seconds(Q::from_float(t).expect("finite"));
                let p = probability(model, &PhantomInputs { n, mu, delta }).expect("P");
                assert!((p - 0.5).abs() < 1e-12, "{model} n={n}: P(τ₅₀) = {p}");
            }
        }
    }

    #[test]
    fn models_agree_where_they_must() {
        // One edge: snapshot and probe (one hop of δ) coincide; staggered ages are 0 … δ.
        let one = inputs(1, "20/s", "10ms");
        let a = probability(ReportAges::Snapshot, &one).expect("A");
        assert!((a - probability(ReportAges::Probe, &one).expect("B′")).abs() < 1e-15);
        // No age, no phantom; small ages are accurate, not rounded to 0.
        for model in ReportAges::ALL {
            assert_eq!(probability(model, &inputs(4, "20/s", "0s")).expect("P"), 0.0);
            let tiny = probability(model, &inputs(4, "20/s", "1ns")).expect("P");
            assert!(tiny > 1e-8 && tiny < 1e-7, "{model}: {tiny}");
        }
    }

    #[test]
    fn bad_inputs_are_domain_errors() {
        assert!(probability(ReportAges::Snapshot, &inputs(0, "20/s", "1ms")).is_err());
        assert!(probability(ReportAges::Snapshot, &inputs(4, "0/s", "1ms")).is_err());
        assert!(probability(ReportAges::Snapshot, &inputs(4, "20/s", "-1ms")).is_err());
        assert!(tau50_seconds(ReportAges::Uniform, 0, &parse_rate("20/s").expect("rate")).is_err());
    }
}
