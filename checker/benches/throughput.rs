//! Exact throughput analysis of the L = 8, M = 16 free-sender batch graph (735,471 states,
//! 3,350,479 edges): extraction, then the maximum and minimum cycle means by Howard's policy
//! iteration, on one core. Run: `cargo bench -p inflight-checker --bench throughput`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use inflight_checker::batch::{BatchCfg, BatchState, LinkLimit, MAX_SLOTS};
use inflight_checker::graph;
use std::time::Duration;

fn reference() -> BatchCfg {
    BatchCfg {
        latency: 8,
        jitter: 0,
        window: 16,
        link: LinkLimit::None,
        eager: false,
        reuse_same_tick: true,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch L8 M16");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("extract", |b| b.iter(|| reference().extract().expect("extract")));
    // The generic hash-table extraction, for comparison with the ranked one above.
    group.bench_function("extract (hashed)", |b| {
        b.iter(|| {
            let cfg = reference();
            let init = BatchState { ages: [0; MAX_SLOTS], busy: 0 };
            graph::extract(init, |s, push| cfg.successors(s, push)).expect("extract")
        })
    });
    let x = reference().extract().expect("extract");
    group.bench_function("max cycle mean", |b| b.iter(|| graph::max_cycle_mean(&x.graph)));
    group.bench_function("min cycle mean", |b| b.iter(|| graph::min_cycle_mean(&x.graph)));
    group.bench_function("extract + best + worst", |b| {
        b.iter(|| {
            let x = reference().extract().expect("extract");
            graph::throughput(&x.graph).expect("analysis")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
