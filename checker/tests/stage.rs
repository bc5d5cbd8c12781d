//! Model checks of the capped line of stages: pinned state counts, and for each safety property
//! a deliberately broken variant that the checker must catch. One thread, BFS.

use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::stage::{props, StageCfg};
use inflight_checker::testing;
use inflight_core::stage::Fault;

fn base() -> StageCfg {
    StageCfg::default()
}

fn assert_all_pass(cfg: StageCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), actor_faults, &format!("{cfg:?}"))
}

/// Requires exactly `expected` to fail, with those counterexample lengths (see
/// [`testing::assert_failures`]).
fn assert_failures(cfg: StageCfg, expected: &[(&str, usize)]) {
    testing::assert_failures(cfg.into_model(), actor_faults, &format!("{cfg:?}"), expected);
}

#[test]
fn state_counts_are_pinned_for_each_network() {
    let counts: Vec<usize> = [NetworkKind::Ordered, NetworkKind::Unordered]
        .into_iter()
        .map(|network| assert_all_pass(StageCfg { network, ..base() }))
        .collect();
    assert_eq!(counts, [81, 132]);
}

#[test]
fn a_longer_line_with_more_jobs_than_the_cap_passes() {
    let cfg = StageCfg { workers: [2, 1, 2, 0], stages: 3, cap: 3, jobs: 5, ..base() };
    assert_eq!(assert_all_pass(cfg), 7935);
}

#[test]
fn a_cap_off_by_one_puts_one_job_too_many_in_the_line() {
    let broken = StageCfg { fault: Fault::CapOffByOne, ..base() };
    let path = testing::assert_caught(broken.into_model(), props::CAP, &format!("{broken:?}"));
    assert!(!path.is_empty());
    // Only the cap breaks, and the shortest way is the source's three submissions in a row.
    assert_failures(broken, &[(props::CAP, 3)]);
    // With no more jobs than the cap, the extra admission never happens.
    let unshown = StageCfg { jobs: 2, ..broken };
    assert_failures(unshown, &[]);
}

#[test]
fn a_stage_that_loses_a_queued_job_is_caught_as_safety_and_liveness() {
    let broken = StageCfg { fault: Fault::DropQueuedJob, ..base() };
    testing::assert_caught(broken.into_model(), props::CONSERVED, &format!("{broken:?}"));
    // Shortest: submit, deliver job 1, submit, deliver job 2 (queued behind 1), finish job 1.
    assert_failures(broken, &[(props::CONSERVED, 5), (props::ALL_COMPLETED_EVENTUALLY, 14)]);
    let path = testing::assert_livelock_caught(
        broken.into_model(),
        actor_faults,
        props::ALL_COMPLETED_EVENTUALLY,
        &format!("{broken:?}"),
    );
    assert!(!path.iter().any(actor_faults), "no loss or crash: the stage itself lost the job");
    // With two workers at every stage nothing ever queues, and nothing is lost.
    let unshown = StageCfg { workers: [2, 2, 0, 0], ..broken };
    assert_failures(unshown, &[]);
}

#[test]
fn unusable_lines_are_refused_with_the_reason() {
    let cases = [
        (StageCfg { network: NetworkKind::Duplicating, ..base() }, "does not duplicate"),
        (StageCfg { stages: 0, ..base() }, "0 stages"),
        (StageCfg { stages: 5, ..base() }, "5 stages"),
        (StageCfg { workers: [1, 5, 0, 0], ..base() }, "5 workers"),
        (StageCfg { workers: [1, 0, 0, 0], ..base() }, "0 workers"),
        (StageCfg { cap: 0, ..base() }, "a cap of 0"),
        (StageCfg { cap: 9, ..base() }, "a cap of 9"),
        (StageCfg { jobs: 0, ..base() }, "0 jobs"),
        (StageCfg { jobs: 17, ..base() }, "17 jobs"),
    ];
    for (cfg, why) in cases {
        let err = cfg.validate().expect_err(why).to_string();
        assert!(err.contains(why), "{cfg:?}: '{err}' does not say '{why}'");
    }
    assert!(base().validate().is_ok());
}

/// MODELS.md §3, computed here on its own: min(C/R0, min rᵢ/wᵢ) jobs per tick with R0 =
/// (k + 1)·hop + Σ wᵢ.
fn closed_line_law(workers: &[u8], cap: u8, work: &[u32], hop: i64) -> num_rational::Ratio<i64> {
    use num_rational::Ratio;
    let k = workers.len() as i64;
    let r0 = (k + 1) * hop + work.iter().map(|&w| w as i64).sum::<i64>();
    let bottleneck = workers.iter().zip(work).map(|(&r, &w)| Ratio::new(r as i64, w as i64)).min();
    Ratio::new(cap as i64, r0).min(bottleneck.expect("a stage"))
}

#[test]
fn the_timed_line_meets_the_closed_loop_law_exactly_over_every_delay() {
    use inflight_checker::batch::LinkLimit;
    use inflight_checker::graph::{self, verify, Side};
    use inflight_checker::timed::{Timed, TimedCfg};
    use inflight_checker::timed_protocols::StageSaturated;
    // Below, at and above the knee C* = R0 · min rᵢ/wᵢ; one to three stages; with jitter the
    // best schedule takes every hop in L ticks and the worst in L + J.
    /// Workers, cap, work per stage, L, J.
    type Line = (&'static [u8], u8, &'static [u32], u8, u8);
    let cases: [Line; 9] = [
        (&[1], 1, &[3], 2, 0),
        (&[1, 2], 2, &[3, 5], 2, 0),
        (&[1, 2], 4, &[3, 5], 2, 0),
        (&[1, 2], 6, &[3, 5], 2, 0),
        (&[2, 1], 3, &[2, 3], 1, 0),
        (&[1, 1, 1], 2, &[1, 2, 1], 1, 1),
        (&[1, 2], 4, &[3, 5], 2, 1),
        (&[1], 3, &[2], 1, 2),
        (&[2], 3, &[3], 1, 1),
    ];
    for (workers, cap, work, latency, jitter) in cases {
        let mut p =
            StageSaturated { workers: [0; 4], stages: workers.len() as u8, cap, work: [0; 4] };
        p.workers[..workers.len()].copy_from_slice(workers);
        p.work[..work.len()].copy_from_slice(work);
        let cfg = TimedCfg { latency, jitter, link: LinkLimit::None, eager: true };
        let x = Timed::new(&p, cfg).expect("valid").extract().expect("finite");
        let t = graph::throughput(&x.graph).expect("cycles");
        assert!(
            verify(&x.graph, &t.best, Side::Max).is_ok()
                && verify(&x.graph, &t.worst, Side::Min).is_ok()
        );
        let label = format!("{workers:?} C={cap} w={work:?} L={latency} J={jitter}");
        assert_eq!(t.best.mean, closed_line_law(workers, cap, work, latency as i64), "{label}");
        let slowest = closed_line_law(workers, cap, work, (latency + jitter) as i64);
        assert_eq!(t.worst.mean, slowest, "{label}");
    }
}
