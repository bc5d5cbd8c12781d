//! Helpers for inflight's integration tests: reading the law vectors shipped in `vectors/`, and
//! comparing exact results with values printed to a number of significant figures.

// Test helpers need no unsafe code.
#![deny(unsafe_code)]
// Every public item says what it is for.
#![deny(missing_docs)]

use inflight_models::laws::{self, Link};
use inflight_models::units::{to_f64, Bits, BitsPerSec, Seconds, Q};
use num_bigint::BigInt;
use num_traits::Zero;
use std::path::PathBuf;

/// The exact rational n / d.
pub fn ratio(n: u64, d: u64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

/// Where to measure a saturated window protocol in steady state, as ticks `[from, to)`, for a
/// window of `k` slots, `latency` ticks per hop and `sigma` ticks to serialize a payload.
///
/// A slot is held for T = 2L + σ ticks. After a warm-up of a few slot times the run is periodic:
/// window-bound (kσ < T), k completions every T ticks; link-bound, one every σ ticks. A span of
/// T · max(σ, 1) ticks covers a whole number of periods either way, so the count in it is exactly
/// the law's rate times the span, with no rounding.
pub fn steady_window(k: u64, latency: u64, sigma: u64) -> (u64, u64) {
    let slot = 2 * latency + sigma;
    let warmup = 4 * slot + 2 * k * sigma;
    (warmup, warmup + slot * sigma.max(1))
}

/// MODELS.md §1–2 in ticks (one tick taken as one second): min(k / (2L + σ), 1 / σ) completions
/// per tick, through the kit's own law functions.
pub fn window_law_per_tick(k: u64, latency: u64, sigma: u64) -> Q {
    let link = (sigma > 0)
        .then(|| Link { size: Bits(ratio(sigma, 1)), bandwidth: BitsPerSec(ratio(1, 1)) });
    let rtt = Seconds(ratio(2 * latency, 1));
    match laws::window_throughput(k, &rtt, link.as_ref(), &Seconds(Q::zero()), 1) {
        Ok(x) => x.rate.0,
        Err(e) => panic!("the law has no answer for k={k} L={latency} σ={sigma}: {e}"),
    }
}

/// One row of a vector file: its cells by column.
#[derive(Clone, Debug)]
pub struct Row {
    /// Column headers, in order.
    pub headers: Vec<String>,
    /// Cells, in order.
    pub cells: Vec<String>,
    /// 1-based line number in the file, for messages.
    pub line: usize,
}

impl Row {
    /// The cell in column `i`.
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Splits one CSV line, honouring double quotes.
pub fn split_csv(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The path of a vector file shipped with the tests.
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors").join(name)
}

/// Reads `vectors/<name>`: every data row with the header attached.
pub fn read_vectors(name: &str) -> Vec<Row> {
    let path = vector_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let headers = split_csv(lines.next().expect("header line").1);
    let rows: Vec<Row> = lines
        .map(|(i, l)| Row { headers: headers.clone(), cells: split_csv(l), line: i + 1 })
        .collect();
    assert!(!rows.is_empty(), "{name} has no data rows");
    rows
}

/// The value of `key=value` in a column header: some vector files state their parameters there
/// ("delta_ms (n=4, mu=20/s)", "one-shot even stagger N=7: …"), and the tests read them from
/// the file rather than assume them, so a table with other parameters is checked as it stands.
/// The key must not be the tail of a longer word (`n` does not match `mu=`'s neighbours, nor
/// `rn=`); the value ends at a comma, parenthesis, colon or space.
pub fn header_param<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("{key}=");
    let mut from = 0;
    while let Some(at) = header[from..].find(&pattern).map(|i| i + from) {
        let starts_word =
            header[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = &header[at + pattern.len()..];
        let value = rest.split([',', ')', ':', ' ']).next().unwrap_or("");
        if starts_word && !value.is_empty() {
            return Some(value);
        }
        from = at + pattern.len();
    }
    None
}

/// Whether the exact value `ours` rounds to the printed `printed` at its precision (the vectors
/// are printed to 6 significant figures): |ours − printed| ≤ half a unit in the 6th figure.
pub fn agrees_to_6_figures(ours: &Q, printed: &str) -> bool {
    agrees_to_6_figures_f64(to_f64(ours), printed)
}

/// [`agrees_to_6_figures`] for a law whose value is transcendental (computed in `f64`).
pub fn agrees_to_6_figures_f64(x: f64, printed: &str) -> bool {
    let Ok(p) = printed.trim().parse::<f64>() else { return false };
    if p == 0.0 {
        return x == 0.0;
    }
    let half_unit = 0.5 * 10f64.powi(p.abs().log10().floor() as i32 - 5);
    (x - p).abs() <= half_unit * (1.0 + 1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    #[test]
    fn header_parameters_are_read_by_key() {
        let phantom = "delta_ms (n=4, mu=20/s)";
        assert_eq!(header_param(phantom, "n"), Some("4"));
        assert_eq!(header_param(phantom, "mu"), Some("20/s"));
        assert_eq!(header_param(phantom, "u"), None, "the tail of `mu` is not `u`");
        assert_eq!(header_param(phantom, "delta"), None);
        let herd = "one-shot even stagger N=12: min(N,ceil(N s/tau))/N";
        assert_eq!(header_param(herd, "N"), Some("12"));
        assert_eq!(header_param("x (N=)", "N"), None, "an empty value is no value");
    }

    #[test]
    fn csv_quotes_protect_commas() {
        assert_eq!(split_csv(r#""a, b",1,-"#), ["a, b", "1", "-"]);
    }

    #[test]
    fn six_figure_agreement_rejects_a_wrong_value() {
        let third = Q::new(BigInt::from(1), BigInt::from(3));
        assert!(agrees_to_6_figures(&third, "0.333333"));
        assert!(!agrees_to_6_figures(&third, "0.333335"));
        let big = Q::from_integer(BigInt::from(1_666_667));
        assert!(agrees_to_6_figures(&big, "1666670"));
        assert!(!agrees_to_6_figures(&big, "1666680"));
    }
}
