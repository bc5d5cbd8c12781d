//! Continuous-time Markov chains over explored state graphs, solved by uniformization.
//!
//! [`explore`] builds the chain from any hashable state and a function giving each state's
//! rate-annotated successors. [`Ctmc::transient`] computes the distribution at time t exactly up
//! to a truncation error below 1e−15: with Λ ≥ every exit rate and P = I + Q/Λ,
//! π(t) = Σₖ e^(−Λt) (Λt)ᵏ/k! · π(0) Pᵏ (Jensen's uniformization). The Poisson weights are
//! computed outward from the mode and normalised (the Fox–Glynn idea), so they neither underflow
//! for large Λt nor lose precision for small Λt.

use std::collections::HashMap;
use std::hash::Hash;

/// A finite CTMC: for each state, its outgoing transitions as (target, rate per second).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ctmc {
    out: Vec<Vec<(u32, f64)>>,
}

/// Why a chain could not be built or solved.
#[derive(Clone, Debug, PartialEq)]
pub enum CtmcError {
    /// More states than the limit given.
    TooManyStates(usize),
    /// A rate that is negative, infinite or NaN.
    BadRate(f64),
    /// A negative or non-finite time.
    BadTime(f64),
}

impl std::fmt::Display for CtmcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CtmcError::TooManyStates(n) => write!(f, "more than {n} states"),
            CtmcError::BadRate(r) => write!(f, "rate {r} is not a finite non-negative number"),
            CtmcError::BadTime(t) => write!(f, "time {t} is not a finite non-negative number"),
        }
    }
}

impl std::error::Error for CtmcError {}

/// Explores every state reachable from `init` through `successors` (each with its rate) and
/// returns the chain and its states; state 0 is `init`. Transitions of rate 0 are dropped, and
/// self-loops are ignored (they do not change a CTMC).
pub fn explore<S: Clone + Eq + Hash>(
    init: S,
    mut successors: impl FnMut(&S) -> Vec<(f64, S)>,
    max_states: usize,
) -> Result<(Ctmc, Vec<S>), CtmcError> {
    let mut index: HashMap<S, u32> = HashMap::new();
    let mut states = vec![init.clone()];
    index.insert(init, 0);
    let mut out: Vec<Vec<(u32, f64)>> = Vec::new();
    let mut i = 0;
    while i < states.len() {
        let mut row: Vec<(u32, f64)> = Vec::new();
        for (rate, next) in successors(&states[i]) {
            if !(rate >= 0.0 && rate.is_finite()) {
                return Err(CtmcError::BadRate(rate));
            }
            let j = match index.get(&next) {
                Some(&j) => j,
                None => {
                    if states.len() >= max_states {
                        return Err(CtmcError::TooManyStates(max_states));
                    }
                    let j = states.len() as u32;
                    index.insert(next.clone(), j);
                    states.push(next);
                    j
                }
            };
            if rate > 0.0 && j as usize != i {
                match row.iter_mut().find(|(t, _)| *t == j) {
                    Some((_, r)) => *r += rate,
                    None => row.push((j, rate)),
                }
            }
        }
        out.push(row);
        i += 1;
    }
    Ok((Ctmc { out }, states))
}

impl Ctmc {
    /// The number of states.
    pub fn states(&self) -> usize {
        self.out.len()
    }

    /// The number of transitions.
    pub fn transitions(&self) -> usize {
        self.out.iter().map(Vec::len).sum()
    }

    /// The distribution at time `t` seconds, starting in state 0.
    pub fn transient(&self, t: f64) -> Result<Vec<f64>, CtmcError> {
        if !(t >= 0.0 && t.is_finite()) {
            return Err(CtmcError::BadTime(t));
        }
        let n = self.out.len();
        let mut pi = vec![0.0; n];
        if n == 0 {
            return Ok(pi);
        }
        let exit: Vec<f64> = self.out.iter().map(|row| row.iter().map(|(_, r)| r).sum()).collect();
        let lambda = exit.iter().copied().fold(0.0, f64::max);
        let mut v = vec![0.0; n];
        v[0] = 1.0;
        if lambda == 0.0 || t == 0.0 {
            return Ok(v);
        }
        let (left, weights) = poisson_weights(lambda * t);
        let mut next = vec![0.0; n];
        for k in 0..left + weights.len() {
            if k >= left {
                let w = weights[k - left];
                for (p, x) in pi.iter_mut().zip(&v) {
                    *p += w * x;
                }
            }
            // v ← v P with P = I + Q/Λ.
            for (i, x) in v.iter().enumerate() {
                next[i] += x * (1.0 - exit[i] / lambda);
                for &(j, r) in &self.out[i] {
                    next[j as usize] += x * r / lambda;
                }
            }
            std::mem::swap(&mut v, &mut next);
            next.iter_mut().for_each(|x| *x = 0.0);
        }
        Ok(pi)
    }
}

