//! Unit tests of the deadlock-detection machines, driven by hand through a tiny in-memory
//! network whose deliveries the test chooses, so a report can be held back on purpose.

use super::*;
use crate::effects::{Effect, EffectBuf};
use std::vec::Vec;

type N = Node<4, 2, 4>;
type Out = EffectBuf<Msg<4>, Timer, Event<4>, 32>;

fn config(processes: u8, detector: DetectorKind, fault: Fault) -> Config {
    Config { layout: Layout { processes, sites: 2, resources: 2 }, detector, fault }
}

fn acquire(resource: Resource) -> Cmd {
    Cmd::Acquire { resource, patience: None }
}

/// Nodes, messages in flight (in send order) and the events seen.
struct Net {
    layout: Layout,
    nodes: Vec<N>,
    flight: Vec<(NodeId, NodeId, Msg<4>)>,
    events: Vec<(NodeId, Event<4>)>,
    timers: Vec<(NodeId, Timer)>,
}

impl Net {
    fn new(cfg: Config) -> Net {
        let nodes = (0..cfg.layout.nodes())
            .map(|i| N::build(cfg, NodeId(i as u8)).expect("valid group"))
            .collect();
        Net {
            layout: cfg.layout,
            nodes,
            flight: Vec::new(),
            events: Vec::new(),
            timers: Vec::new(),
        }
    }

    fn absorb(&mut self, from: NodeId, out: &mut Out) {
        assert_eq!(out.overflowed(), 0);
        for e in out.drain() {
            match e {
                Effect::Send { to, msg } => self.flight.push((from, to, msg)),
                Effect::Emit(ev) => self.events.push((from, ev)),
                Effect::SetTimer { timer, .. } => self.timers.push((from, timer)),
                Effect::CancelTimer(t) => self.timers.retain(|x| *x != (from, t)),
                Effect::Random { .. } => panic!("deadlock machines draw no random numbers"),
            }
        }
    }

    fn cmd(&mut self, p: u8, cmd: Cmd) -> Result<(), CmdError> {
        let mut out = Out::new();
        let r = self.nodes[p as usize].on_command(Instant::ZERO, cmd, &mut out);
        self.absorb(NodeId(p), &mut out);
        r
    }

    fn fire(&mut self, p: u8, timer: Timer) {
        let mut out = Out::new();
        self.nodes[p as usize].on_timer(Instant::ZERO, timer, &mut out);
        self.absorb(NodeId(p), &mut out);
    }

    /// Delivers the first message in flight that `pick` selects.
    fn deliver(&mut self, pick: impl Fn(NodeId, NodeId, &Msg<4>) -> bool) -> Result<(), MsgError> {
        let i = self.flight.iter().position(|(f, t, m)| pick(*f, *t, m)).expect("no such message");
        let (from, to, msg) = self.flight.remove(i);
        let mut out = Out::new();
        let r = self.nodes[to.0 as usize].on_message(Instant::ZERO, from, msg, &mut out);
        self.absorb(to, &mut out);
        r
    }

    /// Delivers everything in flight, in order, except what `hold` keeps back.
    fn settle(&mut self, hold: impl Fn(NodeId, NodeId, &Msg<4>) -> bool) {
        while let Some(i) = self.flight.iter().position(|(f, t, m)| !hold(*f, *t, m)) {
            let (from, to, msg) = self.flight.remove(i);
            let mut out = Out::new();
            let _ = self.nodes[to.0 as usize].on_message(Instant::ZERO, from, msg, &mut out);
            self.absorb(to, &mut out);
        }
    }

    fn site(&self, j: u8) -> &Site<4, 4> {
        self.nodes[self.layout.site(j).0 as usize].as_site().expect("a site")
    }

    fn detector(&self) -> &Detector<4, 2> {
        self.nodes[self.layout.detector().0 as usize].as_detector().expect("the detector")
    }

    fn truth(&self) -> WaitFor<4> {
        (0..self.layout.sites).fold(WaitFor::new(), |g, j| g.union(&self.site(j).edges()))
    }

    fn declared(&self) -> Vec<WaitFor<4>> {
        self.events
            .iter()
            .filter_map(|(_, e)| if let Event::Declared(c) = e { Some(*c) } else { None })
            .collect()
    }
}

