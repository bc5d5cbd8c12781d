//! Binds the core retry clients and server, run in the simulator, to the exact expected peak of
//! MODELS.md §6: the mean peak concurrency of a jittered herd agrees with the scan-statistic
//! E\[peak\] within 4 standard errors, for N ≤ 20 and several w; a synchronized herd peaks at N.
//! Beyond the exact formula's reach (N = 60 to 200), it agrees with the scan statistic's own
//! estimate within 4 standard errors of their difference. And what the checker explores: the
//! slotted retry model's first wave, weighted by the probability of every draw, peaks exactly
//! as the balls-in-bins law says under jitter, and at N with certainty under a fixed delay; and
//! that slotted law tends to the continuous E\[peak\] as the slots get finer.

use inflight_checker::retry::{RetryCfg, RetryPolicy};
use inflight_core::Duration;
use inflight_models::herd::{
    distribution_mean, estimate_peak, expected_peak, first_delay_weights, ratio,
    slotted_peak_distribution, weighted_peak_distribution,
};
use inflight_models::herd_sim::{mean_peak, run_once, HerdSetup, PolicyKind};
use inflight_models::units::Q;
use num_traits::{One, Zero};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Ticks per unit of w's denominator: τ = L·SCALE ticks, s = r·SCALE, so retry times are fine
/// enough that ties (a discrete artefact) are rare.
const SCALE: u64 = 10_000;

fn setup(clients: u16, r: u64, l: u64, policy: PolicyKind, seed: u64) -> HerdSetup {
    HerdSetup { clients, service: Duration(r * SCALE), window: Duration(l * SCALE), policy, seed }
}

/// The values of w the proptest draws from (N ≤ 12 for a denominator of 10, where the exact
/// enumeration grows fastest).
const WS: [(u64, u64); 7] = [(1, 2), (1, 3), (1, 4), (1, 5), (2, 5), (3, 10), (1, 10)];

proptest! {
    // 4 standard errors is a false alarm in about 1 comparison in 16,000, so with fresh cases
    // on every run CI would fail now and then for nothing (it did: N = 11, w = 1/3 once came out
    // 4.3 SE low, and 0.0 SE on average over 20 other seeds). The cases are pinned so that CI is
    // reproducible; set PROPTEST_RNG_SEED and remove `rng_seed` to draw others.
    #![proptest_config(ProptestConfig {
        cases: 14,
        rng_seed: RngSeed::Fixed(0x4e5d),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_jittered_mean_peak_agrees_with_the_exact_expectation(
        n in 2u16..=20,
        which in 0usize..WS.len(),
        seed in any::<u64>(),
    ) {
        let (r, l) = WS[which];
        let n = if l == 10 { n.min(12) } else { n };
        let exact = expected_peak(n as u32, &ratio(r, l)).expect("exact");
        let (mean, se) = mean_peak(&setup(n, r, l, PolicyKind::Jitter, seed), 1500).expect("runs");
        prop_assert!(
            (mean - exact).abs() <= 4.0 * se + 1e-9,
            "N={n} w={r}/{l}: simulated {mean} ± {se}, exact {exact}"
        );
    }
}

#[test]
fn ten_clients_at_w_one_tenth_peak_at_3_32_on_average_and_10_when_synchronized() {
    let (mean, se) = mean_peak(&setup(10, 1, 10, PolicyKind::Jitter, 42), 4000).expect("runs");
    let exact = expected_peak(10, &ratio(1, 10)).expect("exact");
    assert!((exact - 3.31860).abs() < 5e-6);
    assert!((mean - exact).abs() <= 4.0 * se, "{mean} ± {se} vs {exact}");
    let sync = run_once(&setup(10, 1, 10, PolicyKind::Fixed, 0)).expect("runs");
    assert_eq!(sync.peak, 10);
}

