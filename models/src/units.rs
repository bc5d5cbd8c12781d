//! Quantities with explicit units, held as exact rationals.
//!
//! Sizes are bits (`B` = byte = 8 bits, `b`/`bit` = bit); bandwidths are bits per second
//! (`10Gbit/s`, `10Gb/s`, `10Gbps`, `125MB/s`); durations are seconds (`100ms`, `0.12ms`, `10us`);
//! rates are events per second (`100000/s`, `20/s`, `5/ms`). Decimal prefixes k, M, G, T are
//! powers of 1000; binary prefixes Ki, Mi, Gi, Ti are powers of 1024. Mixing bits and bytes is the
//! likeliest bug in this field, so every type says which it holds.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::fmt;

/// An exact rational number.
pub type Q = BigRational;

/// A duration in seconds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seconds(pub Q);

/// An amount of data in bits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bits(pub Q);

/// A bandwidth in bits per second.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitsPerSec(pub Q);

/// A rate in events (messages, writes, requests) per second.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PerSec(pub Q);

/// Why a quantity could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError {
    /// The text that was given.
    pub input: String,
    /// What was expected, with examples.
    pub expected: &'static str,
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not {}", self.input, self.expected)
    }
}

impl std::error::Error for UnitError {}

/// What a duration looks like.
pub const DURATION_HELP: &str = "a duration such as 100ms, 0.12ms, 10us, 50ns or 2s";
/// What a size looks like.
pub const SIZE_HELP: &str = "a size such as 1500B, 4KiB, 1MB or 12000bit (B = byte, b = bit)";
/// What a bandwidth looks like.
pub const BANDWIDTH_HELP: &str =
    "a bandwidth such as 10Gbit/s, 10Gb/s, 1Gbps or 125MB/s (B = byte, b = bit)";
/// What a rate looks like.
pub const RATE_HELP: &str = "a rate such as 100000/s, 20/s or 5/ms";

/// Parses a plain decimal number (`12`, `0.12`, `1e5`, `2.5E-3`) exactly.
pub fn parse_decimal(s: &str) -> Option<Q> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let numer: BigInt = format!("{int}{frac}").parse().ok()?;
    let scale = exp - frac.len() as i32;
    let ten = BigInt::from(10);
    let mut q = Q::from_integer(numer);
    if scale >= 0 {
        q *= Q::from_integer(num_traits::pow(ten, scale as usize));
    } else {
        q /= Q::from_integer(num_traits::pow(ten, (-scale) as usize));
    }
    Some(if neg { -q } else { q })
}

/// Splits `12.5ms` into (`12.5`, `ms`).
fn split_number(s: &str) -> (&str, &str) {
    let s = s.trim();
    let mut end = 0;
    let bytes = s.as_bytes();
    while end < bytes.len() {
        let c = bytes[end] as char;
        let exp_sign = end > 0 && matches!(c, '+' | '-') && matches!(bytes[end - 1], b'e' | b'E');
        let exp = matches!(c, 'e' | 'E')
            && end + 1 < bytes.len()
            && (bytes[end + 1].is_ascii_digit() || matches!(bytes[end + 1], b'+' | b'-'));
        if c.is_ascii_digit() || c == '.' || (end == 0 && matches!(c, '-' | '+')) || exp || exp_sign
        {
            end += 1;
        } else {
            break;
        }
    }
    (&s[..end], s[end..].trim())
}