fn is_report_from(net: &Net, j: u8, version: Version) -> impl Fn(NodeId, NodeId, &Msg<4>) -> bool {
    let site = net.layout.site(j);
    move |f, _, m| f == site && matches!(m, Msg::Report { version: v, .. } if *v == version)
}

fn edge(a: u8, b: u8) -> WaitFor<4> {
    let mut g = WaitFor::new();
    g.add(a, b).expect("in range");
    g
}

/// The phantom of MODELS.md §4 in its smallest form. p0 holds r0 and p1 holds r1; p1 asks for r0
/// (site 0 reports p1→p0, and that report is delayed); p0 releases r0, so p1 gets it (site 0
/// reports "no edge", also delayed); p0 asks for r1 (site 1 reports p0→p1). The detector
/// hears site 1 and then site 0's *first* report: a cycle that never existed at once.
fn phantom_prefix(cfg: Config) -> Net {
    let mut net = Net::new(cfg);
    let hold_site0 = |net: &Net| {
        let s0 = net.layout.site(0);
        move |f: NodeId, _: NodeId, m: &Msg<4>| f == s0 && matches!(m, Msg::Report { .. })
    };
    net.cmd(0, acquire(0)).expect("accepted");
    net.cmd(1, acquire(1)).expect("accepted");
    net.settle(|_, _, _| false);
    net.cmd(1, acquire(0)).expect("accepted");
    let h = hold_site0(&net);
    net.settle(h);
    net.cmd(0, Cmd::Release(0)).expect("accepted");
    net.settle(h);
    assert_eq!(net.nodes[1].as_process().expect("a process").held(), 0b11, "p1 got r0");
    net.cmd(0, acquire(1)).expect("accepted");
    net.settle(h); // site 1's report p0→p1 reaches the detector
    assert_eq!(net.truth(), edge(0, 1));
    net
}

#[test]
fn naive_detector_declares_a_phantom_then_withdraws_it() {
    let mut net = phantom_prefix(config(2, DetectorKind::Naive, Fault::None));
    assert!(net.declared().is_empty());
    let first = is_report_from(&net, 0, 1);
    net.deliver(first).expect("accepted");
    let declared = net.declared();
    assert_eq!(declared, [edge(0, 1).union(&edge(1, 0))]);
    assert!(!net.truth().contains(&declared[0]), "a phantom: not in the true graph");
    let second = is_report_from(&net, 0, 2);
    net.deliver(second).expect("accepted");
    assert!(net.detector().declared().is_none());
    assert!(matches!(net.events.last(), Some((_, Event::Withdrawn(_)))));
}

#[test]
fn confirming_detector_refutes_the_phantom() {
    let mut net = phantom_prefix(config(2, DetectorKind::Confirming, Fault::None));
    let first = is_report_from(&net, 0, 1);
    net.deliver(first).expect("accepted");
    assert!(net.detector().confirming());
    let confirms = net.flight.iter().filter(|(_, _, m)| matches!(m, Msg::Confirm { .. })).count();
    assert_eq!(confirms, 2, "one confirmation per site on the cycle");
    net.settle(|_, _, _| false);
    assert!(net.declared().is_empty());
    assert!(!net.detector().confirming());
    assert_eq!(net.detector().merged(), edge(0, 1), "the newer report replaced the stale one");
}

#[test]
fn trusting_the_triggering_report_declares_the_phantom() {
    let mut net = phantom_prefix(config(2, DetectorKind::Confirming, Fault::TrustTriggeringReport));
    let first = is_report_from(&net, 0, 1);
    net.deliver(first).expect("accepted");
    let s0 = net.layout.site(0);
    net.settle(move |f, _, m| f == s0 && matches!(m, Msg::Report { .. }));
    let declared = net.declared();
    assert_eq!(declared.len(), 1);
    assert!(!net.truth().contains(&declared[0]));
}

/// p0: r0 then r1; p1: r1 then r0, both granted their first lock: a real deadlock.
fn real_deadlock(cfg: Config) -> Net {
    let mut net = Net::new(cfg);
    net.cmd(0, acquire(0)).expect("accepted");
    net.cmd(1, acquire(1)).expect("accepted");
    net.settle(|_, _, _| false);
    net.cmd(0, acquire(1)).expect("accepted");
    net.cmd(1, acquire(0)).expect("accepted");
    net
}

