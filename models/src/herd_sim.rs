//! The thundering herd on the simulator, driving the core retry clients and server
//! (MODELS.md §6).
//!
//! One run: the server is down at tick 0, so the N clients' first requests all fail together;
//! the server comes back at once, and each client retries by its policy. The server has room for
//! everyone (capacity N), so what is measured is the load itself: the number of requests in
//! service over time, and its peak. With a fixed delay every retry lands at τ and the peak is N;
//! with U[0, τ] jitter the peak is the scan statistic of the retry times, whose expectation
//! [`crate::herd::expected_peak`] computes exactly.
//!
//! The queue view: the same retry times fed to a single FIFO server that serves one request at
//! a time for s each (Lindley's recursion) give the mean wait and the time of the last
//! completion.

use crate::sim::{Client as App, LinkSpec, Sim};
use inflight_core::retry::{
    Client, ClientConfig, Cmd, CmdError, Event, Fault, Jitter, Node, Policy, Server, ServerConfig,
};
use inflight_core::{Duration, Instant, NodeId};

/// The most clients a run holds (node ids are bytes and the server is node 0).
pub const MAX_CLIENTS: usize = 255;

type HerdNode = Node<MAX_CLIENTS>;

/// Which retry policy the clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Everyone retries exactly τ later.
    Fixed,
    /// Each retries after U{1 ..= τ} ticks.
    Jitter,
    /// Exponential backoff with full jitter, base τ, capped at 8τ.
    Backoff,
}

impl PolicyKind {
    /// The core policy for window `tau`.
    pub fn policy(self, tau: Duration) -> Policy {
        match self {
            PolicyKind::Fixed => Policy::Fixed { delay: tau },
            PolicyKind::Jitter => Policy::Uniform { window: tau },
            PolicyKind::Backoff => Policy::Backoff {
                base: tau,
                cap: Duration(tau.ticks().saturating_mul(8)),
                jitter: Jitter::Full,
            },
        }
    }
}

/// One herd to simulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HerdSetup {
    /// Clients, N (1 ..= [`MAX_CLIENTS`]).
    pub clients: u16,
    /// Ticks each request is in service, s.
    pub service: Duration,
    /// The retry window τ, in ticks.
    pub window: Duration,
    /// The policy.
    pub policy: PolicyKind,
    /// Seed of the clients' draws.
    pub seed: u64,
}

/// What one run measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HerdRun {
    /// The most requests in service at once after the outage.
    pub peak: u32,
    /// In-service load after each change: (tick, requests in service).
    pub load: Vec<(u64, u32)>,
    /// The tick of each client's first retry.
    pub retries: Vec<u64>,
    /// Requests served, and given up.
    pub served: u32,
    /// Requests that gave up (none here: attempts are unlimited).
    pub gave_up: u32,
}

/// Why a run cannot be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// The application: fails the server, starts every client, brings the server back once every
/// client has failed, and records the load.
struct HerdApp {
    n: u16,
    queue: Vec<(NodeId, Cmd)>,
    failed: u16,
    in_service: u32,
    run: HerdRun,
    first_retry_seen: Vec<bool>,
    refused: u32,
}

impl App<HerdNode> for HerdApp {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Cmd)> {
        self.queue.pop()
    }

    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), CmdError>) {
        if result.is_err() {
            self.refused += 1;
        }
    }

    fn on_event(&mut self, now: Instant, node: NodeId, event: &Event, _machine: &mut HerdNode) {
        match *event {
            Event::Retrying { attempt: 1, after } => {
                self.failed += 1;
                if let Some(seen) = self.first_retry_seen.get_mut(node.0 as usize) {
                    if !*seen {
                        *seen = true;
                        self.run.retries.push(now.ticks() + after.ticks());
                    }
                }
                if self.failed == self.n {
                    self.queue.push((NodeId(0), Cmd::Recover));
                }
            }
            Event::Admitted { in_service } => {
                self.in_service = in_service as u32;
                self.run.peak = self.run.peak.max(self.in_service);
                self.run.load.push((now.ticks(), self.in_service));
            }
            Event::Succeeded { .. } => {
                self.run.served += 1;
                self.in_service = self.in_service.saturating_sub(1);
                self.run.load.push((now.ticks(), self.in_service));
            }
            Event::GaveUp { .. } => self.run.gave_up += 1,
            _ => {}
        }
    }
}

