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
