//! The retry model: [`RetryCfg`] turned into a stateright [`Model`] that runs the core's retry
//! clients and load-shedding server under a slotted clock, with every random draw explored
//! (MODELS.md §6).
//!
//! Why a clock: "the herd lands in the same slot" and "every path synchronizes" are statements
//! about *when* clients retry, and the untimed actor model has no time (a timer may fire in any
//! state). So each step of this model is one slot: due timers fire, messages are delivered at
//! once (the network is fast next to τ), and every handler sees the slot's start as `now`.
//! A client that asks for a random draw gets each possible value on its own branch: the step's
//! action is the list of values drawn in it, so a path in the explorer reads as "slot 3: draws
//! [2, 0]". Within a slot the server acts first, then the clients in an order fixed by their
//! states, not their names; that order decides only which of several simultaneous retries the
//! server admits first. Because it ignores names, renaming the clients of a state renames its
//! runs: the model is symmetric in its clients, and [`representative`] lets a check explore
//! one state of each class.
//!
//! The server is down for the first `outage` slots, so at slot 0 every client's first request
//! fails together: the herd forms. Timers are kept as slots left, so the state space is finite.

use crate::report::Describe;
use inflight_core::retry::{
    Client, ClientConfig, Cmd, Fault, Jitter, Msg, Node, Phase, Policy, Server, ServerConfig, Timer,
};
use inflight_core::{Duration, Effects, Instant, Machine, NodeId};
use inflight_models::units::Q;
use num_traits::{One, Zero};
use stateright::{Model, Property};
use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Write as _};

/// Service slots of the checked server (capacity up to `SLOTS − 1`, one spare for the
/// off-by-one variant).
pub const SERVER_SLOTS: usize = 4;

/// The node type the retry model runs.
pub type RetryNode = Node<SERVER_SLOTS>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: the server never holds more than its capacity in service.
    pub const CAPACITY: &str = "in service <= capacity";
    /// Always: every request is in service, backing off with a retry armed, served, or
    /// explicitly given up: nothing is lost.
    pub const NOTHING_LOST: &str = "every request is pending, served or explicitly given up";
    /// Sometimes: every client retries in the same slot (the herd, despite jitter).
    pub const HERD: &str = "all clients retry in the same slot (reachable)";
    /// Always (fixed delay only): clients backing off are due in the same slot.
    pub const SYNCHRONIZED: &str = "retries stay synchronized (fixed delay)";
    /// Sometimes (jittered policies): clients backing off are due in different slots.
    pub const SPREAD: &str = "retries spread over different slots (reachable)";
    /// Eventually: every request is served or given up.
    pub const ALL_DONE: &str = "every request ends served or given up (eventually)";
}

/// The retry policies the model explores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryPolicy {
    /// A fixed delay of `slots`.
    Fixed,
    /// A delay uniform over 1 ..= `slots`.
    Jitter,
    /// Exponential backoff from 1 slot, capped at `slots`, with full jitter.
    FullJitter,
    /// The same with equal jitter.
    EqualJitter,
    /// The same with decorrelated jitter.
    Decorrelated,
}

impl RetryPolicy {
    /// Every policy, fixed first.
    pub const ALL: [RetryPolicy; 5] = [
        RetryPolicy::Fixed,
        RetryPolicy::Jitter,
        RetryPolicy::FullJitter,
        RetryPolicy::EqualJitter,
        RetryPolicy::Decorrelated,
    ];

    /// The core policy with τ = `slots`.
    pub fn policy(self, slots: u8) -> Policy {
        let tau = Duration(slots as u64);
        let backoff = |jitter| Policy::Backoff { base: Duration(1), cap: tau, jitter };
        match self {
            RetryPolicy::Fixed => Policy::Fixed { delay: tau },
            RetryPolicy::Jitter => Policy::Uniform { window: tau },
            RetryPolicy::FullJitter => backoff(Jitter::Full),
            RetryPolicy::EqualJitter => backoff(Jitter::Equal),
            RetryPolicy::Decorrelated => backoff(Jitter::Decorrelated),
        }
    }
}

/// A herd scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryCfg {
    /// Clients (1 ..= [`MAX_CLIENTS`]).
    pub clients: u8,
    /// The retry policy.
    pub policy: RetryPolicy,
    /// Requests the server serves at once (1 ..= 3).
    pub capacity: u8,
    /// τ in slots: the fixed delay, or the number of jitter outcomes (1 ..= 6).
    pub slots: u8,
    /// Slots each request is in service (1 ..= 4).
    pub service: u8,
    /// Attempts per request, or unlimited.
    pub max_attempts: Option<u8>,
    /// Slots the server is down at the start (1 ..= 4).
    pub outage: u8,
    /// A deliberately broken variant, or [`Fault::None`].
    pub fault: Fault,
}