/// Runs one herd and returns what it measured.
pub fn run_once(h: &HerdSetup) -> Result<HerdRun, SetupError> {
    let n = h.clients as usize;
    if n == 0 {
        return Err(SetupError("0 clients: a herd needs at least one".into()));
    }
    check_ids(h.clients)?;
    let server = Server::new(ServerConfig {
        capacity: n.min(255) as u8,
        service: h.service,
        fault: Fault::None,
    })
    .map_err(|e| SetupError(e.to_string()))?;
    let mut nodes = vec![Node::Server(server)];
    let config = ClientConfig {
        server: NodeId(0),
        policy: h.policy.policy(h.window),
        max_attempts: None,
        fault: Fault::None,
    };
    for _ in 0..n {
        nodes.push(Node::Client(Client::new(config).map_err(|e| SetupError(e.to_string()))?));
    }
    let mut queue: Vec<(NodeId, Cmd)> = (1..=n).map(|i| (NodeId(i as u8), Cmd::Request)).collect();
    queue.push((NodeId(0), Cmd::Fail)); // popped first: the outage comes before the requests
    let mut app = HerdApp {
        n: h.clients,
        queue,
        failed: 0,
        in_service: 0,
        run: HerdRun::default(),
        first_retry_seen: vec![false; n + 1],
        refused: 0,
    };
    let link = LinkSpec { seed: h.seed, ..LinkSpec::latency_only(Duration::ZERO) };
    let mut sim = Sim::new(nodes, link, &mut app);
    let horizon = h.window.ticks().saturating_mul(64) + h.service.ticks() * (n as u64 + 1);
    sim.run_until(Instant(horizon), &mut app);
    if app.refused > 0 {
        return Err(SetupError(format!("{} commands refused", app.refused)));
    }
    Ok(app.run)
}

/// Node ids are bytes: more than 255 clients need a wider id.
fn check_ids(n: u16) -> Result<(), SetupError> {
    if n as usize > MAX_CLIENTS {
        return Err(SetupError(format!("{n} clients: node ids allow at most {MAX_CLIENTS}")));
    }
    Ok(())
}

/// The mean and standard error of the peak over `trials` runs with seeds `seed`, `seed + 1`, …
pub fn mean_peak(h: &HerdSetup, trials: u32) -> Result<(f64, f64), SetupError> {
    check_ids(h.clients)?;
    let mut sum = 0.0;
    let mut sum_sq = 0.0;
    for t in 0..trials {
        let run = run_once(&HerdSetup { seed: h.seed.wrapping_add(t as u64), ..*h })?;
        let p = run.peak as f64;
        sum += p;
        sum_sq += p * p;
    }
    let n = trials.max(1) as f64;
    let mean = sum / n;
    let var = (sum_sq / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
    Ok((mean, (var / n).sqrt()))
}

/// The single-server FIFO view of a set of arrival ticks, each needing `service` ticks: the mean
/// wait before service starts, and the tick of the last completion (Lindley's recursion).
pub fn queue_view(arrivals: &[u64], service: u64) -> (f64, u64) {
    let mut sorted = arrivals.to_vec();
    sorted.sort_unstable();
    let mut free_at = 0u64;
    let mut waited = 0u128;
    for &a in &sorted {
        let start = a.max(free_at);
        waited += (start - a) as u128;
        free_at = start + service;
    }
    let mean = if sorted.is_empty() { 0.0 } else { waited as f64 / sorted.len() as f64 };
    (mean, free_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(policy: PolicyKind, clients: u16) -> HerdSetup {
        HerdSetup { clients, service: Duration(100), window: Duration(1000), policy, seed: 3 }
    }

    #[test]
    fn a_fixed_delay_brings_the_whole_herd_back_at_once() {
        let run = run_once(&setup(PolicyKind::Fixed, 12)).expect("runs");
        assert_eq!(run.peak, 12);
        assert!(run.retries.iter().all(|&t| t == 1000));
        assert_eq!(run.served, 12);
    }

    #[test]
    fn jitter_spreads_the_herd_and_everyone_is_served() {
        let run = run_once(&setup(PolicyKind::Jitter, 12)).expect("runs");
        assert!(run.peak < 12, "peak {}", run.peak);
        assert_eq!(run.served, 12);
        assert!(run.retries.iter().all(|&t| (1..=1000).contains(&t)));
        let backoff = run_once(&setup(PolicyKind::Backoff, 12)).expect("runs");
        assert_eq!(backoff.served, 12);
    }

    #[test]
    fn the_queue_view_of_a_synchronized_herd_is_n_minus_1_half_services_of_waiting() {
        let (wait, last) = queue_view(&[10; 5], 4);
        assert_eq!(wait, 4.0 * 4.0 / 2.0); // waits 0, 4, 8, 12, 16
        assert_eq!(last, 10 + 5 * 4);
        let (wait, last) = queue_view(&[0, 10, 20], 4);
        assert_eq!((wait, last), (0.0, 24));
    }

    #[test]
    fn bad_setups_are_errors() {
        assert!(run_once(&setup(PolicyKind::Jitter, 0)).is_err());
        assert!(mean_peak(&setup(PolicyKind::Jitter, 300), 1).is_err());
        let mut s = setup(PolicyKind::Fixed, 3);
        s.window = Duration(0);
        assert!(run_once(&s).is_err());
    }
}
