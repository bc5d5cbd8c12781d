//! Checking a protocol of your own: an at-most-once request/response.
//!
//! A client sends requests 1, 2, …, n one at a time and resends the outstanding one on a timer
//! until its reply comes. The server executes each request and replies; it remembers the highest
//! request it executed, so a resent request is answered again without being executed twice.
//! `--broken` makes it forget: a resend, or a duplicate on the network, is executed again. The
//! network may reorder and duplicate any message, and with `--lossy` also lose it.
//!
//! ```text
//! cargo run --release -p inflight-checker --example at_most_once                   # holds
//! cargo run --release -p inflight-checker --example at_most_once -- --broken        # caught
//! cargo run --release -p inflight-checker --example at_most_once -- --lossy         # holds
//! cargo run --release -p inflight-checker --example at_most_once -- --lossy --no-resend  # caught
//! cargo run --release -p inflight-checker --example at_most_once -- --broken --explore
//! cargo run --release -p inflight-checker --example at_most_once -- --simulate      # 1/RTT
//! cargo run --release -p inflight-checker --example at_most_once -- --coverage      # paths run
//! ```
//!
//! What it takes, in the order of this file:
//!
//! 1. The protocol implements [`inflight_core::Machine`]: handlers for a local command, a peer
//!    message and a fired timer, each given `now` and an effects sink. No clock, no I/O, no
//!    allocation: the same code runs in the checker, in the simulator and on a node. Its
//!    messages implement `wire::Message`, so a node sends them as postcard frames.
//! 2. An [`Observer`] is each node's ghost record of the events its application was handed, for
//!    properties about what the applications saw.
//! 3. [`NodeActor`] runs each node inside stateright, issuing its script of commands at every
//!    point a client could; [`network::configure`] adds the network's semantics and losses; the
//!    properties read the machines' states and the ghosts.
//! 4. The deterministic simulator runs the same machines over links with latency and loss; one
//!    request at a time meets its law, 1/RTT, exactly.
//! 5. [`run_check`] runs the check with `eventually` decided soundly and returns a report with
//!    shortest counterexamples, each with its path in the web explorer, which `--explore`
//!    serves. [`coverage::collect`] (`--coverage`) says which handler paths the check ran: the
//!    client rejects a stale reply only if something makes a reply stale (a resend, a
//!    duplicate), so a check without either says nothing about that code.
//!
//! Its tests are in `checker/tests/at_most_once.rs` (model checks live in `tests/`, which plain
//! `cargo test` runs): pinned state counts, both broken variants caught, the explorer serving the
//! counterexample, rejections that leave a node unchanged, frames that round-trip, and the
//! simulated rate equal to the law. They compile
//! this file as a module, which is why the items they use are `pub(crate)`.

use inflight_checker::adapter::{NodeActor, Observer, SeenIds};
use inflight_checker::coverage;
use inflight_checker::liveness::actor_faults;
use inflight_checker::network::{self, NetworkBound, NetworkKind};
use inflight_checker::readable::Readable;
use inflight_checker::report::{run_check, CheckOptions};
use inflight_core::{wire, Duration, Effects, Instant, Machine, NodeId};
use inflight_models::units::{self, Q};
use inflight_models::{laws, sim};
use stateright::actor::{ActorModel, ActorModelState};
use stateright::{Expectation, Model};
use std::process::ExitCode;

// ---------------------------------------------------------------------------------------------
// 1. The protocol: plain `no_std`-friendly code against the core's contract.

/// The client's id, and the server's.
const CLIENT: NodeId = NodeId(0);
const SERVER: NodeId = NodeId(1);
/// How long the client waits for a reply before resending, in ticks. (The checker ignores the
/// value: a timer may fire in any state. The simulator and a node use it.)
pub(crate) const RESEND_AFTER: Duration = Duration(250);

/// Messages between the client and the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Msg {
    /// Execute request `id`.
    Request { id: u32 },
    /// Request `id` was executed.
    Reply { id: u32 },
}

/// The client's application asks for request `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Call(pub(crate) u32);

/// The client's one timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Timer {
    Resend,
}

/// What the nodes report to their applications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Event {
    /// Client: the reply to request `id` arrived.
    Answered(u32),
    /// Server: request `id` was executed (its side effect happened).
    Executed(u32),
}

/// A call refused because another is outstanding; it hands the call back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Busy(pub(crate) Call);