impl Default for RetryCfg {
    fn default() -> Self {
        RetryCfg {
            clients: 3,
            policy: RetryPolicy::Jitter,
            capacity: 1,
            slots: 3,
            service: 1,
            max_attempts: None,
            outage: 1,
            fault: Fault::None,
        }
    }
}

/// Why a scenario cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryCfgError(pub String);

impl fmt::Display for RetryCfgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RetryCfgError {}

/// The state after a slot: the machines, armed timers with the slots left, the clock (saturated
/// once the outage is over), and how many clients retried in the slot just run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RetryState {
    /// Node 0 is the server, nodes 1 ..= N the clients.
    pub nodes: Vec<RetryNode>,
    /// (node, timer, slots left), sorted.
    pub timers: Vec<(u8, Timer, u8)>,
    /// Slots run, counted up to `outage + 1` (after that the clock no longer matters and
    /// stops, which keeps the state space finite).
    pub clock: u8,
    /// Clients whose retry fired in the last slot.
    pub retried: u8,
}

/// The most clients a model takes: a slot of N jittered clients has up to 6ᴺ branches.
pub const MAX_CLIENTS: u8 = 7;

/// The most draws a slot makes: one per client, each after its one attempt in the slot fails.
const MAX_DRAWS: usize = MAX_CLIENTS as usize;

/// One slot, identified by the values drawn in it, in the order they were drawn. Small and
/// `Copy`: a slot of N drawing clients has up to 6ᴺ branches, and stateright's explorer lists
/// them all and rebuilds the path to each from the list.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    values: [u8; MAX_DRAWS],
    len: u8,
}

impl Slot {
    /// The values drawn, in the order they were drawn.
    pub fn draws(&self) -> &[u8] {
        &self.values[..self.len as usize]
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot {:?}", self.draws())
    }
}

/// The stateright model of a herd.
#[derive(Clone, Debug)]
pub struct RetryModel {
    /// The scenario.
    pub cfg: RetryCfg,
}

impl RetryCfg {
    /// Checks that the scenario can be built.
    pub fn validate(&self) -> Result<(), RetryCfgError> {
        let bad = |what: String| Err(RetryCfgError(what));
        if !(1..=MAX_CLIENTS).contains(&self.clients) {
            return bad(format!("{} clients: the model takes 1 to {MAX_CLIENTS}", self.clients));
        }
        if !(1..SERVER_SLOTS as u8).contains(&self.capacity) {
            return bad(format!(
                "capacity {}: the model takes 1 to {}",
                self.capacity,
                SERVER_SLOTS - 1
            ));
        }
        if !(1..=6).contains(&self.slots) {
            return bad(format!("{} slots: the model takes 1 to 6", self.slots));
        }
        if !(1..=4).contains(&self.service) {
            return bad(format!("service {}: the model takes 1 to 4 slots", self.service));
        }
        if !(1..=4).contains(&self.outage) {
            return bad(format!("outage {}: the model takes 1 to 4 slots", self.outage));
        }
        if self.max_attempts == Some(0) {
            return bad("max attempts must be at least 1".into());
        }
        Ok(())
    }

    /// Builds the model. Panics on an invalid configuration (call [`RetryCfg::validate`] first
    /// where the input is untrusted).
    pub fn into_model(self) -> RetryModel {
        if let Err(e) = self.validate() {
            panic!("invalid retry config: {e}");
        }
        RetryModel { cfg: self }
    }

    fn nodes(&self) -> Vec<RetryNode> {
        let server = Server::new(ServerConfig {
            capacity: self.capacity,
            service: Duration(self.service as u64),
            fault: self.fault,
        });
        let client = Client::new(ClientConfig {
            server: NodeId(0),
            policy: self.policy.policy(self.slots),
            max_attempts: self.max_attempts,
            fault: self.fault,
        });
        match (server, client) {
            (Ok(s), Ok(c)) => {
                let mut v = vec![Node::Server(s)];
                v.extend((0..self.clients).map(|_| Node::Client(c)));
                v
            }
            (Err(e), _) | (_, Err(e)) => panic!("invalid retry config: {e}"),
        }
    }
}

