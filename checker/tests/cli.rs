//! The `inflight` binary's contract: exit codes (0 ok, 1 a property failed, 2 bad arguments, 3
//! a bounded check stopped early without a counterexample), one-line errors that name the argument, and JSON that machines can read.

use inflight_checker::testing;
use std::process::{Command, Output};

fn inflight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inflight")).args(args).output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// The first property of a `--json` check report that `pick` accepts.
fn property(
    report: &serde_json::Value,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let props = report["properties"].as_array().expect("a list of properties");
    props.iter().find(|p| pick(p)).cloned().unwrap_or_else(|| panic!("no such property: {report}"))
}

/// Each property of a `--json` check report with its verdict, as "name verdict".
fn verdicts(report: &serde_json::Value) -> Vec<String> {
    let props = report["properties"].as_array().expect("a list of properties");
    props.iter().map(|p| format!("{} {}", p["name"], p["verdict"])).collect()
}

/// Each command must exit 2 with exactly one line on stderr that contains its needle (the
/// argument's name, or what is wrong).
fn assert_usage_errors(cases: &[(&[&str], &str)]) {
    for (args, needle) in cases {
        let o = inflight(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(err.contains(needle), "{args:?}: '{err}' does not name {needle}");
    }
}

#[test]
fn default_check_passes_with_counts_and_speed() {
    let o = inflight(&["check", "replication"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("159 unique states"), "{out}");
    assert!(out.contains("states/s"), "{out}");
    assert!(out.contains("in flight <= k") && out.contains("holds"), "{out}");
}

#[test]
fn a_failing_property_exits_1_with_the_path_and_explorer_command() {
    let o = inflight(&["check", "replication", "--fault", "ack-before-store"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("VIOLATED"), "{out}");
    assert!(out.contains("Counterexample for \"committed writes"), "{out}");
    assert!(out.contains("inflight explore replication"), "{out}");
    assert!(out.contains("#/steps/"), "{out}");
}

#[test]
fn check_json_reports_verdicts_and_counts() {
    let o = inflight(&["check", "replication", "--replicas", "1", "--window", "1", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["unique_states"], 10);
    assert_eq!(v["passed"], true);
    assert!(v["states_per_s"].as_f64().is_some());
    assert!(v["elapsed_s"].as_f64().is_some_and(|t| t >= 0.0));
    assert!(v["liveness_s"].as_f64().is_some_and(|t| t >= 0.0));
    let props = v["properties"].as_array().expect("properties");
    assert_eq!(props.len(), 5);
    assert!(props.iter().all(|p| p["verdict"] == "holds" || p["verdict"] == "reachable"));
}

#[test]
fn check_json_includes_the_counterexample() {
    let o = inflight(&["check", "replication", "--fault", "window-off-by-one", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let p = property(&v, |p| p["verdict"] == "violated");
    assert_eq!(p["path"].as_array().map(Vec::len), Some(3));
}

#[test]
fn bad_arguments_get_one_line_naming_the_argument_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "replication", "--replicas", "0"], "--replicas"),
        (&["check", "replication", "--window", "zero"], "--window"),
        (&["check", "replication", "--network", "carrier-pigeon"], "--network"),
        (&["check", "replication", "--ack", "most"], "--ack"),
        (&["check", "replication", "--writes", "99"], "--writes"),
        (&["predict", "replication", "--rtt", "100"], "--rtt"),
        (&["predict", "replication", "--rtt", "-5ms"], "--rtt"),
        (&["predict", "window", "--rtt", "1ms", "--rate", "0/s"], "--rate"),
        (&["predict", "window", "--rtt", "1ms", "--size", "1500B"], "--bandwidth"),
        (
            &["predict", "window", "--rtt", "1ms", "--size", "1500B", "--bandwidth", "10G"],
            "--bandwidth",
        ),
        (&["check", "replication", "--ack", "3"], "ack policy"),
        (&["explore", "replication", "--addr", "nowhere"], "--addr"),
        (&["predict", "replication", "--rtt", "1ms", "--batch", "0"], "at least 1"),
        (&["predict", "window", "--rtt", "1ms", "--window", "0"], "at least 1"),
    ];
    assert_usage_errors(cases);
}

#[test]
fn predict_replication_gives_the_seed_answers() {
    let o = inflight(&["predict", "replication", "--rtt", "100ms", "--json"]);
    assert_eq!(json(&o)["throughput_writes_per_s"]["exact"], "10");
    let o = inflight(&["predict", "replication", "--rtt", "100ms", "--window", "32", "--json"]);
    assert_eq!(json(&o)["throughput_writes_per_s"]["exact"], "320");
    let o = inflight(&[
        "predict",
        "replication",
        "--rtt",
        "100ms",
        "--window",
        "32",
        "--size",
        "1MB",
        "--bandwidth",
        "100Mbit/s",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["throughput_writes_per_s"]["exact"], "25/2");
    assert_eq!(v["bound"], "bandwidth");
    let text = stdout(&inflight(&["predict", "replication", "--rtt", "100ms"]));
    assert!(text.contains("10.0000/s writes"), "{text}");
}

#[test]
fn predict_window_is_exact_and_says_when_infeasible() {
    let o = inflight(&["predict", "window", "--rtt", "0.07ms", "--rate", "100000/s", "--json"]);
    assert_eq!(json(&o)["window_needed"], 7);
    let o = inflight(&[
        "predict",
        "window",
        "--rtt",
        "0.12ms",
        "--rate",
        "100000/s",
        "--size",
        "1500B",
        "--bandwidth",
        "10Gbit/s",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(
        (v["window_needed"].clone(), v["window_needed_simple"].clone()),
        (13.into(), 12.into())
    );
    assert_eq!(v["knee_messages"]["exact"], "101");
    let o = inflight(&[
        "predict",
        "window",
        "--rtt",
        "0.12ms",
        "--rate",
        "100000/s",
        "--size",
        "1500B",
        "--bandwidth",
        "1Gbit/s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("infeasible"), "{}", stdout(&o));
}

#[test]
fn completions_are_generated() {
    let o = inflight(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("inflight"));
}

#[test]
fn simulate_pipeline_tracks_the_law_and_draws_the_plot() {
    let dir = std::env::temp_dir().join(format!("inflight-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join("window.svg");
    let o = inflight(&[
        "simulate",
        "pipeline",
        "--rtt",
        "0.12ms",
        "--size",
        "1500B",
        "--bandwidth",
        "10Gbit/s",
        "--window",
        "99..102",
        "--svg",
        svg.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let points = v["points"].as_array().expect("points");
    assert_eq!(points.len(), 4);
    for p in points {
        let law = p["law_per_s"]["value"].as_f64().expect("law");
        let measured = p["measured_per_s"].as_f64().expect("measured");
        assert!((measured - law).abs() <= 1e-6 * law, "{p}");
    }
    let drawn = std::fs::read_to_string(&svg).expect("svg written");
    assert!(drawn.starts_with("<svg") && drawn.contains("knee"));
}

#[test]
fn simulate_rejects_bad_arguments_in_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["simulate", "pipeline", "--rtt", "0ms"], "--rtt"),
        (&["simulate", "pipeline", "--rtt", "1ms", "--window", "0"], "--window"),
        (&["simulate", "pipeline", "--rtt", "1ms", "--window", "9..3"], "empty range"),
        (
            &["simulate", "pipeline", "--rtt", "1ms", "--size", "1500Q", "--bandwidth", "1Gbit/s"],
            "--size",
        ),
        (&["simulate", "pipeline", "--rtt", "1ms", "--loss", "1.5"], "--loss"),
    ];
    assert_usage_errors(cases);
}

#[test]
fn timed_check_reports_exact_fractions_that_agree_with_the_law() {
    let o = inflight(&[
        "check",
        "pipeline",
        "--timed",
        "--latency",
        "2",
        "--jitter",
        "1",
        "--window",
        "3",
        "--eager",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["best"]["per_tick"], "3/4");
    assert_eq!(v["worst"]["per_tick"], "1/2");
    assert_eq!(v["best"]["certificate_verified"], true);
    assert_eq!(v["agrees_with_law"], true);
    assert!(v["states"].as_u64().expect("states") > 1);
}

#[test]
fn check_window_explores_c_m_plus_l_choose_l_states_and_agrees_with_the_law() {
    let o = inflight(&["check", "window", "--latency", "3", "--window", "4", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["states"], 35, "C(4 + 3, 3)");
    assert_eq!(
        (v["best"]["per_tick"].clone(), v["worst"]["per_tick"].clone()),
        ("4/3".into(), "0".into())
    );
    let o = inflight(&[
        "check",
        "window",
        "--latency",
        "3",
        "--window",
        "4",
        "--credit-next-tick",
        "--json",
    ]);
    assert_eq!(json(&o)["best"]["per_tick"], "1");
}

#[test]
fn check_deadlock_shows_the_naive_phantom_and_passes_the_confirming_detector() {
    let o = inflight(&["check", "deadlock", "--detector", "naive"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("a phantom deadlock is declared (reachable)"), "{out}");
    assert!(out.contains("Example for \"a phantom deadlock"), "{out}");
    assert!(out.contains("DECLARED p0 → p1 → p0"), "{out}");
    assert!(out.contains("inflight explore deadlock --detector naive"), "{out}");
    assert!(out.contains("#/steps/"), "{out}");

    let o = inflight(&["check", "deadlock", "--processes", "3", "--workload", "ring", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["unique_states"], 66141);
    assert_eq!(v["passed"], true);

    let o = inflight(&["check", "deadlock", "--fault", "trust-triggering-report"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("Counterexample for \"no phantom deadlock is declared\""));
}

#[test]
fn deadlock_arguments_are_checked() {
    assert_usage_errors(&[
        (&["check", "deadlock", "--processes", "1"], "--processes"),
        (&["check", "deadlock", "--processes", "5"], "--processes"),
        (&["check", "deadlock", "--detector", "psychic"], "--detector"),
        (&["check", "deadlock", "--sites", "3", "--resources", "2"], "resources over 3 sites"),
        (&["check", "deadlock", "--network", "lossy"], "--network"),
        (&["explore", "deadlock", "--workload", "chaos"], "--workload"),
    ]);
}

#[test]
fn predict_phantom_gives_every_report_age_model_and_its_half_life() {
    let o = inflight(&["predict", "phantom", "--n", "4", "--mu", "20/s", "--delta", "8.66434ms"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for needle in ["A snapshot", "B staggered", "B′ probe", "C1 uniform", "C2 exponential"] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(out.contains("0.500000") && out.contains("8.664340 ms"), "{out}");
    let o = inflight(&[
        "predict", "phantom", "--n", "4", "--mu", "20/s", "--delta", "20ms", "--model", "uniform",
        "--json",
    ]);
    let v = json(&o);
    let m = &v["models"][0];
    assert_eq!(m["label"], "C1");
    let p = m["p_phantom"].as_f64().expect("a number");
    assert!((p - 0.538544).abs() < 5e-7, "{p}");
    let o = inflight(&[
        "predict", "phantom", "--n", "5", "--mu", "30/s", "--delta", "3ms", "--exact", "--json",
    ]);
    let v = json(&o);
    let x = &v["exact_snapshot"];
    assert_eq!(x["states"], 32);
    assert!(x["abs_diff_from_closed_form"].as_f64().expect("a number") < 1e-12, "{x}");
    assert_usage_errors(&[
        (
            &["predict", "phantom", "--n", "40", "--mu", "20/s", "--delta", "1ms", "--exact"],
            "--exact",
        ),
        (&["predict", "phantom", "--n", "0", "--mu", "20/s", "--delta", "1ms"], "--n"),
        (&["predict", "phantom", "--n", "4", "--mu", "0/s", "--delta", "1ms"], "--mu"),
        (&["predict", "phantom", "--n", "4", "--mu", "-2/s", "--delta", "1ms"], "--mu"),
        (&["predict", "phantom", "--n", "4", "--mu", "20/s", "--delta", "-1ms"], "negative"),
        (
            &["predict", "phantom", "--n", "4", "--mu", "20/s", "--delta", "1ms", "--model", "x"],
            "--model",
        ),
        (&["predict", "phantom", "--n", "4", "--mu", "20/s", "--delta", "1 parsec"], "--delta"),
    ]);
}

/// Kills the explorer when the test ends, pass or fail.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_explorer_serves_the_naive_phantom_at_the_path_check_prints() {
    let o = inflight(&["check", "deadlock", "--detector", "naive", "--json"]);
    let v = json(&o);
    let prop = property(&v, |p| p["name"] == "a phantom deadlock is declared (reachable)");
    let path = prop["explorer_path"].as_str().expect("an explorer path");
    let states = explorer_states(&["deadlock", "--detector", "naive"], &[path]);
    let state = &states[0];
    assert!(state.contains("DECLARED p0 → p1 → p0"), "{state}");
    assert!(state.contains("r0=p1") && !state.contains("r0=p0"), "site 0 shows no edge: {state}");
}

#[test]
fn predict_herd_gives_the_exact_expected_peak_and_labels_the_ratios() {
    let o =
        inflight(&["predict", "herd", "--clients", "10", "--service", "10ms", "--window", "100ms"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("E[peak] = 3.31860 (ratio 0.331860)"), "{out}");
    assert!(out.contains("the article's R"), "{out}");
    let o = inflight(&[
        "predict",
        "herd",
        "--clients",
        "2",
        "--service",
        "3ms",
        "--window",
        "4ms",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["expected_jittered_peak_exact"], "31/16");
    assert_eq!(v["expected_peak_two_clients"]["exact"], "31/16");
    assert_eq!(v["periodic_ratio"]["exact"], "3/4");
    assert_usage_errors(&[
        (&["predict", "herd", "--clients", "0", "--service", "1ms", "--window", "1s"], "--clients"),
        (&["predict", "herd", "--clients", "3", "--service", "0ms", "--window", "1s"], "--service"),
        (&["predict", "herd", "--clients", "3", "--service", "1ms", "--window", "-1s"], "--window"),
        (&["predict", "herd", "--clients", "3", "--service", "1ms", "--window", "0s"], "--window"),
        (
            &["predict", "herd", "--clients", "3", "--service", "fast", "--window", "1s"],
            "--service",
        ),
    ]);
}

#[test]
fn predict_herd_estimates_the_expected_peak_where_the_exact_formula_is_out_of_reach() {
    // N = 40 at w = 1/10 would enumerate 2·10⁹ compositions: the peak is estimated, says so,
    // and repeats for its seed.
    let args = ["predict", "herd", "--clients", "40", "--service", "10ms", "--window", "100ms"];
    let o = inflight(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("E[peak] ≈ ") && out.contains("drawn herds (seed 1)"), "{out}");
    assert!(out.contains("(not exact: the exact scan statistic would enumerate"), "{out}");
    let with = |extra: &[&str]| json(&inflight(&[&args[..], extra, &["--json"]].concat()));
    let v = with(&["--draws", "20000", "--seed", "5"]);
    let e = &v["expected_jittered_peak_estimate"];
    assert_eq!((e["draws"].as_u64(), e["seed"].as_u64()), (Some(20_000), Some(5)));
    let (mean, se) = (e["mean"].as_f64().expect("mean"), e["standard_error"].as_f64().expect("se"));
    // Far above the fluid 4 (N·w) and far below the synchronized 40.
    assert!(mean > 6.0 && mean < 12.0 && se > 0.0 && se < 0.05, "{e}");
    assert!(v["expected_jittered_peak"].is_null() && v["expected_peak_error"].is_string());
    assert_eq!(with(&["--draws", "20000", "--seed", "5"]), v);
    assert_ne!(with(&["--draws", "20000", "--seed", "6"])["expected_jittered_peak_estimate"], *e);
    // Where the exact value is computed, nothing is estimated.
    let small = ["predict", "herd", "--clients", "4", "--service", "1ms", "--window", "4ms"];
    assert!(json(&inflight(&[&small[..], &["--json"]].concat()))
        ["expected_jittered_peak_estimate"]
        .is_null());
    assert_usage_errors(&[(&[&args[..], &["--draws", "1"]].concat(), "--draws")]);
}

#[test]
fn check_retry_shows_the_herd_under_jitter_and_catches_broken_servers() {
    let o = inflight(&["check", "retry"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("160 unique states"), "{out}");
    assert!(out.contains("Example for \"all clients retry in the same slot"), "{out}");
    assert!(out.contains("inflight explore retry --clients 3 --policy jitter"), "{out}");
    // The first wave, weighed over every draw, beside the balls-in-bins law.
    assert!(
        out.contains("P(peak = 1) = 2/9, P(peak = 2) = 2/3, P(peak = 3) = 1/9, E[peak] = 17/9")
            && out.contains("the balls-in-bins law for 3 clients in 3 slots and a service of 1 slot (MODELS.md §6, slotted) gives the same"),
        "{out}"
    );
    let o = inflight(&["check", "retry", "--policy", "fixed", "--json"]);
    let v = json(&o);
    assert_eq!(v["passed"], true);
    assert_eq!(v["first_wave"]["expected_peak"]["exact"], "3");
    assert_eq!(v["first_wave"]["matches_law"], true);
    // Backoff is held to balls thrown by its first delay, uniform or not.
    let o =
        inflight(&["check", "retry", "--policy", "decorrelated", "--clients", "4", "--slots", "2"]);
    let out = stdout(&o);
    assert!(
        out.contains("E[peak] = 236/81")
            && out.contains("whose first delay in slots is {1: 1/3, 2: 2/3}")
            && out.contains("Brooker 2015) and a service of 1 slot gives the same"),
        "{out}"
    );
    // A longer service scans the wave with a wider window.
    let o = inflight(&["check", "retry", "--clients", "4", "--slots", "4", "--service", "2"]);
    let out = stdout(&o);
    assert!(
        out.contains("in any 2 consecutive slots") && out.contains("E[peak] = 187/64"),
        "{out}"
    );
    assert!(out.contains("a service of 2 slots (MODELS.md §6, slotted) gives the same"), "{out}");
    // Clients that give up at once make no wave, and no law is held against it.
    let o = inflight(&["check", "retry", "--max-attempts", "1"]);
    let out = stdout(&o);
    assert!(out.contains("P(peak = 0) = 1") && out.contains("no client retries"), "{out}");
    assert!(!out.contains("DIFFERS"), "{out}");
    assert!(
        v["properties"]
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["name"] == "retries stay synchronized (fixed delay)"
                && p["verdict"] == "holds")
    );
    for fault in ["capacity-off-by-one", "silent-shed"] {
        let o = inflight(&["check", "retry", "--fault", fault]);
        assert_eq!(o.status.code(), Some(1), "{fault}");
        assert!(stdout(&o).contains("Counterexample for"), "{fault}");
    }
    let o = inflight(&["check", "retry", "--fault", "silent-give-up", "--max-attempts", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert_usage_errors(&[
        (&["check", "retry", "--clients", "0"], "--clients"),
        (&["check", "retry", "--clients", "9"], "--clients"),
        (&["check", "retry", "--policy", "hope"], "--policy"),
        (&["check", "retry", "--slots", "0"], "--slots"),
        (&["check", "retry", "--max-attempts", "0"], "--max-attempts"),
        (&["explore", "retry", "--capacity", "5"], "--capacity"),
    ]);
}

#[test]
fn simulate_retry_measures_the_herd_and_draws_both_curves() {
    let dir = std::env::temp_dir().join(format!("inflight-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join("herd.svg");
    let o = inflight(&[
        "simulate",
        "retry",
        "--clients",
        "10",
        "--service",
        "10ms",
        "--window",
        "100ms",
        "--trials",
        "500",
        "--json",
        "--svg",
        svg.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["synchronized"]["peak"], 10);
    assert_eq!(v["synchronized"]["queue_mean_wait_ms"], 45.0);
    assert_eq!(v["synchronized"]["queue_last_completion_ms"], 200.0);
    let exact = v["exact_expected_peak"].as_f64().expect("computed");
    let (mean, se) = (
        v["mean_peak"].as_f64().expect("mean"),
        v["mean_peak_standard_error"].as_f64().expect("se"),
    );
    assert!((mean - exact).abs() <= 4.0 * se, "{mean} ± {se} vs {exact}");
    let drawn = std::fs::read_to_string(&svg).expect("written");
    assert!(drawn.contains("synchronized") && drawn.contains("jitter"), "both curves");
    let _ = std::fs::remove_dir_all(&dir);
    assert_usage_errors(&[
        (&["simulate", "retry", "--clients", "0"], "--clients"),
        (&["simulate", "retry", "--clients", "300"], "--clients"),
        (&["simulate", "retry", "--service", "0s"], "--service"),
        (&["simulate", "retry", "--window", "-1s"], "--window"),
        (&["simulate", "retry", "--policy", "pray"], "--policy"),
    ]);
}

#[test]
fn replay_reruns_a_printed_counterexample_as_a_regression_test() {
    let broken =
        ["check", "replication", "--replicas", "1", "--writes", "2", "--fault", "ack-before-store"];
    let v = json(&inflight(&[&broken[..], &["--json"]].concat()));
    let prop = property(&v, |p| p["verdict"] == "violated");
    let path = prop["explorer_path"].as_str().expect("path").to_string();
    // The bug reproduces: exit 1, naming the property and the step.
    let o = inflight(&[&broken[..], &["--replay", &path]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let steps = prop["path"].as_array().expect("steps").len();
    let expected = format!("VIOLATED {} at step {steps}", prop["name"]);
    assert!(stdout(&o).contains(&expected), "{}", stdout(&o));
    let j = json(&inflight(&[&broken[..], &["--replay", &path, "--json"]].concat()));
    assert_eq!(j["reproduces"], true);
    // The correct protocol runs the same indices without a violation.
    let fixed = ["check", "replication", "--replicas", "1", "--writes", "2", "--replay", &path];
    let o = inflight(&fixed);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no always-property is violated"));
    assert_usage_errors(&[
        (
            &["check", "replication", "--replay", "0/0/99"],
            "state after step 1 offers actions 0 to 2",
        ),
        (&["check", "replication", "--replay", "0/5"], "the initial state offers only action 0"),
        (&["check", "replication", "--replay", "0/x"], "--replay"),
        (&["check", "pipeline", "--replay", ""], "--replay"),
    ]);
}

#[test]
fn long_checks_show_progress_on_stderr_unless_json() {
    let args = ["check", "replication", "--network", "duplicating", "--lossy", "--window", "1"];
    let o = inflight(&args);
    let err = stderr(&o);
    assert!(
        err.contains("exploring:") && err.contains("states/s") && err.contains("depth"),
        "{err}"
    );
    assert!(!stdout(&o).contains("exploring:"), "progress stays off stdout");
    // The liveness pass beside the search shows how far it has got, and not when it runs after.
    assert!(err.contains("; liveness pass ") && err.contains(" states"), "{err}");
    let after = stderr(&inflight(&[&args[..], &["--liveness-after"]].concat()));
    assert!(after.contains("exploring:") && !after.contains("liveness pass"), "{after}");
    let o = inflight(&[&args[..], &["--json"]].concat());
    assert!(stderr(&o).is_empty(), "--json turns progress off: {}", stderr(&o));
}

#[test]
fn predict_pipeline_ttl_and_numa_answer_with_units_and_sources() {
    let o = inflight(&[
        "predict", "pipeline", "--load", "260/s", "--stage", "1000/s", "--stage", "6x50/s",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["throughput_per_s"]["exact"], "260");
    assert_eq!(v["capacity_per_s"]["exact"], "300");
    let out = stdout(&inflight(&[
        "predict", "pipeline", "--load", "260/s", "--stage", "1000/s", "--stage", "6x50/s",
    ]));
    assert!(out.contains("headroom, not throughput"), "{out}");
    let v = json(&inflight(&[
        "predict",
        "pipeline",
        "--load",
        "260/s",
        "--stage",
        "1000/s",
        "--stage",
        "4x50/s",
        "--cap",
        "9",
        "--zero-load",
        "10ms",
        "--json",
    ]));
    assert_eq!(v["backlog_growth_per_s"]["exact"], "60");
    assert_eq!(v["closed_loop"]["knee"]["exact"], "2");
    let v = json(&inflight(&[
        "predict",
        "ttl",
        "--churn",
        "0.01/s",
        "--ttl",
        "30s",
        "--reads",
        "5/s",
        "--refresh-cost",
        "1",
        "--stale-cost",
        "2",
        "--hops",
        "5",
        "--json",
    ]));
    let g = v["periodic_stale_fraction"].as_f64().expect("g");
    assert!((g - (1.0 - (1.0 - (-0.3f64).exp()) / 0.3)).abs() < 1e-12);
    assert!(v["cost"]["optimal_ttl_s"].as_f64().expect("θ*") > 0.0);
    let v = json(&inflight(&[
        "predict",
        "numa",
        "--remote-fraction",
        "0.1",
        "--penalty",
        "1000",
        "--target",
        "100",
        "--json",
    ]));
    assert_eq!(v["access_slowdown"]["exact"], "1009/10");
    assert_eq!(v["threshold_penalty"]["exact"], "991");
    let help = stdout(&inflight(&["predict", "--help"]));
    for section in ["§1", "§2", "§3", "§4", "§5", "§6", "§7"] {
        assert!(help.contains(section), "predict --help names MODELS.md {section}: {help}");
    }
    assert_usage_errors(&[
        (&["predict", "pipeline", "--load", "-1/s", "--stage", "1/s"], "--load"),
        (&["predict", "pipeline", "--load", "1/s", "--stage", "0x5/s"], "--stage"),
        (&["predict", "pipeline", "--load", "1/s"], "--stage"),
        (&["predict", "ttl", "--churn", "1/s", "--ttl", "-2s"], "--ttl"),
        (
            &["predict", "ttl", "--churn", "1/s", "--ttl", "2s", "--refresh-cost", "1"],
            "--stale-cost",
        ),
        (&["predict", "numa", "--remote-fraction", "1.5", "--penalty", "2"], "--remote-fraction"),
        (&["predict", "numa", "--remote-fraction", "0.1", "--penalty", "0.5"], "penalty"),
        (
            &["predict", "numa", "--remote-fraction", "0", "--penalty", "2", "--target", "0.5"],
            "target",
        ),
    ]);
}

#[test]
fn simulate_tandem_meets_the_bound_with_deterministic_work_and_flattens_past_the_knee() {
    let args = ["simulate", "tandem", "--stage", "1000/s", "--stage", "4x50/s", "--cap", "1..8"];
    let o = inflight(&[&args[..], &["--window", "4.2s", "--json"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["source"], "MODELS.md §3");
    let caps = v["caps"].as_array().expect("caps");
    assert_eq!(caps.len(), 8);
    for row in caps {
        let (x, bound) = (row["throughput_per_s"].as_f64(), row["bound_per_s"]["value"].as_f64());
        let (x, bound) = (x.expect("x"), bound.expect("bound"));
        // A 4.2 s window is a whole number of the deterministic line's periods.
        assert!((x - bound).abs() < 1e-9, "{row}");
    }
    let rt = |i: usize| caps[i]["round_trip_s"].as_f64().expect("round trip");
    assert!((rt(7) - 0.040).abs() < 1e-9, "8 jobs at 200/s take 40 ms: {}", rt(7));
    assert!((rt(0) - 0.021).abs() < 1e-4);
    let text = stdout(&inflight(&args));
    assert!(text.contains("knee C* = R0·min rᵢμᵢ = 4.20"), "{text}");
}

#[test]
fn simulate_ttl_measures_each_policy_beside_its_law() {
    let o = inflight(&[
        "simulate", "ttl", "--churn", "2/s", "--ttl", "500ms", "--reads", "20/s", "--runs", "40",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["source"], "MODELS.md §5");
    let policies = v["policies"].as_array().expect("policies");
    assert_eq!(policies.len(), 4);
    for p in policies {
        let f = |k: &str| p[k].as_f64().unwrap_or(f64::NAN);
        assert!(
            (f("stale_fraction") - f("law_stale_fraction")).abs() <= 4.0 * f("stale_se").max(1e-4),
            "{p}"
        );
    }
    assert_eq!(policies[1]["messages_per_s"].as_f64(), Some(2.0), "periodic: exactly 1/θ");
    let text = stdout(&inflight(&[
        "simulate", "ttl", "--churn", "2/s", "--ttl", "500ms", "--reads", "20/s",
    ]));
    assert!(text.contains("on-demand TTL") && text.contains("x = cθ = 1.0000"), "{text}");
}

#[test]
fn simulate_ttl_and_tandem_reject_bad_arguments_in_one_line() {
    assert_usage_errors(&[
        (&["simulate", "ttl", "--churn", "-1/s", "--ttl", "1s", "--reads", "1/s"], "--churn"),
        (&["simulate", "ttl", "--churn", "1/s", "--ttl", "0s", "--reads", "1/s"], "--ttl"),
        (
            &["simulate", "ttl", "--churn", "1/s", "--ttl", "1s", "--reads", "1/s", "--runs", "1"],
            "--runs",
        ),
        (&["simulate", "tandem", "--stage", "1000/s", "--cap", "0..3"], "--cap"),
        (&["simulate", "tandem", "--stage", "1000/s", "--cap", "9..3"], "empty range"),
        (&["simulate", "tandem", "--stage", "20x50/s"], "--stage"),
        (&["simulate", "tandem"], "--stage"),
    ]);
}

/// Every key of `v`, at any depth.
fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn json_reports_spell_seconds_one_way() {
    // One spelling of the unit across commands, so a script can find every duration: `_s` for
    // seconds and `_per_s` for rates, never `_secs` or `_per_sec`.
    let commands: &[&[&str]] = &[
        &["check", "replication", "--replicas", "1", "--window", "1"],
        &["check", "pipeline", "--timed", "--latency", "2"],
        &["check", "window", "--latency", "2", "--window", "3"],
        &["simulate", "ttl", "--churn", "2/s", "--ttl", "500ms", "--reads", "20/s", "--runs", "2"],
        &["simulate", "tandem", "--stage", "1000/s", "--stage", "4x50/s", "--cap", "1..2"],
    ];
    for args in commands {
        let o = inflight(&[args, &["--json"][..]].concat());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let mut all = Vec::new();
        keys(&json(&o), &mut all);
        let timed: Vec<_> = all.iter().filter(|k| k.ends_with("_s")).collect();
        assert!(!timed.is_empty(), "{args:?}: no key in seconds among {all:?}");
        for k in &all {
            assert!(!k.contains("_sec"), "{args:?}: key {k:?} spells seconds as `sec`");
        }
    }
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `inflight check … | head -1`: the pipe's reader closes before the report is written. The
    // rest is dropped quietly and the exit code is still the verdict's.
    for (args, code) in [
        (&["check", "replication"][..], 0),
        (&["check", "replication", "--fault", "window-off-by-one"][..], 1),
        (&["completions", "bash"][..], 0),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inflight"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        drop(child.stdout.take()); // the reader goes away before anything is written
        let o = child.wait_with_output().expect("runs");
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_failed_write_is_an_error() {
    // A full disk is not a closed pipe: the report is lost, so the command says so and exits 2.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system
    };
    let o = Command::new(env!("CARGO_BIN_EXE_inflight"))
        .args(["check", "replication", "--json"])
        .stdout(full)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write standard output"), "{}", stderr(&o));
}

#[test]
fn options_the_chosen_check_would_ignore_are_errors() {
    // The timed check explores the correct, saturated protocol on a clean network; the untimed
    // one has no clock. An option the check would silently drop answers a question the user
    // did not ask, so it is refused, naming the option.
    let timed = ["check", "replication", "--timed"];
    let pipe = ["check", "pipeline", "--timed"];
    assert_usage_errors(&[
        (&[&timed[..], &["--fault", "window-off-by-one"]].concat(), "--fault"),
        (&[&timed[..], &["--lossy"]].concat(), "--lossy"),
        (&[&timed[..], &["--crashes", "1"]].concat(), "--crashes"),
        (&[&timed[..], &["--network", "ordered"]].concat(), "--network"),
        (&[&timed[..], &["--writes", "5"]].concat(), "--writes"),
        (&[&timed[..], &["--threads", "2"]].concat(), "--threads"),
        (&[&timed[..], &["--replay", "0/0"]].concat(), "--replay"),
        (&[&timed[..], &["--max-states", "100"]].concat(), "--max-states"),
        (&[&timed[..], &["--timeout", "1s"]].concat(), "--timeout"),
        (&[&timed[..], &["--max-memory", "1GB"]].concat(), "--max-memory"),
        (&["check", "replication", "--replay", "0/0", "--max-memory", "1GB"], "--max-memory"),
        (&["check", "replication", "--max-memory", "12"], "--max-memory"),
        (&["check", "replication", "--max-memory", "100kB"], "less than 1MB"),
        (&["check", "replication", "--max-memory", "0B"], "less than 1MB"),
        (&["check", "replication", "--replay", "0/0", "--max-states", "9"], "--max-states"),
        (&["check", "replication", "--replay", "0/0", "--strategy", "dfs"], "--strategy"),
        (&["check", "replication", "--max-states", "0"], "--max-states"),
        (&["check", "replication", "--timeout", "0s"], "--timeout"),
        (&["check", "replication", "--timeout", "5"], "--timeout"),
        (&[&pipe[..], &["--fault", "deliver-out-of-order"]].concat(), "--fault"),
        (&[&pipe[..], &["--messages", "5"]].concat(), "--messages"),
        (&[&pipe[..], &["--max-in-network", "3"]].concat(), "--max-in-network"),
        (&["check", "replication", "--latency", "3"], "--latency"),
        (&["check", "replication", "--jitter", "1"], "--jitter"),
        (&["check", "pipeline", "--eager"], "--eager"),
        (&["check", "pipeline", "--serialize", "1"], "--serialize"),
        (&["check", "pipeline", "--capacity", "1"], "--capacity"),
    ]);
    // What each check does use still works.
    let o = inflight(&["check", "replication", "--timed", "--latency", "3", "--replicas", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = inflight(&["check", "pipeline", "--window", "1", "--network", "ordered"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_broken_variant_the_scenario_cannot_show_says_how_to_show_it() {
    // Each of these passes the default scenario; the note names what shows the bug, and (but
    // for the last, which checker/tests/deadlock.rs runs with the same settings) those
    // settings do catch it.
    let cases: [(&[&str], &[&str]); 7] = [
        (&["replication", "--fault", "volatile-log"], &["--crashes", "1"]),
        (
            &["replication", "--fault", "resend-newest-only"],
            &["--network", "duplicating", "--lossy", "--replicas", "1"],
        ),
        (&["pipeline", "--fault", "resend-newest-only"], &["--network", "duplicating", "--lossy"]),
        (&["pipeline", "--fault", "redeliver-duplicates"], &["--network", "duplicating"]),
        (&["deadlock", "--fault", "sticky-declaration"], &["--detector", "naive"]),
        (&["retry", "--fault", "silent-give-up"], &["--max-attempts", "2"]),
        (
            &["deadlock", "--fault", "accept-stale-reports"],
            &["--workload", "ring", "--processes", "3", "--resources", "3"],
        ),
    ];
    for (i, (scenario, shows)) in cases.iter().enumerate() {
        let o = inflight(&[&["check"][..], scenario].concat());
        assert_eq!(o.status.code(), Some(0), "{scenario:?}: {}", stderr(&o));
        let out = stdout(&o);
        let note = out.lines().find(|l| l.starts_with("note: --fault")).unwrap_or_default();
        assert!(note.contains("did not show") && note.contains(&shows.join(" ")), "{out}");
        let j = json(&inflight(&[&["check"][..], scenario, &["--json"]].concat()));
        assert!(j["note"].as_str().is_some_and(|n| n.contains(&shows.join(" "))), "{j}");
        if i + 1 < cases.len() {
            let o = inflight(&[&["check"][..], scenario, shows].concat());
            assert_eq!(o.status.code(), Some(1), "{scenario:?} {shows:?}: {}", stdout(&o));
            assert!(!stdout(&o).contains("did not show"));
        }
    }
    // The correct protocol and a variant that is caught print no note.
    for args in [&["check", "pipeline"][..], &["check", "pipeline", "--fault", "window-off-by-one"]]
    {
        assert!(!stdout(&inflight(args)).contains("note:"), "{args:?}");
    }
}

#[test]
fn a_bounded_check_stops_says_so_and_exits_3_unless_it_finds_a_bug() {
    // 781,697 states in all; the bound stops the search at about 20,000.
    let big = ["check", "replication", "--replicas", "3", "--window", "3", "--writes", "6"];
    let o = inflight(&[&big[..], &["--max-states", "20000"]].concat());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}{}", stderr(&o));
    assert!(out.contains("BOUNDED: --max-states 20000 stopped the search"), "{out}");
    assert!(out.contains("not violated so far (bounded)") && out.contains("undecided"), "{out}");
    assert!(!out.contains(" ok "), "nothing is proved by a bounded search: {out}");
    let o = inflight(&[&big[..], &["--max-states", "20000", "--json"]].concat());
    let v = json(&o);
    assert_eq!(v["complete"], false);
    assert_eq!(v["passed"], false);
    assert_eq!(v["stopped_by"], "--max-states 20000");
    let unique = v["unique_states"].as_u64().expect("count");
    assert!((20_000..781_697).contains(&unique), "{unique}");
    assert!(v["unexplored_transitions"].as_u64() > Some(0));
    // A bug inside the bound is still a counterexample: exit 1, with its explorer path. (This
    // variant has 6.25 million states: a full check takes minutes.)
    let o =
        inflight(&[&big[..], &["--fault", "ack-before-store", "--max-states", "20000"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("VIOLATED") && stdout(&o).contains("#/steps/"), "{}", stdout(&o));
    // The full check takes seconds; a wall-time bound stops it the same way.
    let o = inflight(&[&big[..], &["--timeout", "50ms", "--json"]].concat());
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert_eq!(json(&o)["stopped_by"], "--timeout 0.05s");
    // So does a memory bound: the full check holds far more than 40 MB. (Without --max-memory
    // the bound is 3/4 of the memory available at the start, which these checks never reach.)
    let o = inflight(&[&big[..], &["--max-memory", "40MB", "--json"]].concat());
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["stopped_by"], "--max-memory 40MB");
    let unique = v["unique_states"].as_u64().expect("count");
    assert!(unique < 781_697, "{unique}");
    // A bound the search never reaches changes nothing: a complete check, exit 0.
    let o = inflight(&["check", "replication", "--max-states", "1000000", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!((v["complete"].as_bool(), v["unique_states"].as_u64()), (Some(true), Some(159)));
}

/// Serves `explore <args>` on a free port, and returns the text of the state each explorer path
/// (`i0/i1/…`) leads to, as the explorer shows it.
fn explorer_states(args: &[&str], paths: &[&str]) -> Vec<String> {
    with_explorer(args, |addr| {
        paths
            .iter()
            .map(|path| testing::explorer_state(addr, path).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    })
}

/// Runs `f` with the address of `inflight explore <args>`, served on a free port.
fn with_explorer<T>(args: &[&str], f: impl FnOnce(&str) -> T) -> T {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_inflight"))
        .args([&["explore"], args, &["--addr", &addr]].concat())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let _server = Server(child);
    f(&addr)
}

#[test]
fn a_liveness_cycle_can_be_walked_in_the_explorer() {
    // The receiver skips a gap and never delivers it: a fair cycle of retransmissions that
    // never reaches "all delivered". The path is the prefix, then one turn of the cycle.
    let scenario =
        ["pipeline", "--fault", "deliver-out-of-order", "--network", "duplicating", "--retransmit"];
    let o = inflight(&[&["check"], &scenario[..], &["--json"]].concat());
    let v = json(&o);
    let prop = property(&v, |p| p["name"] == "all delivered (eventually)");
    assert_eq!(prop["verdict"], "violated");
    let path = prop["explorer_path"].as_str().expect("an explorer path for the cycle");
    let steps = prop["path"].as_array().expect("steps").len();
    let cycle_from = prop["cycle_from"].as_u64().expect("a cycle") as usize;
    let indices: Vec<&str> = path.split('/').collect();
    assert_eq!(indices.len(), steps + 1, "the initial state's index, then one per step");
    // The explorer's state where the cycle starts is the state it ends in.
    let entry = indices[..=cycle_from].join("/");
    let states = explorer_states(&scenario, &[&entry, path]);
    assert_eq!(states[0], states[1], "the cycle closes");
    assert!(states[1].contains("first_bad: Some"), "{}", states[1]);
    let text = stdout(&inflight(&[&["check"], &scenario[..]].concat()));
    assert!(text.contains(&format!("which starts after step {cycle_from}")), "{text}");
}

#[test]
fn liveness_after_the_search_gives_the_verdicts_of_the_pass_beside_it() {
    // By default the sound liveness pass runs beside the search; --liveness-after runs it
    // after, as before. The verdicts and the counterexample are the same.
    let scenario = [
        "check",
        "pipeline",
        "--fault",
        "deliver-out-of-order",
        "--network",
        "duplicating",
        "--retransmit",
        "--json",
    ];
    let beside = json(&inflight(&scenario));
    let after = json(&inflight(&[&scenario[..], &["--liveness-after"]].concat()));
    assert_eq!(beside["liveness_beside"], true);
    assert_eq!(after["liveness_beside"], false);
    assert_eq!(beside["properties"], after["properties"]);
    assert_eq!(beside["unique_states"], after["unique_states"]);
    for v in [&beside, &after] {
        let (total, search) = (v["total_s"].as_f64(), v["elapsed_s"].as_f64());
        assert!(total.zip(search).is_some_and(|(t, s)| t >= s), "{v}");
    }
    let text = stdout(&inflight(&scenario[..scenario.len() - 1]));
    assert!(text.contains("beside the search;") && text.contains(" s in all"), "{text}");
    let text =
        stdout(&inflight(&[&scenario[..scenario.len() - 1], &["--liveness-after"]].concat()));
    assert!(!text.contains("beside the search") && text.contains(" s in all"), "{text}");
}

#[test]
fn check_stage_keeps_the_cap_and_shows_a_broken_line_in_the_explorer() {
    let o = inflight(&["check", "stage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("132 unique states"), "{}", stdout(&o));
    // One job too many: the counterexample's last state, served at the path the check prints.
    let scenario = ["stage", "--fault", "cap-off-by-one"];
    let v = json(&inflight(&[&["check"], &scenario[..], &["--json"]].concat()));
    let prop = property(&v, |p| p["name"] == "jobs in the line <= cap");
    assert_eq!(prop["verdict"], "violated");
    let path = prop["explorer_path"].as_str().expect("an explorer path");
    let state = explorer_states(&scenario, &[path]).remove(0);
    assert!(state.contains("source: 3/2 outstanding [1, 2, 3]"), "{state}");
    // A variant the scenario cannot show says how; with that setting it is caught.
    for (unshown, shown, hint) in [
        (&["--jobs", "2"][..], &["--jobs", "3"][..], "raise --jobs above --cap"),
        (
            &["--workers", "2,2", "--fault", "drop-queued-job"],
            &["--fault", "drop-queued-job"],
            "--workers 1,2 --cap 2",
        ),
    ] {
        let fault: &[&str] = if unshown.contains(&"--fault") { &[] } else { &scenario[1..] };
        let o = inflight(&[&["check", "stage"], fault, unshown].concat());
        assert_eq!(o.status.code(), Some(0), "{unshown:?}: {}", stdout(&o));
        assert!(stdout(&o).contains(hint), "{unshown:?}: {}", stdout(&o));
        let o = inflight(&[&["check", "stage"], fault, shown].concat());
        assert_eq!(o.status.code(), Some(1), "{shown:?}: {}", stdout(&o));
    }
    assert_usage_errors(&[
        (&["check", "stage", "--network", "duplicating"], "ordered or unordered"),
        (&["check", "stage", "--workers", "1,1,1,1,1"], "--workers"),
        (&["check", "stage", "--workers", "5"], "--workers"),
        (&["check", "stage", "--cap", "9"], "--cap"),
        (&["check", "stage", "--jobs", "0"], "--jobs"),
        (&["check", "stage", "--fault", "lose-everything"], "--fault"),
        (&["explore", "stage", "--cap", "0"], "--cap"),
        (&["check", "stage", "--work", "3"], "--work"),
        (&["check", "stage", "--timed", "--jobs", "5"], "--jobs"),
        (&["check", "stage", "--timed", "--serialize", "2"], "--serialize"),
        (&["check", "stage", "--timed", "--work", "1,1,1"], "--work"),
        (&["check", "stage", "--timed", "--work", "0"], "--work"),
    ]);
    // Timed: the exact best and worst over every delay, beside MODELS.md §3.
    let timed = ["check", "stage", "--timed", "--eager", "--latency", "2", "--jitter", "1"];
    let line = ["--workers", "1,2", "--cap", "4", "--work", "3,5", "--json"];
    let o = inflight(&[&timed[..], &line[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(
        (v["best"]["per_tick"].as_str(), v["worst"]["per_tick"].as_str()),
        (Some("2/7"), Some("4/17"))
    );
    assert_eq!(
        (v["agrees_with_law"].as_bool(), v["law"]["source"].as_str()),
        (Some(true), Some("MODELS.md §3"))
    );
}

#[test]
fn check_ttl_keeps_reads_monotonic_across_a_crash_and_walks_the_broken_one() {
    let o = inflight(&["check", "ttl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("38 unique states"), "{}", stdout(&o));
    let scenario = ["ttl", "--crashes", "1", "--fault", "restart-query-numbers"];
    let v = json(&inflight(&[&["check"], &scenario[..], &["--json"]].concat()));
    let prop = property(&v, |p| p["name"] == "reads never go back in time");
    assert_eq!(prop["verdict"], "violated");
    let path = prop["explorer_path"].as_str().expect("an explorer path");
    let state = explorer_states(&scenario, &[path]).remove(0);
    assert!(state.contains("WENT BACK v1 -> v0"), "{state}");
    // Each variant the default scenario cannot show says how; with that setting it is caught.
    for (fault, shows) in [
        ("restart-query-numbers", &["--crashes", "1"][..]),
        ("keep-waiting-reads", &["--policy", "periodic"][..]),
        ("trust-unconfirmed-push", &["--policy", "push", "--crashes", "1"][..]),
        ("renew-once", &["--policy", "push-renew", "--lossy"][..]),
    ] {
        let o = inflight(&["check", "ttl", "--fault", fault]);
        assert_eq!(o.status.code(), Some(0), "{fault}: {}", stdout(&o));
        assert!(stdout(&o).contains(&shows.join(" ")), "{fault}: {}", stdout(&o));
        let o = inflight(&[&["check", "ttl", "--fault", fault][..], shows].concat());
        assert_eq!(o.status.code(), Some(1), "{fault} {shows:?}: {}", stdout(&o));
    }
    assert_usage_errors(&[
        (&["check", "ttl", "--network", "unordered"], "--max-in-network"),
        (&["check", "ttl", "--policy", "push", "--lossy"], "use push-renew"),
        (&["check", "ttl", "--refreshes", "3"], "--refreshes"),
        (&["check", "ttl", "--policy", "sometimes"], "--policy"),
        (&["check", "ttl", "--reads", "9"], "--reads"),
        (&["check", "ttl", "--resolvers", "1", "--crashes", "3"], "3 crashes"),
        (&["explore", "ttl", "--changes", "5"], "--changes"),
    ]);
}

#[test]
fn check_ttl_push_renew_bounds_a_lost_push_by_a_period_and_walks_the_broken_one() {
    // θ = 4, L = 2, J = 1, two losses: L + 2J + kθ = 12 ticks stale at worst, reached; a read
    // waits as long as an on-demand one, 2(L + J) + kR = 20.
    let args = ["check", "ttl", "--timed", "--policy", "push-renew", "--losses", "2", "--json"];
    let v = json(&inflight(&args));
    assert_eq!(v["passed"].as_bool(), Some(true), "{v}");
    assert_eq!(
        (v["bound"]["ticks"].as_u64(), v["bound"]["formula"].as_str()),
        (Some(12), Some("L + 2J + kθ"))
    );
    assert_eq!(v["bound"]["wait"]["ticks"].as_u64(), Some(20));
    // Losses add D = kR = 14 ticks to the wait and kθ = 8 to the staleness.
    assert_eq!(
        (v["bound"]["delay"].as_u64(), v["bound"]["stale_delay"].as_u64()),
        (Some(14), Some(8))
    );
    let reached =
        property(&v, |p| p["name"] == "a read is exactly as stale as the bound (reachable)");
    assert_eq!(reached["verdict"], "reachable");
    // A resolver that renews once: without a loss it passes and says what shows it; with one,
    // the lost push is never made good, and the explorer opens the read past the bound.
    let o =
        inflight(&["check", "ttl", "--timed", "--policy", "push-renew", "--fault", "renew-once"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Only a lost push shows it"), "{}", stdout(&o));
    let scenario =
        ["ttl", "--timed", "--policy", "push-renew", "--losses", "1", "--fault", "renew-once"];
    let o = inflight(&[&["check"], &scenario[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let prop = property(&json(&o), |p| p["name"] == "no read is staler than the bound");
    assert_eq!(prop["verdict"], "violated");
    let steps: Vec<String> =
        prop["path"].as_array().expect("steps").iter().map(|s| s.to_string()).collect();
    assert_eq!(steps.iter().filter(|s| s.contains("Push") && s.contains("is lost")).count(), 1);
    let path = prop["explorer_path"].as_str().expect("an explorer path");
    let state = explorer_states(&scenario, &[path]).remove(0);
    // The bound is L + 2J + θ = 8 ticks: the read is one tick past it.
    assert!(state.contains("the read just answered is 9 tick(s) stale"), "{state}");
}

#[test]
fn check_ttl_timed_holds_each_policy_to_its_worst_case_and_walks_a_stale_read() {
    // On demand, θ = 4, L = 2, J = 1: at most θ + L + J − 1 = 6 ticks stale, and 6 is reached.
    let v = json(&inflight(&["check", "ttl", "--timed", "--json"]));
    assert_eq!((v["passed"].as_bool(), v["bound"]["ticks"].as_u64()), (Some(true), Some(6)));
    assert_eq!(v["bound"]["formula"], "θ + L + J − 1");
    // And a read waits at most a round trip, 2(L + J) = 6 ticks, which is reached.
    assert_eq!(v["bound"]["wait"]["ticks"].as_u64(), Some(6));
    assert_eq!(v["bound"]["wait"]["formula"], "2(L + J)");
    let wait = property(&v, |p| p["name"] == "a read waits exactly the wait bound (reachable)");
    assert_eq!(wait["verdict"], "reachable");
    // Push races its subscription: L + 2J.
    let o = inflight(&["check", "ttl", "--timed", "--policy", "push", "--jitter", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("at most L + 2J = 6 ticks stale"), "{}", stdout(&o));
    // Serving an expired entry is caught, and the explorer opens the stale read.
    let scenario = ["ttl", "--timed", "--fault", "ignore-expiry"];
    let o = inflight(&[&["check"], &scenario[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let prop = property(&json(&o), |p| p["name"] == "no read is staler than the bound");
    assert_eq!(prop["verdict"], "violated");
    let path = prop["explorer_path"].as_str().expect("an explorer path");
    let state = explorer_states(&scenario, &[path]).remove(0);
    assert!(state.contains("the read just answered is 7 tick(s) stale"), "{state}");
    // Without a clock the timing faults cannot show, and the check says where they do.
    let o = inflight(&["check", "ttl", "--fault", "expiry-off-by-one"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("only --timed shows it"), "{}", stdout(&o));
    let o = inflight(&["check", "ttl", "--timed", "--fault", "expiry-off-by-one"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // The resolver that took only its latest answer left reads waiting for ever, and only a
    // fast refresh under a clock shows it.
    let o =
        inflight(&["check", "ttl", "--policy", "periodic", "--fault", "take-only-awaited-answers"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("use --timed --policy periodic --ttl 1"), "{}", stdout(&o));
    let scenario = ["--timed", "--policy", "periodic", "--ttl", "1", "--latency", "1"];
    let fault = ["--fault", "take-only-awaited-answers", "--json"];
    let v = json(&inflight(&[&["check", "ttl"], &scenario[..], &fault[..]].concat()));
    let wait = property(&v, |p| p["name"] == "no read waits longer than the wait bound");
    assert_eq!(wait["verdict"], "violated");
    // Two losses: a periodic resolver with θ = 5, L = 1, J = 0 resends every R = 3 ticks, so
    // the query that gets through goes out at the refresh, D = 5 ticks after the first.
    let lossy = ["--timed", "--policy", "periodic", "--ttl", "5", "--latency", "1", "--jitter"];
    let v = json(&inflight(
        &[&["check", "ttl"], &lossy[..], &["0", "--losses", "2", "--json"]].concat(),
    ));
    assert_eq!(v["passed"].as_bool(), Some(true), "{v}");
    assert_eq!((v["bound"]["losses"].as_u64(), v["bound"]["delay"].as_u64()), (Some(2), Some(5)));
    assert_eq!(v["bound"]["stale_delay"].as_u64(), Some(5), "periodic: D on the staleness too");
    assert_eq!(
        (v["bound"]["ticks"].as_u64(), v["bound"]["formula"].as_str()),
        (Some(11), Some("θ + L + 2J + D"))
    );
    assert_eq!(v["bound"]["wait"]["ticks"].as_u64(), Some(7));
    // A resolver that resends only once: one loss is made good, a second leaves a read
    // waiting, and the check says so.
    let o = inflight(&["check", "ttl", "--timed", "--losses", "1", "--fault", "resend-once"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("use --timed --losses 2"), "{}", stdout(&o));
    let scenario = ["ttl", "--timed", "--losses", "2", "--fault", "resend-once"];
    let o = inflight(&[&["check"], &scenario[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let wait = property(&json(&o), |p| p["name"] == "no read waits longer than the wait bound");
    assert_eq!(wait["verdict"], "violated");
    // The explorer walks the two losses to the read still waiting, one tick past 2(L + J) + D.
    let steps: Vec<String> =
        wait["path"].as_array().expect("steps").iter().map(|s| s.to_string()).collect();
    assert_eq!(steps.iter().filter(|s| s.contains("is lost")).count(), 2, "{steps:?}");
    let path = wait["explorer_path"].as_str().expect("an explorer path");
    let state = explorer_states(&scenario, &[path]).remove(0);
    assert!(state.contains("a read has waited 21 tick(s)"), "{state}");
    assert_usage_errors(&[
        (&["check", "ttl", "--losses", "1"], "--losses applies only with --timed"),
        (&["check", "ttl", "--timed", "--lossy"], "give --losses N"),
        (&["check", "ttl", "--timed", "--losses", "4"], "--losses"),
        (&["check", "ttl", "--timed", "--policy", "push", "--losses", "1"], "never repaired"),
        (&["check", "ttl", "--ttl", "3"], "--ttl applies only with --timed"),
        (&["check", "ttl", "--timed", "--crashes", "1"], "--crashes does not apply"),
        (&["check", "ttl", "--timed", "--ttl", "0"], "--ttl"),
        (&["check", "ttl", "--timed", "--latency", "0"], "--latency"),
        (&["explore", "ttl", "--timed", "--changes", "4"], "--changes does not apply"),
        (&["check", "ttl", "--changes", "5"], "--changes"),
    ]);
}

/// Runs the check `args` (which ends in `--json`) in full and with `--symmetry`, requires both
/// to give the same verdicts, the reduced one by a depth-first search, and the state counts
/// `(full, reduced)`; returns both reports.
fn full_and_reduced(args: &[&str], counts: (u64, u64)) -> (serde_json::Value, serde_json::Value) {
    let full = json(&inflight(args));
    let o = inflight(&[args, &["--symmetry"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let reduced = json(&o);
    let count = |v: &serde_json::Value| v["unique_states"].as_u64();
    assert_eq!((count(&full), count(&reduced)), (Some(counts.0), Some(counts.1)), "{args:?}");
    assert_eq!(reduced["strategy"], "dfs");
    assert_eq!(verdicts(&reduced), verdicts(&full));
    (full, reduced)
}

#[test]
fn symmetry_reduces_the_replication_check_and_its_counterexample_replays() {
    // One state per class of states that differ only by the four replicas' names.
    full_and_reduced(&["check", "replication", "--replicas", "4", "--json"], (12483, 941));
    // A broken variant is caught, and the path it prints replays on the plain model.
    let broken = ["check", "replication", "--fault", "ack-before-store", "--symmetry", "--json"];
    let o = inflight(&broken);
    assert_eq!(o.status.code(), Some(1));
    let p = property(&json(&o), |p| p["verdict"] == "violated");
    let path = p["explorer_path"].as_str().expect("an explorer path");
    let replayed =
        inflight(&["check", "replication", "--fault", "ack-before-store", "--replay", path]);
    assert_eq!(replayed.status.code(), Some(1), "{}", stdout(&replayed));
    let reduced_path = p["reduced_explorer_path"].as_str().expect("a reduced explorer path");
    let replayed = inflight(&[&broken[..4], &["--symmetry", "--replay", reduced_path]].concat());
    assert_eq!(replayed.status.code(), Some(1), "{}", stdout(&replayed));
    // A livelock is caught too, decided with the reduced graph: a lasso whose cycle closes,
    // and whose path replays on the plain model.
    let livelock = [
        "check",
        "replication",
        "--fault",
        "resend-newest-only",
        "--network",
        "duplicating",
        "--lossy",
        "--writes",
        "2",
    ];
    let o = inflight(&[&livelock[..], &["--symmetry", "--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let p = property(&json(&o), |p| p["verdict"] == "violated");
    assert_eq!(p["expectation"], "eventually");
    assert!(p["semantics"].as_str().is_some_and(|s| s.contains("reduced by symmetry")), "{p}");
    let steps = p["path"].as_array().expect("a path");
    let from = p["cycle_from"].as_u64().expect("a cycle") as usize;
    assert!(from >= 1 && from < steps.len(), "{p}");
    assert_eq!(steps[from - 1]["state"], steps[steps.len() - 1]["state"], "the cycle closes");
    let path = p["explorer_path"].as_str().expect("an explorer path");
    let replayed = inflight(&[&livelock[..], &["--replay", path]].concat());
    assert_eq!(replayed.status.code(), Some(0), "{}", stdout(&replayed));
    // In the reduced explorer the same lasso, up to names. Its turn of the cycle comes back to
    // exactly the state it started from, so it takes as many steps.
    let reduced_path = p["reduced_explorer_path"].as_str().expect("a reduced explorer path");
    assert_eq!(reduced_path.split('/').count(), path.split('/').count());
    assert_eq!(p["reduced_cycle_from"], p["cycle_from"]);
    let text = stdout(&inflight(&[&livelock[..], &["--symmetry"]].concat()));
    let closes = format!("ends after one turn of the cycle, which starts after step {from})");
    assert_eq!(text.matches(&closes).count(), 2, "plain and reduced: {text}");
    // The resolvers of the naming model too: three of them, 3,556 states → 663.
    let ttl = ["check", "ttl", "--resolvers", "3", "--reads", "1", "--symmetry", "--json"];
    let o = inflight(&ttl);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["unique_states"].as_u64(), Some(663));
    assert_usage_errors(&[
        (&["check", "replication", "--symmetry", "--timed", "--latency", "2"], "--symmetry"),
        (&["check", "ttl", "--timed", "--symmetry"], "--symmetry"),
    ]);
}

#[test]
fn symmetry_reduces_the_retry_check_and_the_explorer() {
    let herd = ["check", "retry", "--clients", "4", "--slots", "6", "--json"];
    // One state per class of states that differ only by the four clients' names.
    let (full, reduced) = full_and_reduced(&herd, (10224, 1417));
    // The first wave is the same exact distribution, and still the law's.
    assert_eq!(reduced["first_wave"], full["first_wave"]);
    assert_eq!(reduced["first_wave"]["matches_law"], true);
    // A broken server is caught, and the path printed replays on the plain model; the path
    // printed for the reduced explorer replays there, with --symmetry.
    let broken = ["check", "retry", "--clients", "4", "--fault", "capacity-off-by-one"];
    let o = inflight(&[&broken[..], &["--symmetry", "--json"]].concat());
    assert_eq!(o.status.code(), Some(1));
    let p = property(&json(&o), |p| p["verdict"] == "violated");
    let path = p["explorer_path"].as_str().expect("an explorer path");
    let replayed = inflight(&[&broken[..], &["--replay", path]].concat());
    assert_eq!(replayed.status.code(), Some(1), "{}", stdout(&replayed));
    let reduced_path = p["reduced_explorer_path"].as_str().expect("a reduced explorer path");
    let replayed = inflight(&[&broken[..], &["--symmetry", "--replay", reduced_path]].concat());
    assert_eq!(replayed.status.code(), Some(1), "{}", stdout(&replayed));
    let text = stdout(&inflight(&[&broken[..], &["--symmetry"]].concat()));
    assert!(
        text.contains(&format!(
            "--symmetry\n  then open http://127.0.0.1:3000/#/steps/{reduced_path}\n"
        )),
        "{text}"
    );
    // The explorer reduced the same way opens that path at a server over its capacity.
    let explore = ["retry", "--clients", "4", "--fault", "capacity-off-by-one", "--symmetry"];
    let state = explorer_states(&explore, &[reduced_path]).remove(0);
    let server = state.lines().find(|l| l.starts_with("n0:")).expect("the server's line");
    assert!(server.contains("of 1") && server.matches('#').count() == 2, "{state}");
    // It lists the first slot of four clients drawing one of six delays as one branch per
    // multiset of draws, C(9, 4) = 126, instead of one per draw, 6⁴ = 1,296.
    let first_slot = |args: &[&str]| {
        with_explorer(args, |addr| testing::explorer_views(addr, "0").expect("views").len())
    };
    let herd = ["retry", "--clients", "4", "--slots", "6"];
    assert_eq!(first_slot(&herd), 1296);
    assert_eq!(first_slot(&[&herd[..], &["--symmetry"]].concat()), 126);
    // Past 5,000 branches a plain check points to the reduced explorer; 6⁵ = 7,776 is past.
    let five = ["check", "retry", "--clients", "5", "--slots", "6"];
    let note = "the explorer lists 7776 branches for the first slot; with --symmetry";
    assert!(stdout(&inflight(&five)).contains(note));
    assert!(!stdout(&inflight(&[&five[..], &["--symmetry"]].concat())).contains(note));
    assert!(!stdout(&inflight(&[&["check"], &herd[..]].concat())).contains("branches for the"));
    assert_usage_errors(&[
        (&["check", "retry", "--clients", "8", "--symmetry"], "--clients"),
        (&["explore", "ttl", "--timed", "--symmetry"], "--symmetry does not apply"),
    ]);
}

#[test]
fn symmetry_reduces_the_deadlock_ring_check_and_the_explorer() {
    let ring = ["deadlock", "--workload", "ring", "--processes", "3", "--sites", "3"];
    let check = [&["check"], &ring[..], &["--resources", "3", "--json"]].concat();
    // One state per class of states that differ only by a shift of every process, resource
    // and site.
    full_and_reduced(&check, (55571, 18531));
    // The reduced explorer offers one branch for the three processes' first commands, which
    // are shifts of one another.
    let explore = [&ring[..], &["--resources", "3"]].concat();
    let first = |args: &[&str]| {
        with_explorer(args, |addr| testing::explorer_views(addr, "0").expect("views").len())
    };
    assert_eq!(first(&explore), 3);
    assert_eq!(first(&[&explore[..], &["--symmetry"]].concat()), 1);
    // A plain check of a symmetric ring points to --symmetry; a reduced one, and a ring that is
    // not symmetric, do not.
    let plain = [&["check"], &explore[..]].concat();
    let note = "--symmetry explores one state per class of such shifts (up to 3 times fewer)";
    assert!(stdout(&inflight(&plain)).contains(note));
    assert!(!stdout(&inflight(&[&plain[..], &["--symmetry"]].concat())).contains(note));
    let hand_off = ["check", "deadlock", "--processes", "3", "--sites", "3", "--resources", "3"];
    assert!(!stdout(&inflight(&hand_off)).contains("--symmetry explores"));
    assert_usage_errors(&[
        (&["check", "deadlock", "--symmetry"], "needs the ring workload"),
        (&["explore", "deadlock", "--symmetry"], "needs the ring workload"),
        (
            &["check", "deadlock", "--workload", "ring", "--resources", "3", "--symmetry"],
            "as many resources as processes",
        ),
        (
            &[
                "check",
                "deadlock",
                "--workload",
                "ring",
                "--processes",
                "4",
                "--sites",
                "3",
                "--resources",
                "4",
                "--symmetry",
            ],
            "a number of sites that divides the processes",
        ),
    ]);
}

/// An option of `inflight check <protocol>`, as its `--help` shows it.
struct CheckOption {
    /// `--name`.
    flag: String,
    /// Whether it takes a value.
    takes_value: bool,
    /// The values it lists (fault variants, policies …), if it lists them.
    listed: Vec<String>,
}

/// The options of `inflight check <protocol>`, read from its `--help`.
fn check_options(protocol: &str) -> Vec<CheckOption> {
    let help = stdout(&inflight(&["check", protocol, "--help"]));
    let mut options: Vec<CheckOption> = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("--") {
            let name: String =
                rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
            let takes_value = rest[name.len()..].trim_start().starts_with('<');
            options.push(CheckOption { flag: format!("--{name}"), takes_value, listed: vec![] });
        } else if let (Some(value), Some(last)) = (t.strip_prefix("- "), options.last_mut()) {
            if let Some((v, _)) = value.split_once(':') {
                last.listed.push(v.trim().to_string());
            }
        }
    }
    // Those that read files or the report's shape are not what this test is about.
    options.retain(|o| !matches!(o.flag.as_str(), "--help" | "--replay" | "--json"));
    options
}

mod any_arguments {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    const PROTOCOLS: [&str; 6] = ["replication", "pipeline", "deadlock", "retry", "stage", "ttl"];
    /// Values that no option takes.
    const JUNK: [&str; 4] = ["-1", "x", "1ms", "99999999999"];

    /// A value for `flag`: one it lists, or one of its kind, or now and then junk.
    fn value(flag: &str, listed: &[String], pick: usize) -> String {
        let of = |pool: &[&str]| pool[pick % pool.len()].to_string();
        if pick >= 60 {
            return of(&JUNK);
        }
        if !listed.is_empty() {
            return listed[pick % listed.len()].clone();
        }
        match flag {
            "--network" => of(&["ordered", "unordered", "duplicating"]),
            "--ack" => of(&["all", "majority", "1", "2"]),
            "--workload" => of(&["ring", "hand-off"]),
            "--work" => of(&["1", "2", "1..3"]),
            _ => of(&["0", "1", "2", "3", "4"]),
        }
    }

    fn options() -> &'static Vec<Vec<CheckOption>> {
        static OPTIONS: OnceLock<Vec<Vec<CheckOption>>> = OnceLock::new();
        OPTIONS.get_or_init(|| PROTOCOLS.iter().map(|p| check_options(p)).collect())
    }

    /// Every value [`value`] can give an option (each listed one, each of its kind, and the
    /// junk).
    fn values(flag: &str, listed: &[String]) -> Vec<String> {
        let mut all: Vec<String> = (0..64).map(|pick| value(flag, listed, pick)).collect();
        all.sort();
        all.dedup();
        all
    }

    /// Each option alone, at each of its values, on each protocol: a verdict or a one-line
    /// error, never a panic (the random combinations below cannot promise to reach every
    /// value).
    #[test]
    fn each_option_alone_at_each_value_gives_a_verdict_or_a_one_line_error() {
        let mut runs = 0;
        for (protocol, all) in PROTOCOLS.iter().zip(options()) {
            for option in all {
                let flag = option.flag.as_str();
                if matches!(flag, "--max-states" | "--timeout" | "--max-memory") {
                    continue;
                }
                let given = if option.takes_value {
                    values(flag, &option.listed).into_iter().map(Some).collect()
                } else {
                    vec![None]
                };
                for v in given {
                    let mut argv = vec!["check", protocol, flag];
                    argv.extend(v.as_deref());
                    argv.extend(["--max-states", "3000", "--timeout", "10s"]);
                    assert_verdict_or_error(&argv);
                    runs += 1;
                }
            }
        }
        assert!(runs > 300, "only {runs} runs: the options were not read from --help");
    }

    /// A run of `argv` either checks (exit 0, 1 or 3, with a report) or is refused with one
    /// line on stderr (exit 2); it does not panic.
    fn assert_verdict_or_error(argv: &[&str]) {
        let o = inflight(argv);
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(!err.contains("panicked"), "{argv:?} panicked: {err}");
        match o.status.code() {
            // A report: every check prints its state counts.
            Some(0 | 1 | 3) => assert!(out.contains("states"), "{argv:?}: no report: {out}"),
            Some(2) => {
                assert!(err.starts_with("error"), "{argv:?}: {err}");
                assert_eq!(err.trim_end().lines().count(), 1, "{argv:?}: not one line: {err}");
            }
            code => panic!("{argv:?} exited {code:?}: {err}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any combination of a protocol's options, with values in range or not, either runs a
        /// check (exit 0, 1 or 3, with a report) or is refused with one line on stderr (exit
        /// 2); it never panics. Bounded small, so each case takes milliseconds.
        #[test]
        fn any_options_give_a_verdict_or_a_one_line_error(
            protocol in 0..PROTOCOLS.len(),
            picks in proptest::collection::vec((proptest::bool::weighted(0.2), 0usize..64), 48),
        ) {
            let all = &options()[protocol];
            prop_assert!(all.len() > 10, "options of {} not read from --help", PROTOCOLS[protocol]);
            let mut args = vec!["check".to_string(), PROTOCOLS[protocol].to_string()];
            for (option, &(on, pick)) in all.iter().zip(&picks) {
                let flag = option.flag.as_str();
                if !on || matches!(flag, "--max-states" | "--timeout" | "--max-memory") {
                    continue;
                }
                args.push(option.flag.clone());
                if option.takes_value {
                    args.push(value(flag, &option.listed, pick));
                }
            }
            let bounds = ["--max-states", "3000", "--timeout", "10s", "--max-memory", "1GB"];
            args.extend(bounds.map(String::from));
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_verdict_or_error(&argv);
        }
    }
}

#[test]
fn coverage_lists_each_handler_outcome_after_the_verdicts() {
    let o = inflight(&["check", "replication", "--coverage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let (verdicts, table) = out.split_once("Coverage: ").expect("a coverage table");
    assert!(verdicts.contains("159 unique states"), "{out}");
    assert!(table.starts_with("159 states, 477 steps (161 change nothing) in "), "{out}");
    assert!(table.contains("rejected: Gap"), "{out}");
    assert!(table.contains("An outcome that is not listed never occurred"), "{out}");

    let o = inflight(&["check", "replication", "--network", "ordered", "--coverage", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let cov = &v["coverage"];
    assert_eq!(cov["complete"], true, "{v}");
    let rows = cov["rows"].as_array().expect("rows");
    let row = |input: &str, outcome: &str| {
        rows.iter().find(|r| r["input"] == input && r["outcome"] == outcome).map(|r| &r["calls"])
    };
    let stored = row("message Append", "accepted, emits Stored");
    assert!(stored.is_some_and(|c| c.as_u64() > Some(0)), "{v}");
    assert_eq!(row("message Append", "rejected: Gap"), None, "in order: no gap: {v}");
    // Without the flag, no visit and no table.
    let o = inflight(&["check", "replication", "--json"]);
    assert!(json(&o).get("coverage").is_none());

    let o = inflight(&[
        "check",
        "replication",
        "--writes",
        "1",
        "--lossy",
        "--coverage",
        "--max-states",
        "500",
    ]);
    assert_eq!(o.status.code(), Some(3), "a bounded check: {}", stdout(&o));
    assert!(
        stdout(&o).contains("(stopped by the states bound: not every state)"),
        "{}",
        stdout(&o)
    );

    assert_usage_errors(&[
        (&["check", "replication", "--coverage", "--replay", "0/0"], "--coverage"),
        (&["check", "replication", "--timed", "--coverage"], "--coverage"),
    ]);
}
