//! Time to verdict of exhaustive checks on the replication model, and of the symmetry
//! reduction on the replication and retry models and the deadlock ring; and the model's share of the explorer's
//! listing of a herd's first slot, plain and reduced by symmetry.
//!
//! The reference configuration of the foundation issue: 1 replica, window 6, 12 writes,
//! unordered network, all safety properties. For comparison, SPIN 6.5.2 verifies an equivalent
//! Promela model in about 1.7 s of CPU on this kind of machine. A heavier lossy configuration
//! measures states per second where the state is larger.
//! Run: `cargo bench -p inflight-checker --bench check`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use inflight_checker::deadlock::{self, DeadlockCfg, Workload};
use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::readable::Readable;
use inflight_checker::replication::{representative, ReplicationCfg};
use inflight_checker::report::{run_check, run_check_reduced, CheckOptions, Describe, Strategy};
use inflight_checker::retry::{self, RetryCfg};
use inflight_checker::symmetry::Reduced;
use inflight_checker::testing;
use stateright::Model;
use std::time::Duration;

fn reference() -> ReplicationCfg {
    ReplicationCfg { replicas: 1, window: 6, writes: 12, ..ReplicationCfg::default() }
}

fn lossy() -> ReplicationCfg {
    ReplicationCfg {
        replicas: 2,
        window: 1,
        writes: 2,
        network: NetworkKind::Duplicating,
        lossy: true,
        retransmit: true,
        ..ReplicationCfg::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check replication");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, cfg) in [("r1 k6 w12 unordered", reference()), ("r2 k1 w2 lossy dup", lossy())] {
        for (strategy, threads) in [(Strategy::Bfs, 1), (Strategy::Dfs, 1), (Strategy::Bfs, 2)] {
            let id = BenchmarkId::new(name, format!("{strategy:?} {threads}t"));
            group.bench_with_input(id, &cfg, |b, cfg| {
                b.iter(|| {
                    let report = run_check(
                        cfg.into_model(),
                        String::new(),
                        CheckOptions { threads, strategy, ..CheckOptions::default() },
                        actor_faults,
                    );
                    assert!(report.passed());
                    report.unique_states
                })
            });
        }
    }
    group.finish();
}

/// Symmetry reduction (`--symmetry`) against the full check, on 4 and 5 interchangeable
/// replicas: the whole verdict, and the search alone (no sound liveness pass); and the whole
/// verdict on 4 replicas over a lossy network bounded at 4 messages, where the reduced graph
/// has cycles that the liveness pass unfolds.
fn symmetry(c: &mut Criterion) {
    let mut group = c.benchmark_group("check replication symmetry");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    let verdict = CheckOptions::default().liveness_limit;
    let lossy = ReplicationCfg {
        replicas: 4,
        lossy: true,
        retransmit: true,
        max_in_network: Some(4),
        ..ReplicationCfg::default()
    };
    let cases = [4, 5].map(|replicas| ReplicationCfg { replicas, ..ReplicationCfg::default() });
    for cfg in cases.into_iter().chain([lossy]) {
        let replicas = cfg.replicas;
        let runs: &[_] = if cfg.lossy {
            &[("lossy-4 verdict", verdict)]
        } else {
            &[("verdict", verdict), ("search", 0)]
        };
        for &(what, liveness_limit) in runs {
            for reduce in [None, Some(representative as fn(&_) -> _)] {
                let name = if reduce.is_some() { "reduced" } else { "full" };
                let id = BenchmarkId::new(format!("r{replicas} k2 w3 {what}"), name);
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let opts = CheckOptions { liveness_limit, ..CheckOptions::default() };
                        let report = run_check_reduced(
                            cfg.into_model(),
                            String::new(),
                            opts,
                            actor_faults,
                            reduce,
                        );
                        assert!(report.passed());
                        report.unique_states
                    })
                });
            }
        }
    }
    group.finish();
}

/// Symmetry reduction of the retry model's clients (`check retry --symmetry`) against the full
/// check: 4 and 5 jittered clients over 6 slots, the whole verdict (search and sound liveness).
fn retry_symmetry(c: &mut Criterion) {
    let mut group = c.benchmark_group("check retry symmetry");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for clients in [4, 5] {
        let cfg = RetryCfg { clients, slots: 6, ..RetryCfg::default() };
        for reduce in [None, Some(retry::representative as fn(&_) -> _)] {
            let name = if reduce.is_some() { "reduced" } else { "full" };
            let id = BenchmarkId::new(format!("n{clients} slots6 verdict"), name);
            group.bench_function(id, |b| {
                b.iter(|| {
                    let opts = CheckOptions::default();
                    let report =
                        run_check_reduced(cfg.into_model(), String::new(), opts, |_| false, reduce);
                    assert!(report.passed());
                    report.unique_states
                })
            });
        }
    }
    group.finish();
}

