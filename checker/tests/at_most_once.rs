//! The checks of `examples/at_most_once.rs`, the walk-through of a protocol of one's own: pinned
//! state counts, both broken variants caught (one by a safety property, one only by liveness on
//! a lossy network), the explorer serving the counterexample at the path the check prints,
//! frames that round-trip, and the simulated rate equal to its law.

// The example is compiled here as a module; its `main` is the example's, not the test's.
#[allow(dead_code)]
#[path = "../examples/at_most_once.rs"]
mod example;

use example::*;
use inflight_checker::liveness::actor_faults;
use inflight_checker::readable::Readable;
use inflight_checker::report::{run_check, CheckOptions};
use inflight_checker::testing;
use inflight_core::wire;
use inflight_models::units;
use proptest::prelude::*;
use stateright::Model;

proptest! {
    #[test]
    fn frames_round_trip_and_arbitrary_bytes_never_panic(
        id in any::<u32>(),
        reply in any::<bool>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..12),
    ) {
        let msg = if reply { Msg::Reply { id } } else { Msg::Request { id } };
        let mut buf = [0u8; 12];
        let frame = wire::encode(&msg, &mut buf).expect("fits");
        prop_assert_eq!(wire::decode::<Msg>(frame), Ok(msg));
        // Whatever a peer sends is an error or a message, never a panic; a message it
        // decodes to survives its own round trip. (Postcard accepts a varint padded with
        // zero groups, so the bytes themselves need not come back.)
        if let Ok(m) = wire::decode::<Msg>(&bytes) {
            let mut again = [0u8; 12];
            let frame = wire::encode(&m, &mut again).expect("fits");
            prop_assert_eq!(wire::decode::<Msg>(frame), Ok(m));
        }
    }
}

fn cfg() -> Cfg {
    Cfg { requests: 3, lossy: false, dedup: true, resend: true }
}

#[test]
fn the_correct_protocol_passes_every_property() {
    let pass = |cfg: Cfg| testing::assert_all_pass(model(cfg), actor_faults, &format!("{cfg:?}"));
    assert_eq!(pass(cfg()), 22);
    assert_eq!(pass(Cfg { lossy: true, ..cfg() }), 655);
    // Without losses nothing needs resending (and on a set network a resend is no new state).
    assert_eq!(pass(Cfg { resend: false, ..cfg() }), 22);
}

#[test]
fn the_simulated_rate_is_one_over_the_round_trip_exactly() {
    let answers = simulate(0, 1, 10);
    // One answer every 100 ms; the 100th, at 10 s, is past the end.
    assert_eq!(answers.len(), 99);
    assert_eq!(answer_rate(&answers), Some(law("100ms")));
}

#[test]
fn with_loss_the_simulated_rate_is_the_stop_and_wait_renewal_rate() {
    // 10 % loss, eight seeds of 100 s: about 5,000 requests, so the mean cycle's standard
    // error is about 1.2 %; the seeds are fixed, so the run is the same every time.
    let p = 0.1;
    let rates: Vec<f64> = (1..=8)
        .map(|seed| units::to_f64(&answer_rate(&simulate(100_000, seed, 100)).expect("some")))
        .collect();
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    let expected = renewal_rate(0.1, RESEND_AFTER.0 as f64 / 1000.0, p);
    assert!((mean - expected).abs() < 0.05 * expected, "{rates:?}: {mean} vs {expected}");
    assert!(mean < units::to_f64(&law("100ms")));
}

#[test]
fn a_server_that_forgets_what_it_executed_is_caught() {
    let broken = Cfg { dedup: false, ..cfg() };
    testing::assert_caught(model(broken), AT_MOST_ONCE, "forgetful server");
    // The shortest counterexample: the client issues request 1, the network delivers it twice.
    let report = run_check(model(broken), String::new(), CheckOptions::default(), actor_faults);
    let p = report.property(AT_MOST_ONCE).expect("property");
    assert_eq!(p.path.as_ref().map(Vec::len), Some(3), "{report}");
}