/// Collects one handler's effects.
#[derive(Default)]
struct Fx {
    sends: Vec<(NodeId, Msg)>,
    set: Vec<(Timer, u64)>,
    cancel: Vec<Timer>,
    draw: Option<u32>,
}

impl Effects<RetryNode> for Fx {
    fn send(&mut self, to: NodeId, msg: Msg) {
        self.sends.push((to, msg));
    }
    fn set_timer(&mut self, timer: Timer, at: Instant) {
        self.set.push((timer, at.ticks()));
    }
    fn cancel_timer(&mut self, timer: Timer) {
        self.cancel.push(timer);
    }
    fn emit(&mut self, event: inflight_core::retry::Event) {
        crate::coverage::event(&event);
    }
    fn random(&mut self, bound: u32) {
        self.draw = Some(bound);
    }
}

/// Supplies draw values along one branch and records the bounds asked for.
struct Draws<'a> {
    given: &'a [u8],
    used: Vec<(u32, u32)>, // (value, bound)
}

impl Draws<'_> {
    fn next(&mut self, bound: u32) -> u32 {
        let v = self.given.get(self.used.len()).map_or(0, |&v| v as u32).min(bound);
        self.used.push((v, bound));
        v
    }
}

impl RetryModel {
    /// Applies a handler's effects: timers into the state, sends onto the queue, a draw
    /// answered from `draws` at once.
    fn apply(
        &self,
        s: &mut RetryState,
        node: u8,
        fx: Fx,
        queue: &mut VecDeque<(u8, NodeId, Msg)>,
        draws: &mut Draws<'_>,
    ) {
        for t in fx.cancel {
            s.timers.retain(|(n, x, _)| !(*n == node && *x == t));
        }
        for (t, at) in fx.set {
            s.timers.retain(|(n, x, _)| !(*n == node && *x == t));
            s.timers.push((node, t, at.min(u8::MAX as u64) as u8));
        }
        queue.extend(fx.sends.into_iter().map(|(to, m)| (node, to, m)));
        if let Some(bound) = fx.draw {
            let v = draws.next(bound);
            let mut more = Fx::default();
            s.nodes[node as usize].on_random(Instant::ZERO, v, &mut more);
            crate::coverage::draw();
            self.apply(s, node, more, queue, draws);
        }
    }

