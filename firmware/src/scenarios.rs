//! One scenario per protocol: a group of core machines, an application that drives it, and the
//! checks of its outcome. Each returns `Err(reason)` on a failed check.

use crate::host::{field, print};
use crate::net::{fold, run, Group, Link, Workload, FOLD_START};
use inflight_core::{deadlock, pipeline, replication, retry, stage, ttl};
use inflight_core::{Duration, Instant, NodeId};

/// A scenario: runs on the link, `Err(reason)` on a failed check.
pub type Scenario = fn(&mut Link) -> Result<(), &'static str>;

/// Every scenario, by protocol name.
pub static ALL: [(&str, Scenario); 6] = [
    ("replication", replication),
    ("pipeline", pipeline),
    ("deadlock", deadlock),
    ("retry", retry),
    ("stage", stage),
    ("ttl", ttl),
];

/// The seed of the generators that answer the nodes' draws.
const SEED: u64 = 0x1f1e_d00d;

/// Each scenario keeps its nodes in a static of its own (not on the stack), so it runs once.
const TWICE: &str = "a scenario ran twice";

/// Prints a scenario's report line.
fn report(name: &str, r: &crate::net::Run) {
    print(name);
    print(": ");
    field("messages", r.messages);
    field("rejected", r.rejected);
    field("lost", r.lost);
    field("timers", r.timers);
    field("ticks", r.ticks as u32);
}

/// The value of write `k`.
fn value(k: u32) -> u32 {
    k.wrapping_mul(2_654_435_761)
}

// ---------------------------------------------------------------------------------------------

/// Writes to a primary and two replicas over a link that loses every 7th frame: every write is
/// committed, and both replicas store exactly the primary's writes in order.
#[inline(never)]
pub fn replication(link: &mut Link) -> Result<(), &'static str> {
    const WRITES: u32 = 40;
    type N = replication::Node<8>;
    let cfg = replication::Config {
        replicas: 2,
        window: 3,
        policy: replication::AckPolicy::All,
        rto: Some(Duration(40)),
        fault: replication::Fault::None,
    };
    let nodes = cortex_m::singleton!(: Group<N, 3> = Group::new(SEED)).ok_or(TWICE)?;
    for node in N::group(cfg).map_err(|_| "bad replication config")? {
        nodes.push(node)?;
    }

    struct W {
        written: u32,
        committed: u32,
        primary: u32,
        stored: [u32; 3],
        taken: [u32; 3],
        hash: [u32; 3],
        order: bool,
    }
    impl Workload<N> for W {
        fn next(&mut self, _: Instant, _: &[N]) -> Option<(usize, replication::Cmd)> {
            (self.written < WRITES).then(|| (0, replication::Cmd::Write(value(self.written + 1))))
        }
        fn result(&mut self, accepted: bool) {
            if accepted {
                self.written += 1;
                self.primary = fold(self.primary, value(self.written));
            }
        }
        fn event(&mut self, _: Instant, i: usize, e: &replication::Event) {
            match *e {
                replication::Event::Committed(seq) => {
                    self.order &= seq > self.committed;
                    self.committed = seq;
                }
                replication::Event::Stored(seq) => {
                    self.order &= seq == self.stored[i] + 1;
                    self.stored[i] = seq;
                }
            }
        }
        fn after(&mut self, i: usize, nodes: &mut [N]) {
            // Take the entries the replica stored, then compact its log.
            while self.taken[i] < self.stored[i] {
                self.taken[i] += 1;
                let v = nodes[i].as_replica().and_then(|r| r.log().get(self.taken[i]));
                self.hash[i] = fold(self.hash[i], v.unwrap_or(0));
            }
            nodes[i].compact_through(self.taken[i]);
        }
        fn done(&self, _: &[N]) -> bool {
            self.committed == WRITES && self.stored[1] == WRITES && self.stored[2] == WRITES
        }
    }
    let mut w = W {
        written: 0,
        committed: 0,
        primary: FOLD_START,
        stored: [0; 3],
        taken: [0; 3],
        hash: [FOLD_START; 3],
        order: true,
    };
    link.reset(7);
    let r = run(link, nodes, &mut w, Instant(100_000))?;
    report("replication", &r);
    field("committed", w.committed);
    print("\n");
    if !w.order {
        return Err("replication: commits or stores out of order");
    }
    if w.hash[1] != w.primary || w.hash[2] != w.primary {
        return Err("replication: a replica's log differs from the primary's writes");
    }
    if r.lost == 0 {
        return Err("replication: the lossy link lost nothing");
    }
    Ok(())
}