#[test]
fn large_herds_agree_with_the_estimated_expectation_where_the_exact_one_is_out_of_reach() {
    // Pinned seeds. The core machines' herd and the scan statistic are sampled independently,
    // so their difference has a standard error of √(se₁² + se₂²).
    for (n, r, l, seed) in [(60u16, 1, 20, 11), (200, 1, 100, 12), (100, 3, 50, 13)] {
        let w = ratio(r, l);
        assert!(expected_peak(n as u32, &w).is_err(), "N={n} w={w} is within the exact reach");
        let est = estimate_peak(n as u32, &w, 100_000, seed).expect("estimates");
        let (mean, se) = mean_peak(&setup(n, r, l, PolicyKind::Jitter, seed), 600).expect("runs");
        let spread = (se * se + est.std_err * est.std_err).sqrt();
        assert!(
            (mean - est.mean).abs() <= 4.0 * spread,
            "N={n} w={w}: simulated {mean} ± {se}, estimated {} ± {}",
            est.mean,
            est.std_err
        );
    }
}

/// Every explored configuration of the slotted herd under `policy`: 1 to 7 clients, 1 to 6
/// slots with at most 6⁵ ways to draw the first delays (so 6 clients in up to 4 slots, 7 in up
/// to 3), 1 to 4 slots of service, four server set-ups.
fn herds(policy: RetryPolicy) -> impl Iterator<Item = RetryCfg> {
    let servers = [(1, 1), (3, 1), (1, 3), (2, 2)];
    (1..=7u8).flat_map(move |clients| {
        let draws = move |slots: &u8| (*slots as u32).pow(clients as u32) <= 6u32.pow(5);
        (1..=6u8).filter(draws).flat_map(move |slots| {
            (1..=4u8).flat_map(move |service| {
                servers.into_iter().map(move |(capacity, outage)| RetryCfg {
                    clients,
                    slots,
                    service,
                    capacity,
                    outage,
                    policy,
                    ..RetryCfg::default()
                })
            })
        })
    })
}

/// [`herds`] under uniform jitter.
fn jittered_herds() -> impl Iterator<Item = RetryCfg> {
    herds(RetryPolicy::Jitter)
}

#[test]
fn the_explored_first_wave_peaks_exactly_as_balls_in_bins_under_jitter() {
    let mut cases = 0;
    for cfg in jittered_herds() {
        let explored = cfg.into_model().first_wave_peak().expect("the wave ends");
        let (n, d, service) = (cfg.clients as u32, cfg.slots as u32, cfg.service as u32);
        let law = slotted_peak_distribution(n, d, service).expect("law");
        assert_eq!(explored, law, "{cfg:?}");
        cases += 1;
    }
    assert_eq!(cases, 592);
    // 3 clients in 3 slots: E[peak] = 17/9, the synchronized peak 3.
    let cfg = RetryCfg::default();
    let d = cfg.into_model().first_wave_peak().expect("the wave ends");
    assert_eq!(distribution_mean(&d), Q::new(17.into(), 9.into()));
}

#[test]
fn the_explored_first_wave_of_a_fixed_delay_is_the_whole_herd() {
    for clients in 1..=7u8 {
        for slots in 1..=6u8 {
            let cfg =
                RetryCfg { clients, slots, policy: RetryPolicy::Fixed, ..RetryCfg::default() };
            let d = cfg.into_model().first_wave_peak().expect("the wave ends");
            let mut all = vec![Q::zero(); clients as usize + 1];
            all[clients as usize] = Q::one();
            assert_eq!(d, all, "{cfg:?}");
        }
    }
    // Clients that give up at their first failure never retry: no wave.
    let cfg = RetryCfg { max_attempts: Some(1), ..RetryCfg::default() };
    let d = cfg.into_model().first_wave_peak().expect("the wave ends");
    assert_eq!(d, vec![Q::one(), Q::zero(), Q::zero(), Q::zero()]);
}

