//! Logs what a replication group does with defmt over semihosting, as a node would log it. Built
//! only with `--features defmt`; `run.sh` decodes the frames with `defmt-print` and checks the
//! text: a write, the primary's send and timer, the replica's store and ack, the commit, and a
//! rejected duplicate with its error.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_semihosting as _;
use inflight_core::replication::{AckPolicy, Cmd, Config, Fault, Msg, Node, PRIMARY};
use inflight_core::{Duration, EffectBuf, Instant, Machine, NodeId};
use inflight_firmware::host;

type Out = EffectBuf<Msg, inflight_core::replication::Timer, inflight_core::replication::Event, 8>;

#[entry]
fn main() -> ! {
    host::exit(run().is_some())
}

/// Logs every effect in `out` and returns the messages it sends.
fn log_effects(node: NodeId, out: &mut Out) -> heapless::Vec<(NodeId, Msg), 8> {
    let mut sends = heapless::Vec::new();
    for effect in out.drain() {
        defmt::info!("{}: {}", node, effect);
        if let inflight_core::Effect::Send { to, msg } = effect {
            let _ = sends.push((to, msg));
        }
    }
    sends
}

fn run() -> Option<()> {
    let cfg = Config {
        replicas: 1,
        window: 2,
        policy: AckPolicy::All,
        rto: Some(Duration(20)),
        fault: Fault::None,
    };
    let mut group = Node::<8>::group(cfg).ok()?;
    let (mut primary, mut replica) = (group.next()?, group.next()?);
    let replica_id = NodeId(1);
    let now = Instant(5);
    let mut out = Out::new();
    primary.on_command(now, Cmd::Write(7), &mut out).ok()?;
    let sent = log_effects(PRIMARY, &mut out);
    let (_, append) = *sent.first()?;
    replica.on_message(now, PRIMARY, append, &mut out).ok()?;
    let acks = log_effects(replica_id, &mut out);
    let (_, ack) = *acks.first()?;
    primary.on_message(now, replica_id, ack, &mut out).ok()?;
    log_effects(PRIMARY, &mut out);
    // A duplicate is re-acknowledged; a message from a stranger is rejected and logged.
    if let Err(e) = replica.on_message(now, NodeId(9), append, &mut out) {
        defmt::warn!("{}: rejected {} from {}: {}", replica_id, append, NodeId(9), e);
    }
    out.overflowed().eq(&0).then_some(())
}