/// Sends 60 messages through a window of 4 over a link that loses every 5th frame: the receiver
/// delivers every one, once, in order.
#[inline(never)]
pub fn pipeline(link: &mut Link) -> Result<(), &'static str> {
    const MESSAGES: u32 = 60;
    type N = pipeline::Node<8>;
    let cfg = pipeline::Config { window: 4, rto: Some(Duration(30)), fault: pipeline::Fault::None };
    let nodes = cortex_m::singleton!(: Group<N, 2> = Group::new(SEED)).ok_or(TWICE)?;
    for node in N::pair(cfg).map_err(|_| "bad pipeline config")? {
        nodes.push(node)?;
    }

    struct W {
        sent: u32,
        delivered: u32,
        acked: u32,
        sent_hash: u32,
        hash: u32,
        order: bool,
    }
    impl Workload<N> for W {
        fn next(&mut self, _: Instant, _: &[N]) -> Option<(usize, pipeline::Cmd)> {
            (self.sent < MESSAGES).then(|| (0, pipeline::Cmd::Send(value(self.sent + 1))))
        }
        fn result(&mut self, accepted: bool) {
            if accepted {
                self.sent += 1;
                self.sent_hash = fold(self.sent_hash, value(self.sent));
            }
        }
        fn event(&mut self, _: Instant, _: usize, e: &pipeline::Event) {
            match *e {
                pipeline::Event::Delivered { seq, value } => {
                    self.order &= seq == self.delivered + 1;
                    self.delivered = seq;
                    self.hash = fold(self.hash, value);
                }
                pipeline::Event::Acked { through } => self.acked = through,
            }
        }
        fn done(&self, _: &[N]) -> bool {
            self.delivered == MESSAGES && self.acked == MESSAGES
        }
    }
    let mut w =
        W { sent: 0, delivered: 0, acked: 0, sent_hash: FOLD_START, hash: FOLD_START, order: true };
    link.reset(5);
    let r = run(link, nodes, &mut w, Instant(100_000))?;
    report("pipeline", &r);
    field("delivered", w.delivered);
    print("\n");
    if !w.order || w.hash != w.sent_hash {
        return Err("pipeline: delivery out of order, duplicated or altered");
    }
    Ok(())
}

/// Builds the detection group one node at a time, in its own frame.
#[inline(never)]
fn build_deadlock(
    nodes: &mut Group<deadlock::Node<2, 2, 1>, 5>,
    cfg: deadlock::Config,
) -> Result<(), &'static str> {
    for i in 0..cfg.layout.nodes() as u8 {
        let node = deadlock::Node::build(cfg, NodeId(i)).map_err(|_| "bad deadlock config")?;
        nodes.push(node)?;
    }
    Ok(())
}

