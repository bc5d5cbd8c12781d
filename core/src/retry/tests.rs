//! Unit tests of the retry client and the load-shedding server.

use super::*;
use crate::effects::{Effect, EffectBuf};
use heapless::Vec;

type Out = EffectBuf<Msg, Timer, Event, 16>;
const SERVER: NodeId = NodeId(0);

fn client(policy: Policy, max_attempts: Option<u8>, fault: Fault) -> Node<4> {
    Node::Client(
        Client::new(ClientConfig { server: SERVER, policy, max_attempts, fault }).expect("valid"),
    )
}

fn server(capacity: u8, fault: Fault) -> Node<4> {
    Node::Server(
        Server::new(ServerConfig { capacity, service: Duration(5), fault }).expect("valid"),
    )
}

/// Starts a request and answers it "busy": returns the effects of the failure.
fn fail_once(node: &mut Node<4>, now: u64) -> Out {
    let mut out = Out::new();
    if node.as_client().expect("a client").phase() != Phase::BackingOff {
        let _ = node.on_command(Instant(now), Cmd::Request, &mut out);
    } else {
        node.on_timer(Instant(now), Timer::Retry, &mut out);
    }
    let seq = node.as_client().expect("a client").seq();
    let mut out = Out::new();
    node.on_message(Instant(now), SERVER, Msg::Busy { seq }, &mut out).expect("accepted");
    out
}

fn retry_at(out: &Out) -> Option<u64> {
    out.as_slice().iter().find_map(|e| match e {
        Effect::SetTimer { timer: Timer::Retry, at } => Some(at.ticks()),
        _ => None,
    })
}

fn draw_bound(out: &Out) -> Option<u32> {
    out.as_slice().iter().find_map(|e| match e {
        Effect::Random { bound } => Some(*bound),
        _ => None,
    })
}

#[test]
fn a_fixed_delay_retries_exactly_tau_later_without_drawing() {
    let mut c = client(Policy::Fixed { delay: Duration(7) }, None, Fault::None);
    let out = fail_once(&mut c, 100);
    assert_eq!(draw_bound(&out), None);
    assert_eq!(retry_at(&out), Some(107));
    let mut out = Out::new();
    c.on_timer(Instant(107), Timer::Retry, &mut out);
    assert_eq!(out.as_slice(), &[Effect::Send { to: SERVER, msg: Msg::Request { seq: 2 } }]);
}

#[test]
fn uniform_jitter_draws_and_waits_one_to_tau_ticks() {
    for v in [0, 3, 9] {
        let mut c = client(Policy::Uniform { window: Duration(10) }, None, Fault::None);
        let out = fail_once(&mut c, 50);
        assert_eq!(draw_bound(&out), Some(9));
        assert_eq!(retry_at(&out), None, "no timer before the draw");
        let mut out = Out::new();
        c.on_random(Instant(50), v, &mut out);
        assert_eq!(retry_at(&out), Some(50 + 1 + v as u64));
    }
}

#[test]
fn full_jitter_ceilings_double_up_to_the_cap() {
    let policy = Policy::Backoff { base: Duration(4), cap: Duration(20), jitter: Jitter::Full };
    let mut c = client(policy, None, Fault::None);
    let mut bounds = Vec::<u32, 8>::new();
    for _ in 0..5 {
        let out = fail_once(&mut c, 0);
        let b = draw_bound(&out).expect("draws");
        bounds.push(b).expect("room");
        let mut o = Out::new();
        c.on_random(Instant(0), b, &mut o); // the largest delay: the ceiling itself
        assert_eq!(retry_at(&o), Some(b as u64 + 1));
    }
    assert_eq!(bounds.as_slice(), &[3, 7, 15, 19, 19]);
}

#[test]
fn equal_jitter_stays_in_the_upper_half_and_decorrelated_grows_from_the_last_delay() {
    let equal = Policy::Backoff { base: Duration(8), cap: Duration(100), jitter: Jitter::Equal };
    let mut c = client(equal, None, Fault::None);
    let out = fail_once(&mut c, 0);
    assert_eq!(draw_bound(&out), Some(4)); // c = 8: 4 + U[0, 4]
    let mut o = Out::new();
    c.on_random(Instant(0), 0, &mut o);
    assert_eq!(retry_at(&o), Some(4));

    let dec =
        Policy::Backoff { base: Duration(2), cap: Duration(30), jitter: Jitter::Decorrelated };
    let mut c = client(dec, None, Fault::None);
    let out = fail_once(&mut c, 0);
    assert_eq!(draw_bound(&out), Some(4)); // U[2, 3·2]
    let mut o = Out::new();
    c.on_random(Instant(0), 4, &mut o); // delay 6
    assert_eq!(retry_at(&o), Some(6));
    let out = fail_once(&mut c, 6);
    assert_eq!(draw_bound(&out), Some(16)); // U[2, 3·6]
    let mut o = Out::new();
    c.on_random(Instant(6), 16, &mut o);
    assert_eq!(retry_at(&o), Some(6 + 18));
}

