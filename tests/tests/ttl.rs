//! Binds the TTL laws of MODELS.md §5 to the core resolver on the simulator: with Poisson changes
//! (rate c) and Poisson reads (rate r), the measured stale-read fraction of an on-demand TTL
//! cache and of a periodic refresher agrees with the law within 4 standard errors, and so does
//! the on-demand cache's refetch rate r/(1 + rθ).

use inflight_models::ttl_sim::{run, CachePolicy, TtlExperiment, TtlMeasured};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

const RUNS: u32 = 40;

/// Enough simulated time for about 40,000 reads and many TTLs and changes per run set.
fn experiment(churn: f64, ttl: f64, reads: f64, policy: CachePolicy, seed: u64) -> TtlExperiment {
    let horizon = (1_000.0 / reads).max(50.0 * ttl).max(20.0 / churn);
    TtlExperiment { churn, ttl, reads, policy, latency: 0.0, horizon, runs: RUNS, seed }
}

fn assert_stale_within_4_se(m: &TtlMeasured, what: &str) {
    let dev = (m.stale_fraction - m.law_stale).abs();
    // A floor for cases where every run measured the same fraction (for instance all 0).
    let se = m.stale_se.max(1e-4);
    assert!(
        dev <= 4.0 * se,
        "{what}: measured {:.5} ± {:.5} vs law {:.5} ({} reads)",
        m.stale_fraction,
        m.stale_se,
        m.law_stale,
        m.reads
    );
}

/// The on-demand refetches form a renewal process with cycles θ + Exp(r): over time T their
/// count has variance T·Var/mean³ = T/(r²(θ + 1/r)³).
fn assert_refetch_rate_within_4_se(e: &TtlExperiment, m: &TtlMeasured) {
    let total = e.horizon * e.runs as f64;
    let cycle = e.ttl + 1.0 / e.reads;
    let sd = (total / (e.reads * e.reads * cycle.powi(3))).sqrt() / total;
    let dev = (m.fetch_rate - m.law_messages).abs();
    assert!(
        dev <= 4.0 * sd + 1.0 / e.horizon,
        "refetch rate {:.4}/s vs law {:.4}/s (sd {:.4})",
        m.fetch_rate,
        m.law_messages,
        sd
    );
}

#[test]
fn a_one_second_ttl_at_one_change_a_minute_is_stale_for_a_percent_of_reads_or_less() {
    // A name that changes once a minute behind a 1 s TTL, read 50 times a second.
    let e = experiment(1.0 / 60.0, 1.0, 50.0, CachePolicy::OnDemand, 7);
    let m = run(&e).expect("runs");
    assert!(m.law_stale < 0.01 && m.law_stale > 0.005, "{m:?}");
    assert_stale_within_4_se(&m, "on-demand");
    assert_refetch_rate_within_4_se(&e, &m);
    let p = run(&TtlExperiment { policy: CachePolicy::Periodic, ..e }).expect("runs");
    assert_stale_within_4_se(&p, "periodic");
    assert!(
        p.stale_fraction > m.stale_fraction,
        "the on-demand cache's entries are younger when read than a periodic refresher's"
    );
}

#[test]
fn a_wrong_law_is_told_apart() {
    // The binding can fail: the Poisson-refresh law x/(1 + x) is not what a periodic refresher
    // measures at x = 1.
    let e = experiment(2.0, 0.5, 40.0, CachePolicy::Periodic, 3);
    let m = run(&e).expect("runs");
    assert_stale_within_4_se(&m, "periodic");
    let x: f64 = e.churn * e.ttl;
    let wrong = x / (1.0 + x);
    assert!((m.stale_fraction - wrong).abs() > 10.0 * m.stale_se, "{m:?}");
}

proptest! {
    // 4 standard errors from 40 runs is a t-test with 39 degrees of freedom (a false alarm in
    // about 1 comparison in 3,000); the cases are pinned so that CI is reproducible. Set
    // PROPTEST_RNG_SEED and remove `rng_seed` to draw others.
    #![proptest_config(ProptestConfig {
        cases: 12,
        rng_seed: RngSeed::Fixed(0x77_1e),
        ..ProptestConfig::default()
    })]

    #[test]
    fn measured_stale_reads_follow_the_laws(
        churn in 0.05f64..20.0,
        ttl in 0.01f64..2.0,
        reads in 1.0f64..200.0,
        seed in any::<u64>(),
    ) {
        let e = experiment(churn, ttl, reads, CachePolicy::OnDemand, seed);
        let m = run(&e).expect("runs");
        assert_stale_within_4_se(&m, "on-demand");
        assert_refetch_rate_within_4_se(&e, &m);
        let p = run(&TtlExperiment { policy: CachePolicy::Periodic, ..e }).expect("runs");
        assert_stale_within_4_se(&p, "periodic");
    }
}