    /// Runs one slot from `s` with the given draws; returns the next state and the draws used.
    fn run_slot(&self, s: &RetryState, given: &[u8]) -> (RetryState, Vec<(u32, u32)>) {
        let mut s = s.clone();
        let mut draws = Draws { given, used: Vec::new() };
        let mut queue = VecDeque::new();
        let now = Instant::ZERO;
        let command =
            |s: &mut RetryState, node: u8, cmd: Cmd, q: &mut VecDeque<_>, d: &mut Draws<'_>| {
                let mut fx = Fx::default();
                // A refused command (a client already busy) changes nothing.
                let result = s.nodes[node as usize].on_command(now, cmd, &mut fx);
                crate::coverage::command(&cmd, &result);
                if result.is_ok() {
                    self.apply(s, node, fx, q, d);
                }
            };
        // Clients act in the order of what they are at the slot's start, not of their names.
        let order = client_order(&s);
        if s.clock == 0 {
            command(&mut s, 0, Cmd::Fail, &mut queue, &mut draws);
            for &c in &order {
                command(&mut s, c, Cmd::Request, &mut queue, &mut draws);
            }
        }
        if s.clock == self.cfg.outage {
            command(&mut s, 0, Cmd::Recover, &mut queue, &mut draws);
        }
        // The server's timers first, then the clients'.
        let due: Vec<(u8, Timer)> = std::iter::once(0)
            .chain(order.iter().copied())
            .flat_map(|n| {
                let mine = s.timers.iter().filter(move |(m, _, left)| *m == n && *left == 0);
                mine.map(|(n, t, _)| (*n, *t))
            })
            .collect();
        s.timers.retain(|(_, _, left)| *left > 0);
        s.retried = 0;
        for (node, timer) in due {
            if timer == Timer::Retry {
                s.retried += 1;
            }
            let mut fx = Fx::default();
            s.nodes[node as usize].on_timer(now, timer, &mut fx);
            crate::coverage::timer(&timer);
            self.apply(&mut s, node, fx, &mut queue, &mut draws);
            self.deliver(&mut s, &mut queue, &mut draws);
        }
        self.deliver(&mut s, &mut queue, &mut draws);
        for t in s.timers.iter_mut() {
            t.2 = t.2.saturating_sub(1);
        }
        s.timers.sort();
        s.clock = (s.clock + 1).min(self.cfg.outage + 1);
        (s, draws.used)
    }

    fn deliver(
        &self,
        s: &mut RetryState,
        queue: &mut VecDeque<(u8, NodeId, Msg)>,
        draws: &mut Draws<'_>,
    ) {
        while let Some((from, to, msg)) = queue.pop_front() {
            let Some(node) = s.nodes.get_mut(to.0 as usize) else { continue };
            let mut fx = Fx::default();
            // A rejected message (stale, duplicate) changes nothing.
            let result = node.on_message(Instant::ZERO, NodeId(from), msg, &mut fx);
            crate::coverage::message(&msg, &result);
            if result.is_ok() {
                self.apply(s, to.0, fx, queue, draws);
            }
        }
    }

    /// Every way the next slot can go: one action per combination of draw values, the last
    /// draw varying fastest. Within a slot each client draws at most once (after its one
    /// attempt fails), and what it may draw depends only on its state from earlier slots
    /// (decorrelated jitter's bound on its previous delay): a value sets a retry timer at least
    /// one slot ahead and changes nothing that another client or the server meets in this
    /// slot. So one run with every value 0 lists the bounds, and the branches are every
    /// combination of values within them, without running the slot for each (`next_state`
    /// checks, in debug builds, that a branch draws exactly within those bounds).
    fn branches(&self, s: &RetryState) -> Vec<Slot> {
        let (_, used) = self.run_slot(s, &[]);
        let bounds: Vec<u8> = used.iter().map(|&(_, b)| draw_value(b)).collect();
        assert!(bounds.len() <= MAX_DRAWS, "a slot made {} draws", bounds.len());
        let mut out = Vec::new();
        let mut slot = Slot { values: [0; MAX_DRAWS], len: bounds.len() as u8 };
        loop {
            out.push(slot);
            // The next combination, as an odometer whose last wheel turns fastest.
            let Some(i) = (0..bounds.len()).rev().find(|&i| slot.values[i] < bounds[i]) else {
                return out;
            };
            slot.values[i] += 1;
            slot.values[i + 1..].fill(0);
        }
    }

    /// Whether every client's request has ended (and nothing more can happen).
    pub fn finished(&self, s: &RetryState) -> bool {
        s.clock > 0 && clients(s).all(|c| ended(c.phase())) && s.timers.is_empty()
    }

    /// The first wave's peak, exactly, over every draw the model explores: P(peak = k) for
    /// k = 0 ..= N, where a path's peak is the most first retries in any `service` consecutive
    /// slots, the requests of the wave that would be in service at once. At slot 0 the server is
    /// down, so every client fails at once and draws its first delay there: this is the herd of
    /// MODELS.md §6, slotted. For `Jitter` it must equal the law
    /// `inflight_models::herd::slotted_peak_distribution(N, slots, service)`, for `Fixed` it
    /// is N with certainty, and for every policy it must equal N balls thrown by the policy's
    /// first delay, `weighted_peak_distribution(N, &first_delay_weights(&policy), service)`.
    /// A client that gives up before retrying takes no part.
    ///
    /// Every branch of slot 0 is taken, weighing ∏ 1/(bound + 1) over its draws (each value
    /// 0 ..= bound of a draw is equally likely: the core's contract for `Effects::random`);
    /// branches whose states differ only by the clients' names are followed once, together.
    /// Later draws are made only by clients that have already retried, so they cannot move a
    /// first retry: from slot 1 on, each path follows one branch (every draw 0) with its whole
    /// weight, and the first retries are read off the attempts the machines make, slot by slot.
    pub fn first_wave_peak(&self) -> Result<Vec<Q>, RetryCfgError> {
        let n = self.cfg.clients as usize;
        let mut dist = vec![Q::zero(); n + 1];
        let first_retries = |s: &RetryState, t: &RetryState| {
            clients(s)
                .zip(clients(t))
                .filter(|(a, b)| a.attempts() == 1 && b.attempts() >= 2)
                .count()
        };
        let done = |s: &RetryState| clients(s).all(|c| c.attempts() >= 2 || ended(c.phase()));
        for init in self.init_states() {
            // The branches of slot 0 by class: states that differ only by the clients' names
            // run alike ([`representative`]), so each class is followed once with the weight
            // of all its branches (the Dᴺ branches of N clients drawing among D slots fall into a few thousand classes).
            let mut classes: HashMap<(RetryState, usize), Q> = HashMap::new();
            for slot in self.branches(&init) {
                let (s, used) = self.run_slot(&init, slot.draws());
                let weight = used.iter().fold(Q::one(), |w, &(_, bound)| {
                    w / Q::from_integer((bound as u64 + 1).into())
                });
                let first = first_retries(&init, &s);
                *classes.entry((representative(&s), first)).or_insert_with(Q::zero) += weight;
            }
            for ((mut s, first), weight) in classes {
                // First retries slot by slot; every first delay is at most `slots`, so the wave
                // is over by then.
                let mut arrivals = vec![first];
                for _ in 0..=self.cfg.slots {
                    if done(&s) {
                        break;
                    }
                    let (t, _) = self.run_slot(&s, &[]);
                    arrivals.push(first_retries(&s, &t));
                    s = t;
                }
                let span = (self.cfg.service as usize).min(arrivals.len());
                let peak = arrivals.windows(span).map(|w| w.iter().sum()).max().unwrap_or(0);
                if !done(&s) {
                    return Err(RetryCfgError(
                        "the first wave of retries did not end within its slots".into(),
                    ));
                }
                dist[peak] += weight;
            }
        }
        Ok(dist)
    }
}

