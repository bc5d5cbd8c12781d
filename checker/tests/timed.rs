//! The core machines under the timed model: best and worst long-run throughput over every
//! schedule, exactly, against MODELS.md §1–2. One hop takes L ticks, so a window slot is held for
//! a round trip of 2L (plus σ on a serializing link), and the credit is reused in the tick the
//! acknowledgement arrives.

use inflight_checker::batch::LinkLimit;
use inflight_checker::graph::{self, verify, Side};
use inflight_checker::timed::{Timed, TimedCfg};
use inflight_checker::timed_protocols::{PipelineSaturated, ReplicationSaturated};
use inflight_core::replication::AckPolicy;
use num_rational::Ratio;
use proptest::prelude::*;

fn r(p: i64, q: i64) -> Ratio<i64> {
    Ratio::new(p, q)
}

fn cfg(latency: u8, jitter: u8, link: LinkLimit, eager: bool) -> TimedCfg {
    TimedCfg { latency, jitter, link, eager }
}

fn pipeline(m: u16, c: TimedCfg) -> (Ratio<i64>, Ratio<i64>, usize) {
    let p = PipelineSaturated { window: m };
    let x = Timed::new(&p, c).expect("cfg").extract().expect("extract");
    let t = graph::throughput(&x.graph).expect("analysis");
    verify(&x.graph, &t.best, Side::Max).expect("max certificate");
    verify(&x.graph, &t.worst, Side::Min).expect("min certificate");
    (t.best.mean, t.worst.mean, x.graph.nodes())
}

fn replication(k: u16, replicas: u8, c: TimedCfg) -> (Ratio<i64>, Ratio<i64>) {
    let p = ReplicationSaturated { replicas, window: k, policy: AckPolicy::All };
    let x = Timed::new(&p, c).expect("cfg").extract().expect("extract");
    let t = graph::throughput(&x.graph).expect("analysis");
    verify(&x.graph, &t.best, Side::Max).expect("max certificate");
    (t.best.mean, t.worst.mean)
}

#[test]
fn stop_and_wait_pipeline_is_one_message_per_round_trip() {
    let (best, worst, _) = pipeline(1, cfg(3, 0, LinkLimit::None, false));
    assert_eq!((best, worst), (r(1, 6), r(0, 1)));
}

#[test]
fn replication_commits_k_writes_per_round_trip() {
    assert_eq!(replication(1, 1, cfg(2, 0, LinkLimit::None, true)).0, r(1, 4));
    assert_eq!(replication(3, 2, cfg(2, 0, LinkLimit::None, true)).0, r(3, 4));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn pipeline_best_is_min_window_over_round_trip_and_capacity(
        l in 1u8..=3, m in 1u16..=4, c in 0u8..=2,
    ) {
        let link = if c == 0 { LinkLimit::None } else { LinkLimit::Capacity(c) };
        let (best, worst, _) = pipeline(m, cfg(l, 0, link, false));
        let window = r(m as i64, 2 * l as i64);
        prop_assert_eq!(best, if c == 0 { window } else { window.min(r(c as i64, 1)) });
        prop_assert_eq!(worst, r(0, 1), "a free sender may idle forever");
    }

    #[test]
    fn an_eager_pipeline_under_jitter_never_drops_below_m_over_the_slow_round_trip(
        l in 1u8..=2, j in 0u8..=1, m in 1u16..=3,
    ) {
        let (best, worst, _) = pipeline(m, cfg(l, j, LinkLimit::None, true));
        prop_assert_eq!(best, r(m as i64, 2 * l as i64));
        prop_assert_eq!(worst, r(m as i64, 2 * (l + j) as i64));
    }

    #[test]
    fn a_serializing_link_adds_sigma_to_the_round_trip(
        l in 1u8..=2, m in 1u16..=3, sigma in 1u8..=2,
    ) {
        let (best, _, _) = pipeline(m, cfg(l, 0, LinkLimit::Serialize(sigma), false));
        let expected = r(m as i64, (2 * l + sigma) as i64).min(r(1, sigma as i64));
        prop_assert_eq!(best, expected);
    }

    #[test]
    fn replication_gives_k_over_rtt(l in 1u8..=3, k in 1u16..=3, replicas in 1u8..=2) {
        let (best, _) = replication(k, replicas, cfg(l, 0, LinkLimit::None, true));
        prop_assert_eq!(best, r(k as i64, 2 * l as i64));
    }
}

#[test]
fn explored_graph_sizes_are_pinned() {
    let sizes: Vec<usize> = [
        (2, cfg(2, 0, LinkLimit::None, false)),
        (3, cfg(2, 1, LinkLimit::None, true)),
        (3, cfg(1, 0, LinkLimit::Serialize(2), false)),
    ]
    .into_iter()
    .map(|(m, c)| pipeline(m, c).2)
    .collect();
    assert_eq!(sizes, [15, 143, 15]);
}

#[test]
fn the_timed_model_is_a_stateright_model_with_the_same_graph() {
    use inflight_checker::timed::TimedModel;
    use stateright::{Checker, Model};
    let protocol = PipelineSaturated { window: 3 };
    let c = cfg(2, 1, LinkLimit::None, true);
    let extracted = Timed::new(&protocol, c).expect("cfg").extract().expect("extract");
    let model = TimedModel { protocol, cfg: c };
    let checker = model.checker().spawn_bfs().join();
    assert_eq!(checker.unique_state_count(), extracted.graph.nodes());
    assert!(checker.discovery("every message arrives within L + σ + J ticks").is_none());
}
