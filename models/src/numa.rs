//! The cluster as a NUMA machine (MODELS.md §7).
//!
//! A share f of memory accesses is remote, and a remote access takes p times as long as a local
//! one. The average access slows by S = 1 + f(p − 1). That is the slowdown of the average
//! *access*, not of the program: if memory accesses are a share m of run time, the program
//! slows by (1 − m) + m·S. All of it is exact rational arithmetic.

use crate::units::Q;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

/// Why a NUMA law has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumaError {
    /// A fraction outside [0, 1] (named).
    Fraction(&'static str),
    /// A penalty p below 1 (a remote access is never faster than a local one).
    Penalty,
    /// A target slowdown below 1.
    Target,
    /// No remote access at all (f = 0) cannot reach a slowdown above 1.
    Infeasible,
}

impl std::fmt::Display for NumaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NumaError::Fraction(what) => write!(f, "{what} must be a fraction from 0 to 1"),
            NumaError::Penalty => {
                f.write_str("the penalty p = T_remote/T_local must be at least 1")
            }
            NumaError::Target => f.write_str("a target slowdown must be at least 1"),
            NumaError::Infeasible => {
                f.write_str("infeasible: with no remote accesses the slowdown is 1 at any penalty")
            }
        }
    }
}

impl std::error::Error for NumaError {}

fn fraction(x: &Q, what: &'static str) -> Result<(), NumaError> {
    if x.is_negative() || *x > Q::one() {
        return Err(NumaError::Fraction(what));
    }
    Ok(())
}

fn penalty(p: &Q) -> Result<(), NumaError> {
    if *p < Q::one() {
        return Err(NumaError::Penalty);
    }
    Ok(())
}

/// S = 1 + f(p − 1): the average access slowdown.
pub fn slowdown(f: &Q, p: &Q) -> Result<Q, NumaError> {
    fraction(f, "the remote fraction f")?;
    penalty(p)?;
    Ok(Q::one() + f * (p - Q::one()))
}

/// The penalty at which the slowdown reaches `target`: p = 1 + (S − 1)/f (the slowdown exceeds
/// the target exactly for larger p; f = 0.1, S = 100 gives 991).
pub fn penalty_for(f: &Q, target: &Q) -> Result<Q, NumaError> {
    fraction(f, "the remote fraction f")?;
    if *target < Q::one() {
        return Err(NumaError::Target);
    }
    if f.is_zero() {
        return if target.is_one() { Ok(Q::one()) } else { Err(NumaError::Infeasible) };
    }
    Ok(Q::one() + (target - Q::one()) / f)
}

/// The remote-fraction budget: the largest f that keeps the slowdown at most `target` at
/// penalty p, f = (S − 1)/(p − 1), capped at 1.
pub fn remote_budget(p: &Q, target: &Q) -> Result<Q, NumaError> {
    penalty(p)?;
    if *target < Q::one() {
        return Err(NumaError::Target);
    }
    if p.is_one() {
        return Ok(Q::one()); // remote is as fast as local: any fraction will do
    }
    Ok(((target - Q::one()) / (p - Q::one())).min(Q::one()))
}

/// The program's slowdown when memory accesses take a share m of its run time: (1 − m) + m·S.
pub fn program_slowdown(m: &Q, s: &Q) -> Result<Q, NumaError> {
    fraction(m, "the memory share m")?;
    if *s < Q::one() {
        return Err(NumaError::Target);
    }
    Ok(Q::one() - m + m * s)
}

/// `n` as an exact rational.
pub fn int(n: i64) -> Q {
    Q::from_integer(BigInt::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse_decimal;

    fn q(s: &str) -> Q {
        parse_decimal(s).expect("a number")
    }

    #[test]
    fn the_models_example() {
        assert_eq!(slowdown(&q("0.1"), &int(1000)), Ok(q("100.9")));
        assert_eq!(penalty_for(&q("0.1"), &int(100)), Ok(int(991)));
        assert_eq!(slowdown(&q("0.1"), &int(991)), Ok(int(100)));
        // Memory half the run time: the program slows by 0.5 + 0.5·100.9.
        assert_eq!(program_slowdown(&q("0.5"), &q("100.9")), Ok(q("50.95")));
        assert_eq!(remote_budget(&int(1000), &int(2)), Ok(Q::new(1.into(), 999.into())));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(slowdown(&q("1.5"), &int(2)), Err(NumaError::Fraction("the remote fraction f")));
        assert_eq!(
            slowdown(&q("-0.1"), &int(2)),
            Err(NumaError::Fraction("the remote fraction f"))
        );
        assert_eq!(slowdown(&q("0.1"), &q("0.5")), Err(NumaError::Penalty));
        assert_eq!(penalty_for(&Q::zero(), &int(2)), Err(NumaError::Infeasible));
        assert_eq!(
            program_slowdown(&q("2"), &int(2)),
            Err(NumaError::Fraction("the memory share m"))
        );
    }
}