/// How clients `a` and `b` of `s` compare by what the state says about each apart from its
/// name: its state, then its timers with the slots left, then its requests in service at the
/// server (service slot and attempt); by name only if they are alike in all of that, and then
/// they can swap names without changing the state. It allocates nothing: it runs for every
/// slot of every state the checker generates.
fn compare_clients(s: &RetryState, a: u8, b: u8) -> Ordering {
    let client = |i: u8| s.nodes.get(i as usize).and_then(|n| n.as_client());
    let timers = |i: u8| {
        let mine = s.timers.iter().filter(move |(n, _, _)| *n == i);
        mine.map(|&(_, t, left)| (t, left))
    };
    let jobs = |i: u8| server(s).jobs_of(NodeId(i));
    client(a)
        .cmp(&client(b))
        .then_with(|| timers(a).cmp(timers(b)))
        .then_with(|| jobs(a).cmp(jobs(b)))
        .then(a.cmp(&b))
}

/// The clients' node ids in the order in which they act within a slot: by what the state says
/// about each ([`compare_clients`]), then by name among clients that are alike in everything.
/// So a renamed state runs as the renamed run, which makes the model symmetric in its clients
/// (see [`representative`]); without it, the lower-numbered of two clients that retry in one
/// slot would always reach the server first.
fn client_order(s: &RetryState) -> Vec<u8> {
    let mut order: Vec<u8> = (1..s.nodes.len() as u8).collect();
    order.sort_by(|&a, &b| compare_clients(s, a, b));
    order
}

/// `s` with its clients renamed: client node `i` becomes node `to[i]` (`to[0]` must be 0, the
/// server, and `to` a permutation), everywhere the state names it: its place among the nodes,
/// its timers, and its requests in service at the server.
pub fn renamed(s: &RetryState, to: &[u8]) -> RetryState {
    let rename = |id: NodeId| NodeId(to.get(id.0 as usize).copied().unwrap_or(id.0));
    let mut nodes = s.nodes.clone();
    for (i, node) in s.nodes.iter().enumerate() {
        let j = rename(NodeId(i as u8)).0 as usize;
        nodes[j] = match node {
            Node::Server(x) => Node::Server(x.renamed(rename)),
            client => *client,
        };
    }
    let mut timers: Vec<_> =
        s.timers.iter().map(|&(n, t, left)| (rename(NodeId(n)).0, t, left)).collect();
    timers.sort();
    RetryState { nodes, timers, ..*s }
}

/// The representative of `s` under renaming of the clients (symmetry reduction): the clients
/// renamed so that they stand in the order in which they act within a slot. Clients with
/// one configuration are interchangeable, every property of the model treats them alike, and
/// within a slot they act in an order that does not depend on their names, so a check may
/// explore representatives only (`inflight check retry --symmetry`). Clients alike in
/// everything can swap names without changing the state, so every state of a class has the
/// same representative.
pub fn representative(s: &RetryState) -> RetryState {
    let order = client_order(s);
    let mut to: Vec<u8> = (0..s.nodes.len() as u8).collect();
    for (k, &i) in order.iter().enumerate() {
        to[i as usize] = k as u8 + 1;
    }
    if to.iter().enumerate().all(|(i, &j)| i == j as usize) {
        return s.clone();
    }
    renamed(s, &to)
}

