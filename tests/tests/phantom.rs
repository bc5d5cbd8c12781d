//! Binds the core deadlock detectors, run in the simulator, to the phantom-deadlock law of
//! MODELS.md §4: with snapshot reports δ old, the naive detector's false-positive rate agrees
//! with model A, 1 − e^(−nμδ), within 4 standard errors; the confirming detector's is 0, and it
//! declares exactly when the cycle outlives its confirmation round, e^(−2nμδ).

use inflight_core::deadlock::{DetectorKind, Fault};
use inflight_core::Duration;
use inflight_models::phantom::{probability, PhantomInputs, ReportAges};
use inflight_models::phantom_sim::{run, PhantomExperiment};
use inflight_models::units::{PerSec, Seconds, Q};
use num_bigint::BigInt;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

const TICK: f64 = 1e-6;

/// Model A's P(phantom) for δ in whole microsecond ticks, from the law module.
fn law(n: u8, mu: u32, delta_us: u64) -> f64 {
    let inputs = PhantomInputs {
        n: n as u32,
        mu: PerSec(Q::from_integer(BigInt::from(mu))),
        delta: Seconds(Q::new(BigInt::from(delta_us), BigInt::from(1_000_000))),
    };
    probability(ReportAges::Snapshot, &inputs).expect("in domain")
}

/// |measured − p| within 4 standard errors of a proportion over `trials` (plus one trial's worth,
/// so p near 0 or 1 is not asked for more than a binomial can give).
fn within_4_se(measured: f64, p: f64, trials: u32) -> bool {
    let se = (p * (1.0 - p) / trials as f64).sqrt();
    (measured - p).abs() <= 4.0 * se + 1.0 / trials as f64
}

fn experiment(
    n: u8,
    mu: u32,
    delta_us: u64,
    detector: DetectorKind,
    seed: u64,
) -> PhantomExperiment {
    PhantomExperiment {
        n,
        mu_per_s: mu as f64,
        delta: Duration(delta_us),
        tick_secs: TICK,
        detector,
        fault: Fault::None,
        trials: 3_000,
        seed,
    }
}

proptest! {
    // Pinned cases, as in herd.rs: a 4-SE test on fresh cases fails now and then for nothing.
    #![proptest_config(ProptestConfig {
        cases: 16,
        rng_seed: RngSeed::Fixed(0x9a16),
        ..ProptestConfig::default()
    })]

    #[test]
    fn naive_false_positives_follow_model_a_and_confirming_has_none(
        n in 2u8..=6,
        mu in 5u32..=50,
        delta_us in 1_000u64..=30_000,
        seed in any::<u64>(),
    ) {
        let p = law(n, mu, delta_us);
        let naive = run(&experiment(n, mu, delta_us, DetectorKind::Naive, seed)).expect("runs");
        prop_assert_eq!(naive.declared, naive.trials);
        prop_assert!(
            within_4_se(naive.phantom_rate(), p, naive.trials),
            "naive: measured {} vs model A {p}", naive.phantom_rate()
        );
        let conf = run(&experiment(n, mu, delta_us, DetectorKind::Confirming, seed)).expect("runs");
        prop_assert_eq!(conf.phantoms, 0);
        let survive = (-2.0 * n as f64 * mu as f64 * delta_us as f64 * TICK).exp();
        prop_assert!(
            within_4_se(conf.declared_rate(), survive, conf.trials),
            "confirming declares {} vs e^(-2nμδ) = {survive}", conf.declared_rate()
        );
    }
}

#[test]
fn at_the_half_life_half_the_naive_declarations_are_phantoms() {
    let e =
        PhantomExperiment { trials: 20_000, ..experiment(4, 20, 8_664, DetectorKind::Naive, 1) };
    let c = run(&e).expect("runs");
    let p = law(4, 20, 8_664);
    assert!((p - 0.5).abs() < 1e-4);
    assert!(within_4_se(c.phantom_rate(), p, c.trials), "{} vs {p}", c.phantom_rate());
}

#[test]
fn unpinned_confirmations_let_phantoms_through_at_the_predicted_rate() {
    // Without pins, a waiter that gives up between its site's answer (2δ) and the declaration
    // (3δ) makes the declaration a phantom: e^(−2x)(1 − e^(−x)) with x = nμδ.
    let mut e = experiment(4, 20, 8_664, DetectorKind::Confirming, 3);
    e.fault = Fault::NoPin;
    e.trials = 20_000;
    let c = run(&e).expect("runs");
    let x = 4.0 * 20.0 * 8_664.0 * TICK;
    let p = (-2.0 * x).exp() * -(-x).exp_m1();
    assert!(c.phantoms > 0);
    assert!(within_4_se(c.phantom_rate(), p, c.trials), "{} vs {p}", c.phantom_rate());
}

proptest! {
    // Pinned cases, as in herd.rs: a 4-SE test on fresh cases fails now and then for nothing.
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x9a24),
        ..ProptestConfig::default()
    })]

    /// The probability is checked, not estimated: uniformization over the core machines' own
    /// state graph gives model A to 1e−12.
    #[test]
    fn the_exact_ctmc_of_the_core_machines_is_model_a(
        n in 2u8..=9,
        mu in 1u32..=100,
        delta_us in 0u64..=200_000,
    ) {
        let exact = inflight_models::phantom_exact::snapshot_phantom(n, mu as f64, delta_us as f64 * TICK)
            .expect("solves");
        let closed = law(n, mu, delta_us);
        prop_assert!((exact.probability - closed).abs() < 1e-12, "{} vs {closed}", exact.probability);
        prop_assert_eq!(exact.states, 1usize << n);
    }
}
