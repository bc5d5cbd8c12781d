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

use crate::graph::{extract, extract_ranked, Extracted, GraphError};
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

    /// Extracts the reachable graph from the empty link. When every configuration can be
    /// numbered within [`DENSE_LIMIT`] (the messages in flight per age slot are a weak
    /// composition of at most M into k parts: C(M + k, k) of them, times the link's busy
    /// counter), states are ranked into a dense index instead of hashed.
    pub fn extract(&self) -> Result<Extracted<BatchState>, GraphError> {
        let init = BatchState { ages: [0; MAX_SLOTS], busy: 0 };
        match Ranking::new(self) {
            Some(r) => {
                extract_ranked(init, r.space(), |s| r.rank(s), |s, push| self.successors(s, push))
            }
            None => extract(init, |s, push| self.successors(s, push)),
        }
    }
}

/// The largest state space numbered densely (4 bytes of index per possible state).
pub const DENSE_LIMIT: usize = 64 << 20;

/// A perfect numbering of the batch states: the combinatorial number system for weak
/// compositions (a₀, …, a_{k−1}) with Σ aᵢ ≤ M, in lexicographic order, times the busy counter.
struct Ranking {
    k: usize,
    m: usize,
    busy: usize,
    /// `binom[n][r]` = C(n, r) for n ≤ M + k + 1, r ≤ k + 1.
    binom: Vec<Vec<usize>>,
}

impl Ranking {
    fn new(cfg: &BatchCfg) -> Option<Ranking> {
        let (k, m) = (cfg.slots(), cfg.window as usize);
        let busy = match cfg.link {
            LinkLimit::Serialize(s) => s as usize,
            _ => 1,
        };
        let n_max = m + k + 1;
        let mut binom = vec![vec![0usize; k + 2]; n_max + 1];
        for n in 0..=n_max {
            binom[n][0] = 1;
            for r in 1..=(k + 1).min(n) {
                binom[n][r] = binom[n - 1][r - 1].checked_add(binom[n - 1][r])?;
            }
        }
        let r = Ranking { k, m, busy, binom };
        (r.compositions().checked_mul(busy)? <= DENSE_LIMIT).then_some(r)
    }

    /// C(M + k, k): sequences of k counts summing to at most M.
    fn compositions(&self) -> usize {
        self.binom[self.m + self.k][self.k]
    }

    fn space(&self) -> usize {
        self.compositions() * self.busy
    }

    /// Sequences of `len` counts summing to at most `left`: C(left + len, len).
    fn count(&self, left: usize, len: usize) -> usize {
        self.binom[left + len][len]
    }

    fn rank(&self, s: &BatchState) -> usize {
        let mut r = 0;
        let mut left = self.m;
        for i in 0..self.k {
            let a = s.ages[i] as usize;
            let rest = self.k - i - 1;
            // Σ_{v < a} C(left − v + rest, rest) = C(left + rest + 1, rest + 1) − C(left − a + rest + 1, rest + 1)
            if a > left {
                return usize::MAX; // not a state of this space
            }
            r += self.count(left, rest + 1) - self.count(left - a, rest + 1);
            left -= a;
        }
        if s.busy as usize >= self.busy {
            return usize::MAX;
        }
        r * self.busy + s.busy as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfgs() -> Vec<BatchCfg> {
        let base = BatchCfg {
            latency: 3,
            jitter: 0,
            window: 4,
            link: LinkLimit::None,
            eager: false,
            reuse_same_tick: true,
        };
        vec![
            base,
            BatchCfg { jitter: 2, eager: true, ..base },
            BatchCfg { link: LinkLimit::Serialize(2), ..base },
            BatchCfg { link: LinkLimit::Capacity(1), jitter: 1, ..base },
            BatchCfg { reuse_same_tick: false, window: 5, ..base },
        ]
    }

    #[test]
    fn ranked_and_hashed_extraction_give_the_same_graph() {
        for cfg in cfgs() {
            let ranked = cfg.extract().expect("ranked");
            let init = BatchState { ages: [0; MAX_SLOTS], busy: 0 };
            let hashed = extract(init, |s, push| cfg.successors(s, push)).expect("hashed");
            assert_eq!(ranked.graph, hashed.graph, "{cfg}");
            assert_eq!(ranked.states, hashed.states, "{cfg}");
        }
    }

    #[test]
    fn the_ranking_numbers_every_composition_once() {
        let cfg = BatchCfg { link: LinkLimit::Serialize(2), ..cfgs()[0] };
        let r = Ranking::new(&cfg).expect("small");
        let mut seen = vec![false; r.space()];
        let k = cfg.slots();
        // Every (a₀ … a_{k−1}) with Σ ≤ M, and every busy value.
        let mut ages = [0u8; MAX_SLOTS];
        loop {
            for busy in 0..r.busy as u8 {
                let i = r.rank(&BatchState { ages, busy });
                assert!(!seen[i], "rank {i} twice");
                seen[i] = true;
            }
            // Next composition in lexicographic order, within Σ ≤ M.
            let mut j = k;
            loop {
                if j == 0 {
                    assert!(seen.iter().all(|&s| s), "every rank used");
                    return;
                }
                j -= 1;
                ages[j] += 1;
                if ages[..k].iter().map(|&a| a as usize).sum::<usize>() <= cfg.window as usize {
                    break;
                }
                ages[j] = 0;
            }
        }
    }
}