/// A draw's bound as a value a [`Slot`] holds. The model's bounds stay small (τ ≤ 6 slots
/// keeps every policy's below 18), so a larger one is a broken invariant, not an input.
fn draw_value(bound: u32) -> u8 {
    match u8::try_from(bound) {
        Ok(b) => b,
        Err(_) => panic!("a draw bound of {bound} in a model of at most 6 slots"),
    }
}

/// Whether a client's request has ended.
fn ended(phase: Phase) -> bool {
    matches!(phase, Phase::Succeeded | Phase::GaveUp | Phase::Abandoned)
}

/// The server's state.
pub fn server(s: &RetryState) -> &Server<SERVER_SLOTS> {
    match s.nodes.first().and_then(|n| n.as_server()) {
        Some(x) => x,
        None => unreachable!("node 0 is the server"),
    }
}

/// The clients' states, with their node ids.
pub fn clients(s: &RetryState) -> impl Iterator<Item = &Client> + '_ {
    s.nodes.iter().filter_map(|n| n.as_client())
}

fn nothing_lost(s: &RetryState) -> bool {
    s.nodes.iter().enumerate().all(|(i, n)| match n.as_client() {
        None => true,
        Some(c) => match c.phase() {
            Phase::Idle | Phase::Succeeded | Phase::GaveUp => true,
            Phase::Waiting => server(s).serving(NodeId(i as u8), c.seq()),
            Phase::BackingOff => {
                s.timers.iter().any(|(n, t, _)| *n as usize == i && *t == Timer::Retry)
            }
            Phase::Drawing | Phase::Abandoned => false,
        },
    })
}

fn synchronized(s: &RetryState) -> bool {
    let mut due = s.timers.iter().filter(|(_, t, _)| *t == Timer::Retry).map(|(_, _, left)| *left);
    match due.next() {
        Some(first) => due.all(|x| x == first),
        None => true,
    }
}

impl Model for RetryModel {
    type State = RetryState;
    type Action = Slot;

    fn init_states(&self) -> Vec<RetryState> {
        vec![RetryState { nodes: self.cfg.nodes(), timers: Vec::new(), clock: 0, retried: 0 }]
    }

    fn actions(&self, state: &RetryState, actions: &mut Vec<Slot>) {
        if !self.finished(state) {
            actions.extend(self.branches(state));
        }
    }

    fn next_state(&self, state: &RetryState, action: Slot) -> Option<RetryState> {
        let (next, used) = self.run_slot(state, action.draws());
        debug_assert!(
            used.len() == action.draws().len()
                && used.iter().zip(action.draws()).all(|(&(v, b), &x)| v == x as u32 && v <= b),
            "{action:?} drew {used:?} (value, bound): a branch's draws depend on another's value"
        );
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut p = vec![
            Property::always(props::CAPACITY, |m: &RetryModel, s: &RetryState| {
                server(s).in_service() <= m.cfg.capacity
            }),
            Property::always(props::NOTHING_LOST, |_, s: &RetryState| nothing_lost(s)),
            Property::sometimes(props::HERD, |m: &RetryModel, s: &RetryState| {
                s.retried == m.cfg.clients
            }),
            Property::eventually(props::ALL_DONE, |m: &RetryModel, s: &RetryState| m.finished(s)),
        ];
        if self.cfg.policy == RetryPolicy::Fixed {
            p.push(Property::always(props::SYNCHRONIZED, |_, s: &RetryState| synchronized(s)));
        } else {
            p.push(Property::sometimes(props::SPREAD, |_, s: &RetryState| !synchronized(s)));
        }
        p
    }

    fn format_action(&self, action: &Slot) -> String {
        if action.draws().is_empty() {
            "next slot".into()
        } else {
            format!("next slot, drawing {:?}", action.draws())
        }
    }
}

impl Describe for RetryState {
    fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "after slot {}: {} client(s) retried in it", self.clock, self.retried);
        for (i, n) in self.nodes.iter().enumerate() {
            let timers: Vec<String> = self
                .timers
                .iter()
                .filter(|(x, _, _)| *x as usize == i)
                .map(|(_, t, left)| format!("{t:?} in {} slot(s)", left + 1))
                .collect();
            let _ = write!(s, "n{i}: {n:?}");
            if !timers.is_empty() {
                let _ = write!(s, " [{}]", timers.join(", "));
            }
            let _ = writeln!(s);
        }
        s.trim_end().to_string()
    }
}