#[test]
fn the_explored_first_wave_of_backoff_peaks_as_balls_in_bins_thrown_by_its_first_delay() {
    // The model's backoff starts from a ceiling of one slot, capped at τ = the slots: full and
    // equal jitter then have no spread (every client retries one slot later), and decorrelated
    // jitter draws min(τ, U{1..3}), which is not uniform for τ = 2.
    let mut cases = 0;
    for policy in [RetryPolicy::FullJitter, RetryPolicy::EqualJitter, RetryPolicy::Decorrelated] {
        for cfg in herds(policy) {
            let explored = cfg.into_model().first_wave_peak().expect("the wave ends");
            let weights = first_delay_weights(&policy.policy(cfg.slots)).expect("short delays");
            let law = weighted_peak_distribution(cfg.clients as u32, &weights, cfg.service as u32)
                .expect("law");
            assert_eq!(explored, law, "{cfg:?}");
            cases += 1;
        }
    }
    assert_eq!(cases, 3 * 592);
    // Decorrelated over two slots: each client retries after 1 slot with chance 1/3, after 2
    // with 2/3; 4 clients peak at 2, 3 or 4 with 8/27, 40/81, 17/81.
    let cfg =
        RetryCfg { clients: 4, slots: 2, policy: RetryPolicy::Decorrelated, ..RetryCfg::default() };
    let d = cfg.into_model().first_wave_peak().expect("the wave ends");
    assert_eq!(
        d[2..],
        [Q::new(8.into(), 27.into()), Q::new(40.into(), 81.into()), Q::new(17.into(), 81.into())]
    );
    // The comparison can fail: taken as uniform over its two slots, the law is another.
    let uniform = slotted_peak_distribution(4, 2, 1).expect("law");
    assert_ne!(d, uniform);
}

#[test]
fn the_first_wave_binding_tells_a_wrong_jitter_range_apart() {
    // The comparison above can fail: a jitter over one slot more or fewer, or a client
    // more, gives another law for every herd of two or more clients in two or more slots.
    // (A service as long as the jitter holds the whole herd whatever the slots: left out.)
    let told = |c: &RetryCfg| c.clients >= 2 && c.slots >= 2 && c.service < c.slots;
    for cfg in jittered_herds().filter(|c| told(c) && c.capacity == 1) {
        let explored = cfg.into_model().first_wave_peak().expect("the wave ends");
        let (n, d) = (cfg.clients as u32, cfg.slots as u32);
        for (n2, d2) in [(n, d + 1), (n, d - 1), (n + 1, d)] {
            let other = slotted_peak_distribution(n2, d2, cfg.service as u32).expect("law");
            assert_ne!(explored, other, "{cfg:?} vs N={n2} D={d2}");
        }
    }
}

#[test]
fn the_slotted_law_tends_to_the_continuous_one_as_the_slots_get_finer() {
    // The slotted herd with D = kL slots and s = kr slots of service has w = r/L at every k.
    // Its E[peak] rises to §6's continuous E[peak] as k doubles, from below, and the gap halves
    // each time (N = 3, w = 1/3: 1.889, 2.056, 2.139, 2.181 against 2.222).
    for (n, r, l) in [(3u32, 1u32, 3u32), (4, 1, 4), (5, 2, 5), (3, 1, 10)] {
        let continuous = expected_peak(n, &ratio(r as u64, l as u64)).expect("exact");
        let gaps: Vec<f64> = [1u32, 2, 4, 8]
            .into_iter()
            .map(|k| {
                let d = slotted_peak_distribution(n, k * l, k * r).expect("law");
                continuous - inflight_models::units::to_f64(&distribution_mean(&d))
            })
            .collect();
        assert!(gaps.iter().all(|&g| g > 0.0), "N={n} w={r}/{l}: {gaps:?}");
        for pair in gaps.windows(2) {
            let ratio = pair[1] / pair[0];
            assert!((0.4..=0.6).contains(&ratio), "N={n} w={r}/{l}: gaps {gaps:?}");
        }
        assert!(gaps[3] < 0.05, "N={n} w={r}/{l}: gaps {gaps:?}");
    }
}
