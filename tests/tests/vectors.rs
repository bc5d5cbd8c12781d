//! The public law vectors of MODELS.md §1–§4, §6 and §7, read from `vectors/` and checked against
//! `inflight-models`. A value must round to the printed one at 6 significant figures. Parameters a
//! file states (in a case's text or a column header) are read from it, not assumed, and model
//! columns are found by their labels, so a table with other parameters or rows is checked as it
//! stands.

use inflight_models::laws::{self, Link};
use inflight_models::units::{
    parse_bandwidth, parse_decimal, parse_duration, parse_rate, parse_size, Bits, BitsPerSec,
    PerSec, Seconds, Q,
};
use inflight_tests::{agrees_to_6_figures, agrees_to_6_figures_f64, header_param, read_vectors};
use num_traits::Zero;

fn num(s: &str) -> Q {
    parse_decimal(s).unwrap_or_else(|| panic!("not a number: {s}"))
}

fn ms(s: &str) -> Seconds {
    Seconds(num(s) / num("1000"))
}

/// A link from the vectors' `s_bits` and `B_bps` columns, `-` meaning "no serialization".
fn link(s_bits: &str, b_bps: &str) -> Option<Link> {
    (s_bits != "-" && b_bps != "-")
        .then(|| Link { size: Bits(num(s_bits)), bandwidth: BitsPerSec(num(b_bps)) })
}

fn check(ours: &Q, printed: &str, what: &str, line: usize) {
    assert!(
        agrees_to_6_figures(ours, printed),
        "line {line}: {what}: computed {} but the vector says {printed}",
        inflight_models::units::sig_figs(ours, 8)
    );
}

#[test]
fn c1_synchronous_replication() {
    for row in read_vectors("c1_sync_replication.csv") {
        let rtt = ms(row.get(1));
        let k: u64 = row.get(2).parse().expect("k");
        let link = link(row.get(3), row.get(4));
        let simple = laws::window_throughput_simple(k, &rtt, link.as_ref()).expect("simple");
        check(&simple.0, row.get(5), "simple min(k/RTT, B/s)", row.line);
        let exact =
            laws::sync_replication(k, &rtt, link.as_ref(), &Seconds(Q::zero())).expect("exact");
        check(&exact.rate.0, row.get(6), "exact min(k/(RTT+s/B), B/s)", row.line);
    }
}

/// The article's setting for `c2_window_law.csv` (MODELS.md §2): L = 0.12 ms, 1500 B messages,
/// 10 Gbit/s.
#[test]
fn c2_window_law() {
    let l = parse_duration("0.12ms").expect("L");
    let link = Link {
        size: parse_size("1500B").expect("s"),
        bandwidth: parse_bandwidth("10Gbit/s").expect("B"),
    };
    for row in read_vectors("c2_window_law.csv") {
        let m: u64 = row.get(0).parse().expect("M");
        let no_cap = laws::window_throughput_simple(m, &l, None).expect("M/L");
        check(&no_cap.0, row.get(1), "M/L", row.line);
        let simple = laws::window_throughput_simple(m, &l, Some(&link)).expect("simple");
        check(&simple.0, row.get(2), "min(M/L, B/s)", row.line);
        let exact =
            laws::window_throughput(m, &l, Some(&link), &Seconds(Q::zero()), 1).expect("exact");
        check(&exact.rate.0, row.get(3), "min(M/(L+s/B), B/s)", row.line);
    }
}

#[test]
fn c2_window_needed() {
    for row in read_vectors("c2_window_needed.csv") {
        let mu = PerSec(num(row.get(1)));
        let rtt = ms(row.get(2));
        let link = link(row.get(3), row.get(4));
        let mu_l = mu.0.clone() * rtt.0.clone();
        check(&mu_l, row.get(5), "mu*L", row.line);
        let simple = laws::window_needed(&mu, &rtt, None).expect("simple");
        assert_eq!(simple.to_string(), row.get(6), "line {}: ceil(mu*L)", row.line);
        let exact = laws::window_needed(&mu, &rtt, link.as_ref());
        match row.get(7) {
            "infeasible" => assert!(
                matches!(exact, Err(laws::LawError::Infeasible(_))),
                "line {}: expected infeasible, got {exact:?}",
                row.line
            ),
            m => assert_eq!(exact.map(|x| x.to_string()), Ok(m.to_string()), "line {}", row.line),
        }
    }
}

/// `c2_bdp.csv` states its parameters in the case text ("10Gb/s x 0.12ms, 1500B msgs"), which
/// the kit's own unit parser reads.
#[test]
fn c2_bandwidth_delay_product_and_knee() {
    for row in read_vectors("c2_bdp.csv") {
        let case = row.get(0);
        let (bw, rest) = case.split_once(" x ").expect("B x RTT");
        let (rtt, size) = rest.split_once(", ").expect("RTT, size");
        let size = size.trim_end_matches(" msgs");
        let link = Link {
            size: parse_size(size).expect("size"),
            bandwidth: parse_bandwidth(bw).expect("bandwidth"),
        };
        let rtt = parse_duration(rtt).expect("rtt");
        let bdp = laws::bdp(&link.bandwidth, &rtt).expect("bdp");
        check(&bdp.0, row.get(1), "BDP bits", row.line);
        check(&(bdp.0.clone() / num("8")), row.get(2), "BDP bytes", row.line);
        check(&laws::knee_simple(&link, &rtt).expect("knee"), row.get(3), "knee simple", row.line);
        check(&laws::knee(&link, &rtt).expect("knee"), row.get(4), "knee exact", row.line);
    }
}

