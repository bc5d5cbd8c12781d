//! Concurrency is not parallelism (MODELS.md §3): a line of stages, each with rᵢ workers of
//! rate μᵢ, fed open (at a rate λ) or closed (a client keeps C requests outstanding).
//!
//! - Open: the throughput is X = min(λ, minᵢ rᵢμᵢ); the backlog grows at λ − X, at the first
//!   stage that cannot keep up. The seed article's error: after scaling S1 to 6 × 50 the
//!   capacity is 300/s but the throughput is the load, 260/s (it calls 300 the throughput).
//! - Closed with a concurrency cap C and zero-load round trip R0 = Z + Σ 1/μᵢ: Little's law gives
//!   X(C) = C/R(C) ≤ min(C/R0, minᵢ rᵢμᵢ), with equality for deterministic times. Below the
//!   knee C* = R0 · minᵢ rᵢμᵢ a higher cap raises throughput; above it, it only adds latency.
//! - A stage as an M/M/c queue: Erlang C, the probability an arrival waits, and the mean wait.
//!
//! Rates are per second and exact rationals.

use crate::units::{PerSec, Seconds, Q};
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

/// A stage: `workers` in parallel, each serving `rate` requests per second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// rᵢ.
    pub workers: u32,
    /// μᵢ, per worker.
    pub rate: PerSec,
}

impl Stage {
    /// rᵢμᵢ, per second.
    pub fn capacity(&self) -> Q {
        Q::from_integer(BigInt::from(self.workers)) * self.rate.0.clone()
    }
}

/// Why a tandem law has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TandemError {
    /// No stages.
    NoStages,
    /// A stage with no workers or a non-positive rate.
    BadStage(usize),
    /// A negative load.
    NegativeLoad,
    /// An M/M/c stage loaded at or beyond its capacity has no steady state.
    Unstable,
    /// A cap of 0 or a negative round trip.
    BadClosedLoop,
}

impl std::fmt::Display for TandemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TandemError::NoStages => f.write_str("a line needs at least one stage"),
            TandemError::BadStage(i) => {
                write!(f, "stage {}: needs at least one worker and a positive rate", i + 1)
            }
            TandemError::NegativeLoad => f.write_str("the load λ must not be negative"),
            TandemError::Unstable => {
                f.write_str("infeasible: the stage is loaded at or beyond its capacity (ρ ≥ 1), so its queue never settles")
            }
            TandemError::BadClosedLoop => {
                f.write_str("a closed loop needs a cap C ≥ 1 and a positive zero-load round trip")
            }
        }
    }
}

impl std::error::Error for TandemError {}

fn check(stages: &[Stage]) -> Result<(), TandemError> {
    if stages.is_empty() {
        return Err(TandemError::NoStages);
    }
    for (i, s) in stages.iter().enumerate() {
        if s.workers == 0 || !s.rate.0.is_positive() {
            return Err(TandemError::BadStage(i));
        }
    }
    Ok(())
}

/// The open line's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenLine {
    /// minᵢ rᵢμᵢ, per second.
    pub capacity: Q,
    /// X = min(λ, capacity), per second.
    pub throughput: Q,
    /// The index of the first stage with the least capacity.
    pub bottleneck: usize,
    /// Per stage: how fast its queue grows (requests per second).
    pub growth: Vec<Q>,
    /// λ − X: how fast the whole backlog grows.
    pub total_growth: Q,
    /// Per stage: ρᵢ = λ / (rᵢμᵢ).
    pub rho: Vec<Q>,
}

/// The open tandem line under load λ.
pub fn open_line(load: &PerSec, stages: &[Stage]) -> Result<OpenLine, TandemError> {
    check(stages)?;
    if load.0.is_negative() {
        return Err(TandemError::NegativeLoad);
    }
    let caps: Vec<Q> = stages.iter().map(Stage::capacity).collect();
    let (mut bottleneck, mut capacity) = (0, caps[0].clone());
    for (i, c) in caps.iter().enumerate() {
        if *c < capacity {
            (bottleneck, capacity) = (i, c.clone());
        }
    }
    let mut flow = load.0.clone();
    let mut growth = Vec::new();
    for c in &caps {
        let out = flow.clone().min(c.clone());
        growth.push(flow - out.clone());
        flow = out;
    }
    let throughput = load.0.clone().min(capacity.clone());
    Ok(OpenLine {
        total_growth: load.0.clone() - throughput.clone(),
        rho: caps.iter().map(|c| load.0.clone() / c.clone()).collect(),
        capacity,
        throughput,
        bottleneck,
        growth,
    })
}

/// The closed loop's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedLoop {
    /// min(C/R0, minᵢ rᵢμᵢ), per second: exact for deterministic times, an upper bound otherwise.
    pub bound: Q,
    /// The knee C* = R0 · minᵢ rᵢμᵢ.
    pub knee: Q,
    /// The round trip at the bound, R = C/X (seconds): R0 below the knee, growing above it.
    pub round_trip: Seconds,
}