#[test]
fn both_detectors_declare_a_real_deadlock_in_any_report_order() {
    for kind in [DetectorKind::Naive, DetectorKind::Confirming] {
        for reversed in [false, true] {
            let mut net = real_deadlock(config(2, kind, Fault::None));
            if reversed {
                net.flight.reverse();
            }
            net.settle(|_, _, _| false);
            let cycle = edge(0, 1).union(&edge(1, 0));
            assert_eq!(net.declared(), [cycle], "{kind} reversed={reversed}");
            assert!(net.truth().contains(&cycle));
            assert_eq!(net.detector().declared(), Some(&cycle));
        }
    }
}

#[test]
fn a_refused_round_is_retried_when_a_newer_report_arrived_meanwhile() {
    // Three processes: p2 waits behind p0 for r0 and is re-pointed at p1 when p0 releases.
    let cfg = Config {
        layout: Layout { processes: 3, sites: 2, resources: 2 },
        detector: DetectorKind::Confirming,
        fault: Fault::None,
    };
    let mut net = Net::new(cfg);
    net.cmd(0, acquire(0)).expect("accepted");
    net.cmd(1, acquire(1)).expect("accepted");
    net.settle(|_, _, _| false);
    net.cmd(2, acquire(0)).expect("accepted"); // p2 → p0 at site 0 (v1)
    net.cmd(1, acquire(0)).expect("accepted"); // p1 → p0 at site 0 (v2)
    net.settle(|_, _, _| false);
    net.cmd(0, acquire(1)).expect("accepted"); // p0 → p1 at site 1: a real cycle p0 → p1 → p0
    net.settle(|_, _, _| false);
    let cycle = edge(0, 1).union(&edge(1, 0));
    assert_eq!(net.declared(), [cycle]);
    assert!(net.truth().contains(&cycle));
}

#[test]
fn stale_duplicate_and_reordered_reports_never_overwrite_a_newer_one() {
    // Every order of delivering reports v1, v2, v3 (each twice) leaves v3's edges.
    let mut cfg = config(2, DetectorKind::Naive, Fault::None);
    cfg.layout.processes = 4;
    let reports: Vec<Msg<4>> = [(1, edge(0, 1)), (2, edge(2, 1)), (3, edge(3, 2))]
        .into_iter()
        .map(|(version, edges)| Msg::Report { version, edges })
        .collect();
    let site = cfg.layout.site(1);
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for order in orders {
        let mut d = N::build(cfg, cfg.layout.detector()).expect("valid group");
        for &i in order.iter().chain(order.iter()) {
            let before = d.clone();
            let mut out = Out::new();
            match d.on_message(Instant::ZERO, site, reports[i], &mut out) {
                Ok(()) => {}
                Err(MsgError::StaleReport { .. }) => {
                    assert!(
                        d == before && out.as_slice().is_empty(),
                        "a stale report changed the detector"
                    )
                }
                Err(e) => panic!("{e}"),
            }
        }
        let v = d.as_detector().expect("the detector").views()[1];
        assert_eq!((v.version, v.edges), (3, edge(3, 2)), "order {order:?}");
    }
}

#[test]
fn versions_compare_by_serial_arithmetic_across_the_wrap() {
    assert!(newer(1, 0));
    assert!(newer(0, u16::MAX));
    assert!(newer(5, 65530));
    assert!(!newer(65530, 5));
    assert!(!newer(7, 7));
}

/// Runs `msg` into `node` and asserts it is rejected with `expect`, leaving the node unchanged and
/// producing no effect.
fn rejected(node: &N, from: NodeId, msg: Msg<4>, expect: MsgError) {
    let mut n = node.clone();
    let mut out = Out::new();
    assert_eq!(n.on_message(Instant::ZERO, from, msg, &mut out), Err(expect), "{msg:?}");
    assert!(n == *node, "rejected {msg:?} changed the node");
    assert!(out.as_slice().is_empty(), "rejected {msg:?} had effects");
}

