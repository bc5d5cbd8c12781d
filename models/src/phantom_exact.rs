//! The phantom-deadlock probability computed exactly, without simulation: the core machines'
//! own state graph, annotated with release rates, solved as a CTMC by uniformization
//! (MODELS.md §4, model A).
//!
//! The cycle p0 → p1 → … → p0 is set up as in [`crate::phantom_sim`]: process i holds resource
//! i (at site i) and waits, patiently, for resource i + 1. The sites' reports of that instant
//! are the snapshot. From then on, each waiting process gives up at rate μ: the transition runs
//! the core process's give-up timer and delivers the resulting cancellation to its site and the
//! answer back (processes sit next to their sites). The states are the processes' and sites'
//! machine states as the core code leaves them. At time δ the snapshot reaches the core naive
//! detector, which declares a cycle; the declaration is a phantom in every state whose lock
//! tables no longer contain that cycle. P(phantom) is the probability mass of those states at
//! δ, which must equal 1 − e^(−nμδ).

use crate::ctmc::{explore, CtmcError};
use inflight_core::deadlock::{
    Cmd, Config, DetectorKind, Event, Fault, Layout, Msg, Node, Timer, WaitFor,
};
use inflight_core::{Duration, Effects, Instant, Machine, NodeId};
use std::collections::VecDeque;

/// The most edges in the cycle (the chain has 2ⁿ states).
pub const MAX_N: u8 = 14;

type DlNode = Node<16, 16, 1>;

/// The answer and the size of the chain it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactPhantom {
    /// P(the declaration at δ is a phantom).
    pub probability: f64,
    /// States of the chain.
    pub states: usize,
    /// Transitions of the chain.
    pub transitions: usize,
}

/// Collects a handler's sends; timers and events do not matter here (the chain gives each
/// armed give-up timer its rate).
#[derive(Default)]
struct Sends(Vec<(NodeId, Msg<16>)>);

impl Effects<DlNode> for Sends {
    fn send(&mut self, to: NodeId, msg: Msg<16>) {
        self.0.push((to, msg));
    }
    fn set_timer(&mut self, _: Timer, _: Instant) {}
    fn cancel_timer(&mut self, _: Timer) {}
    fn emit(&mut self, _: Event<16>) {}
    // The deadlock machines never draw random numbers.
    fn random(&mut self, _: u32) {}
}

/// Delivers messages between processes and sites at once until none is left; messages to the
/// detector are returned instead (they arrive δ later).
fn settle(
    nodes: &mut [DlNode],
    mut queue: VecDeque<(NodeId, NodeId, Msg<16>)>,
    detector: NodeId,
) -> Vec<(NodeId, Msg<16>)> {
    let mut to_detector = Vec::new();
    while let Some((from, to, msg)) = queue.pop_front() {
        if to == detector {
            to_detector.push((from, msg));
            continue;
        }
        let Some(node) = nodes.get_mut(to.0 as usize) else { continue };
        let mut out = Sends::default();
        // A rejected message changes nothing; the core handles every input without panicking.
        let _ = node.on_message(Instant::ZERO, from, msg, &mut out);
        queue.extend(out.0.into_iter().map(|(t, m)| (to, t, m)));
    }
    to_detector
}

fn command(
    nodes: &mut [DlNode],
    p: u8,
    cmd: Cmd,
) -> Result<VecDeque<(NodeId, NodeId, Msg<16>)>, String> {
    let mut out = Sends::default();
    nodes[p as usize].on_command(Instant::ZERO, cmd, &mut out).map_err(|e| e.to_string())?;
    Ok(out.0.into_iter().map(|(t, m)| (NodeId(p), t, m)).collect())
}