#[test]
fn running_out_of_attempts_is_reported_unless_the_broken_variant_hides_it() {
    let policy = Policy::Fixed { delay: Duration(1) };
    let mut c = client(policy, Some(2), Fault::None);
    fail_once(&mut c, 0);
    let out = fail_once(&mut c, 1);
    assert_eq!(out.as_slice(), &[Effect::Emit(Event::GaveUp { attempts: 2 })]);
    assert_eq!(c.as_client().expect("a client").phase(), Phase::GaveUp);

    let mut c = client(policy, Some(2), Fault::SilentGiveUp);
    fail_once(&mut c, 0);
    let out = fail_once(&mut c, 1);
    assert!(out.as_slice().is_empty());
    assert_eq!(c.as_client().expect("a client").phase(), Phase::Abandoned);
}

#[test]
fn the_server_admits_its_capacity_and_sheds_the_rest_with_busy() {
    let mut s = server(2, Fault::None);
    let mut out = Out::new();
    for i in 1..=3u8 {
        s.on_message(Instant(0), NodeId(i), Msg::Request { seq: 1 }, &mut out).expect("taken");
    }
    assert_eq!(s.as_server().expect("the server").in_service(), 2);
    assert!(out.as_slice().contains(&Effect::Send { to: NodeId(3), msg: Msg::Busy { seq: 1 } }));
    // A duplicate of a request in service is stale and changes nothing.
    let before = s;
    let mut o = Out::new();
    assert_eq!(
        s.on_message(Instant(0), NodeId(1), Msg::Request { seq: 1 }, &mut o),
        Err(MsgError::Stale)
    );
    assert!(s == before && o.as_slice().is_empty());
    // Service ends: the client is told, the slot frees.
    let mut o = Out::new();
    s.on_timer(Instant(5), Timer::ServiceDone(0), &mut o);
    assert_eq!(o.as_slice(), &[Effect::Send { to: NodeId(1), msg: Msg::Done { seq: 1 } }]);
    assert_eq!(s.as_server().expect("the server").in_service(), 1);
}

#[test]
fn a_renamed_server_serves_the_same_requests_under_the_new_names() {
    let mut s = server(3, Fault::None);
    let mut out = Out::new();
    for (client, seq) in [(1u8, 1u16), (2, 4), (1, 2)] {
        s.on_message(Instant(0), NodeId(client), Msg::Request { seq }, &mut out).expect("taken");
    }
    let s = *s.as_server().expect("the server");
    let listed = |s: &Server<4>, c: u8| s.jobs_of(NodeId(c)).collect::<Vec<_, 4>>();
    assert_eq!(listed(&s, 1).as_slice(), &[(0, 1), (2, 2)]);
    assert_eq!(listed(&s, 2).as_slice(), &[(1, 4)]);
    assert!(listed(&s, 3).is_empty());
    // Swap clients 1 and 2: the jobs keep their slots and attempts, under the other name.
    let swap = |id: NodeId| match id.0 {
        1 => NodeId(2),
        2 => NodeId(1),
        _ => id,
    };
    let r = s.renamed(swap);
    assert_eq!(listed(&r, 2).as_slice(), &[(0, 1), (2, 2)]);
    assert_eq!(listed(&r, 1).as_slice(), &[(1, 4)]);
    assert!(r.serving(NodeId(2), 2) && !r.serving(NodeId(1), 2));
    assert_eq!(r.in_service(), s.in_service());
    assert_eq!(r.renamed(swap), s);
    // The identity changes nothing.
    assert_eq!(s.renamed(|id| id), s);
}

#[test]
fn clients_are_ordered_by_what_they_are_not_by_name() {
    let policy = Policy::Fixed { delay: Duration(3) };
    let mut a = client(policy, None, Fault::None);
    let b = a;
    assert_eq!(a.as_client().cmp(&b.as_client()), core::cmp::Ordering::Equal);
    fail_once(&mut a, 0);
    // One failure further along: a different state, so a strict order either way.
    assert_ne!(a.as_client().cmp(&b.as_client()), core::cmp::Ordering::Equal);
}

#[test]
fn broken_servers_overfill_or_shed_silently() {
    let mut s = server(2, Fault::CapacityOffByOne);
    let mut out = Out::new();
    for i in 1..=3u8 {
        s.on_message(Instant(0), NodeId(i), Msg::Request { seq: 1 }, &mut out).expect("taken");
    }
    assert_eq!(s.as_server().expect("the server").in_service(), 3);
    let mut s = server(1, Fault::SilentShed);
    let mut out = Out::new();
    for i in 1..=2u8 {
        s.on_message(Instant(0), NodeId(i), Msg::Request { seq: 1 }, &mut out).expect("taken");
    }
    assert!(!out
        .as_slice()
        .iter()
        .any(|e| matches!(e, Effect::Send { msg: Msg::Busy { .. }, .. })));
}