#[test]
fn bad_input_from_peers_is_rejected_and_changes_nothing() {
    let net = real_deadlock(config(2, DetectorKind::Confirming, Fault::None));
    let l = net.layout;
    let site0 = &net.nodes[l.site(0).0 as usize];
    let det = &net.nodes[l.detector().0 as usize];
    let p0 = &net.nodes[0];
    let mut stray = WaitFor::<4>::new();
    stray.add(3, 0).expect("in range"); // process 3 does not exist in a 2-process group
                                        // Sites.
    rejected(site0, NodeId(0), Msg::Request { seq: 1, op: Op::Acquire(0) }, MsgError::Stale);
    rejected(site0, NodeId(1), Msg::Request { seq: 9, op: Op::Acquire(1) }, MsgError::Malformed);
    rejected(site0, NodeId(1), Msg::Request { seq: 9, op: Op::Release(0) }, MsgError::NotHolder);
    rejected(site0, NodeId(0), Msg::Request { seq: 9, op: Op::Acquire(0) }, MsgError::Malformed);
    rejected(site0, NodeId(1), Msg::Cancel { seq: 1 }, MsgError::Stale);
    rejected(site0, NodeId(9), Msg::Cancel { seq: 1 }, MsgError::UnexpectedSender(NodeId(9)));
    rejected(
        site0,
        l.site(1),
        Msg::Request { seq: 9, op: Op::Acquire(0) },
        MsgError::UnexpectedSender(l.site(1)),
    );
    rejected(
        site0,
        l.detector(),
        Msg::Confirm { round: 1, version: 1, edges: stray },
        MsgError::Malformed,
    );
    // Detector.
    rejected(det, l.site(0), Msg::Report { version: 5, edges: stray }, MsgError::Malformed);
    rejected(
        det,
        NodeId(0),
        Msg::Report { version: 5, edges: edge(0, 1) },
        MsgError::UnexpectedSender(NodeId(0)),
    );
    rejected(det, l.site(0), Msg::Confirmation { round: 7, ok: true }, MsgError::Stale);
    rejected(det, l.site(0), Msg::Cancel { seq: 1 }, MsgError::UnexpectedSender(l.site(0)));
    // Processes.
    rejected(p0, l.site(1), Msg::Reply { seq: 1, outcome: Outcome::Granted }, MsgError::Stale);
    rejected(
        p0,
        l.site(0),
        Msg::Reply { seq: 2, outcome: Outcome::Granted },
        MsgError::UnexpectedSender(l.site(0)),
    );
    rejected(p0, l.site(1), Msg::Reply { seq: 2, outcome: Outcome::Released }, MsgError::Malformed);
    rejected(
        p0,
        l.detector(),
        Msg::Report { version: 1, edges: edge(0, 1) },
        MsgError::UnexpectedSender(l.detector()),
    );
}

#[test]
fn refused_commands_hand_the_command_back_and_change_nothing() {
    let mut net = Net::new(config(2, DetectorKind::Naive, Fault::None));
    let before = net.nodes[0].clone();
    assert_eq!(net.cmd(0, Cmd::Release(0)), Err(CmdError::NotHeld(Cmd::Release(0))));
    assert_eq!(net.cmd(0, acquire(5)), Err(CmdError::UnknownResource(acquire(5))));
    assert!(net.nodes[0] == before && net.flight.is_empty());
    net.cmd(0, acquire(0)).expect("accepted");
    assert_eq!(net.cmd(0, acquire(1)), Err(CmdError::Busy(acquire(1))));
    net.settle(|_, _, _| false);
    assert_eq!(net.cmd(0, acquire(0)), Err(CmdError::AlreadyHeld(acquire(0))));
    let site = net.layout.site(0).0;
    assert_eq!(net.cmd(site, acquire(0)), Err(CmdError::NotAProcess(acquire(0))));
}

#[test]
fn a_patient_waiter_gives_up_and_its_edge_disappears() {
    let mut net = Net::new(config(2, DetectorKind::Naive, Fault::None));
    net.cmd(0, acquire(0)).expect("accepted");
    net.settle(|_, _, _| false);
    let patient = Cmd::Acquire { resource: 0, patience: Some(crate::time::Duration(5)) };
    net.cmd(1, patient).expect("accepted");
    net.settle(|_, _, _| false);
    assert_eq!(net.truth(), edge(1, 0));
    assert_eq!(net.timers, [(NodeId(1), Timer::GiveUp)]);
    net.fire(1, Timer::GiveUp);
    net.settle(|_, _, _| false);
    assert!(net.truth().is_empty());
    assert!(net.events.contains(&(NodeId(1), Event::GaveUp(0))));
    assert!(!net.nodes[1].as_process().expect("a process").is_waiting());
    assert_eq!(net.detector().merged(), WaitFor::new(), "the detector saw the edge go");
}

