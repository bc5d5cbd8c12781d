//! Binds the core replication machines to the law of MODELS.md §1, exactly.
//!
//! The primary and its replicas run in the deterministic simulator with a fixed one-way latency
//! L ticks per link and σ ticks to serialize an append (acks are tiny: 0 ticks). A write holds
//! its window slot for T = RTT + s/B = 2L + σ ticks, so the law says X = min(k / T, 1 / σ)
//! writes per tick. Taking one tick as one second, `laws::sync_replication` must give exactly the
//! rate measured over a window of D = T · max(σ, 1) ticks in steady state, where the law's count
//! X · D is an integer.

use inflight_core::replication::{AckPolicy, Config, Fault, Msg, Node};
use inflight_core::{Duration, Instant};
use inflight_models::sim::{LinkSpec, Sim};
use inflight_models::units::Q;
use inflight_models::workload::SaturatingWriter;
use inflight_tests::{ratio as q, steady_window, window_law_per_tick};
use proptest::prelude::*;

type Repl = Node<64>;

/// Runs a saturated group and returns (measured writes per tick, law's writes per tick).
fn measure(replicas: u8, k: u16, latency: u64, sigma: u64, policy: AckPolicy) -> (Q, Q) {
    let slot = 2 * latency + sigma;
    let cfg = Config {
        replicas,
        window: k,
        policy,
        // Long enough never to fire on a lossless link: a spurious resend would steal link time.
        rto: Some(Duration(20 * (slot + k as u64 * sigma) + 100)),
        fault: Fault::None,
    };
    let nodes: Vec<Repl> = Node::group(cfg).expect("valid").collect();
    let link = LinkSpec {
        latency: Duration(latency),
        jitter: Duration::ZERO,
        loss_ppm: 0,
        seed: 0,
        serialize: Box::new(move |m: &Msg| match m {
            Msg::Append { .. } => Duration(sigma),
            Msg::Ack { .. } => Duration::ZERO,
        }),
        route: None,
    };
    let mut writer = SaturatingWriter::new();
    let mut sim = Sim::new(nodes, link, &mut writer);
    let (from, to) = steady_window(k as u64, latency, sigma);
    sim.run_until(Instant(to), &mut writer);
    let count = writer.commits_between(Instant(from), Instant(to));
    assert_eq!(sim.stats().rejected, 0, "a lossless run rejects nothing");
    (q(count, to - from), window_law_per_tick(k as u64, latency, sigma))
}

#[test]
fn stop_and_wait_is_one_write_per_round_trip() {
    // The seed: RTT = 100 ms gives 10 writes/s. One tick = 1 ms, L = 50 ticks one way.
    let (measured, law) = measure(1, 1, 50, 0, AckPolicy::All);
    assert_eq!(measured, q(1, 100));
    assert_eq!(law, q(1, 100));
}

#[test]
fn thirty_two_in_flight_is_k_writes_per_round_trip() {
    // The seed: k = 32 at RTT = 100 ms gives 320 writes/s.
    let (measured, law) = measure(1, 32, 50, 0, AckPolicy::All);
    assert_eq!(measured, q(32, 100));
    assert_eq!(law, measured);
}

#[test]
fn a_slow_link_caps_throughput_at_b_over_s() {
    // σ = 4 ticks per write, T = 2·3 + 4 = 10: k = 8 would allow 0.8/tick, the link only 0.25.
    let (measured, law) = measure(2, 8, 3, 4, AckPolicy::All);
    assert_eq!(measured, q(1, 4));
    assert_eq!(law, measured);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn measured_throughput_equals_the_law_exactly(
        replicas in 1u8..=3,
        k in 1u16..=12,
        latency in 1u64..=12,
        sigma in 0u64..=5,
        majority in any::<bool>(),
    ) {
        let policy = if majority { AckPolicy::Majority } else { AckPolicy::All };
        let (measured, law) = measure(replicas, k, latency, sigma, policy);
        prop_assert_eq!(measured, law);
    }
}
