//! Binds the core source and stages, run in the simulator, to MODELS.md §3: with deterministic
//! work the measured closed-loop throughput equals min(C/R0, minᵢ rᵢμᵢ) exactly for every cap C;
//! with exponential work it lies below; past the knee C* = R0·minᵢ rᵢμᵢ a higher cap only adds
//! latency, and adding workers moves the bottleneck. 1 tick = 1 µs.

use inflight_models::tandem::{closed_loop, Stage};
use inflight_models::tandem_sim::{run, TandemSetup};
use inflight_models::units::{PerSec, Seconds, Q};
use num_bigint::BigInt;

fn q(n: u64, d: u64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

/// The article's line: S0 serves 1000/s with one worker; S1 has `replicas` workers at 50/s.
fn setup(replicas: u8, cap: u32, exponential: bool) -> TandemSetup {
    TandemSetup {
        workers: vec![1, replicas],
        service: vec![1_000, 20_000],
        cap,
        exponential,
        seed: 11,
        warmup: 840_000,
        // A multiple of every period the deterministic line settles into (21 ms and 20 ms).
        window: 4_200_000,
    }
}

/// The law, per second, for the same line: R0 = 1 ms + 20 ms.
fn bound(replicas: u32, cap: u64) -> Q {
    let stages = [
        Stage { workers: 1, rate: PerSec(q(1000, 1)) },
        Stage { workers: replicas, rate: PerSec(q(50, 1)) },
    ];
    closed_loop(cap, &Seconds(q(21, 1000)), &stages).expect("a line").bound
}

fn measured_per_s(s: &TandemSetup) -> Q {
    let r = run(s).expect("runs");
    q(r.completed * 1_000_000, r.window)
}

#[test]
fn deterministic_work_reaches_the_bound_exactly_for_every_cap() {
    for cap in 1..=12u32 {
        let x = measured_per_s(&setup(6, cap, false));
        assert_eq!(x, bound(6, cap as u64), "C = {cap}");
    }
}

#[test]
fn exponential_work_stays_below_the_bound() {
    for cap in [1u32, 3, 6, 7, 9, 12] {
        // 420 s of simulated time: 20,000 to 120,000 completions. The count's relative standard
        // error is about 1/√n (round trips are about as variable as exponentials), so the law
        // may be exceeded by at most 4/√n: at C = 1 nothing ever waits and X equals the bound in
        // expectation; above that, waiting makes it strictly lower.
        let s = TandemSetup { window: 420_000_000, ..setup(6, cap, true) };
        let r = run(&s).expect("runs");
        let x = q(r.completed * 1_000_000, r.window);
        let b = bound(6, cap as u64);
        let slack = 4.0 / (r.completed as f64).sqrt();
        let (xf, bf) = (r.completed as f64 / 420.0, inflight_models::units::to_f64(&b));
        assert!(xf <= bf * (1.0 + slack), "C = {cap}: {x} above {b} by more than 4 SE");
        // Around the knee (C* = 6.3) random work makes jobs wait for each other, so the loop
        // falls measurably short of the bound: by more than 2 SE (it is 1.0 % at C = 6 and 1.3 %
        // at C = 7, against an SE near 0.3 %).
        if (6..=7).contains(&cap) {
            assert!(xf < bf * (1.0 - slack / 2.0), "C = {cap}: {x} not clearly below {b}");
        }
    }
}

#[test]
fn past_the_knee_the_cap_only_adds_latency_and_replicas_move_the_bottleneck() {
    // Knee C* = 21 ms · 300/s = 6.3: throughput stops growing, the round trip C/X grows.
    let x6 = measured_per_s(&setup(6, 6, false));
    let x12 = measured_per_s(&setup(6, 12, false));
    assert_eq!(x12, q(300, 1));
    assert!(x6 < x12);
    let round_trip = |c: u64, x: &Q| Q::from_integer(BigInt::from(c)) / x.clone();
    assert_eq!(round_trip(12, &x12), q(1, 25), "40 ms at C = 12, against R0 = 21 ms");
    // 4 replicas (200/s) cap the line below the 260/s the article's load needs; 7 give 350/s.
    assert_eq!(measured_per_s(&setup(4, 12, false)), q(200, 1));
    assert_eq!(measured_per_s(&setup(7, 12, false)), q(350, 1));
}