#[test]
fn a_grant_that_races_the_cancellation_stands() {
    let mut net = Net::new(config(2, DetectorKind::Naive, Fault::None));
    net.cmd(0, acquire(0)).expect("accepted");
    net.settle(|_, _, _| false);
    net.cmd(1, Cmd::Acquire { resource: 0, patience: Some(crate::time::Duration(5)) })
        .expect("accepted");
    net.settle(|_, _, _| false);
    net.fire(1, Timer::GiveUp); // Cancel in flight ...
    net.cmd(0, Cmd::Release(0)).expect("accepted"); // ... while p0 releases: r0 goes to p1
    let s0 = net.layout.site(0);
    net.deliver(|f, t, m| f == NodeId(0) && t == s0 && matches!(m, Msg::Request { .. }))
        .expect("accepted");
    assert_eq!(
        net.deliver(|_, t, m| t == s0 && matches!(m, Msg::Cancel { .. })),
        Err(MsgError::Stale)
    );
    net.settle(|_, _, _| false);
    assert_eq!(net.nodes[1].as_process().expect("a process").held(), 0b1);
    assert!(net.events.contains(&(NodeId(1), Event::Acquired(0))));
}

#[test]
fn capacities_are_checked_when_the_group_is_built() {
    let ok = config(2, DetectorKind::Naive, Fault::None);
    assert!(ok.validate::<4, 2, 4>().is_ok());
    let mut c = ok;
    c.layout.processes = 5;
    assert_eq!(c.validate::<4, 2, 4>(), Err(ConfigError::Processes { processes: 5, max: 4 }));
    c = ok;
    c.layout.sites = 3;
    c.layout.resources = 3;
    assert!(matches!(c.validate::<4, 2, 4>(), Err(ConfigError::Sites { .. })));
    c = ok;
    c.layout.resources = 9;
    assert!(matches!(c.validate::<4, 2, 4>(), Err(ConfigError::Resources { .. })));
    c = ok;
    c.layout.resources = 1;
    assert!(matches!(c.validate::<4, 2, 4>(), Err(ConfigError::Resources { .. })));
    assert!(matches!(N::build(ok, NodeId(9)), Err(ConfigError::NotANode(NodeId(9)))));
}

#[test]
fn messages_round_trip_through_serde() {
    let msgs: [Msg<4>; 3] = [
        Msg::Confirm { round: 3, version: 9, edges: edge(1, 2).union(&edge(2, 1)) },
        Msg::Report { version: 65535, edges: edge(3, 0) },
        Msg::Request { seq: 2, op: Op::Release(1) },
    ];
    for m in msgs {
        let text = serde_json::to_string(&m).expect("serializes");
        assert_eq!(serde_json::from_str::<Msg<4>>(&text).expect("round-trips"), m, "{text}");
    }
    let short = r#"{"Report":{"version":1,"edges":[0,1,2]}}"#;
    assert!(serde_json::from_str::<Msg<4>>(short).is_err(), "a graph needs all 4 rows");
}

fn is_confirm_to(net: &Net, j: u8) -> impl Fn(NodeId, NodeId, &Msg<4>) -> bool {
    let site = net.layout.site(j);
    move |_, t, m| t == site && matches!(m, Msg::Confirm { .. })
}

fn is_cancel_to(net: &Net, j: u8) -> impl Fn(NodeId, NodeId, &Msg<4>) -> bool {
    let site = net.layout.site(j);
    move |_, t, m| t == site && matches!(m, Msg::Cancel { .. })
}

/// A real deadlock whose reports have all reached the confirming detector; the round's
/// confirmation to site 0 has been answered, the one to site 1 is still in flight.
fn site0_answers_a_real_cycle(fault: Fault) -> Net {
    let mut net = real_deadlock(config(2, DetectorKind::Confirming, fault));
    let reports = |_: NodeId, _: NodeId, m: &Msg<4>| matches!(m, Msg::Report { .. });
    while net.flight.iter().any(|(f, t, m)| reports(*f, *t, m)) {
        net.deliver(reports).expect("report applied");
    }
    net.settle(|_, _, m| matches!(m, Msg::Confirm { .. }));
    let to0 = is_confirm_to(&net, 0);
    net.deliver(to0).expect("site 0 answers");
    net
}

