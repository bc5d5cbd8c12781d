//! The generic actor adapter explores every value of a core machine's random draw (stateright's
//! `choose_random`, without the `Choice` wrapper that drops draws).

use inflight_checker::adapter::{NodeActor, Observer};
use inflight_checker::network::NetworkKind;
use inflight_core::retry::{
    Client, ClientConfig, Cmd, Event, Fault, Node, Policy, Server, ServerConfig,
};
use inflight_core::{Duration, NodeId};
use stateright::actor::ActorModel;
use stateright::{Checker, Model};

type N = Node<2>;

/// The retry delays the client's application was told about, one bit per delay (1 ..= 8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Delays(u8);

impl Observer<N> for Delays {
    fn observe(&mut self, event: &Event) {
        if let Event::Retrying { after, .. } = event {
            self.0 |= 1 << (after.ticks().min(8) - 1);
        }
    }
}

#[test]
fn every_jitter_value_is_a_branch() {
    let server =
        Server::new(ServerConfig { capacity: 1, service: Duration(1), fault: Fault::None })
            .expect("valid");
    let client = |_| {
        Client::new(ClientConfig {
            server: NodeId(0),
            policy: Policy::Uniform { window: Duration(3) },
            max_attempts: Some(2),
            fault: Fault::None,
        })
        .expect("valid")
    };
    let actors = [
        NodeActor::<N, Delays>::new(Node::Server(server)),
        NodeActor::new(Node::Client(client(1))).with_script([Cmd::Request]),
        NodeActor::new(Node::Client(client(2))).with_script([Cmd::Request]),
    ];
    let model = ActorModel::new((), ())
        .actors(actors)
        .init_network(NetworkKind::Unordered.network())
        .property(stateright::Expectation::Sometimes, "delay 1", |_, s| {
            s.actor_states.iter().any(|a| a.ghost.0 & 1 != 0)
        })
        .property(stateright::Expectation::Sometimes, "delay 2", |_, s| {
            s.actor_states.iter().any(|a| a.ghost.0 & 2 != 0)
        })
        .property(stateright::Expectation::Sometimes, "delay 3", |_, s| {
            s.actor_states.iter().any(|a| a.ghost.0 & 4 != 0)
        })
        .property(stateright::Expectation::Always, "never 4", |_, s| {
            s.actor_states.iter().all(|a| a.ghost.0 & !7 == 0)
        });
    let checker = model.checker().spawn_bfs().join();
    for p in ["delay 1", "delay 2", "delay 3"] {
        assert!(checker.discovery(p).is_some(), "{p} never drawn");
    }
    assert!(checker.discovery("never 4").is_none());
}