fn ratio(n: i64, d: i64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

fn prefix(p: &str) -> Option<Q> {
    let k = |e: u32| Q::from_integer(num_traits::pow(BigInt::from(1000), e as usize));
    let ki = |e: u32| Q::from_integer(num_traits::pow(BigInt::from(1024), e as usize));
    Some(match p {
        "" => Q::one(),
        "k" | "K" => k(1),
        "M" => k(2),
        "G" => k(3),
        "T" => k(4),
        "Ki" => ki(1),
        "Mi" => ki(2),
        "Gi" => ki(3),
        "Ti" => ki(4),
        _ => return None,
    })
}

/// `B` → 8 bits, `b`/`bit`/`bits` → 1 bit, each after an optional prefix.
fn data_unit(u: &str) -> Option<Q> {
    for (suffix, bits) in [("bits", 1), ("bit", 1), ("B", 8), ("b", 1)] {
        if let Some(p) = u.strip_suffix(suffix) {
            return Some(prefix(p)? * ratio(bits, 1));
        }
    }
    None
}

fn time_unit(u: &str) -> Option<Q> {
    Some(match u {
        "s" | "sec" => Q::one(),
        "ms" => ratio(1, 1_000),
        "us" | "µs" => ratio(1, 1_000_000),
        "ns" => ratio(1, 1_000_000_000),
        "min" => ratio(60, 1),
        _ => return None,
    })
}

fn err(input: &str, expected: &'static str) -> UnitError {
    UnitError { input: input.to_string(), expected }
}

/// Parses a duration (`100ms`) into seconds. A bare number is rejected: the unit must be said.
pub fn parse_duration(s: &str) -> Result<Seconds, UnitError> {
    let (num, unit) = split_number(s);
    let n = parse_decimal(num).ok_or_else(|| err(s, DURATION_HELP))?;
    let u = time_unit(unit).ok_or_else(|| err(s, DURATION_HELP))?;
    Ok(Seconds(n * u))
}

/// Parses a size (`1500B`, `12000bit`) into bits.
pub fn parse_size(s: &str) -> Result<Bits, UnitError> {
    let (num, unit) = split_number(s);
    let n = parse_decimal(num).ok_or_else(|| err(s, SIZE_HELP))?;
    let u = data_unit(unit).ok_or_else(|| err(s, SIZE_HELP))?;
    Ok(Bits(n * u))
}

/// Parses a bandwidth (`10Gbit/s`, `1Gbps`, `125MB/s`) into bits per second.
pub fn parse_bandwidth(s: &str) -> Result<BitsPerSec, UnitError> {
    let (num, unit) = split_number(s);
    let n = parse_decimal(num).ok_or_else(|| err(s, BANDWIDTH_HELP))?;
    let per_sec = if let Some(p) = unit.strip_suffix("bps") {
        prefix(p)
    } else {
        unit.split_once('/').and_then(|(data, time)| Some(data_unit(data)? / time_unit(time)?))
    };
    Ok(BitsPerSec(n * per_sec.ok_or_else(|| err(s, BANDWIDTH_HELP))?))
}

/// Parses a rate (`100000/s`, `5/ms`) into events per second.
pub fn parse_rate(s: &str) -> Result<PerSec, UnitError> {
    let (num, unit) = split_number(s);
    let n = parse_decimal(num).ok_or_else(|| err(s, RATE_HELP))?;
    let u = unit.strip_prefix('/').and_then(time_unit).ok_or_else(|| err(s, RATE_HELP))?;
    Ok(PerSec(n / u))
}

/// The ceiling of a rational, exactly.
pub fn ceil(q: &Q) -> BigInt {
    q.ceil().to_integer()
}

/// `q` as the nearest `f64` (for display and tolerance checks only).
pub fn to_f64(q: &Q) -> f64 {
    q.to_f64().unwrap_or(f64::NAN)
}

/// Formats `q` with `sig` significant figures, the way the published vectors are written
/// (trailing zeros kept, as in `12.5000`), switching to exponent form only for huge or tiny
/// magnitudes.
pub fn sig_figs(q: &Q, sig: usize) -> String {
    let x = to_f64(q);
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-5..15).contains(&mag) {
        return format!("{:.*e}", sig.saturating_sub(1), x);
    }
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Whether `q` is strictly positive.
pub fn is_positive(q: &Q) -> bool {
    q.is_positive()
}

/// Whether `q` is zero.
pub fn is_zero(q: &Q) -> bool {
    q.is_zero()
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = to_f64(&self.0);
        if s != 0.0 && s.abs() < 1e-3 {
            write!(f, "{} µs", sig_figs(&(self.0.clone() * ratio(1_000_000, 1)), 6))
        } else if s != 0.0 && s.abs() < 1.0 {
            write!(f, "{} ms", sig_figs(&(self.0.clone() * ratio(1_000, 1)), 6))
        } else {
            write!(f, "{} s", sig_figs(&self.0, 6))
        }
    }
}

impl fmt::Display for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bit ({} B)",
            sig_figs(&self.0, 6),
            sig_figs(&(self.0.clone() / ratio(8, 1)), 6)
        )
    }
}

impl fmt::Display for BitsPerSec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bit/s", sig_figs(&self.0, 6))
    }
}

impl fmt::Display for PerSec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", sig_figs(&self.0, 6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Q {
        ratio(n, d)
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("0.12"), Some(q(12, 100)));
        assert_eq!(parse_decimal("1e5"), Some(q(100_000, 1)));
        assert_eq!(parse_decimal("2.5E-3"), Some(q(25, 10_000)));
        assert_eq!(parse_decimal("-3"), Some(q(-3, 1)));
        for bad in ["", ".", "1.2.3", "e5", "12a", "--1"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_carry_their_unit() {
        assert_eq!(parse_duration("100ms").map(|d| d.0), Ok(q(1, 10)));
        assert_eq!(parse_duration("0.12ms").map(|d| d.0), Ok(q(12, 100_000)));
        assert_eq!(parse_duration("10us").map(|d| d.0), Ok(q(1, 100_000)));
        assert_eq!(parse_duration("2 s").map(|d| d.0), Ok(q(2, 1)));
        assert!(parse_duration("100").is_err(), "a bare number has no unit");
        assert!(parse_duration("100mss").is_err());
    }

    #[test]
    fn sizes_distinguish_bits_from_bytes() {
        assert_eq!(parse_size("1500B").map(|b| b.0), Ok(q(12_000, 1)));
        assert_eq!(parse_size("4KiB").map(|b| b.0), Ok(q(32_768, 1)));
        assert_eq!(parse_size("1MB").map(|b| b.0), Ok(q(8_000_000, 1)));
        assert_eq!(parse_size("12000bit").map(|b| b.0), Ok(q(12_000, 1)));
        assert_eq!(parse_size("12000b").map(|b| b.0), Ok(q(12_000, 1)));
        assert!(parse_size("1500").is_err());
        assert!(parse_size("1500XB").is_err());
    }

    #[test]
    fn bandwidths_in_every_common_spelling() {
        let ten_g = q(10_000_000_000, 1);
        for s in ["10Gbit/s", "10Gb/s", "10Gbps", "1250MB/s"] {
            assert_eq!(parse_bandwidth(s).map(|b| b.0), Ok(ten_g.clone()), "{s}");
        }
        assert!(parse_bandwidth("10G").is_err());
        assert!(parse_bandwidth("10Gbit").is_err());
    }

    #[test]
    fn rates_per_unit_time() {
        assert_eq!(parse_rate("100000/s").map(|r| r.0), Ok(q(100_000, 1)));
        assert_eq!(parse_rate("5/ms").map(|r| r.0), Ok(q(5_000, 1)));
        assert!(parse_rate("20").is_err());
    }

    #[test]
    fn significant_figures_match_the_vectors_style() {
        assert_eq!(sig_figs(&q(25, 2), 6), "12.5000");
        assert_eq!(sig_figs(&q(1_000_000, 3), 6), "333333");
        assert_eq!(sig_figs(&q(1, 3), 6), "0.333333");
    }
}