#[test]
fn a_confirmed_edge_is_pinned_so_the_declared_cycle_still_holds() {
    let mut net = site0_answers_a_real_cycle(Fault::None);
    assert_ne!(net.site(0).pinned(), 0, "site 0 pinned p1's edge");
    // p1 runs out of patience while the round is in progress: its cancellation waits.
    net.fire(1, Timer::GiveUp);
    let cancel = is_cancel_to(&net, 0);
    net.deliver(cancel).expect("deferred, not rejected");
    assert!(net.truth().has(1, 0), "the pinned edge stays");
    net.settle(|_, _, _| false);
    let cycle = edge(0, 1).union(&edge(1, 0));
    assert_eq!(net.declared(), [cycle]);
    assert!(net.truth().contains(&cycle), "real at the moment it is declared, and after");
    assert!(net.nodes[1].as_process().expect("a process").is_waiting());
}

#[test]
fn a_failed_round_unpins_and_carries_out_the_deferred_cancellation() {
    let mut net = phantom_prefix(config(2, DetectorKind::Confirming, Fault::None));
    let first = is_report_from(&net, 0, 1);
    net.deliver(first).expect("stale but newest so far");
    let to1 = is_confirm_to(&net, 1);
    net.deliver(to1).expect("site 1 confirms p0→p1");
    assert_ne!(net.site(1).pinned(), 0);
    net.fire(0, Timer::GiveUp);
    let cancel = is_cancel_to(&net, 1);
    net.deliver(cancel).expect("deferred");
    assert!(net.truth().has(0, 1));
    let to0 = is_confirm_to(&net, 0);
    net.deliver(to0).expect("site 0 refuses: p1 no longer waits");
    net.settle(|_, _, _| false);
    assert!(net.declared().is_empty());
    assert_eq!(net.site(1).pinned(), 0, "the Resolve unpinned site 1");
    assert!(net.truth().is_empty(), "the deferred cancellation took effect");
    assert!(net.events.contains(&(NodeId(0), Event::GaveUp(1))));
}

#[test]
fn a_late_confirm_for_a_resolved_round_pins_nothing() {
    let mut net = real_deadlock(config(2, DetectorKind::Confirming, Fault::None));
    net.settle(|_, _, m| matches!(m, Msg::Confirm { .. }));
    let mut site: N = net.nodes[net.layout.site(0).0 as usize].clone();
    let version = net.site(0).version();
    let det = net.layout.detector();
    let mut out = Out::new();
    site.on_message(Instant::ZERO, det, Msg::Resolve { round: 3 }, &mut out).expect("resolve");
    rejected(&site.clone(), det, Msg::Resolve { round: 3 }, MsgError::Stale);
    let confirm = |round| Msg::Confirm { round, version, edges: edge(1, 0) };
    site.on_message(Instant::ZERO, det, confirm(3), &mut out).expect("answered");
    assert!(out
        .as_slice()
        .contains(&Effect::Send { to: det, msg: Msg::Confirmation { round: 3, ok: true } }));
    assert_eq!(site.as_site().expect("a site").pinned(), 0, "round 3 was resolved: no pin");
    site.on_message(Instant::ZERO, det, confirm(4), &mut out).expect("answered");
    assert_eq!(site.as_site().expect("a site").pinned(), 0b10, "round 4 pins p1's edge");
}

#[test]
fn without_pins_a_give_up_during_the_round_makes_the_declaration_a_phantom() {
    let mut net = site0_answers_a_real_cycle(Fault::NoPin);
    assert_eq!(net.site(0).pinned(), 0, "the broken site pins nothing");
    net.fire(1, Timer::GiveUp);
    let cancel = is_cancel_to(&net, 0);
    net.deliver(cancel).expect("applied at once");
    net.settle(|_, _, m| matches!(m, Msg::Report { .. }));
    let declared = net.declared();
    assert_eq!(declared.len(), 1);
    assert!(!net.truth().contains(&declared[0]), "a phantom");
}

