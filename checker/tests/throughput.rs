//! Exact throughput of the discrete-time window model (MODELS.md §2, "Discrete time"), with no
//! tolerances: best = min(M/L', c), worst = 0 for a free sender and min(M/(L + J), c) for an
//! eager one; certificates verified independently; Howard cross-checked by Karp.

use inflight_checker::batch::{BatchCfg, LinkLimit};
use inflight_checker::graph::{self, karp_max_cycle_mean, verify, Graph, Side};
use num_rational::Ratio;
use proptest::prelude::*;

fn r(p: i64, q: i64) -> Ratio<i64> {
    Ratio::new(p, q)
}

fn binom(n: u64, k: u64) -> u64 {
    (1..=k).fold(1, |acc, i| acc * (n + 1 - i) / i)
}

fn cfg(latency: u8, jitter: u8, window: u8, link: LinkLimit, eager: bool) -> BatchCfg {
    BatchCfg { latency, jitter, window, link, eager, reuse_same_tick: true }
}

/// best and worst, both certificates checked.
fn analyse(c: BatchCfg) -> (Ratio<i64>, Ratio<i64>, usize) {
    let x = c.extract().expect("extract");
    let t = graph::throughput(&x.graph).expect("analysis");
    verify(&x.graph, &t.best, Side::Max).expect("max certificate");
    verify(&x.graph, &t.worst, Side::Min).expect("min certificate");
    (t.best.mean, t.worst.mean, x.graph.nodes())
}

fn cap(link: LinkLimit) -> Option<Ratio<i64>> {
    match link {
        LinkLimit::None => None,
        LinkLimit::Capacity(c) => Some(r(c as i64, 1)),
        LinkLimit::Serialize(s) => Some(r(1, s as i64)),
    }
}

fn min_opt(a: Ratio<i64>, b: Option<Ratio<i64>>) -> Ratio<i64> {
    b.map_or(a, |b| a.min(b))
}

#[test]
fn the_free_sender_batch_graph_has_c_m_plus_l_choose_l_states() {
    for (l, m) in [(1, 1), (2, 3), (4, 4), (3, 7), (5, 2)] {
        let x = cfg(l, 0, m, LinkLimit::None, false).extract().expect("extract");
        assert_eq!(x.graph.nodes() as u64, binom((m + l) as u64, l as u64), "L={l} M={m}");
    }
}

#[test]
fn the_reference_batch_graph_is_complete_and_exact() {
    // L = 8, M = 16: 735,471 states and 3,350,479 edges; best 16/8 = 2, worst 0.
    let x = cfg(8, 0, 16, LinkLimit::None, false).extract().expect("extract");
    assert_eq!((x.graph.nodes(), x.graph.edges()), (735_471, 3_350_479));
    let t = graph::throughput(&x.graph).expect("analysis");
    assert_eq!((t.best.mean, t.worst.mean), (r(2, 1), r(0, 1)));
    verify(&x.graph, &t.best, Side::Max).expect("max certificate");
    verify(&x.graph, &t.worst, Side::Min).expect("min certificate");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn best_is_min_window_over_slot_time_and_capacity(
        l in 1u8..=4, m in 1u8..=5, j in 0u8..=2, c in 0u8..=3, eager in any::<bool>(),
    ) {
        let link = if c == 0 { LinkLimit::None } else { LinkLimit::Capacity(c) };
        let (best, worst, _) = analyse(cfg(l, j, m, link, eager));
        prop_assert_eq!(best, min_opt(r(m as i64, l as i64), cap(link)));
        let expected_worst =
            if eager { min_opt(r(m as i64, (l + j) as i64), cap(link)) } else { r(0, 1) };
        prop_assert_eq!(worst, expected_worst);
    }

    #[test]
    fn a_serializing_link_holds_each_slot_for_l_plus_sigma(
        l in 1u8..=4, m in 1u8..=5, sigma in 1u8..=3,
    ) {
        let link = LinkLimit::Serialize(sigma);
        let (best, _, _) = analyse(cfg(l, 0, m, link, false));
        prop_assert_eq!(best, min_opt(r(m as i64, (l + sigma) as i64), cap(link)));
    }

    #[test]
    fn a_credit_usable_only_next_tick_adds_one_tick_to_the_slot(
        l in 1u8..=4, m in 1u8..=5, c in 0u8..=3,
    ) {
        let link = if c == 0 { LinkLimit::None } else { LinkLimit::Capacity(c) };
        let late = BatchCfg { reuse_same_tick: false, ..cfg(l, 0, m, link, false) };
        let (best, _, _) = analyse(late);
        prop_assert_eq!(best, min_opt(r(m as i64, (l + 1) as i64), cap(link)));
    }

    #[test]
    fn howard_agrees_with_karp_on_random_graphs(
        n in 1usize..12,
        extra in proptest::collection::vec((0u32..12, 0u32..12, 0u32..5), 0..40),
        loops in proptest::collection::vec(0u32..5, 12),
    ) {
        // Every node gets a self-loop so none is a dead end; then random extra edges.
        let mut edges: Vec<(u32, u32, u32)> = (0..n as u32).map(|u| (u, u, loops[u as usize])).collect();
        edges.extend(extra.into_iter().filter(|&(a, b, _)| (a as usize) < n && (b as usize) < n));
        let g = Graph::from_edges(n, &edges).expect("graph");
        let best = graph::max_cycle_mean(&g).expect("howard");
        prop_assert_eq!(Some(best.mean), karp_max_cycle_mean(&g));
        prop_assert!(verify(&g, &best, Side::Max).is_ok());
        let worst = graph::min_cycle_mean(&g).expect("howard");
        prop_assert!(verify(&g, &worst, Side::Min).is_ok());
    }
}

#[test]
fn karp_agrees_with_howard_on_small_window_graphs() {
    for c in [cfg(2, 1, 3, LinkLimit::None, true), cfg(3, 0, 2, LinkLimit::Serialize(2), false)] {
        let x = c.extract().expect("extract");
        let howard = graph::max_cycle_mean(&x.graph).expect("howard").mean;
        assert_eq!(Some(howard), karp_max_cycle_mean(&x.graph), "{c}");
    }
}
