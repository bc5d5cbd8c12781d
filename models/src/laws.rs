//! The performance laws, each with its source section in MODELS.md.
//!
//! All arithmetic is exact ([`Q`]); ceilings are taken on rationals, never on `f64` (⌈μL⌉ in
//! `f64` gives 8 instead of 7 for μ = 100 000/s, L = 0.07 ms).

use crate::units::{Bits, BitsPerSec, PerSec, Seconds, Q};
use num_bigint::BigInt;
use num_traits::{One, Zero};
use std::fmt;

/// A link that serializes each message: size `size` at `bandwidth`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The size of one message (or one write).
    pub size: Bits,
    /// The link's bandwidth.
    pub bandwidth: BitsPerSec,
}

impl Link {
    /// s / B: the time to put one message on the wire.
    pub fn serialization(&self) -> Seconds {
        Seconds(self.size.0.clone() / self.bandwidth.0.clone())
    }

    /// B / s: the most messages per second the link can carry.
    pub fn capacity(&self) -> PerSec {
        PerSec(self.bandwidth.0.clone() / self.size.0.clone())
    }
}

/// What limits a window protocol's throughput.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The window: k / T < B / s.
    Window,
    /// The link: B / s ≤ k / T.
    Bandwidth,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bound::Window => "window-bound (k/T)",
            Bound::Bandwidth => "bandwidth-bound (B/s)",
        })
    }
}

/// The throughput of a window protocol, with the quantities behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throughput {
    /// X = min(k / T, B / s), per second.
    pub rate: PerSec,
    /// T: how long one slot of the window is held.
    pub slot_time: Seconds,
    /// B / s, if a link was given.
    pub capacity: Option<PerSec>,
    /// Which term is the minimum.
    pub bound: Bound,
}

/// Why a law has no answer for these inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LawError {
    /// The target rate exceeds what the link can carry at any window.
    Infeasible(Box<Infeasibility>),
    /// An input is out of its domain (named, with what it accepts).
    Domain(&'static str),
}

/// A target rate beyond the link's capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Infeasibility {
    /// The target rate.
    pub target: PerSec,
    /// B / s.
    pub capacity: PerSec,
}