#[test]
fn rates_in_the_vectors_parse_with_units_too() {
    assert_eq!(parse_rate("100000/s").expect("rate").0, num("100000"));
}

/// `c4_phantom_prob.csv` (MODELS.md §4): δ in the first column, in the unit its header names
/// (`delta_ms`), with n and μ given in that header ("delta_ms (n=4, mu=20/s)"); then one column
/// per report-age model, found by its label (A, B, B′, C1, C2).
#[test]
fn c4_phantom_probability() {
    use inflight_models::phantom::{probability, PhantomInputs, ReportAges};
    let rows = read_vectors("c4_phantom_prob.csv");
    assert!(rows.len() >= 10, "the table has its rows");
    let headers = rows[0].headers.clone();
    let first = &headers[0];
    let n: u32 = header_param(first, "n")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the header {first:?} gives no edge count n=…"));
    let mu = header_param(first, "mu")
        .and_then(|mu| parse_rate(mu).ok())
        .unwrap_or_else(|| panic!("the header {first:?} gives no release rate mu=…/s"));
    let unit = first
        .strip_prefix("delta_")
        .and_then(|rest| rest.split(|c: char| !c.is_alphabetic()).next())
        .unwrap_or_else(|| panic!("the header {first:?} names no unit for δ (delta_ms, delta_s)"));
    let columns: Vec<(usize, ReportAges)> = ReportAges::ALL
        .into_iter()
        .map(|model| {
            let col = headers.iter().position(|h| {
                let label = h.split([':', ' ']).next().unwrap_or("").replace('\'', "′");
                label == model.label()
            });
            (col.unwrap_or_else(|| panic!("no column for model {model}: {headers:?}")), model)
        })
        .collect();
    for row in rows {
        let delta = parse_duration(&format!("{}{unit}", row.get(0))).expect("δ");
        let inputs = PhantomInputs { n, mu: mu.clone(), delta };
        for &(col, model) in &columns {
            let p = probability(model, &inputs).expect("in domain");
            assert!(
                agrees_to_6_figures_f64(p, row.get(col)),
                "line {}: model {model} at δ = {} {unit} (n = {n}): computed {p:.8} but the vector \
                 says {}",
                row.line,
                row.get(0),
                row.get(col)
            );
        }
    }
}

/// `c6_ratios.csv` (MODELS.md §6): per w = s/τ, the article's R, the one-shot fluid ratio, the
/// periodic average ratio (R, labelled for what it is), one-shot and periodic even stagger for
/// the N each of their headers gives ("… N=7: …"), and ⌈s/τ⌉.
#[test]
fn c6_herd_ratios() {
    use inflight_models::herd;
    let rows = read_vectors("c6_ratios.csv");
    assert!(rows.len() >= 10, "the table has its rows");
    let clients = |col: usize| -> u32 {
        let h = &rows[0].headers[col];
        header_param(h, "N")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the header {h:?} gives no client count N=…"))
    };
    let (n_one_shot, n_periodic) = (clients(4), clients(5));
    for row in &rows {
        let w = num(row.get(0));
        let r = herd::periodic_ratio(&w).expect("R");
        check(&r, row.get(1), "article R = w/⌈w⌉", row.line);
        check(&herd::one_shot_fluid_ratio(&w).expect("fluid"), row.get(2), "min(1, w)", row.line);
        check(&r, row.get(3), "periodic average ratio", row.line);
        let one_shot = herd::one_shot_even_stagger_ratio(n_one_shot, &w).expect("stagger");
        check(&one_shot, row.get(4), "one-shot even stagger", row.line);
        let periodic = herd::periodic_even_stagger_ratio(n_periodic, &w).expect("stagger");
        check(&periodic, row.get(5), "periodic even stagger", row.line);
        let overlap = Q::from_integer(herd::overlap(&w).expect("ceil"));
        check(&overlap, row.get(6), "⌈w⌉", row.line);
    }
}

/// `c3_tandem.csv` (MODELS.md §3): the open tandem line's throughput, queue growth per stage,
/// total backlog growth and per-stage load, with each stage given by its capacity rᵢμᵢ.
#[test]
fn c3_tandem_line() {
    use inflight_models::tandem::{open_line, Stage};
    let rows = read_vectors("c3_tandem.csv");
    assert!(rows.len() >= 4, "the table has its rows");
    for row in rows {
        let load = PerSec(num(row.get(1)));
        let stages: Vec<Stage> =
            row.get(2).split('/').map(|c| Stage { workers: 1, rate: PerSec(num(c)) }).collect();
        let line = open_line(&load, &stages).expect("a line");
        check(&line.throughput, row.get(3), "X = min(λ, min rᵢμᵢ)", row.line);
        for (g, printed) in line.growth.iter().zip(row.get(4).split('/')) {
            check(g, printed, "queue growth of a stage", row.line);
        }
        check(&line.total_growth, row.get(5), "λ − X", row.line);
        for (r, printed) in line.rho.iter().zip(row.get(6).split('/')) {
            check(r, printed, "ρᵢ = λ/cᵢ", row.line);
        }
    }
}

/// `c7_numa.csv` (MODELS.md §7): S = 1 + f(p − 1).
#[test]
fn c7_numa_slowdown() {
    let rows = read_vectors("c7_numa.csv");
    assert!(rows.len() >= 10, "the table has its rows");
    for row in rows {
        let s =
            inflight_models::numa::slowdown(&num(row.get(0)), &num(row.get(1))).expect("domain");
        check(&s, row.get(2), "1 + f(p − 1)", row.line);
    }
}
