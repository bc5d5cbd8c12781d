//! Naming TTL vs churn (MODELS.md §5): how stale a cached name is, as a function of x = cθ
//! (changes per TTL), and the TTL that minimises refresh cost plus staleness cost.
//!
//! - Periodic refresh every θ: stale fraction g(x) = 1 − (1 − e^(−x))/x (≈ x/2), which by PASTA
//!   is also P(a read is stale).
//! - Poisson refresh at rate 1/θ: x/(1 + x), always worse than periodic.
//! - On-demand TTL cache with Poisson reads at rate r: P(stale read) = rθ·g(x)/(1 + rθ)
//!   (= r(θ − (1 − e^(−cθ))/c)/(1 + rθ)), and a refetch rate of r/(1 + rθ).
//! - DHT pointers refreshed every θ while nodes leave at rate c: each pointer is stale with
//!   p = g(cθ), and a lookup over h pointers fails with 1 − (1 − p)^h.
//! - Cost J(θ) = a/θ + b·r·g(cθ) is least where 1 − (1 + x)e^(−x) = κ = ac/(br):
//!   x* = −1 − W₋₁(−(1 − κ)/e) for κ < 1; for κ ≥ 1 refreshing never pays (θ* = ∞).
//!
//! These are transcendental, so they are `f64`; rates are per second, times in seconds.

use std::fmt;

/// Why a TTL law has no answer.
#[derive(Clone, Debug, PartialEq)]
pub enum TtlError {
    /// An input out of its domain (named).
    Domain(&'static str),
}

impl fmt::Display for TtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TtlError::Domain(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for TtlError {}

fn non_negative(x: f64, what: &'static str) -> Result<(), TtlError> {
    if x >= 0.0 && x.is_finite() {
        Ok(())
    } else {
        Err(TtlError::Domain(what))
    }
}

/// g(x) = 1 − (1 − e^(−x))/x, with g(0) = 0; a series near 0 keeps full precision.
pub fn periodic_stale(x: f64) -> Result<f64, TtlError> {
    non_negative(x, "x = cθ must be a finite non-negative number")?;
    if x < 1e-3 {
        return Ok(x / 2.0 - x * x / 6.0 + x * x * x / 24.0 - x * x * x * x / 120.0);
    }
    Ok(1.0 + (-x).exp_m1() / x)
}

/// x/(1 + x): the stale fraction with Poisson refreshes at rate 1/θ.
pub fn poisson_stale(x: f64) -> Result<f64, TtlError> {
    non_negative(x, "x = cθ must be a finite non-negative number")?;
    Ok(x / (1.0 + x))
}

/// An on-demand TTL cache: P(stale read) and the refetch rate (per second).
pub fn on_demand(churn: f64, ttl: f64, reads: f64) -> Result<(f64, f64), TtlError> {
    non_negative(churn, "the churn c must not be negative")?;
    non_negative(ttl, "the TTL θ must not be negative")?;
    non_negative(reads, "the read rate r must not be negative")?;
    let rt = reads * ttl;
    Ok((rt * periodic_stale(churn * ttl)? / (1.0 + rt), reads / (1.0 + rt)))
}

/// DHT pointers: (p = g(cθ), P(a lookup over h pointers fails) = 1 − (1 − p)^h).
pub fn dht(churn: f64, ttl: f64, hops: u32) -> Result<(f64, f64), TtlError> {
    non_negative(churn, "the churn c must not be negative")?;
    non_negative(ttl, "the TTL θ must not be negative")?;
    let p = periodic_stale(churn * ttl)?;
    Ok((p, -((hops as f64) * (-p).ln_1p()).exp_m1()))
}

/// J(θ) = a/θ + b·r·g(cθ): refresh cost a per refresh, staleness cost b per stale read.
pub fn cost(ttl: f64, churn: f64, reads: f64, a: f64, b: f64) -> Result<f64, TtlError> {
    if ttl.is_nan() || ttl <= 0.0 || ttl.is_infinite() {
        return Err(TtlError::Domain("the TTL θ must be positive"));
    }
    Ok(a / ttl + b * reads * periodic_stale(churn * ttl)?)
}

/// The lower real branch of the Lambert W function, W₋₁(z) for z in [−1/e, 0), by Halley's
/// iteration.
pub fn lambert_w_minus1(z: f64) -> Result<f64, TtlError> {
    let e_inv = (-1.0f64).exp();
    if !(z >= -e_inv && z < 0.0) {
        return Err(TtlError::Domain("W₋₁ is real only on [−1/e, 0)"));
    }
    let mut w = if z < -0.25 {
        -1.0 - (2.0 * (1.0 + std::f64::consts::E * z)).max(0.0).sqrt()
    } else {
        let l1 = (-z).ln();
        l1 - (-l1).ln()
    };
    for _ in 0..100 {
        let ew = w.exp();
        let f = w * ew - z;
        if f == 0.0 || (w + 1.0).abs() < 1e-15 {
            break;
        }
        let step = f / (ew * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0));
        w -= step;
        if step.abs() <= 1e-16 * w.abs() {
            break;
        }
    }
    Ok(w)
}

/// The cost-optimal TTL θ* in seconds, or `None` (infinite: refreshing never pays) when
/// κ = ac/(br) ≥ 1.
pub fn optimal_ttl(churn: f64, reads: f64, a: f64, b: f64) -> Result<Option<f64>, TtlError> {
    for (x, what) in [
        (churn, "the churn c must be positive"),
        (reads, "the read rate r must be positive"),
        (a, "the refresh cost a must be positive"),
        (b, "the staleness cost b must be positive"),
    ] {
        if !(x > 0.0 && x.is_finite()) {
            return Err(TtlError::Domain(what));
        }
    }
    let kappa = a * churn / (b * reads);
    if kappa >= 1.0 {
        return Ok(None);
    }
    let z = -(1.0 - kappa) * (-1.0f64).exp();
    let x = -1.0 - lambert_w_minus1(z)?;
    Ok(Some(x / churn))
}

/// Message rates (per second) and stale-read fractions of the ways to keep a name fresh.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Push every change: c messages/s, never stale (propagation delay aside).
    pub push: (f64, f64),
    /// Refresh every θ: 1/θ messages/s, stale g(cθ).
    pub periodic: (f64, f64),
    /// On-demand TTL: r/(1 + rθ) fetches/s, stale rθ·g(cθ)/(1 + rθ).
    pub on_demand: (f64, f64),
    /// No cache: r fetches/s, never stale.
    pub no_cache: (f64, f64),
}