/// Two processes take one resource each on two sites, then each asks for the other's: the
/// confirming detector declares exactly that cycle.
#[inline(never)]
pub fn deadlock(link: &mut Link) -> Result<(), &'static str> {
    // Capacities sized to the layout, as a node's firmware would size them: 2 processes, 2
    // sites, 1 resource per site. The graph's rows are fixed arrays of `P`, so every loop over
    // them is unrolled `P` times; `Node<4, 2, 2>` made this image 308 B larger on thumbv7m.
    type N = deadlock::Node<2, 2, 1>;
    let cfg = deadlock::Config {
        layout: deadlock::Layout { processes: 2, sites: 2, resources: 2 },
        detector: deadlock::DetectorKind::Confirming,
        fault: deadlock::Fault::None,
    };
    let nodes = cortex_m::singleton!(: Group<N, 5> = Group::new(SEED)).ok_or(TWICE)?;
    build_deadlock(nodes, cfg)?;

    struct W {
        step: u8,
        acquired: [u8; 2],
        declared: Option<deadlock::WaitFor<2>>,
    }
    impl Workload<N> for W {
        fn next(&mut self, _: Instant, _: &[N]) -> Option<(usize, deadlock::Cmd)> {
            let acquire = |r| deadlock::Cmd::Acquire { resource: r, patience: None };
            // p0 takes r0 and p1 takes r1; once both hold, each asks for the other's.
            let cmd = match self.step {
                0 => (0, acquire(0)),
                1 => (1, acquire(1)),
                2 if self.acquired == [1, 1] => (0, acquire(1)),
                3 => (1, acquire(0)),
                _ => return None,
            };
            Some(cmd)
        }
        fn result(&mut self, accepted: bool) {
            if accepted {
                self.step += 1;
            }
        }
        fn event(&mut self, _: Instant, i: usize, e: &deadlock::Event<2>) {
            match *e {
                deadlock::Event::Acquired(_) if i < 2 => self.acquired[i] += 1,
                deadlock::Event::Declared(cycle) => self.declared = Some(cycle),
                _ => {}
            }
        }
        fn done(&self, _: &[N]) -> bool {
            self.declared.is_some()
        }
    }
    let mut w = W { step: 0, acquired: [0; 2], declared: None };
    link.reset(0);
    let r = run(link, nodes, &mut w, Instant(100_000))?;
    report("deadlock", &r);
    print("\n");
    let cycle = w.declared.ok_or("deadlock: nothing declared")?;
    if !(cycle.has(0, 1) && cycle.has(1, 0) && cycle.edge_count() == 2) {
        return Err("deadlock: the declared cycle is not p0 -> p1 -> p0");
    }
    Ok(())
}

/// Three clients with jittered retries against a server of capacity 1 that is down for the
/// first 200 ticks: every client is served, none gives up, and the server never exceeds its
/// capacity.
#[inline(never)]
pub fn retry(link: &mut Link) -> Result<(), &'static str> {
    type N = retry::Node<2>;
    let nodes = cortex_m::singleton!(: Group<N, 4> = Group::new(SEED)).ok_or(TWICE)?;
    let server =
        retry::ServerConfig { capacity: 1, service: Duration(5), fault: retry::Fault::None };
    nodes.push(N::Server(retry::Server::new(server).map_err(|_| "bad server")?))?;
    let client = retry::ClientConfig {
        server: NodeId(0),
        policy: retry::Policy::Backoff {
            base: Duration(20),
            cap: Duration(160),
            jitter: retry::Jitter::Full,
        },
        max_attempts: None,
        fault: retry::Fault::None,
    };
    for _ in 0..3 {
        nodes.push(N::Client(retry::Client::new(client).map_err(|_| "bad client")?))?;
    }

    struct W {
        step: u8,
        succeeded: u8,
        gave_up: u8,
        over: bool,
    }
    impl Workload<N> for W {
        fn next(&mut self, now: Instant, _: &[N]) -> Option<(usize, retry::Cmd)> {
            match self.step {
                0 => Some((0, retry::Cmd::Fail)),
                1..=3 => Some((self.step as usize, retry::Cmd::Request)),
                4 if now >= Instant(200) => Some((0, retry::Cmd::Recover)),
                _ => None,
            }
        }
        fn result(&mut self, accepted: bool) {
            if accepted {
                self.step += 1;
            }
        }
        fn event(&mut self, _: Instant, _: usize, e: &retry::Event) {
            match e {
                retry::Event::Succeeded { .. } => self.succeeded += 1,
                retry::Event::GaveUp { .. } => self.gave_up += 1,
                _ => {}
            }
        }
        fn after(&mut self, _: usize, nodes: &mut [N]) {
            self.over |= nodes[0].as_server().map_or(0, |s| s.in_service()) > 1;
        }
        fn done(&self, _: &[N]) -> bool {
            self.succeeded == 3
        }
        fn wake(&self) -> Option<Instant> {
            (self.step == 4).then_some(Instant(200))
        }
    }
    let mut w = W { step: 0, succeeded: 0, gave_up: 0, over: false };
    link.reset(0);
    let r = run(link, nodes, &mut w, Instant(100_000))?;
    report("retry", &r);
    field("served", w.succeeded as u32);
    print("\n");
    if w.gave_up != 0 || w.over {
        return Err("retry: a client gave up or the server exceeded its capacity");
    }
    Ok(())
}