/// Poisson(μ) probabilities for k = left, left + 1, …, wherever they exceed 1e−30 of the mode's,
/// normalised to sum to 1 (the mass cut off is below 1e−25).
fn poisson_weights(mu: f64) -> (usize, Vec<f64>) {
    const CUT: f64 = 1e-30;
    let mode = mu.floor() as usize;
    let mut down = Vec::new(); // mode − 1, mode − 2, …
    let mut w = 1.0;
    let mut k = mode;
    while k > 0 {
        w *= k as f64 / mu;
        if w < CUT {
            break;
        }
        down.push(w);
        k -= 1;
    }
    let left = mode - down.len();
    let mut weights: Vec<f64> = down.into_iter().rev().collect();
    weights.push(1.0);
    let mut w = 1.0;
    let mut k = mode;
    loop {
        w *= mu / (k + 1) as f64;
        if w < CUT {
            break;
        }
        weights.push(w);
        k += 1;
    }
    let total: f64 = weights.iter().sum();
    weights.iter_mut().for_each(|w| *w /= total);
    (left, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_weights_match_the_formula_small_and_large() {
        let (left, w) = poisson_weights(0.3);
        assert_eq!(left, 0);
        assert!((w[0] - (-0.3f64).exp()).abs() < 4e-16);
        assert!((w[2] - (-0.3f64).exp() * 0.09 / 2.0).abs() < 4e-16);
        // Λt = 2000: e^(−2000) underflows, the weights do not.
        let (left, w) = poisson_weights(2000.0);
        assert!(left > 1400 && left < 1600, "{left}");
        let sum: f64 = w.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
        let mean: f64 = w.iter().enumerate().map(|(i, p)| (left + i) as f64 * p).sum();
        assert!((mean - 2000.0).abs() < 1e-8, "{mean}");
    }

    #[test]
    fn a_two_state_chain_matches_its_closed_form() {
        // 0 ⇄ 1 with rates a, b: P(in 1 at t) = a/(a+b) (1 − e^(−(a+b)t)).
        let (a, b) = (3.0, 5.0);
        let (c, states) =
            explore(0u8, |&s| vec![(if s == 0 { a } else { b }, 1 - s)], 10).expect("explores");
        assert_eq!((c.states(), c.transitions(), states), (2, 2, vec![0, 1]));
        for t in [0.0, 0.01, 0.1, 1.0, 10.0] {
            let pi = c.transient(t).expect("solves");
            let exact = a / (a + b) * -(-(a + b) * t).exp_m1();
            assert!((pi[1] - exact).abs() < 1e-14, "t={t}: {} vs {exact}", pi[1]);
            assert!((pi[0] + pi[1] - 1.0).abs() < 1e-14);
        }
    }

    #[test]
    fn pure_death_chain_is_erlang() {
        // n → n−1 at rate kμ: time to absorption from 3 is a sum of Exp(3μ), Exp(2μ), Exp(μ).
        let mu = 2.0;
        let (c, states) =
            explore(3u8, |&k| if k == 0 { vec![] } else { vec![(k as f64 * mu, k - 1)] }, 10)
                .expect("explores");
        let t = 0.4;
        let pi = c.transient(t).expect("solves");
        let absorbed = states.iter().position(|&s| s == 0).expect("reached");
        let exact = (1.0 - (-mu * t).exp()).powi(3); // max of 3 i.i.d. Exp(μ)
        assert!((pi[absorbed] - exact).abs() < 1e-14);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            explore(0u8, |_| vec![(-1.0, 1)], 10).map(|_| ()),
            Err(CtmcError::BadRate(-1.0))
        );
        assert_eq!(
            explore(0u32, |&s| vec![(1.0, s + 1)], 5).map(|_| ()),
            Err(CtmcError::TooManyStates(5))
        );
        let (c, _) = explore(0u8, |_| vec![], 1).expect("one state");
        assert_eq!(c.transient(-1.0), Err(CtmcError::BadTime(-1.0)));
        assert_eq!(c.transient(1.0), Ok(vec![1.0]));
    }
}