impl fmt::Display for LawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LawError::Infeasible(i) => write!(
                f,
                "infeasible: the target rate {} exceeds the link capacity B/s = {}",
                i.target, i.capacity
            ),
            LawError::Domain(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for LawError {}

fn positive(q: &Q, what: &'static str) -> Result<(), LawError> {
    if q > &Q::zero() {
        Ok(())
    } else {
        Err(LawError::Domain(what))
    }
}

fn non_negative(q: &Q, what: &'static str) -> Result<(), LawError> {
    if q >= &Q::zero() {
        Ok(())
    } else {
        Err(LawError::Domain(what))
    }
}

fn check_link(link: Option<&Link>) -> Result<(), LawError> {
    if let Some(l) = link {
        positive(&l.size.0, "size must be positive")?;
        positive(&l.bandwidth.0, "bandwidth must be positive")?;
    }
    Ok(())
}

/// Window throughput, MODELS.md §1 and §2: a window of `k` slots, each held for
/// T = RTT + s/B + t_proc, gives X = min(k / T, B / s).
///
/// `batch` writes per message (group commit, MODELS.md §1) send one message of `batch · s` bits
/// per slot: T = RTT + batch·s/B + t_proc and X = min(batch · k / T, B / s) writes per second.
pub fn window_throughput(
    k: u64,
    rtt: &Seconds,
    link: Option<&Link>,
    t_proc: &Seconds,
    batch: u64,
) -> Result<Throughput, LawError> {
    if k == 0 {
        return Err(LawError::Domain("the window must be at least 1"));
    }
    if batch == 0 {
        return Err(LawError::Domain("the batch must be at least 1 write"));
    }
    non_negative(&rtt.0, "the round-trip time must not be negative")?;
    non_negative(&t_proc.0, "the processing time must not be negative")?;
    check_link(link)?;
    let batch_q = Q::from_integer(BigInt::from(batch));
    let serialization = link.map_or_else(Q::zero, |l| l.serialization().0 * batch_q.clone());
    let slot = rtt.0.clone() + serialization + t_proc.0.clone();
    positive(&slot, "the slot time RTT + s/B + t_proc must be positive")?;
    let window_rate = batch_q * Q::from_integer(BigInt::from(k)) / slot.clone();
    let capacity = link.map(Link::capacity);
    let (rate, bound) = match &capacity {
        Some(cap) if cap.0 <= window_rate => (cap.0.clone(), Bound::Bandwidth),
        _ => (window_rate, Bound::Window),
    };
    Ok(Throughput { rate: PerSec(rate), slot_time: Seconds(slot), capacity, bound })
}

/// The simple form of the window law, MODELS.md §2: min(M / L, B / s), with L taken as the whole
/// slot time. It is exact only if L already includes s/B.
pub fn window_throughput_simple(
    m: u64,
    l: &Seconds,
    link: Option<&Link>,
) -> Result<PerSec, LawError> {
    positive(&l.0, "L must be positive")?;
    check_link(link)?;
    let window = Q::from_integer(BigInt::from(m)) / l.0.clone();
    Ok(PerSec(match link.map(Link::capacity) {
        Some(cap) if cap.0 < window => cap.0,
        _ => window,
    }))
}

/// Synchronous replication, MODELS.md §1: k = 1 gives 1 / T, which is 1 / RTT when s/B and
/// t_proc are negligible.
pub fn sync_replication(
    k: u64,
    rtt: &Seconds,
    link: Option<&Link>,
    t_proc: &Seconds,
) -> Result<Throughput, LawError> {
    window_throughput(k, rtt, link, t_proc, 1)
}

/// The window needed for a target rate, MODELS.md §2: M = ⌈μ (RTT + s/B)⌉, computed exactly;
/// infeasible when μ > B / s.
pub fn window_needed(target: &PerSec, rtt: &Seconds, link: Option<&Link>) -> Result<u64, LawError> {
    positive(&target.0, "the target rate must be positive")?;
    non_negative(&rtt.0, "the round-trip time must not be negative")?;
    check_link(link)?;
    if let Some(l) = link {
        let capacity = l.capacity();
        if target.0 > capacity.0 {
            return Err(LawError::Infeasible(Box::new(Infeasibility {
                target: target.clone(),
                capacity,
            })));
        }
    }
    let slot = rtt.0.clone() + link.map_or_else(Q::zero, |l| l.serialization().0);
    let m = (target.0.clone() * slot).ceil().to_integer();
    u64::try_from(m.max(BigInt::one()))
        .map_err(|_| LawError::Domain("the window needed does not fit in 64 bits"))
}

/// The bandwidth-delay product, MODELS.md §2: B × RTT bits in flight fill the pipe.
pub fn bdp(bandwidth: &BitsPerSec, rtt: &Seconds) -> Result<Bits, LawError> {
    non_negative(&bandwidth.0, "bandwidth must not be negative")?;
    non_negative(&rtt.0, "the round-trip time must not be negative")?;
    Ok(Bits(bandwidth.0.clone() * rtt.0.clone()))
}

/// The knee of the window law, MODELS.md §2: the window at which X reaches B / s,
/// M = B·RTT/s + 1 (the simple law's B·RTT/s forgets the message's own serialization).
pub fn knee(link: &Link, rtt: &Seconds) -> Result<Q, LawError> {
    check_link(Some(link))?;
    Ok(bdp(&link.bandwidth, rtt)?.0 / link.size.0.clone() + Q::one())
}

/// The simple knee B·RTT/s, MODELS.md §2, kept to show the article's off-by-one.
pub fn knee_simple(link: &Link, rtt: &Seconds) -> Result<Q, LawError> {
    check_link(Some(link))?;
    Ok(bdp(&link.bandwidth, rtt)?.0 / link.size.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{parse_bandwidth, parse_duration, parse_rate, parse_size};

    fn link(size: &str, bw: &str) -> Link {
        Link { size: parse_size(size).expect("size"), bandwidth: parse_bandwidth(bw).expect("bw") }
    }

    fn secs(s: &str) -> Seconds {
        parse_duration(s).expect("duration")
    }

    fn zero() -> Seconds {
        Seconds(Q::zero())
    }

    #[test]
    fn the_seed_cases_of_synchronous_replication() {
        let x = |k, rtt| sync_replication(k, &secs(rtt), None, &zero()).expect("law").rate.0;
        assert_eq!(x(1, "100ms"), Q::from_integer(10.into()));
        assert_eq!(x(32, "100ms"), Q::from_integer(320.into()));
        assert_eq!(x(1, "200ms"), Q::from_integer(5.into()), "100 ms one-way is a 200 ms RTT");
    }

    #[test]
    fn window_needed_is_an_exact_ceiling() {
        let mu = parse_rate("100000/s").expect("rate");
        assert_eq!(window_needed(&mu, &secs("0.07ms"), None), Ok(7), "f64 would say 8");
        assert_eq!(window_needed(&mu, &secs("0.12ms"), None), Ok(12));
        let l = link("1500B", "10Gbit/s");
        assert_eq!(window_needed(&mu, &secs("0.12ms"), Some(&l)), Ok(13));
        let slow = link("1500B", "1Gbit/s");
        assert!(matches!(
            window_needed(&mu, &secs("0.12ms"), Some(&slow)),
            Err(LawError::Infeasible(_))
        ));
    }

    #[test]
    fn group_commit_multiplies_the_window_term() {
        let one = window_throughput(1, &secs("100ms"), None, &zero(), 1).expect("law");
        let four = window_throughput(1, &secs("100ms"), None, &zero(), 4).expect("law");
        assert_eq!(four.rate.0, one.rate.0 * Q::from_integer(4.into()));
    }

    #[test]
    fn bad_inputs_are_domain_errors_not_nan() {
        assert!(window_throughput(0, &secs("1ms"), None, &zero(), 1).is_err());
        assert!(window_throughput(1, &zero(), None, &zero(), 1).is_err());
        let neg = Seconds(-Q::one());
        assert!(window_throughput(1, &neg, None, &zero(), 1).is_err());
        let bad = Link { size: Bits(Q::zero()), bandwidth: BitsPerSec(Q::one()) };
        assert!(knee(&bad, &secs("1ms")).is_err());
    }
}