/// `net` with its processes, resources and sites renamed by `m`: node i's renamed state moves
/// to node `m.node(i)`, and each message in flight, event and timer goes with its nodes.
fn renamed_net(net: &Net, m: &Renaming) -> Net {
    let mut nodes = net.nodes.clone();
    for (i, n) in net.nodes.iter().enumerate() {
        nodes[m.node(NodeId(i as u8)).0 as usize] = n.renamed(m).expect("same layout");
    }
    let event = |e: &Event<4>| match *e {
        Event::Acquired(r) => Event::Acquired(m.resource(r)),
        Event::Released(r) => Event::Released(m.resource(r)),
        Event::GaveUp(r) => Event::GaveUp(m.resource(r)),
        Event::Declared(c) => Event::Declared(m.graph(&c).expect("fits")),
        Event::Withdrawn(c) => Event::Withdrawn(m.graph(&c).expect("fits")),
    };
    Net {
        layout: net.layout,
        nodes,
        flight: net
            .flight
            .iter()
            .map(|(f, t, x)| (m.node(*f), m.node(*t), x.renamed(m).expect("fits")))
            .collect(),
        events: net.events.iter().map(|(n, e)| (m.node(*n), event(e))).collect(),
        timers: net.timers.iter().map(|(n, t)| (m.node(*n), *t)).collect(),
    }
}

/// Whether two groups are the same: nodes, and messages, events and timers as multisets (a
/// handler's sends to different nodes need not come out in the same order once renamed).
fn same_group(a: &Net, b: &Net) -> bool {
    let sorted = |mut v: Vec<std::string::String>| {
        v.sort();
        v
    };
    let flight = |n: &Net| sorted(n.flight.iter().map(|x| std::format!("{x:?}")).collect());
    let events = |n: &Net| sorted(n.events.iter().map(|x| std::format!("{x:?}")).collect());
    let timers = |n: &Net| sorted(n.timers.iter().map(|x| std::format!("{x:?}")).collect());
    a.nodes == b.nodes && flight(a) == flight(b) && events(a) == events(b) && timers(a) == timers(b)
}

#[test]
fn a_renaming_keeps_each_resource_at_its_sites_image_and_is_a_permutation() {
    let ring = Layout { processes: 4, sites: 2, resources: 4 };
    assert!(Renaming::rotation(ring, 1).is_some());
    assert!(Renaming::rotation(ring, 3).is_some());
    // Three sites do not divide four resources: r3 → r0 would move from site 0 to site 0, but
    // r2 → r3 from site 2 to site 0, which is site 2's image only if the sites rotate by 1.
    assert!(Renaming::rotation(Layout { processes: 4, sites: 3, resources: 4 }, 1).is_none());
    assert!(Renaming::new(ring, |p| p, |_| 0, |j| j).is_none(), "not a permutation");
    assert!(Renaming::new(ring, |p| p, |r| (r + 1) % 4, |j| j).is_none(), "r0 leaves site 0");
    let m = Renaming::rotation(ring, 1).expect("a rotation");
    assert_eq!(m.node(NodeId(3)), NodeId(0), "p3 → p0");
    assert_eq!(m.node(NodeId(5)), NodeId(4), "site 1 → site 0");
    assert_eq!(m.node(NodeId(6)), NodeId(6), "the detector stays");
    assert_eq!(m.process_bits(0b1001), 0b0011);
    assert_eq!(m.graph(&edge(3, 0)), Some(edge(0, 1)));
    let eight = Renaming::rotation(Layout { processes: 8, sites: 1, resources: 8 }, 1);
    assert_eq!(eight.expect("a rotation").graph(&edge(3, 0)), None, "p4 is beyond a graph of 4");
    // Site 1 manages r1 and r3; renamed, it is site 0 managing r2 and r0, listed as a fresh
    // site 0 lists them.
    let cfg = Config { layout: ring, detector: DetectorKind::Confirming, fault: Fault::None };
    let fresh = |j: u8| N::build(cfg, ring.site(j)).expect("valid group");
    assert_eq!(fresh(1).renamed(&m), Some(fresh(0)));
    let other = Renaming::rotation(Layout { processes: 2, ..ring }, 1).expect("a rotation");
    assert_eq!(fresh(1).renamed(&other), None, "a renaming of another layout");
    // With two of each, renaming twice by one is no renaming at all.
    let mut net = Net::new(config(2, DetectorKind::Confirming, Fault::None));
    net.cmd(0, acquire(0)).expect("accepted");
    net.settle(|_, _, _| false);
    let swap = Renaming::rotation(net.layout, 1).expect("two of each");
    let twice = renamed_net(&renamed_net(&net, &swap), &swap);
    assert!(same_group(&twice, &net));
    let once = renamed_net(&net, &swap);
    assert!(!same_group(&once, &net), "p1 holds r1 there, not p0 r0");
    assert_eq!(once.nodes[1].as_process().expect("p1").held(), 0b10);
    // The real deadlock of two is its own renaming: each holds one lock and waits for the other.
    let mut dl = real_deadlock(config(2, DetectorKind::Confirming, Fault::None));
    dl.settle(|_, _, _| false);
    assert!(same_group(&renamed_net(&dl, &swap), &dl));
}