/// Push vs TTL vs no cache for churn c, TTL θ and reads r.
pub fn compare(churn: f64, ttl: f64, reads: f64) -> Result<Comparison, TtlError> {
    if ttl.is_nan() || ttl <= 0.0 || ttl.is_infinite() {
        return Err(TtlError::Domain("the TTL θ must be positive"));
    }
    let (stale, fetches) = on_demand(churn, ttl, reads)?;
    Ok(Comparison {
        push: (churn, 0.0),
        periodic: (1.0 / ttl, periodic_stale(churn * ttl)?),
        on_demand: (fetches, stale),
        no_cache: (reads, 0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_is_about_half_of_x_for_small_x_and_poisson_refresh_is_worse() {
        for x in [1e-9, 1e-4, 1e-3, 0.01, 0.5, 1.0, 5.0, 50.0] {
            let g = periodic_stale(x).expect("g");
            let direct: f64 = 1.0 - (1.0 - (-x).exp()) / x;
            if x >= 1e-2 {
                assert!((g - direct).abs() < 1e-14, "{x}");
            }
            assert!(g < poisson_stale(x).expect("poisson"), "{x}");
            assert!(g <= x / 2.0 + 1e-18);
        }
        let x = 1e-9f64;
        assert!((periodic_stale(x).expect("g") - (x / 2.0 - x * x / 6.0)).abs() < 1e-25);
    }

    #[test]
    fn the_optimum_is_where_the_cost_is_least() {
        let (c, r, a, b) = (0.01, 5.0, 1.0, 2.0);
        let theta = optimal_ttl(c, r, a, b).expect("domain").expect("finite");
        let j = |t: f64| cost(t, c, r, a, b).expect("cost");
        assert!(j(theta) <= j(theta * 0.99) && j(theta) <= j(theta * 1.01));
        // The first-order condition 1 − (1 + x)e^(−x) = κ.
        let x = c * theta;
        assert!((1.0 - (1.0 + x) * (-x).exp() - a * c / (b * r)).abs() < 1e-12);
        assert_eq!(optimal_ttl(1.0, 1.0, 2.0, 1.0), Ok(None), "κ ≥ 1: never refresh");
    }

    #[test]
    fn lambert_w_minus1_inverts_w_e_to_the_w() {
        for z in [-0.367879, -0.3, -0.1, -1e-3, -1e-10] {
            let w = lambert_w_minus1(z).expect("in range");
            assert!(w <= -1.0);
            assert!((w * w.exp() - z).abs() <= 1e-14 * z.abs().max(1e-3), "z = {z}: w = {w}");
        }
        assert!(lambert_w_minus1(0.1).is_err());
        assert!(lambert_w_minus1(-0.5).is_err());
    }

    #[test]
    fn on_demand_and_dht_match_their_forms() {
        let (stale, fetch) = on_demand(0.1, 10.0, 2.0).expect("domain");
        let direct = 2.0 * (10.0 - (1.0 - (-1.0f64).exp()) / 0.1) / (1.0 + 20.0);
        assert!((stale - direct).abs() < 1e-14);
        assert!((fetch - 2.0 / 21.0).abs() < 1e-15);
        let (p, fail) = dht(0.1, 10.0, 5).expect("domain");
        assert!((fail - (1.0 - (1.0 - p).powi(5))).abs() < 1e-15);
        assert!(on_demand(-1.0, 1.0, 1.0).is_err());
    }
}
