//! Binds the core pipeline, run in the deterministic simulator, to the window law of MODELS.md
//! §2: lossless, the measured rate equals min(M / (RTT + s/B), B/s) exactly (one tick taken as
//! one second, RTT = 2L, s/B = σ ticks); lossy and jittered, every message is still delivered
//! in order exactly once.

use inflight_core::pipeline::{Config, Fault, Msg, Node};
use inflight_core::{Duration, Instant};
use inflight_models::sim::{LinkSpec, Sim};
use inflight_models::units::Q;
use inflight_models::workload::SaturatingSender;
use inflight_tests::{ratio as q, steady_window, window_law_per_tick};
use proptest::prelude::*;

type Pipe = Node<16>;

fn link(latency: u64, sigma: u64, jitter: u64, loss_ppm: u32, seed: u64) -> LinkSpec<Msg> {
    LinkSpec {
        latency: Duration(latency),
        jitter: Duration(jitter),
        loss_ppm,
        seed,
        serialize: Box::new(move |m: &Msg| match m {
            Msg::Data { .. } => Duration(sigma),
            Msg::Ack { .. } => Duration::ZERO,
        }),
        route: None,
    }
}

fn pair(window: u16, rto: u64) -> Vec<Pipe> {
    let cfg = Config { window, rto: Some(Duration(rto)), fault: Fault::None };
    Pipe::pair(cfg).expect("valid").to_vec()
}

fn measure(m: u16, latency: u64, sigma: u64) -> (Q, Q) {
    let slot = 2 * latency + sigma;
    let mut app = SaturatingSender::new();
    let mut sim = Sim::new(
        pair(m, 20 * (slot + m as u64 * sigma) + 100),
        link(latency, sigma, 0, 0, 0),
        &mut app,
    );
    let (from, to) = steady_window(m as u64, latency, sigma);
    sim.run_until(Instant(to), &mut app);
    assert_eq!(app.misdelivered, 0);
    let count = app.delivered_between(Instant(from), Instant(to));
    (q(count, to - from), window_law_per_tick(m as u64, latency, sigma))
}

#[test]
fn the_knee_the_article_describes() {
    // L' = 2·3 + 2 = 8 ticks, B/s = 1/2: the window saturates the link at M = 4.
    let rates: Vec<Q> = (1..=6).map(|m| measure(m, 3, 2).0).collect();
    let expected: Vec<Q> = [q(1, 8), q(2, 8), q(3, 8), q(1, 2), q(1, 2), q(1, 2)].to_vec();
    assert_eq!(rates, expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn lossless_throughput_equals_the_window_law_exactly(
        m in 1u16..=12, latency in 1u64..=12, sigma in 0u64..=5,
    ) {
        let (measured, law) = measure(m, latency, sigma);
        prop_assert_eq!(measured, law);
    }

    #[test]
    fn loss_and_jitter_never_break_in_order_exactly_once_delivery(
        m in 1u16..=8, latency in 1u64..=6, jitter in 0u64..=6, loss_ppm in 0u32..=300_000,
        seed in any::<u64>(), n in 1u64..=60,
    ) {
        let mut app = SaturatingSender::with_limit(n);
        let rto = 2 * (latency + jitter) + 2;
        let mut sim = Sim::new(pair(m, rto), link(latency, 1, jitter, loss_ppm, seed), &mut app);
        sim.run_until(Instant(200_000), &mut app);
        prop_assert_eq!(app.misdelivered, 0);
        prop_assert_eq!(app.deliveries.len() as u64, n, "lost {} of {} sends", sim.stats().lost, sim.stats().sends);
    }
}

#[test]
fn a_lossy_run_loses_and_retransmits_yet_delivers_everything() {
    let mut app = SaturatingSender::with_limit(200);
    let mut sim = Sim::new(pair(4, 20), link(3, 1, 4, 200_000, 42), &mut app);
    sim.run_until(Instant(1_000_000), &mut app);
    let stats = sim.stats();
    assert!(stats.lost > 20, "a 20% lossy link lost only {}", stats.lost);
    assert!(stats.sends > 400, "retransmissions expected: {} sends", stats.sends);
    assert_eq!((app.deliveries.len(), app.misdelivered), (200, 0));
}

/// The long-run rate of a stop-and-wait sender (window 1) over links that lose each message
/// with probability `p`, in messages per second: by the renewal-reward theorem, one message
/// per cycle, and a cycle is one slot for the attempt whose acknowledgment returns plus one
/// timeout for each attempt before it, whose number is geometric with success (1 − p)² (the
/// message and its acknowledgment both arrive). A test oracle, not a law the kit ships.
fn stop_and_wait_rate(slot_s: f64, rto_s: f64, p: f64) -> f64 {
    let q = (1.0 - p) * (1.0 - p);
    1.0 / (slot_s + rto_s * (1.0 - q) / q)
}

#[test]
fn a_lossy_window_of_one_runs_at_the_stop_and_wait_rate() {
    // RTT 1 ms: the sweep's timeout is 4 slots and a tick (1 ns). The law, 1000/s, is lossless;
    // with loss the simulated core must fall to the renewal rate, not merely below the law.
    use inflight_models::experiments::{pipeline_window_sweep, LOSSY_SLOTS};
    use inflight_models::units::Seconds;
    let rtt = Seconds(q(1, 1000));
    for ppm in [10_000u32, 50_000] {
        let p = ppm as f64 / 1e6;
        let seeds = 1..=8u64;
        let rates: Vec<f64> = seeds
            .map(|seed| {
                let point = pipeline_window_sweep(&rtt, None, 1..=1, ppm, seed).expect("runs");
                assert_eq!(point[0].slots, LOSSY_SLOTS);
                point[0].measured
            })
            .collect();
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        let expected = stop_and_wait_rate(1e-3, 4e-3 + 1e-9, p);
        println!("p = {p}: {rates:?}, mean {mean:.1}, expected {expected:.1}");
        assert!((mean - expected).abs() < 0.02 * expected, "p = {p}: {mean} vs {expected}");
    }
}