/// Why a message was rejected; the node is left unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// A reply to a request that is not outstanding (late or duplicated).
    Stale,
    /// A message this role does not take, or from a node that is not its peer.
    Unexpected,
}

// Errors are small `Copy` enums with `Display` and `core::error::Error`, as in the core, so a
// host can log them and carry on.
impl core::fmt::Display for Busy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "call {} refused: another call is outstanding", (self.0).0)
    }
}

impl core::error::Error for Busy {}

impl core::fmt::Display for Rejected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Rejected::Stale => "a reply to a request that is not outstanding",
            Rejected::Unexpected => "a message this role does not take, or from a stranger",
        })
    }
}

impl core::error::Error for Rejected {}

/// The two roles.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Client {
        /// The request awaiting its reply.
        outstanding: Option<u32>,
        /// Whether it resends (false: the variant that cannot survive a loss).
        resend: bool,
    },
    Server {
        /// The highest request executed.
        done: u32,
        /// Whether resends are recognised (false: the broken variant).
        dedup: bool,
    },
}

impl Machine for Node {
    type Msg = Msg;
    type Cmd = Call;
    type Timer = Timer;
    type Event = Event;
    type CmdError = Busy;
    type MsgError = Rejected;
    type Durable = Node;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        now: Instant,
        call: Call,
        out: &mut impl Effects<Self>,
    ) -> Result<(), Busy> {
        match self {
            Node::Client { outstanding: outstanding @ None, resend } => {
                *outstanding = Some(call.0);
                out.send(SERVER, Msg::Request { id: call.0 });
                if *resend {
                    out.set_timer(Timer::Resend, now + RESEND_AFTER);
                }
                Ok(())
            }
            _ => Err(Busy(call)),
        }
    }

    fn on_message(
        &mut self,
        _now: Instant,
        from: NodeId,
        msg: Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), Rejected> {
        match (self, msg) {
            (Node::Client { outstanding, .. }, Msg::Reply { id }) if from == SERVER => {
                if *outstanding != Some(id) {
                    return Err(Rejected::Stale);
                }
                *outstanding = None;
                out.cancel_timer(Timer::Resend);
                out.emit(Event::Answered(id));
                Ok(())
            }
            (Node::Server { done, dedup }, Msg::Request { id }) if from == CLIENT => {
                // Requests come one at a time, so anything up to `done` was executed already.
                if !(*dedup && id <= *done) {
                    *done = id.max(*done);
                    out.emit(Event::Executed(id));
                }
                out.send(CLIENT, Msg::Reply { id });
                Ok(())
            }
            _ => Err(Rejected::Unexpected),
        }
    }

    fn on_timer(&mut self, now: Instant, _resend: Timer, out: &mut impl Effects<Self>) {
        if let Node::Client { outstanding: Some(id), .. } = self {
            out.send(SERVER, Msg::Request { id: *id });
            out.set_timer(Timer::Resend, now + RESEND_AFTER);
        }
    }

    /// Both roles keep their whole state in storage.
    fn durable(&self) -> Node {
        self.clone()
    }

    fn recover(durable: Node, now: Instant, out: &mut impl Effects<Self>) -> Node {
        if let Node::Client { outstanding: Some(_), resend: true } = durable {
            out.set_timer(Timer::Resend, now);
        }
        durable
    }
}

/// On a node, messages travel as postcard frames: the core's `wire` module writes the
/// primitives, and each message says its fields in order (postcard's enum layout: the variant's
/// index, then its fields). A port needs nothing else to use `wire::encode` and `wire::decode`,
/// which reject trailing bytes and never panic on what a peer sends.
impl wire::Message for Msg {
    fn write(&self, w: &mut wire::Writer<'_>) -> Result<(), wire::WireError> {
        let (tag, id) = match *self {
            Msg::Request { id } => (0, id),
            Msg::Reply { id } => (1, id),
        };
        w.u32(tag)?;
        w.u32(id)
    }

    fn read(r: &mut wire::Reader<'_>) -> Result<Self, wire::WireError> {
        match r.u32()? {
            0 => Ok(Msg::Request { id: r.u32()? }),
            1 => Ok(Msg::Reply { id: r.u32()? }),
            _ => Err(wire::WireError::Malformed),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The ghost: what each node's application saw.

/// On the server: requests executed, and the first executed twice (`SeenIds`, the kit's record
/// of numbered things seen). On the client: the last request answered (they are answered in
/// order).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Seen {
    executed: SeenIds,
    answered: u32,
}

/// Printed in counterexamples and in the explorer: only what was seen.
impl std::fmt::Debug for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.executed.is_empty() {
            let ids: Vec<u32> = self.executed.ids().collect();
            parts.push(format!("executed {ids:?}"));
        }
        if let Some(id) = self.executed.twice() {
            parts.push(format!("{id} executed TWICE"));
        }
        if self.answered > 0 {
            parts.push(format!("answered 1..={}", self.answered));
        }
        f.write_str(&parts.join(", "))
    }
}

