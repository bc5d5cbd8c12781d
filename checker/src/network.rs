//! The network semantics a model can be checked under.

use stateright::actor::Network;
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

/// How the network orders and duplicates messages (loss is a separate switch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkKind {
    /// FIFO per pair of nodes, no duplication.
    Ordered,
    /// Any order, each message delivered at most once (a multiset).
    Unordered,
    /// Any order, and any message may be delivered again and again (a set).
    Duplicating,
}

impl NetworkKind {
    /// Every kind, for help texts and sweeps.
    pub const ALL: [NetworkKind; 3] =
        [NetworkKind::Ordered, NetworkKind::Unordered, NetworkKind::Duplicating];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            NetworkKind::Ordered => "ordered",
            NetworkKind::Unordered => "unordered",
            NetworkKind::Duplicating => "duplicating",
        }
    }

    /// An empty stateright network of this kind.
    pub fn network<M: Clone + fmt::Debug + Eq + Hash + Ord>(self) -> Network<M> {
        match self {
            NetworkKind::Ordered => Network::new_ordered([]),
            NetworkKind::Unordered => Network::new_unordered_nonduplicating([]),
            NetworkKind::Duplicating => Network::new_unordered_duplicating([]),
        }
    }
}

impl fmt::Display for NetworkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NetworkKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        NetworkKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            format!("unknown network '{s}': expected ordered, unordered or duplicating")
        })
    }
}

/// A model configuration that may bound the messages in flight.
pub trait NetworkBound {
    /// Explore only states with at most this many messages in the network.
    fn max_in_network(&self) -> Option<usize>;
}

/// Whether `s` has no more messages in its network than `cfg` allows: the boundary
/// [`configure`] sets, for a model that adds bounds of its own to it.
pub fn within_network_bound<C, A>(cfg: &C, s: &stateright::actor::ActorModelState<A>) -> bool
where
    C: NetworkBound,
    A: stateright::actor::Actor,
    A::Msg: Ord,
{
    cfg.max_in_network().is_none_or(|max| s.network.len() <= max)
}

/// Applies the network options every actor model shares: semantics, loss, crashes, and the
/// in-flight bound.
pub fn configure<A, C>(
    model: stateright::actor::ActorModel<A, C>,
    network: NetworkKind,
    lossy: bool,
    crashes: u8,
) -> stateright::actor::ActorModel<A, C>
where
    A: stateright::actor::Actor,
    A::Msg: Ord,
    A::Timer: Ord,
    C: NetworkBound,
{
    use stateright::actor::LossyNetwork;
    let bounded = model.cfg.max_in_network().is_some();
    let model = model
        .init_network(network.network())
        .lossy_network(if lossy { LossyNetwork::Yes } else { LossyNetwork::No })
        .max_crashes(crashes as usize);
    if bounded {
        model.within_boundary(|cfg, s| within_network_bound(cfg, s))
    } else {
        model
    }
}

/// The messages in flight on `network`, each with how many copies of it are in flight (on a
/// duplicating network, a message that may be delivered again counts once). For properties that
/// count what the network holds. (stateright 0.31's `Network::iter_all` never ends on an ordered
/// network and repeats multiset entries, so it is not used.)
pub fn in_flight<M: Clone + fmt::Debug + Eq + Hash + Ord>(
    network: &Network<M>,
) -> Vec<(&M, usize)> {
    match network {
        Network::UnorderedDuplicating(set, _) => set.iter().map(|e| (&e.msg, 1)).collect(),
        Network::UnorderedNonDuplicating(multiset) => {
            multiset.iter().map(|(e, &n)| (&e.msg, n)).collect()
        }
        Network::Ordered(queues) => queues.values().flatten().map(|m| (m, 1)).collect(),
    }
}
