//! Simulator speed: events (deliveries and timer firings) per second on one core, driving the
//! core pipeline through a saturated window. Run: `cargo bench -p inflight-models --bench sim`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use inflight_core::pipeline::{Config, Fault, Msg, Node};
use inflight_core::{Duration, Instant};
use inflight_models::sim::{LinkSpec, Sim};
use inflight_models::workload::SaturatingSender;

fn run(ticks: u64, loss_ppm: u32) -> u64 {
    let cfg = Config { window: 16, rto: Some(Duration(40)), fault: Fault::None };
    let nodes = Node::<16>::pair(cfg).expect("valid").to_vec();
    let link = LinkSpec {
        latency: Duration(5),
        jitter: Duration(2),
        loss_ppm,
        seed: 1,
        serialize: Box::new(|m: &Msg| match m {
            Msg::Data { .. } => Duration(1),
            Msg::Ack { .. } => Duration::ZERO,
        }),
        route: None,
    };
    let mut app = SaturatingSender::new();
    let mut sim = Sim::new(nodes, link, &mut app);
    sim.run_until(Instant(ticks), &mut app);
    sim.stats().events
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulator");
    for (name, loss) in [("pipeline M16 lossless", 0), ("pipeline M16 1% loss", 10_000)] {
        let events = run(1_000_000, loss);
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| b.iter(|| run(1_000_000, loss)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