/// A source with a cap of 3 feeds two stages (1 worker, then 2): all 30 jobs complete, and no
/// more than 3 are ever outstanding.
#[inline(never)]
pub fn stage(link: &mut Link) -> Result<(), &'static str> {
    const JOBS: u32 = 30;
    type N = stage::Node<2, 4>;
    let nodes = cortex_m::singleton!(: Group<N, 3> = Group::new(SEED)).ok_or(TWICE)?;
    for i in 0..3 {
        let node = N::nth(&[1, 2], 3, i).map_err(|_| "bad line")?.ok_or("no node")?;
        nodes.push(node)?;
    }

    struct W {
        submitted: u32,
        completed: u32,
        over: bool,
    }
    impl Workload<N> for W {
        fn next(&mut self, _: Instant, _: &[N]) -> Option<(usize, stage::Cmd)> {
            (self.submitted < JOBS).then_some((0, stage::Cmd::Submit([3, 7, 0, 0])))
        }
        fn result(&mut self, accepted: bool) {
            self.submitted += accepted as u32;
        }
        fn event(&mut self, _: Instant, _: usize, _: &stage::Event) {
            self.completed += 1;
        }
        fn after(&mut self, _: usize, nodes: &mut [N]) {
            self.over |= nodes[0].as_source().map_or(0, |s| s.outstanding()) > 3;
        }
        fn done(&self, _: &[N]) -> bool {
            self.completed == JOBS
        }
    }
    let mut w = W { submitted: 0, completed: 0, over: false };
    link.reset(0);
    let r = run(link, nodes, &mut w, Instant(100_000))?;
    report("stage", &r);
    field("completed", w.completed);
    print("\n");
    if w.over {
        return Err("stage: more jobs outstanding than the cap");
    }
    // Stage 2 (2 workers × 7 ticks) is the bottleneck at 2/7 per tick; the cap is past the knee.
    if r.ticks > 7 * JOBS as u64 / 2 + 20 {
        return Err("stage: slower than the bottleneck allows");
    }
    Ok(())
}

/// An authority changes its record; an on-demand resolver with a TTL of 50 ticks answers reads:
/// a read within the TTL may be stale, and the first read after the TTL is fresh.
#[inline(never)]
pub fn ttl(link: &mut Link) -> Result<(), &'static str> {
    type N = ttl::Node;
    let a = NodeId(0);
    let nodes = cortex_m::singleton!(: Group<N, 2> = Group::new(SEED)).ok_or(TWICE)?;
    nodes.push(N::authority(0))?;
    let policy = ttl::Policy::OnDemand { ttl: Duration(50) };
    nodes.push(N::resolver(a, policy, Duration(20)))?;

    struct W {
        step: u8,
        answers: [Option<ttl::Record>; 3],
    }
    impl Workload<N> for W {
        fn next(&mut self, now: Instant, _: &[N]) -> Option<(usize, ttl::Cmd)> {
            match self.step {
                0 => Some((1, ttl::Cmd::Read { id: 0 })),
                1 if self.answers[0].is_some() => Some((0, ttl::Cmd::Change { value: 9 })),
                2 => Some((1, ttl::Cmd::Read { id: 1 })),
                3 if self.answers[1].is_some() && now >= Instant(60) => {
                    Some((1, ttl::Cmd::Read { id: 2 }))
                }
                _ => None,
            }
        }
        fn result(&mut self, accepted: bool) {
            self.step += accepted as u8;
        }
        fn event(&mut self, _: Instant, _: usize, e: &ttl::Event) {
            if let ttl::Event::Answered { id, record, .. } = *e {
                if let Some(slot) = self.answers.get_mut(id as usize) {
                    *slot = Some(record);
                }
            }
        }
        fn done(&self, _: &[N]) -> bool {
            self.answers[2].is_some()
        }
        fn wake(&self) -> Option<Instant> {
            (self.step == 3).then_some(Instant(60))
        }
    }
    let mut w = W { step: 0, answers: [None; 3] };
    link.reset(0);
    let r = run(link, nodes, &mut w, Instant(10_000))?;
    report("ttl", &r);
    print("\n");
    let [Some(first), Some(cached), Some(fresh)] = w.answers else {
        return Err("ttl: a read was not answered");
    };
    if cached != first || fresh.version != 1 || fresh.value != 9 {
        return Err("ttl: the TTL was not honoured");
    }
    Ok(())
}