impl Observer<Node> for Seen {
    fn observe(&mut self, event: &Event) {
        match *event {
            Event::Executed(id) => self.executed.record(id),
            Event::Answered(id) => self.answered = id,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. The scenario, turned into a stateright model.

/// A scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cfg {
    /// Requests the client makes (1 to 31).
    pub(crate) requests: u32,
    /// Whether the network may drop any message.
    pub(crate) lossy: bool,
    /// The server recognises resends (false: the broken variant).
    pub(crate) dedup: bool,
    /// The client resends (false: a variant that only a loss shows).
    pub(crate) resend: bool,
}

impl NetworkBound for Cfg {
    fn max_in_network(&self) -> Option<usize> {
        None
    }
}

/// The stateright model: both nodes inside [`NodeActor`]s, their ghosts, and the scenario.
pub(crate) type AtMostOnce = ActorModel<NodeActor<Node, Seen>, Cfg>;
/// One state of it: each node's machine and ghost, and the messages in flight.
pub(crate) type State = ActorModelState<NodeActor<Node, Seen>>;

// The properties' names: two safety properties, then "some run answers every request" and
// "every run does" (on a lossy network too: losses are assumed finitely many).
pub(crate) const AT_MOST_ONCE: &str = "no request is executed twice";
pub(crate) const ANSWERED_EXECUTED: &str = "every answered request was executed";
pub(crate) const SOME_RUN_ANSWERS_ALL: &str = "all requests answered (reachable)";
pub(crate) const ALL_ANSWERED: &str = "all requests answered (eventually)";

/// Turns a scenario into the model: a client with its script of calls, a server, the network,
/// and the four properties.
pub(crate) fn model(cfg: Cfg) -> AtMostOnce {
    assert!((1..=31).contains(&cfg.requests), "1 to 31 requests");
    let client = NodeActor::new(Node::Client { outstanding: None, resend: cfg.resend })
        .with_script((1..=cfg.requests).map(Call));
    let server = NodeActor::new(Node::Server { done: 0, dedup: cfg.dedup });
    let model = ActorModel::new(cfg, ()).actors([client, server]);
    // The client may resend at any moment, so on a multiset network its resends would pile up
    // without bound. On a duplicating network (a set: any message, any order, any number of
    // times) a resend adds nothing new, and the server must cope with duplicates anyway.
    network::configure(model, NetworkKind::Duplicating, cfg.lossy, 0)
        .property(Expectation::Always, AT_MOST_ONCE, |_, s| {
            executions(s).executed.twice().is_none()
        })
        .property(Expectation::Always, ANSWERED_EXECUTED, |_, s| {
            let answered = answered(s);
            answered == 0 || executions(s).executed.contains(answered)
        })
        .property(Expectation::Sometimes, SOME_RUN_ANSWERS_ALL, |m, s| {
            answered(s) == m.cfg.requests
        })
        .property(Expectation::Eventually, ALL_ANSWERED, |m, s| answered(s) == m.cfg.requests)
}

/// What the client's application saw answered.
fn answered(s: &State) -> u32 {
    s.actor_states[0].ghost.answered
}

/// What the server's application saw executed.
fn executions(s: &State) -> &Seen {
    &s.actor_states[1].ghost
}

// ---------------------------------------------------------------------------------------------
// 4. The same machines in the deterministic simulator, against a law.

/// The simulator's application: calls 1, 2, … back to back, each as soon as the last is answered,
/// and notes when each answer came.
struct Caller {
    next: u32,
    outstanding: bool,
    answers: Vec<Instant>,
}

impl sim::Client<Node> for Caller {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Call)> {
        (!self.outstanding).then_some((CLIENT, Call(self.next)))
    }
    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), Busy>) {
        if result.is_ok() {
            self.outstanding = true;
            self.next += 1;
        }
    }
    fn on_event(&mut self, now: Instant, _node: NodeId, event: &Event, _machine: &mut Node) {
        if let Event::Answered(_) = event {
            self.outstanding = false;
            self.answers.push(now);
        }
    }
}