/// The closed loop with `cap` requests outstanding and zero-load round trip `r0`.
pub fn closed_loop(cap: u64, r0: &Seconds, stages: &[Stage]) -> Result<ClosedLoop, TandemError> {
    check(stages)?;
    if cap == 0 || !r0.0.is_positive() {
        return Err(TandemError::BadClosedLoop);
    }
    let capacity = stages
        .iter()
        .map(Stage::capacity)
        .fold(None, |m: Option<Q>, c| Some(m.map_or(c.clone(), |m| m.min(c))));
    let capacity = capacity.ok_or(TandemError::NoStages)?;
    let c = Q::from_integer(BigInt::from(cap));
    let bound = (c.clone() / r0.0.clone()).min(capacity.clone());
    Ok(ClosedLoop { knee: r0.0.clone() * capacity, round_trip: Seconds(c / bound.clone()), bound })
}

/// An M/M/c stage: Erlang C and the mean wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErlangC {
    /// ρ = λ/(cμ).
    pub utilisation: Q,
    /// P(an arrival waits), exact.
    pub p_wait: Q,
    /// Mean wait in the queue, W_q = C/(cμ − λ), seconds.
    pub mean_wait: Seconds,
}

/// Erlang C for load λ on `stage` (c = workers servers of rate μ), exactly: Erlang B by its
/// recursion B(k) = aB(k−1)/(k + aB(k−1)) with a = λ/μ, then C = B/(1 − ρ(1 − B)).
pub fn erlang_c(load: &PerSec, stage: &Stage) -> Result<ErlangC, TandemError> {
    check(std::slice::from_ref(stage))?;
    if load.0.is_negative() {
        return Err(TandemError::NegativeLoad);
    }
    let a = load.0.clone() / stage.rate.0.clone();
    let c = Q::from_integer(BigInt::from(stage.workers));
    let rho = a.clone() / c.clone();
    if rho >= Q::one() {
        return Err(TandemError::Unstable);
    }
    let mut b = Q::one();
    for k in 1..=stage.workers {
        let ab = a.clone() * b;
        b = ab.clone() / (Q::from_integer(BigInt::from(k)) + ab);
    }
    let p_wait =
        if a.is_zero() { Q::zero() } else { b.clone() / (Q::one() - rho.clone() * (Q::one() - b)) };
    let mean_wait = Seconds(p_wait.clone() / (c * stage.rate.0.clone() - load.0.clone()));
    Ok(ErlangC { utilisation: rho, p_wait, mean_wait })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse_rate;

    fn stage(workers: u32, rate: &str) -> Stage {
        Stage { workers, rate: parse_rate(rate).expect("rate") }
    }

    fn int(n: i64) -> Q {
        Q::from_integer(BigInt::from(n))
    }

    #[test]
    fn the_articles_line_and_its_error() {
        let load = parse_rate("260/s").expect("λ");
        let before = open_line(&load, &[stage(1, "1000/s"), stage(4, "50/s")]).expect("line");
        assert_eq!((before.throughput.clone(), before.total_growth.clone()), (int(200), int(60)));
        assert_eq!(before.growth, [int(0), int(60)]);
        let after = open_line(&load, &[stage(1, "1000/s"), stage(6, "50/s")]).expect("line");
        assert_eq!(after.capacity, int(300));
        assert_eq!(after.throughput, int(260), "the load, not the capacity");
        let five = open_line(&load, &[stage(1, "1000/s"), stage(5, "50/s")]).expect("line");
        assert_eq!(five.total_growth, int(10), "5 replicas are still unstable");
    }

    #[test]
    fn the_closed_loop_saturates_at_the_knee() {
        let r0 = Seconds(Q::new(1.into(), 100.into())); // 10 ms
        let line = [stage(1, "1000/s"), stage(6, "50/s")];
        let at = |c| closed_loop(c, &r0, &line).expect("loop");
        assert_eq!(at(1).knee, int(3)); // 10 ms · 300/s
        assert_eq!(at(1).bound, int(100));
        assert_eq!(at(3).bound, int(300));
        assert_eq!(at(6).bound, int(300), "past the knee only latency grows");
        assert_eq!(at(6).round_trip.0, Q::new(1.into(), 50.into()));
    }

    #[test]
    fn erlang_c_matches_known_values() {
        // M/M/1: P(wait) = ρ, W_q = ρ/(μ − λ).
        let e = erlang_c(&parse_rate("30/s").expect("λ"), &stage(1, "50/s")).expect("stable");
        assert_eq!(e.p_wait, Q::new(3.into(), 5.into()));
        assert_eq!(e.mean_wait.0, Q::new(3.into(), 100.into()));
        // c = 2, a = 1: C = 1/3.
        let e = erlang_c(&parse_rate("50/s").expect("λ"), &stage(2, "50/s")).expect("stable");
        assert_eq!(e.p_wait, Q::new(1.into(), 3.into()));
        assert_eq!(
            erlang_c(&parse_rate("300/s").expect("λ"), &stage(6, "50/s")),
            Err(TandemError::Unstable)
        );
    }

    #[test]
    fn bad_lines_are_errors() {
        let load = parse_rate("1/s").expect("λ");
        assert_eq!(open_line(&load, &[]), Err(TandemError::NoStages));
        assert_eq!(open_line(&load, &[stage(0, "1/s")]), Err(TandemError::BadStage(0)));
        let r0 = Seconds(Q::one());
        assert_eq!(closed_loop(0, &r0, &[stage(1, "1/s")]), Err(TandemError::BadClosedLoop));
    }
}