/// The group and its renamed copy, driven by the same steps under the two namings (a command to
/// process p and to `process(p)`, a delivery of a message and of its renamed image, a timer),
/// stay renamings of each other at every step: what a checker's symmetry reduction relies on.
/// Two processes and two resources, so a lock never has two waiters; some acquires are
/// patient, so waiters give up, and confirmed edges are pinned and cancellations deferred.
#[test]
fn a_renamed_group_runs_as_the_original_renamed() {
    let mut steps = 0;
    for kind in [DetectorKind::Naive, DetectorKind::Confirming] {
        for seed in 1..=40u64 {
            let cfg = config(2, kind, Fault::None);
            let m = Renaming::rotation(cfg.layout, 1).expect("two of each");
            let (mut a, mut b) = (Net::new(cfg), Net::new(cfg));
            let mut rng = crate::rng::SplitMix64::new(seed);
            let mut script = [0usize; 2];
            for _ in 0..60 {
                let pick = rng.next_u64();
                match pick % 4 {
                    0 | 1 if !a.flight.is_empty() => {
                        let i = (pick >> 8) as usize % a.flight.len();
                        let (f, t, x) = a.flight[i];
                        let image = (m.node(f), m.node(t), x.renamed(&m).expect("fits"));
                        let ra = a.deliver(|f2, t2, x2| (f2, t2, *x2) == (f, t, x));
                        let rb = b.deliver(|f2, t2, x2| (f2, t2, *x2) == image);
                        assert_eq!(ra.is_ok(), rb.is_ok());
                    }
                    2 if !a.timers.is_empty() => {
                        let (n, timer) = a.timers[(pick >> 8) as usize % a.timers.len()];
                        a.timers.retain(|x| *x != (n, timer));
                        b.timers.retain(|x| *x != (m.node(n), timer));
                        a.fire(n.0, timer);
                        b.fire(m.node(n).0, timer);
                    }
                    _ => {
                        let p = (pick >> 8) as u8 % 2;
                        let ring = [
                            Op::Acquire(p),
                            Op::Acquire((p + 1) % 2),
                            Op::Release((p + 1) % 2),
                            Op::Release(p),
                        ];
                        let patience = (pick >> 16) % 2 == 0;
                        let cmd = |op: Op| match op {
                            Op::Acquire(resource) => Cmd::Acquire {
                                resource,
                                patience: patience.then_some(crate::time::Duration(5)),
                            },
                            Op::Release(r) => Cmd::Release(r),
                        };
                        let op = ring[script[p as usize] % 4];
                        let ra = a.cmd(p, cmd(op));
                        let rb = b.cmd(m.process(p), cmd(m.op(op)));
                        assert_eq!(ra.is_ok(), rb.is_ok());
                        if ra.is_ok() {
                            script[p as usize] += 1;
                        }
                    }
                }
                steps += 1;
                assert!(same_group(&renamed_net(&a, &m), &b), "seed {seed}, {kind}");
            }
        }
    }
    assert_eq!(steps, 2 * 40 * 60);
}

#[test]
fn a_layout_without_sites_puts_every_resource_at_site_0_rather_than_divide_by_zero() {
    let l = Layout { processes: 2, sites: 0, resources: 2 };
    assert_eq!((l.site_of(0), l.site_of(7)), (0, 0));
    let l = Layout { processes: 2, sites: 3, resources: 6 };
    assert_eq!((0..6).map(|r| l.site_of(r)).collect::<Vec<_>>(), [0, 1, 2, 0, 1, 2]);
}