/// P(phantom) for a cycle of `n` edges, each released at `mu_per_s`, decided `delta_secs`
/// after the snapshot, by uniformization over the core machines' state graph.
pub fn snapshot_phantom(n: u8, mu_per_s: f64, delta_secs: f64) -> Result<ExactPhantom, String> {
    if !(2..=MAX_N).contains(&n) {
        return Err(format!("n = {n}: the exact chain takes 2 to {MAX_N} edges"));
    }
    if !(mu_per_s > 0.0 && mu_per_s.is_finite()) {
        return Err("μ must be positive".into());
    }
    let config = Config {
        layout: Layout { processes: n, sites: n, resources: n },
        detector: DetectorKind::Naive,
        fault: Fault::None,
    };
    let l = config.layout;
    let detector = l.detector();
    let mut nodes = (0..l.nodes())
        .map(|i| DlNode::build(config, NodeId(i as u8)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    // Tick 0: every process takes its own resource, then waits for the next one.
    for p in 0..n {
        let q = command(&mut nodes, p, Cmd::Acquire { resource: p, patience: None })?;
        settle(&mut nodes, q, detector);
    }
    let mut snapshot = Vec::new();
    for p in 0..n {
        let patience = Some(Duration(1)); // armed; the chain gives it rate μ
        let q = command(&mut nodes, p, Cmd::Acquire { resource: (p + 1) % n, patience })?;
        snapshot.extend(settle(&mut nodes, q, detector));
    }
    // At δ the snapshot reaches the core naive detector.
    let mut det = nodes.pop().ok_or("no detector")?;
    let mut sink = Sends::default();
    for (from, msg) in snapshot {
        det.on_message(Instant::ZERO, from, msg, &mut sink).map_err(|e| e.to_string())?;
    }
    let cycle =
        *det.as_detector().and_then(|d| d.declared()).ok_or("the snapshot shows no cycle")?;
    let successors = |state: &Vec<DlNode>| {
        let mut next = Vec::new();
        for p in 0..n {
            if state[p as usize].as_process().is_some_and(|x| x.giving_up_armed()) {
                let mut s = state.clone();
                let mut out = Sends::default();
                s[p as usize].on_timer(Instant::ZERO, Timer::GiveUp, &mut out);
                let q = out.0.into_iter().map(|(t, m)| (NodeId(p), t, m)).collect();
                settle(&mut s, q, detector);
                next.push((mu_per_s, s));
            }
        }
        next
    };
    let (chain, states) = explore(nodes, successors, 1 << 16).map_err(|e| e.to_string())?;
    let pi = chain.transient(delta_secs).map_err(|e: CtmcError| e.to_string())?;
    let truth = |s: &Vec<DlNode>| {
        s.iter().filter_map(|m| m.as_site()).fold(WaitFor::new(), |g, x| g.union(&x.edges()))
    };
    let probability =
        states.iter().zip(&pi).filter(|(s, _)| !truth(s).contains(&cycle)).map(|(_, p)| p).sum();
    Ok(ExactPhantom { probability, states: chain.states(), transitions: chain.transitions() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_one_minus_e_to_the_minus_n_mu_delta_to_1e_12() {
        for n in 2..=8u8 {
            for (mu, delta) in
                [(20.0, 8.66434e-3), (20.0, 0.1), (1.0, 1e-4), (50.0, 0.02), (5.0, 2.0)]
            {
                let exact = snapshot_phantom(n, mu, delta).expect("solves");
                let closed = -(-(n as f64) * mu * delta).exp_m1();
                assert!(
                    (exact.probability - closed).abs() < 1e-12,
                    "n={n} μ={mu} δ={delta}: {} vs {closed}",
                    exact.probability
                );
                assert_eq!(exact.states, 1 << n, "every subset of released edges");
                assert_eq!(exact.transitions, n as usize * (1 << (n - 1)));
            }
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert!(snapshot_phantom(1, 20.0, 0.01).is_err());
        assert!(snapshot_phantom(MAX_N + 1, 20.0, 0.01).is_err());
        assert!(snapshot_phantom(4, 0.0, 0.01).is_err());
        assert!(snapshot_phantom(4, 20.0, -1.0).is_err());
    }
}
