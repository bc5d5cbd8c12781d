use inflight_checker::network::NetworkKind;
use inflight_checker::replication::ReplicationCfg;
use inflight_checker::report::{run_check, CheckOptions, Strategy};
use inflight_core::replication::{AckPolicy, Fault};
fn main() {
    let d = ReplicationCfg::default();
    let cfgs = [
        ("default", d),
        ("ordered", ReplicationCfg { network: NetworkKind::Ordered, ..d }),
        ("dup", ReplicationCfg { network: NetworkKind::Duplicating, ..d }),
        ("sync1", ReplicationCfg { replicas: 1, window: 1, writes: 3, ..d }),
        ("maj3", ReplicationCfg { replicas: 3, window: 2, writes: 2, ack: AckPolicy::Majority, ..d }),
        ("crash", ReplicationCfg { crashes: 1, ..d }),
        ("lossy", ReplicationCfg { replicas: 1, window: 2, writes: 3, lossy: true, retransmit: true, network: NetworkKind::Duplicating, ..d }),
        ("lossy2", ReplicationCfg { replicas: 2, window: 1, writes: 2, lossy: true, retransmit: true, network: NetworkKind::Duplicating, ..d }),
        ("rtx-unord", ReplicationCfg { replicas: 1, window: 2, writes: 2, retransmit: true, max_in_network: Some(4), ..d }),
        ("crash-abs", ReplicationCfg { crashes: 1, fault: Fault::AckBeforeStore, replicas: 1, window: 1, writes: 1, ..d }),
    ];
    let only: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    for (n, c) in cfgs.iter().skip(only).take(1) {
        let r = run_check(c.into_model(), format!("{c:?}"), CheckOptions { threads: 1, strategy: Strategy::Bfs });
        let v: Vec<String> = r.properties.iter().map(|p| format!("{}", p.verdict)).collect();
        println!("{n}: {} unique {} total depth {} {:.3}s {:?}", r.unique_states, r.total_states, r.max_depth, r.elapsed_secs, v);
    }
}