/// Runs a client and a server 50 ticks apart each way (1 tick = 1 ms, so RTT = 100 ms) for
/// `seconds`, losing `loss_ppm` per million messages, and returns when each answer came.
pub(crate) fn simulate(loss_ppm: u32, seed: u64, seconds: u64) -> Vec<Instant> {
    let nodes = vec![
        Node::Client { outstanding: None, resend: true },
        Node::Server { done: 0, dedup: true },
    ];
    let link = sim::LinkSpec { loss_ppm, seed, ..sim::LinkSpec::latency_only(Duration(50)) };
    let mut caller = Caller { next: 1, outstanding: false, answers: Vec::new() };
    let mut run = sim::Sim::new(nodes, link, &mut caller);
    run.run_until(Instant(seconds * 1000), &mut caller);
    caller.answers
}

/// Answers per second, exactly: n answers by the n-th answer's time (1 tick = 1 ms). `None`
/// without an answer after tick 0.
pub(crate) fn answer_rate(answers: &[Instant]) -> Option<Q> {
    let last = answers.last()?.ticks();
    (last > 0).then(|| Q::new((answers.len() as u64 * 1000).into(), last.into()))
}

/// One request at a time is synchronous replication with a window of 1 (MODELS.md §1):
/// 1 / RTT, with no serialization or processing time here.
pub(crate) fn law(rtt: &str) -> Q {
    let rtt = units::parse_duration(rtt).expect("a duration");
    let zero = units::parse_duration("0s").expect("a duration");
    laws::sync_replication(1, &rtt, None, &zero).expect("a feasible law").rate.0
}

/// With each message lost with probability `p`, a request takes one round trip for the attempt
/// that gets through both ways (probability q = (1 − p)²) plus one resend timeout for each
/// attempt before it, a geometric number: by the renewal-reward theorem the long-run rate is
/// 1 / (RTT + RTO (1 − q) / q). An oracle for this example, not a law the kit ships.
pub(crate) fn renewal_rate(rtt_s: f64, rto_s: f64, p: f64) -> f64 {
    let q = (1.0 - p) * (1.0 - p);
    1.0 / (rtt_s + rto_s * (1.0 - q) / q)
}

fn print_simulation() {
    let law = law("100ms");
    println!("simulated for 100 s, 50 ms each way, resend after 250 ms");
    println!("(law: 1/RTT = {law}/s, MODELS.md §1; with loss, the stop-and-wait renewal rate)");
    for loss_ppm in [0, 10_000, 100_000] {
        let answers = simulate(loss_ppm, 1, 100);
        let rate = answer_rate(&answers).map_or(0.0, |r| units::to_f64(&r));
        let p = loss_ppm as f64 / 1e6;
        println!(
            "  loss {:>4.1} %: {:>4} answered, {rate:.3}/s (expected {:.3}/s)",
            p * 100.0,
            answers.len(),
            renewal_rate(0.1, RESEND_AFTER.0 as f64 / 1000.0, p)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Checking it.

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let known = ["--broken", "--no-resend", "--lossy", "--explore", "--simulate", "--coverage"];
    if let Some(bad) = args.iter().find(|a| !known.contains(&a.as_str())) {
        eprintln!("unknown argument '{bad}': takes {}", known.join(", "));
        return ExitCode::from(2);
    }
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let cfg = Cfg {
        requests: 3,
        lossy: has("--lossy"),
        dedup: !has("--broken"),
        resend: !has("--no-resend"),
    };
    if has("--simulate") {
        print_simulation();
        return ExitCode::SUCCESS;
    }
    if has("--explore") {
        let addr = "127.0.0.1:3000";
        eprintln!("Explorer for {cfg:?} at http://{addr}/ (Ctrl-C stops it)");
        Readable::new(model(cfg)).checker().serve(addr);
        return ExitCode::SUCCESS;
    }
    let report = run_check(model(cfg), format!("{cfg:?}"), CheckOptions::default(), actor_faults);
    print!("{report}");
    if has("--coverage") {
        println!("{}", coverage::collect(&model(cfg), coverage::Bounds::default(), None));
    }
    for p in report.properties.iter().filter(|p| p.verdict.is_fail()) {
        if let Some(path) = &p.explorer_path {
            println!(
                "\n\"{}\": add --explore and open http://127.0.0.1:3000/#/steps/{path}",
                p.name
            );
        }
    }
    if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