#[test]
fn a_failing_server_answers_everything_in_service_and_refuses_while_down() {
    let mut s = server(2, Fault::None);
    let mut out = Out::new();
    s.on_message(Instant(0), NodeId(1), Msg::Request { seq: 4 }, &mut out).expect("taken");
    let mut out = Out::new();
    s.on_command(Instant(1), Cmd::Fail, &mut out).expect("fails");
    assert!(out
        .as_slice()
        .contains(&Effect::Send { to: NodeId(1), msg: Msg::Unavailable { seq: 4 } }));
    assert!(out.as_slice().contains(&Effect::CancelTimer(Timer::ServiceDone(0))));
    let mut out = Out::new();
    s.on_message(Instant(2), NodeId(2), Msg::Request { seq: 1 }, &mut out).expect("answered");
    assert_eq!(out.as_slice(), &[Effect::Send { to: NodeId(2), msg: Msg::Unavailable { seq: 1 } }]);
    s.on_command(Instant(3), Cmd::Recover, &mut out).expect("recovers");
    assert!(s.as_server().expect("the server").is_up());
}

#[test]
fn stale_answers_and_wrong_commands_change_nothing() {
    let mut c = client(Policy::Fixed { delay: Duration(3) }, None, Fault::None);
    let mut out = Out::new();
    c.on_command(Instant(0), Cmd::Request, &mut out).expect("starts");
    let before = c;
    for (from, msg) in [
        (SERVER, Msg::Done { seq: 9 }),
        (NodeId(7), Msg::Done { seq: 1 }),
        (SERVER, Msg::Request { seq: 1 }),
    ] {
        let mut o = Out::new();
        assert!(c.on_message(Instant(0), from, msg, &mut o).is_err());
        assert!(c == before && o.as_slice().is_empty());
    }
    let mut o = Out::new();
    assert_eq!(c.on_command(Instant(0), Cmd::Request, &mut o), Err(CmdError::Busy(Cmd::Request)));
    assert_eq!(c.on_command(Instant(0), Cmd::Fail, &mut o), Err(CmdError::WrongRole(Cmd::Fail)));
    let mut s = server(1, Fault::None);
    assert_eq!(
        s.on_command(Instant(0), Cmd::Request, &mut o),
        Err(CmdError::WrongRole(Cmd::Request))
    );
    assert!(c == before && o.as_slice().is_empty());
}

#[test]
fn bad_configurations_are_errors() {
    let cfg = |policy, max_attempts| ClientConfig {
        server: SERVER,
        policy,
        max_attempts,
        fault: Fault::None,
    };
    assert_eq!(
        Client::new(cfg(Policy::Fixed { delay: Duration(0) }, None)),
        Err(ConfigError::Delay)
    );
    assert_eq!(
        Client::new(cfg(Policy::Uniform { window: Duration(0) }, None)),
        Err(ConfigError::Delay)
    );
    let inverted = Policy::Backoff { base: Duration(9), cap: Duration(3), jitter: Jitter::Full };
    assert_eq!(Client::new(cfg(inverted, None)), Err(ConfigError::Delay));
    assert_eq!(
        Client::new(cfg(Policy::Fixed { delay: Duration(1) }, Some(0))),
        Err(ConfigError::Attempts)
    );
    let scfg = |capacity, service| ServerConfig {
        capacity,
        service: Duration(service),
        fault: Fault::None,
    };
    assert_eq!(Server::<4>::new(scfg(0, 1)), Err(ConfigError::Capacity(0)));
    assert_eq!(Server::<4>::new(scfg(9, 1)), Err(ConfigError::Capacity(9)));
    assert_eq!(Server::<4>::new(scfg(1, 0)), Err(ConfigError::Service));
}

/// The shift-based backoff ceiling is min(cap, base·2^(attempts−1)) with a saturating product,
/// for every attempt count and bases and caps at the edges of `u64`.
#[test]
fn backoff_ceiling_is_the_saturating_product() {
    let values = [0, 1, 2, 3, 5, 1000, (1 << 31) + 7, 1 << 40, (1 << 63) - 1, 1 << 63, u64::MAX];
    for attempts in 0..=u8::MAX {
        let shift = u32::from(attempts.saturating_sub(1).min(62));
        for &base in &values {
            for &cap in &values {
                let want = base.saturating_mul(1u64 << shift).min(cap);
                assert_eq!(backoff_ceiling(base, cap, attempts), want, "{base} {cap} {attempts}");
            }
        }
    }
}