/// Symmetry reduction of the deadlock ring by its rotations (`check deadlock --workload ring
/// --symmetry`) against the full check: 3 processes on 1 and on 3 sites, the whole verdict.
fn deadlock_symmetry(c: &mut Criterion) {
    let mut group = c.benchmark_group("check deadlock ring symmetry");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for sites in [1, 3] {
        let cfg = DeadlockCfg {
            processes: 3,
            sites,
            resources: 3,
            workload: Workload::Ring,
            ..DeadlockCfg::default()
        };
        for reduce in [None, Some(deadlock::representative as fn(&_) -> _)] {
            let name = if reduce.is_some() { "reduced" } else { "full" };
            let id = BenchmarkId::new(format!("p3 s{sites} verdict"), name);
            group.bench_function(id, |b| {
                b.iter(|| {
                    let opts = CheckOptions::default();
                    let model = cfg.into_model();
                    let report =
                        run_check_reduced(model, String::new(), opts, actor_faults, reduce);
                    assert!(report.passed());
                    report.unique_states
                })
            });
        }
    }
    group.finish();
}

/// What the explorer asks of the model to list the branches after a state: each action's next
/// state and its text. Returns the branches and the text's length.
fn listing<M: Model>(model: &M, state: &M::State) -> (usize, usize)
where
    M::State: Describe,
{
    let mut actions = Vec::new();
    model.actions(state, &mut actions);
    let branches = actions.len();
    let text = actions.into_iter().filter_map(|a| model.next_state(state, a));
    (branches, text.map(|next| next.describe().len()).sum())
}

/// `explore retry` and `explore retry --symmetry` listing the first slot of 5 and 6 jittered
/// clients over 6 slots (the model's work and the states' text, not the HTTP and JSON).
fn explore_first_slot(c: &mut Criterion) {
    let mut group = c.benchmark_group("explore retry first slot");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for clients in [5, 6] {
        let cfg = RetryCfg { clients, slots: 6, ..RetryCfg::default() };
        let init = cfg.into_model().init_states().remove(0);
        group.bench_function(BenchmarkId::new(format!("n{clients} slots6"), "plain"), |b| {
            let model = cfg.into_model();
            b.iter(|| listing(&model, &init))
        });
        group.bench_function(BenchmarkId::new(format!("n{clients} slots6"), "reduced"), |b| {
            // A fresh wrapper each time: nothing is remembered from the last listing.
            b.iter(|| listing(&Reduced::new(cfg.into_model(), retry::representative), &init))
        });
    }
    group.finish();
}

/// Serves `model` as `inflight explore` does, on a free port, for the rest of the process;
/// returns the address.
fn served<M>(model: M) -> String
where
    M: Model + Send + Sync + 'static,
    M::State: Describe + std::fmt::Debug + std::hash::Hash + Clone + PartialEq + Send + Sync,
    M::Action: std::fmt::Debug + Clone + PartialEq + Send + Sync,
{
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let at = addr.clone();
    std::thread::spawn(move || Readable::new(model).checker().serve(at));
    addr
}

/// The same listings served over HTTP, answer parsed: what a browser waits for. The plain
/// explorer is measured on 5 clients only (6 take 14 s a request); the reduced one remembers
/// the last states' kept actions, so this is a listing asked for again.
fn explore_first_slot_served(c: &mut Criterion) {
    let mut group = c.benchmark_group("explore retry first slot served");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let views = |addr: &str| testing::explorer_views(addr, "0").expect("the listing").len();
    for (clients, plain) in [(5, true), (5, false), (6, false), (7, false)] {
        let model = RetryCfg { clients, slots: 6, ..RetryCfg::default() }.into_model();
        let (name, addr) = match plain {
            true => ("plain", served(model)),
            false => ("reduced", served(Reduced::new(model, retry::representative))),
        };
        let id = BenchmarkId::new(format!("n{clients} slots6"), name);
        group.bench_function(id, |b| b.iter(|| views(&addr)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench, symmetry, retry_symmetry, deadlock_symmetry, explore_first_slot,
        explore_first_slot_served
}
criterion_main!(benches);
