//! The discrete-time window model of MODELS.md §2 ("Discrete time"): a sender with M credits,
//! messages that take L ticks (plus up to J ticks of jitter) to return their credit, a link that
//! starts at most c messages per tick or serializes each for σ ticks, and a sender that is either
//! free (may hold back) or eager (sends whenever it can). Each edge of its graph is one tick,
//! rewarded by the credits that return (messages delivered and acknowledged) in that tick.
//!
//! MODELS.md §2 states the exact answers this graph must give: best = min(M/L', c) with L' = L,
//! or L + σ on a serializing link; worst = 0 for a free sender, min(M/(L + J), c) for an eager
//! one; L' = L + 1 when a returned credit is usable only a tick later; and the free-sender batch
//! graph (J = 0, no link limit) has C(M + L, L) states.

use crate::graph::{extract, Extracted, GraphError};
use std::fmt;

/// The most age slots a state holds (L + σ + J).
pub const MAX_SLOTS: usize = 24;

/// How the link limits sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkLimit {
    /// No limit beyond the window.
    None,
    /// At most `c` messages start per tick.
    Capacity(u8),
    /// Each message occupies the link for `σ` ticks before it propagates.
    Serialize(u8),
}

/// A discrete-time window scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchCfg {
    /// Ticks from sending a message to its credit returning (L ≥ 1).
    pub latency: u8,
    /// Extra ticks a return may take (J ≥ 0): each message returns L to L + J ticks after it
    /// starts propagating, the checker choosing when.
    pub jitter: u8,
    /// The window M (credits).
    pub window: u8,
    /// The link's limit.
    pub link: LinkLimit,
    /// Whether the sender must send whenever it can (maximal progress).
    pub eager: bool,
    /// Whether a credit that returns in a tick can be spent in that same tick (MODELS.md's
    /// default); if not, it is usable a tick later and the slot time becomes L + 1.
    pub reuse_same_tick: bool,
}

impl fmt::Display for BatchCfg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L={} J={} M={}", self.latency, self.jitter, self.window)?;
        match self.link {
            LinkLimit::None => {}
            LinkLimit::Capacity(c) => write!(f, " c={c}")?,
            LinkLimit::Serialize(s) => write!(f, " σ={s}")?,
        }
        f.write_str(if self.eager { " eager" } else { " free" })?;
        if !self.reuse_same_tick {
            f.write_str(" credit-next-tick")?;
        }
        Ok(())
    }
}

/// A tick's starting configuration: messages in flight by age, and serialization left on the
/// link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchState {
    /// `ages[i]`: messages that entered the link i + 1 ticks ago.
    pub ages: [u8; MAX_SLOTS],
    /// Ticks until the link can start the next message (serializing links only).
    pub busy: u8,
}

impl BatchState {
    /// The state as one 200-bit key, hashed as words rather than bytes (extraction is bound
    /// by hash-table lookups).
    fn words(&self) -> [u64; 4] {
        let mut w = [0u64; 4];
        for (i, &a) in self.ages.iter().enumerate() {
            w[i / 8] |= (a as u64) << ((i % 8) * 8);
        }
        w[3] = self.busy as u64;
        w
    }
}

impl std::hash::Hash for BatchState {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for w in self.words() {
            h.write_u64(w);
        }
    }
}

impl BatchCfg {
    /// Ticks a message spends before its credit can first return: L, or L + σ.
    pub fn slot_ticks(&self) -> usize {
        self.latency as usize
            + match self.link {
                LinkLimit::Serialize(s) => s as usize,
                _ => 0,
            }
    }

    fn slots(&self) -> usize {
        self.slot_ticks() + self.jitter as usize
    }

    /// Checks the scenario fits the model.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency == 0 {
            return Err("latency L must be at least 1 tick".into());
        }
        if self.window == 0 {
            return Err("window M must be at least 1".into());
        }
        match self.link {
            LinkLimit::Capacity(0) => return Err("capacity c must be at least 1".into()),
            LinkLimit::Serialize(0) => return Err("serialization σ must be at least 1".into()),
            _ => {}
        }
        if self.slots() > MAX_SLOTS {
            return Err(format!("L + σ + J = {} exceeds {MAX_SLOTS} ticks", self.slots()));
        }
        Ok(())
    }

    /// Every successor of `s` after one tick, with the credits returned in it.
    pub fn successors(&self, s: &BatchState, push: &mut dyn FnMut(BatchState, u32)) {
        let k = self.slots();
        let first = self.slot_ticks() - 1; // the youngest slot whose messages may return
                                           // Choose how many return from each slot in [first, k − 1); slot k − 1 must return.
        let mut take = [0u8; MAX_SLOTS];
        self.returns(s, first, k, &mut take, push);
    }

    fn returns(
        &self,
        s: &BatchState,
        i: usize,
        k: usize,
        take: &mut [u8; MAX_SLOTS],
        push: &mut dyn FnMut(BatchState, u32),
    ) {
        if i + 1 < k {
            for t in 0..=s.ages[i] {
                take[i] = t;
                self.returns(s, i + 1, k, take, push);
            }
            return;
        }
        take[k - 1] = s.ages[k - 1];
        let returned: u32 = take[..k].iter().map(|&t| t as u32).sum();
        let in_flight: u32 = s.ages[..k].iter().map(|&n| n as u32).sum();
        let held = if self.reuse_same_tick { in_flight - returned } else { in_flight };
        let credits = self.window as u32 - held;
        let (max_send, busy_after) = match self.link {
            LinkLimit::None => (credits, 0),
            LinkLimit::Capacity(c) => (credits.min(c as u32), 0),
            LinkLimit::Serialize(sigma) => {
                if s.busy > 0 {
                    (0, s.busy - 1)
                } else {
                    (credits.min(1), sigma - 1)
                }
            }
        };
        let min_send = if self.eager { max_send } else { 0 };
        for send in min_send..=max_send {
            let mut next = BatchState { ages: [0; MAX_SLOTS], busy: 0 };
            next.ages[0] = send as u8;
            for j in 1..k {
                next.ages[j] = s.ages[j - 1] - take[j - 1];
            }
            next.busy = match self.link {
                LinkLimit::Serialize(_) if s.busy == 0 && send == 0 => 0,
                LinkLimit::Serialize(_) => busy_after,
                _ => 0,
            };
            push(next, returned);
        }
    }

    /// Extracts the reachable graph from the empty link.
    pub fn extract(&self) -> Result<Extracted<BatchState>, GraphError> {
        let init = BatchState { ages: [0; MAX_SLOTS], busy: 0 };
        extract(init, |s, push| self.successors(s, push))
    }
}
