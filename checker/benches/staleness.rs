//! Time to verdict of the timed ttl check (`inflight check ttl --timed`), which explores every
//! delay and every moment of reads and changes for ever, with and without losses.
//!
//! Each scenario runs the full check, stateright's search over every property, on one thread,
//! and asserts that it passes; the state count is printed once beside it so that states per
//! second can be read off the median. The largest θ, L and J the CLI takes are here, with and
//! without three losses.
//! Run: `cargo bench -p inflight-checker --bench staleness`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use inflight_checker::report::{run_check, CheckOptions};
use inflight_checker::staleness::StalenessCfg;
use inflight_checker::ttl::PolicyKind;
use std::time::Duration;

fn scenarios() -> Vec<(&'static str, StalenessCfg)> {
    let big = |policy, losses| StalenessCfg {
        policy,
        ttl: 32,
        latency: 8,
        jitter: 4,
        losses,
        ..StalenessCfg::default()
    };
    vec![
        ("default", StalenessCfg::default()),
        ("default, 3 losses", StalenessCfg { losses: 3, ..StalenessCfg::default() }),
        ("on-demand θ32 L8 J4", big(PolicyKind::OnDemand, 0)),
        ("periodic θ32 L8 J4", big(PolicyKind::Periodic, 0)),
        ("on-demand θ32 L8 J4, 3 losses", big(PolicyKind::OnDemand, 3)),
        (
            "push-renew, 2 losses",
            StalenessCfg { policy: PolicyKind::PushRenew, losses: 2, ..StalenessCfg::default() },
        ),
    ]
}

fn check(cfg: StalenessCfg) -> usize {
    let report = run_check(cfg.into_model(), String::new(), CheckOptions::default(), |_| false);
    assert!(report.passed(), "{cfg:?}");
    report.unique_states
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check ttl --timed");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, cfg) in scenarios() {
        println!("{name}: {} states", check(cfg));
        group.bench_function(name, |b| b.iter(|| check(cfg)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