#[test]
fn the_explorer_shows_the_counterexample_at_the_path_the_check_prints() {
    let broken = Cfg { dedup: false, ..cfg() };
    let report = run_check(model(broken), String::new(), CheckOptions::default(), actor_faults);
    let path = report.property(AT_MOST_ONCE).and_then(|p| p.explorer_path.clone());
    let path = path.expect("an explorer path");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let serve_at = addr.clone();
    // The server runs until the test process ends.
    std::thread::spawn(move || Readable::new(model(broken)).checker().serve(serve_at));
    let state = testing::explorer_state(&addr, &path).expect("the explorer shows the state");
    assert!(state.contains("1 executed TWICE"), "{state}");
}

#[test]
fn a_client_that_never_resends_is_caught_when_a_request_is_lost() {
    let broken = Cfg { lossy: true, resend: false, ..cfg() };
    let path = testing::assert_livelock_caught(
        model(broken),
        actor_faults,
        ALL_ANSWERED,
        "client without resends",
    );
    assert!(path.iter().any(actor_faults), "a message is lost: {path:?}");
}

/// A handler's effects, for unit tests of the machine itself.
type Out = inflight_core::EffectBuf<Msg, Timer, Event, 8>;

#[test]
fn every_rejection_leaves_the_node_unchanged_and_does_nothing() {
    use inflight_core::{Instant, Machine, NodeId};
    let now = Instant(0);
    let mut client = Node::Client { outstanding: None, resend: true };
    let mut out = Out::new();
    client.on_command(now, Call(1), &mut out).expect("idle");
    let server = Node::Server { done: 1, dedup: true };
    let cases = [
        (client.clone(), NodeId(1), Msg::Reply { id: 2 }, Rejected::Stale),
        (client.clone(), NodeId(1), Msg::Request { id: 1 }, Rejected::Unexpected),
        (client.clone(), NodeId(7), Msg::Reply { id: 1 }, Rejected::Unexpected),
        (server.clone(), NodeId(0), Msg::Reply { id: 1 }, Rejected::Unexpected),
        (server.clone(), NodeId(7), Msg::Request { id: 2 }, Rejected::Unexpected),
    ];
    for (node, from, msg, why) in cases {
        let mut after = node.clone();
        let mut out = Out::new();
        assert_eq!(after.on_message(now, from, msg, &mut out), Err(why), "{msg:?} from {from}");
        assert_eq!(after, node, "{msg:?} from {from} changed the node");
        assert!(out.as_slice().is_empty(), "{msg:?} from {from} had effects");
    }
    // A refused call hands the call back and changes nothing.
    let mut busy = client.clone();
    let mut out = Out::new();
    assert_eq!(busy.on_command(now, Call(2), &mut out), Err(Busy(Call(2))));
    assert!(busy == client && out.as_slice().is_empty());
}

#[test]
fn coverage_shows_stale_replies_resends_and_requests_answered_without_executing() {
    use inflight_checker::coverage::{collect, Bounds};
    let c = collect(&model(cfg()), Bounds::default(), None);
    assert_eq!(c.states, 22, "the check's states");
    // A duplicated reply, or the reply to a resend, reaches a client that has moved on.
    assert!(c.calls("message Reply", "rejected: Stale") > 0, "{c}");
    assert!(c.calls("timer Resend", "fired") > 0, "{c}");
    assert!(c.calls("command Call", "refused: Busy") > 0, "one call at a time: {c}");
    // The server answers a resend or a duplicate again without executing it: the request is
    // accepted and emits nothing. The broken server executes every request it takes.
    assert!(c.calls("message Request", "accepted, emits Executed") > 0, "{c}");
    assert!(c.calls("message Request", "accepted") > 0, "{c}");
    let broken = collect(&model(Cfg { dedup: false, ..cfg() }), Bounds::default(), None);
    assert!(broken.calls("message Request", "accepted, emits Executed") > 0, "{broken}");
    assert_eq!(broken.calls("message Request", "accepted"), 0, "{broken}");
    let quiet = Cfg { resend: false, ..cfg() };
    let c = collect(&model(quiet), Bounds::default(), None);
    assert!(c.outcomes("timer Resend").is_empty(), "{c}");
}
