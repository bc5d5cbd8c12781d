//! A caching resolver in front of an authoritative record that changes: naming, TTL vs churn
//! (MODELS.md §5).
//!
//! The [`Authority`] holds the record and its version; a change (a local command) bumps the
//! version. A [`Resolver`] answers reads (local commands) under one [`Policy`]:
//!
//! - [`Policy::OnDemand`]: a classic TTL cache. A read of a fresh entry is answered from the
//!   cache; a read of a missing or expired entry fetches the record, and the entry then lives for
//!   the TTL from the moment the answer arrives. With Poisson reads at rate r and changes at rate
//!   c, P(stale read) = r(θ − (1 − e^(−cθ))/c)/(1 + rθ).
//! - [`Policy::Periodic`]: the resolver refreshes every period θ, whether or not anyone reads, and
//!   answers every read from the cache; P(stale read) = g(cθ) = 1 − (1 − e^(−cθ))/(cθ).
//! - [`Policy::Push`]: the resolver subscribes and the authority pushes every change. A push
//!   is never acknowledged, so a lost push (or a lost subscription) leaves the cache stale for
//!   ever.
//! - [`Policy::PushRenew`]: push, and the resolver subscribes again every period θ: the
//!   authority answers each renewal with the record, so a lost push costs at most one period.
//! - [`Policy::NoCache`]: every read goes to the authority.
//!
//! A read answered by a fetch is reported as not cached. Reads that arrive while a fetch is out
//! wait for it (up to [`MAX_WAITING`], then the read is refused and handed back); a lost query is
//! sent again after the `retry` period. Answers are matched by sequence number, and an answer
//! that is neither awaited nor newer than the cached entry is rejected as stale, leaving the
//! resolver unchanged; with nothing cached, only an answer to one of its own queries since it
//! last started is taken (an earlier one than the awaited query included, so that a periodic
//! resolver refreshing faster than the round trip still fills its cache). Versions compare in
//! serial-number arithmetic (RFC 1982), so they may wrap.
//!
//! A resolver's cache is soft state. What it keeps across a crash is where its query numbers
//! resume: it reserves them in blocks of [`QUERY_BLOCK`] in durable storage, so an answer to a
//! query sent before the crash never matches a new one, and a read is never answered with an
//! older record than one answered before the crash (`inflight check ttl --crashes 1` explores
//! this). A pushed record carries no query number, so a push-policy resolver, which subscribes
//! and fetches the record once when it starts, answers reads from pushed records only after that
//! fetch's answer: a push still in flight from before a crash may be older than what it answered
//! then.

use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use core::fmt;
use serde::{Deserialize, Serialize};

/// The most reads that can wait for one fetch.
pub const MAX_WAITING: usize = 8;

/// The most resolvers an authority pushes changes to.
pub const MAX_SUBSCRIBERS: usize = 4;

/// The record and its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Record {
    /// Bumped by every change (wrapping).
    pub version: u32,
    /// The record's data (for example an address).
    pub value: u32,
}

impl Record {
    /// Whether this record is strictly newer than `other`, in serial-number arithmetic.
    pub fn newer_than(&self, other: &Record) -> bool {
        let d = self.version.wrapping_sub(other.version);
        d != 0 && d < 1 << 31
    }
}

/// Deliberately broken resolvers, so that tests can prove the checker's properties are able to
/// fail. [`Node::resolver`] builds a correct one.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Fault {
    /// The correct resolver.
    #[default]
    None,
    /// The resolver caches whatever answer arrives, even one that is neither awaited nor newer
    /// than its cache: a late answer to an earlier query takes the cache back in time.
    #[cfg(any(test, feature = "faults"))]
    AcceptStaleAnswers,
    /// The resolver answers the reads waiting for a fetch but never clears the list, so the next
    /// fetch answers them again.
    #[cfg(any(test, feature = "faults"))]
    KeepWaitingReads,
    /// A recovered resolver numbers its queries from 0 again, so an answer to a query sent
    /// before the crash passes for the answer to a new one.
    #[cfg(any(test, feature = "faults"))]
    RestartQueryNumbers,
    /// A push-policy resolver answers reads from a pushed record before an answer to its own
    /// query confirms it: after a crash, a push sent before the crash may be older than what
    /// the resolver answered then.
    #[cfg(any(test, feature = "faults"))]
    TrustUnconfirmedPush,
    /// An on-demand resolver never finds its entry expired: it answers from it long after the
    /// TTL has run out, and never fetches again. Only time shows it (`inflight check ttl
    /// --timed`).
    #[cfg(any(test, feature = "faults"))]
    IgnoreExpiry,
    /// An on-demand resolver still answers from its entry in the tick the entry expires: it
    /// lives one tick longer than the TTL. Only time shows it.
    #[cfg(any(test, feature = "faults"))]
    ExpiryOffByOne,
    /// The resolver fills an empty cache only from the answer to the query it awaits, its
    /// latest (the bug the timed check found): one that refreshes faster than the round trip
    /// has sent another query before each answer comes back, never fills its cache, and its
    /// reads wait for ever. Only time shows it.
    #[cfg(any(test, feature = "faults"))]
    TakeOnlyAwaitedAnswers,
    /// The resolver sends a lost query again only once: its resend does not restart the resend
    /// timer, so a second loss of the same query, or of its answer, leaves the reads waiting
    /// for ever (until a periodic refresh sends a new query). Only two losses show it
    /// (`inflight check ttl --timed --losses 2`, or `--lossy`).
    #[cfg(any(test, feature = "faults"))]
    ResendOnce,
    /// A push resolver with renewal subscribes again only once: its renewal does not restart
    /// the renewal timer, so a push lost after that leaves the cache stale for ever. Only a lost
    /// push shows it (`inflight check ttl --policy push-renew --timed --losses 1`, or `--lossy`).
    #[cfg(any(test, feature = "faults"))]
    RenewOnce,
}

/// Query numbers a resolver reserves in durable storage at a time: after a crash it numbers
/// its queries from the end of the last reserved block, so no answer to a query sent before
/// the crash matches a new one, and storage is written once per this many queries.
pub const QUERY_BLOCK: u32 = 256;

/// Messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg {
    /// Resolver → authority: send me the record.
    Query {
        /// Matches the answer to the query.
        seq: u32,
    },
    /// Authority → resolver: the record now.
    Answer {
        /// The query's sequence number.
        seq: u32,
        /// The record.
        record: Record,
    },
    /// Resolver → authority: push me every change.
    Subscribe,
    /// Authority → subscriber: the record has changed.
    Push {
        /// The new record.
        record: Record,
    },
}

/// How a resolver keeps its cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Fetch on a read of a missing or expired entry; an entry lives `ttl` from its fetch.
    OnDemand {
        /// The time to live, in ticks.
        ttl: Duration,
    },
    /// Refresh every `every` ticks; answer every read from the cache.
    Periodic {
        /// The refresh period, in ticks.
        every: Duration,
    },
    /// Subscribe once, when the resolver starts; the authority pushes changes. On a network
    /// that loses messages, a lost push is never repaired: use [`Policy::PushRenew`].
    Push,
    /// As [`Policy::Push`], and subscribe again every `every` ticks: the authority answers each
    /// subscription with the record, so a lost push or subscription is made good within a
    /// period (soft state, like a lease).
    PushRenew {
        /// The renewal period, in ticks.
        every: Duration,
    },
    /// Fetch on every read.
    NoCache,
}

/// Commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// At a resolver: read the record (`id` names the read in its answer).
    Read {
        /// The read.
        id: u32,
    },
    /// At the authority: change the record's value (its version is bumped).
    Change {
        /// The new value.
        value: u32,
    },
}

/// Why a command was refused; each hands the command back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CmdError {
    /// [`MAX_WAITING`] reads already wait for a fetch.
    Busy(Cmd),
    /// A read at the authority, or a change at a resolver.
    WrongRole(Cmd),
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Busy(_) => f.write_str("refused: too many reads wait for a fetch"),
            CmdError::WrongRole(_) => {
                f.write_str("refused: reads go to a resolver, changes to the authority")
            }
        }
    }
}

impl core::error::Error for CmdError {}

/// Why a message was rejected (the node is unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MsgError {
    /// An answer that is neither awaited nor newer than the cache (nor, into an empty cache, an
    /// answer to one of the resolver's queries since it last started).
    Stale,
    /// From a node that is not this resolver's authority.
    Stranger,
    /// A message this role does not take.
    Unexpected,
    /// The authority already pushes to [`MAX_SUBSCRIBERS`] resolvers.
    TooManySubscribers,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MsgError::Stale => "a stale answer",
            MsgError::Stranger => "a message from a node that is not the authority",
            MsgError::Unexpected => "a message this role does not take",
            MsgError::TooManySubscribers => "the authority's subscriber table is full",
        })
    }
}

impl core::error::Error for MsgError {}

/// Events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// A resolver answered read `id` with `record`.
    Answered {
        /// The read.
        id: u32,
        /// The record it returned.
        record: Record,
        /// Whether it came from the cache (true) or from a fetch made for it (false).
        cached: bool,
    },
    /// The authority's record changed.
    Changed {
        /// The new record.
        record: Record,
    },
}

/// Timers of a resolver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// Periodic policy: time to refresh; push policy with renewal: time to subscribe again.
    Refresh,
    /// A query is out and unanswered: send it again.
    Retry,
}

/// The authoritative record holder.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authority {
    record: Record,
    subscribers: heapless::Vec<NodeId, MAX_SUBSCRIBERS>,
}

impl Authority {
    /// The record now.
    pub fn record(&self) -> Record {
        self.record
    }
}

/// A cache entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Entry {
    record: Record,
    /// When it expires (on-demand policy only).
    expires: Option<Instant>,
}

/// A caching resolver.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolver {
    authority: NodeId,
    policy: Policy,
    retry: Duration,
    cache: Option<Entry>,
    /// The sequence number of the query out, if any.
    fetching: Option<u32>,
    next_seq: u32,
    /// The first query number of this life. The numbers it has used, `first_seq ..
    /// next_seq`, are covered by whole blocks of [`QUERY_BLOCK`] reserved in durable storage
    /// (see [`Resolver::resumes_at`]).
    first_seq: u32,
    /// Reads waiting for the fetch.
    waiting: heapless::Vec<u32, MAX_WAITING>,
    /// Whether an answer to one of this life's queries has arrived: until then a push-policy
    /// resolver does not answer reads from pushed records, which may predate a crash.
    confirmed: bool,
    fault: Fault,
}

impl Resolver {
    /// The cached record, if any (expired or not).
    pub fn cached(&self) -> Option<Record> {
        self.cache.map(|e| e.record)
    }

    /// Queries started since the resolver started or last recovered (not counting resends),
    /// wrapping at 2³².
    pub fn queries(&self) -> u32 {
        self.next_seq.wrapping_sub(self.first_seq)
    }

    /// Where the resolver would number its next query if it crashed now: the end of the blocks
    /// of [`QUERY_BLOCK`] query numbers this life has reserved in durable storage, one block
    /// from its first query on, another each time the numbers reach the end of one. Durable
    /// state changes, and storage is written, only when a query starts a block.
    pub fn resumes_at(&self) -> u32 {
        let blocks = self.queries().div_ceil(QUERY_BLOCK);
        self.first_seq.wrapping_add(blocks.wrapping_mul(QUERY_BLOCK))
    }

    /// Reads waiting for a fetch.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    fn fresh(&self, now: Instant) -> Option<Record> {
        let e = self.cache?;
        match (self.policy, e.expires) {
            (Policy::NoCache, _) => None,
            (Policy::Push | Policy::PushRenew { .. }, _)
                if !self.confirmed && !injected!(self.fault, TrustUnconfirmedPush) =>
            {
                None
            }
            (Policy::OnDemand { .. }, Some(at)) if self.expired(now, at) => None,
            _ => Some(e.record),
        }
    }

    /// Whether an entry that expires at `at` has expired at `now`: from `at` on, since an entry
    /// lives the TTL and no longer (and wrongly in the timing faults).
    fn expired(&self, now: Instant, at: Instant) -> bool {
        match self.fault {
            #[cfg(any(test, feature = "faults"))]
            Fault::IgnoreExpiry => false,
            #[cfg(any(test, feature = "faults"))]
            Fault::ExpiryOffByOne => now > at,
            _ => now >= at,
        }
    }

    /// A resolver with an empty cache whose queries are numbered from `first_seq`.
    fn start(
        authority: NodeId,
        policy: Policy,
        retry: Duration,
        fault: Fault,
        first_seq: u32,
    ) -> Self {
        Resolver {
            authority,
            policy,
            retry: Duration(retry.ticks().max(1)),
            cache: None,
            fetching: None,
            next_seq: first_seq,
            first_seq,
            waiting: heapless::Vec::new(),
            confirmed: false,
            fault,
        }
    }

    fn fetch(&mut self, now: Instant, out: &mut impl Effects<Node>) {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.fetching = Some(seq);
        out.send(self.authority, Msg::Query { seq });
        out.set_timer(Timer::Retry, now + self.retry);
    }

    fn store(&mut self, now: Instant, record: Record) {
        let expires = match self.policy {
            Policy::OnDemand { ttl } => Some(now + ttl),
            _ => None,
        };
        self.cache = Some(Entry { record, expires });
    }
}

/// Either role.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// The authority.
    Authority(Authority),
    /// A resolver.
    Resolver(Resolver),
}

/// One line a node, for people walking a counterexample: `authority: v1=101, subscribers
/// [n1]`, `resolver: cache v1=101 until @5, query 256 out, waiting [2]`.
impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Authority(a) => {
                write!(f, "authority: v{}={}", a.record.version, a.record.value)?;
                if !a.subscribers.is_empty() {
                    write!(f, ", subscribers {:?}", a.subscribers.as_slice())?;
                }
                Ok(())
            }
            Node::Resolver(r) => {
                f.write_str("resolver: ")?;
                match r.cache {
                    None => f.write_str("cache empty")?,
                    Some(Entry { record, expires }) => {
                        write!(f, "cache v{}={}", record.version, record.value)?;
                        if let Some(at) = expires {
                            write!(f, " until {at:?}")?;
                        }
                    }
                }
                if let Some(seq) = r.fetching {
                    write!(f, ", query {seq} out")?;
                }
                if !r.waiting.is_empty() {
                    write!(f, ", waiting {:?}", r.waiting.as_slice())?;
                }
                if r.fault != Fault::None {
                    write!(f, " ({:?})", r.fault)?;
                }
                Ok(())
            }
        }
    }
}

impl Node {
    /// The authority, holding `value` at version 0.
    pub fn authority(value: u32) -> Self {
        Node::Authority(Authority {
            record: Record { version: 0, value },
            subscribers: heapless::Vec::new(),
        })
    }

    /// A resolver of `authority`'s record under `policy`, sending a lost query again after
    /// `retry` ticks (at least 1).
    pub fn resolver(authority: NodeId, policy: Policy, retry: Duration) -> Self {
        Self::resolver_with_fault(authority, policy, retry, Fault::None)
    }

    /// A resolver as [`Node::resolver`] builds it, but with a deliberately broken variant: for
    /// tests that must see the checker catch it.
    pub fn resolver_with_fault(
        authority: NodeId,
        policy: Policy,
        retry: Duration,
        fault: Fault,
    ) -> Self {
        Node::Resolver(Resolver::start(authority, policy, retry, fault, 0))
    }

    /// The authority, if this node is it.
    pub fn as_authority(&self) -> Option<&Authority> {
        match self {
            Node::Authority(a) => Some(a),
            Node::Resolver(_) => None,
        }
    }

    /// The resolver, if this node is one.
    pub fn as_resolver(&self) -> Option<&Resolver> {
        match self {
            Node::Resolver(r) => Some(r),
            Node::Authority(_) => None,
        }
    }

    /// The same node in a group whose resolvers were renamed: what it knew of resolver `r` it
    /// now knows of `rename(r)`. For a checker's symmetry reduction: resolvers with the same
    /// policy are interchangeable, so a group and its renamed copy behave alike and need
    /// exploring once.
    ///
    /// `rename` must keep the authority's id and permute the resolvers'. A resolver whose
    /// authority `rename` moves, or an authority whose subscribers it renames to one id,
    /// returns `None`. An authority keeps its subscribers in the order they subscribed.
    pub fn renamed(&self, rename: impl Fn(NodeId) -> NodeId) -> Option<Self> {
        match self {
            Node::Resolver(r) => {
                (rename(r.authority) == r.authority).then(|| Node::Resolver(r.clone()))
            }
            Node::Authority(a) => {
                let mut subscribers = heapless::Vec::new();
                for &s in &a.subscribers {
                    let to = rename(s);
                    if subscribers.contains(&to) {
                        return None; // two subscribers renamed to one: not a permutation
                    }
                    // The same number of ids as before: this cannot fail.
                    subscribers.push(to).ok()?;
                }
                Some(Node::Authority(Authority { subscribers, ..a.clone() }))
            }
        }
    }

    /// On an authority, where `node` stands among its subscribers, in the order they
    /// subscribed; `None` on a resolver or for a node that has not subscribed.
    pub fn subscriber_position(&self, node: NodeId) -> Option<usize> {
        self.as_authority()?.subscribers.iter().position(|&s| s == node)
    }
}

impl Machine for Node {
    type Msg = Msg;
    type Cmd = Cmd;
    type Timer = Timer;
    type Event = Event;
    type CmdError = CmdError;
    type MsgError = MsgError;
    /// The authority's record is durable; a resolver's cache is soft state and is lost, and it
    /// keeps only where its query numbers may resume ([`QUERY_BLOCK`]).
    type Durable = Node;

    fn on_start(&mut self, now: Instant, out: &mut impl Effects<Self>) {
        let Node::Resolver(r) = self else { return };
        // When the first refresh (periodic) or renewal (push-renew) is due.
        let refresh = match r.policy {
            Policy::Periodic { .. } => now,
            Policy::Push | Policy::PushRenew { .. } => {
                // Subscribe, and fetch the record once: pushes fill the cache, but reads are
                // answered from it only after this query's answer confirms it (a push still in
                // flight from before a crash may be older than what was answered then).
                out.send(r.authority, Msg::Subscribe);
                r.fetch(now, out);
                let Policy::PushRenew { every } = r.policy else { return };
                now + Duration(every.ticks().max(1))
            }
            Policy::OnDemand { .. } | Policy::NoCache => return,
        };
        out.set_timer(Timer::Refresh, refresh);
    }

    fn on_command(
        &mut self,
        now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), CmdError> {
        match (self, cmd) {
            (Node::Authority(a), Cmd::Change { value }) => {
                a.record = Record { version: a.record.version.wrapping_add(1), value };
                for &s in &a.subscribers {
                    out.send(s, Msg::Push { record: a.record });
                }
                out.emit(Event::Changed { record: a.record });
                Ok(())
            }
            (Node::Resolver(r), Cmd::Read { id }) => {
                if let Some(record) = r.fresh(now) {
                    out.emit(Event::Answered { id, record, cached: true });
                    return Ok(());
                }
                r.waiting.push(id).map_err(|_| CmdError::Busy(cmd))?;
                if r.fetching.is_none() {
                    r.fetch(now, out);
                }
                Ok(())
            }
            _ => Err(CmdError::WrongRole(cmd)),
        }
    }

    fn on_message(
        &mut self,
        now: Instant,
        from: NodeId,
        msg: Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), MsgError> {
        match (self, msg) {
            (Node::Authority(a), Msg::Query { seq }) => {
                out.send(from, Msg::Answer { seq, record: a.record });
                Ok(())
            }
            (Node::Authority(a), Msg::Subscribe) => {
                if !a.subscribers.contains(&from) {
                    a.subscribers.push(from).map_err(|_| MsgError::TooManySubscribers)?;
                }
                out.send(from, Msg::Push { record: a.record });
                Ok(())
            }
            (Node::Resolver(r), Msg::Answer { seq, record }) => {
                if from != r.authority {
                    return Err(MsgError::Stranger);
                }
                let awaited = r.fetching == Some(seq);
                // An answer to an earlier query of this life (a periodic refresh sent another
                // before it came back) may fill an empty cache: it was asked after any crash, so
                // it is no older than what the resolver answered before one. Taking only the
                // awaited answer would leave a resolver that refreshes faster than the round
                // trip empty, and its reads waiting, for ever.
                let ours = seq.wrapping_sub(r.first_seq) < r.queries()
                    && (awaited || !injected!(r.fault, TakeOnlyAwaitedAnswers));
                let fills = ours && r.cache.is_none();
                // Otherwise an answer nobody awaits is taken only if it is newer than the
                // cache: after a crash the cache is empty, and a late answer to a query from
                // before it may be older than what the resolver answered then.
                let newer = r.cache.is_some_and(|e| record.newer_than(&e.record))
                    || injected!(r.fault, AcceptStaleAnswers);
                if !awaited && !newer && !fills {
                    return Err(MsgError::Stale);
                }
                // An awaited answer restarts the TTL even if the record is unchanged.
                let best = match r.cache {
                    Some(e) if !newer => e.record,
                    _ => record,
                };
                r.store(now, best);
                r.confirmed |= ours;
                if awaited {
                    r.fetching = None;
                    out.cancel_timer(Timer::Retry);
                }
                if awaited || fills {
                    for &id in &r.waiting {
                        out.emit(Event::Answered { id, record: best, cached: false });
                    }
                    if !injected!(r.fault, KeepWaitingReads) {
                        r.waiting.clear();
                    }
                }
                Ok(())
            }
            (Node::Resolver(r), Msg::Push { record }) => {
                if from != r.authority {
                    return Err(MsgError::Stranger);
                }
                if r.cache.is_some_and(|e| !record.newer_than(&e.record)) {
                    return Err(MsgError::Stale);
                }
                r.store(now, record);
                Ok(())
            }
            _ => Err(MsgError::Unexpected),
        }
    }

    fn on_timer(&mut self, now: Instant, timer: Timer, out: &mut impl Effects<Self>) {
        let Node::Resolver(r) = self else { return };
        match timer {
            Timer::Refresh => {
                let every = match r.policy {
                    Policy::Periodic { every } => {
                        r.fetch(now, out);
                        every
                    }
                    Policy::PushRenew { every } => {
                        // The authority answers with a push of the record, whether or not it
                        // still had the subscription: whatever was lost since is made good.
                        out.send(r.authority, Msg::Subscribe);
                        if injected!(r.fault, RenewOnce) {
                            return;
                        }
                        every
                    }
                    _ => return,
                };
                out.set_timer(Timer::Refresh, now + Duration(every.ticks().max(1)));
            }
            Timer::Retry => {
                if let Some(seq) = r.fetching {
                    out.send(r.authority, Msg::Query { seq });
                    if !injected!(r.fault, ResendOnce) {
                        out.set_timer(Timer::Retry, now + r.retry);
                    }
                }
            }
        }
    }

    fn durable(&self) -> Node {
        match self {
            Node::Authority(a) => Node::Authority(a.clone()),
            Node::Resolver(r) => {
                // What storage holds: the end of the reserved blocks of query numbers, where the
                // recovered resolver numbers its next query (0 in the broken variant).
                let start =
                    if injected!(r.fault, RestartQueryNumbers) { 0 } else { r.resumes_at() };
                Node::Resolver(Resolver::start(r.authority, r.policy, r.retry, r.fault, start))
            }
        }
    }

    fn recover(durable: Node, now: Instant, out: &mut impl Effects<Self>) -> Self {
        let mut node = durable;
        node.on_start(now, out);
        node
    }
}

/// How far to shift a ttl node's or message's query numbers and deadlines down, all together
/// (see [`Renumber`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shift {
    /// Subtracted from every query number: at most the lowest any node or message in flight
    /// refers to ([`Renumber::lowest_query`]).
    pub queries: u32,
    /// Subtracted from every deadline a node holds (an entry's expiry), stopping at 0: shift by
    /// the ticks `now` moves back, and keep `now` at 1 or more, so that a deadline already past
    /// stays past (and one at `now - 1` stays before `now` for `Fault::ExpiryOffByOne`).
    pub ticks: u64,
}

/// A ttl value that holds query numbers, record versions or deadlines, and can have them
/// renumbered without changing how the system behaves.
///
/// A resolver and its authority behave the same after a renumbering, provided every node and
/// every message in flight is renumbered together, query numbers drop by no more than the
/// lowest any of them refers to, versions keep their order, and no message from before a crash
/// is in flight. The timed staleness check renumbers after every step, down to the lowest query
/// numbers and to versions 0, 1, 2, … for the versions still referred to, and moves the clock
/// back, so that states differing only by how long the system has run, or by how many versions
/// no one holds any more, are equal and its state graph is finite (the idea of
/// [`crate::rebase`], for the two number spaces and the clock a resolver holds). A core property
/// test runs a resolver both ways and compares every effect and state.
///
/// Numbers are taken as unwrapped: the checker's start at 0 and stay small.
pub trait Renumber {
    /// The lowest query number this value refers to, if any.
    fn lowest_query(&self) -> Option<u32>;
    /// Calls `each` with every record version this value refers to.
    fn versions(&self, each: &mut impl FnMut(u32));
    /// Shifts query numbers and deadlines down by `by`, and replaces every version v with
    /// `version(v)`, a map that keeps the order of the versions the system refers to.
    fn renumber(&mut self, by: Shift, version: &impl Fn(u32) -> u32);
}

impl Renumber for Msg {
    fn lowest_query(&self) -> Option<u32> {
        match self {
            Msg::Query { seq } | Msg::Answer { seq, .. } => Some(*seq),
            Msg::Push { .. } | Msg::Subscribe => None,
        }
    }

    fn versions(&self, each: &mut impl FnMut(u32)) {
        if let Msg::Answer { record, .. } | Msg::Push { record } = self {
            each(record.version);
        }
    }

    fn renumber(&mut self, by: Shift, version: &impl Fn(u32) -> u32) {
        match self {
            Msg::Query { seq } => *seq = seq.wrapping_sub(by.queries),
            Msg::Answer { seq, record } => {
                *seq = seq.wrapping_sub(by.queries);
                record.version = version(record.version);
            }
            Msg::Push { record } => record.version = version(record.version),
            Msg::Subscribe => {}
        }
    }
}

impl Renumber for Node {
    /// A resolver refers to the oldest query it may still take an answer to: the one out, else
    /// its next.
    fn lowest_query(&self) -> Option<u32> {
        match self {
            Node::Authority(_) => None,
            Node::Resolver(r) => Some(r.fetching.unwrap_or(r.next_seq)),
        }
    }

    /// The authority refers to its record's version, a resolver to its cached one.
    fn versions(&self, each: &mut impl FnMut(u32)) {
        match self {
            Node::Authority(a) => each(a.record.version),
            Node::Resolver(r) => {
                if let Some(e) = r.cache {
                    each(e.record.version);
                }
            }
        }
    }

    /// A resolver's first query number of this life rises to `by.queries` if that lies within
    /// its queries, so that [`Resolver::queries`] counts only those it may still take an answer
    /// to. [`Resolver::resumes_at`] is then counted from there: do not renumber a system in
    /// which a crash may still happen.
    fn renumber(&mut self, by: Shift, version: &impl Fn(u32) -> u32) {
        match self {
            Node::Authority(a) => a.record.version = version(a.record.version),
            Node::Resolver(r) => {
                if by.queries.wrapping_sub(r.first_seq) <= r.queries() {
                    r.first_seq = by.queries;
                }
                r.first_seq = r.first_seq.wrapping_sub(by.queries);
                r.next_seq = r.next_seq.wrapping_sub(by.queries);
                if let Some(seq) = &mut r.fetching {
                    *seq = seq.wrapping_sub(by.queries);
                }
                if let Some(e) = &mut r.cache {
                    e.record.version = version(e.record.version);
                    if let Some(at) = &mut e.expires {
                        *at = Instant(at.ticks().saturating_sub(by.ticks));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::{Effect, EffectBuf};

    type Out = EffectBuf<Msg, Timer, Event, 16>;
    const A: NodeId = NodeId(0);
    const RESOLVER: NodeId = NodeId(1);

    fn on_demand(ttl: u64) -> Node {
        Node::resolver(A, Policy::OnDemand { ttl: Duration(ttl) }, Duration(100))
    }

    fn answered(out: &Out) -> std::vec::Vec<(u32, u32, bool)> {
        out.as_slice()
            .iter()
            .filter_map(|e| match e {
                Effect::Emit(Event::Answered { id, record, cached }) => {
                    Some((*id, record.version, *cached))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_read_fetches_then_the_entry_lives_for_the_ttl_from_the_answer() {
        let mut r = on_demand(10);
        let mut out = Out::new();
        r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
        r.on_command(Instant(1), Cmd::Read { id: 2 }, &mut out).expect("read");
        assert_eq!(
            out.as_slice().iter().filter(|e| matches!(e, Effect::Send { .. })).count(),
            1,
            "the second read waits for the fetch already out"
        );
        let mut out = Out::new();
        let rec = Record { version: 3, value: 7 };
        r.on_message(Instant(5), A, Msg::Answer { seq: 0, record: rec }, &mut out)
            .expect("awaited");
        assert_eq!(answered(&out), [(1, 3, false), (2, 3, false)]);
        let mut out = Out::new();
        r.on_command(Instant(14), Cmd::Read { id: 3 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(3, 3, true)], "fresh until 5 + 10");
        r.on_command(Instant(15), Cmd::Read { id: 4 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(3, 3, true)], "expired at 15: fetches");
        assert_eq!(r.as_resolver().expect("resolver").waiting(), 1);
    }

    #[test]
    fn the_timing_faults_serve_past_the_ttl() {
        let rec = Record { version: 3, value: 7 };
        let fill = |fault| {
            let mut r = Node::resolver_with_fault(
                A,
                Policy::OnDemand { ttl: Duration(10) },
                Duration(100),
                fault,
            );
            let mut out = Out::new();
            r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
            r.on_message(Instant(5), A, Msg::Answer { seq: 0, record: rec }, &mut out)
                .expect("awaited");
            r
        };
        // Ignore expiry: at 15 the entry has expired, yet the read is answered from it, and
        // nothing is fetched.
        let mut r = fill(Fault::IgnoreExpiry);
        let mut out = Out::new();
        r.on_command(Instant(15), Cmd::Read { id: 2 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(2, 3, true)]);
        assert_eq!(out.as_slice().len(), 1, "no query: {:?}", out.as_slice());
        // Off by one: still answered from the entry at 15, but not at 16.
        let mut r = fill(Fault::ExpiryOffByOne);
        let mut out = Out::new();
        r.on_command(Instant(15), Cmd::Read { id: 2 }, &mut out).expect("read");
        r.on_command(Instant(16), Cmd::Read { id: 3 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(2, 3, true)]);
        assert_eq!(r.as_resolver().expect("resolver").waiting(), 1);
        // The correct resolver fetches at 15.
        let mut r = fill(Fault::None);
        let mut out = Out::new();
        r.on_command(Instant(15), Cmd::Read { id: 2 }, &mut out).expect("read");
        assert_eq!(answered(&out), []);
    }

    #[test]
    fn a_refresh_faster_than_the_round_trip_still_fills_the_cache() {
        // Refresh every 3 ticks over a round trip of 4: each answer comes back after the next
        // query went out. The answer to query 0 must still fill the empty cache and answer the
        // read waiting for it, or the resolver never answers anything.
        let mut r = Node::resolver(A, Policy::Periodic { every: Duration(3) }, Duration(100));
        let mut out = Out::new();
        r.on_timer(Instant(0), Timer::Refresh, &mut out);
        r.on_command(Instant(1), Cmd::Read { id: 1 }, &mut out).expect("read");
        r.on_timer(Instant(3), Timer::Refresh, &mut out);
        let mut out = Out::new();
        let rec = Record { version: 2, value: 9 };
        r.on_message(Instant(4), A, Msg::Answer { seq: 0, record: rec }, &mut out)
            .expect("an earlier query of this life");
        assert_eq!(answered(&out), [(1, 2, false)]);
        let res = r.as_resolver().expect("resolver");
        assert_eq!((res.cached(), res.waiting()), (Some(rec), 0));
        // Query 1 is still awaited; an answer to no query of this life is still stale.
        let mut out = Out::new();
        let older = Record { version: 1, value: 8 };
        let before = r.clone();
        assert_eq!(
            r.on_message(Instant(5), A, Msg::Answer { seq: 7, record: older }, &mut out),
            Err(MsgError::Stale)
        );
        assert_eq!(r, before);

        // The broken variant takes only the awaited answer, so the read keeps waiting.
        let policy = Policy::Periodic { every: Duration(3) };
        let mut r =
            Node::resolver_with_fault(A, policy, Duration(100), Fault::TakeOnlyAwaitedAnswers);
        let mut out = Out::new();
        r.on_timer(Instant(0), Timer::Refresh, &mut out);
        r.on_command(Instant(1), Cmd::Read { id: 1 }, &mut out).expect("read");
        r.on_timer(Instant(3), Timer::Refresh, &mut out);
        let mut out = Out::new();
        let answer = Msg::Answer { seq: 0, record: rec };
        assert_eq!(r.on_message(Instant(4), A, answer, &mut out), Err(MsgError::Stale));
        let res = r.as_resolver().expect("resolver");
        assert_eq!((res.cached(), res.waiting(), answered(&out)), (None, 1, std::vec::Vec::new()));
    }

    #[test]
    fn stale_answers_strangers_and_wrong_roles_are_rejected_unchanged() {
        let mut r = on_demand(10);
        let mut out = Out::new();
        r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
        let rec = Record { version: 5, value: 1 };
        r.on_message(Instant(1), A, Msg::Answer { seq: 0, record: rec }, &mut out).expect("ok");
        let before = r.clone();
        let old = Record { version: 4, value: 0 };
        assert_eq!(
            r.on_message(Instant(2), A, Msg::Answer { seq: 0, record: old }, &mut out),
            Err(MsgError::Stale),
            "a duplicate of an answered query carrying an older record"
        );
        assert_eq!(
            r.on_message(Instant(2), NodeId(9), Msg::Answer { seq: 1, record: rec }, &mut out),
            Err(MsgError::Stranger)
        );
        assert_eq!(
            r.on_message(Instant(2), A, Msg::Query { seq: 0 }, &mut out),
            Err(MsgError::Unexpected)
        );
        assert_eq!(
            r.on_command(Instant(2), Cmd::Change { value: 1 }, &mut out),
            Err(CmdError::WrongRole(Cmd::Change { value: 1 }))
        );
        assert_eq!(r, before);
        let mut a = Node::authority(0);
        let before = a.clone();
        assert_eq!(
            a.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out),
            Err(CmdError::WrongRole(Cmd::Read { id: 1 }))
        );
        assert_eq!(
            a.on_message(Instant(0), NodeId(1), Msg::Push { record: rec }, &mut out),
            Err(MsgError::Unexpected)
        );
        assert_eq!(a, before);
    }

    #[test]
    fn the_broken_variants_do_what_they_say() {
        let mut r = Node::resolver_with_fault(
            A,
            Policy::OnDemand { ttl: Duration(10) },
            Duration(100),
            Fault::AcceptStaleAnswers,
        );
        let mut out = Out::new();
        r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
        let rec = Record { version: 5, value: 1 };
        r.on_message(Instant(1), A, Msg::Answer { seq: 0, record: rec }, &mut out).expect("ok");
        let old = Record { version: 4, value: 0 };
        r.on_message(Instant(2), A, Msg::Answer { seq: 0, record: old }, &mut out)
            .expect("the broken resolver takes a stale answer");
        assert_eq!(r.as_resolver().and_then(Resolver::cached), Some(old));
        let mut r =
            Node::resolver_with_fault(A, Policy::NoCache, Duration(100), Fault::KeepWaitingReads);
        let mut out = Out::new();
        for (id, seq) in [(1, 0), (2, 1)] {
            r.on_command(Instant(0), Cmd::Read { id }, &mut out).expect("read");
            r.on_message(Instant(1), A, Msg::Answer { seq, record: rec }, &mut out).expect("ok");
        }
        assert_eq!(answered(&out), [(1, 5, false), (1, 5, false), (2, 5, false)], "read 1 twice");
        // The durable part keeps the variant, so a recovered resolver is as broken as before.
        let mut fresh = Out::new();
        let back = Node::recover(r.durable(), Instant(2), &mut fresh);
        assert_eq!(back.durable(), r.durable());
    }

    #[test]
    fn a_recovered_resolver_does_not_take_an_answer_to_a_query_from_before_its_crash() {
        let old = Record { version: 0, value: 100 };
        let new = Record { version: 1, value: 101 };
        for (fault, first) in [(Fault::None, QUERY_BLOCK), (Fault::RestartQueryNumbers, 0)] {
            let policy = Policy::OnDemand { ttl: Duration(10) };
            let mut r = Node::resolver_with_fault(A, policy, Duration(5), fault);
            let mut out = Out::new();
            r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
            r.on_message(Instant(1), A, Msg::Answer { seq: 0, record: new }, &mut out).expect("ok");
            // A crash; the answer to query 0 that the authority sent earlier is still in flight.
            let mut r = Node::recover(r.durable(), Instant(2), &mut out);
            let mut out = Out::new();
            r.on_command(Instant(3), Cmd::Read { id: 2 }, &mut out).expect("read");
            assert_eq!(out.as_slice()[0], Effect::Send { to: A, msg: Msg::Query { seq: first } });
            let late = r.on_message(Instant(4), A, Msg::Answer { seq: 0, record: old }, &mut out);
            match fault {
                Fault::None => assert_eq!(late, Err(MsgError::Stale)),
                _ => assert_eq!(answered(&out), [(2, 0, false)], "the broken resolver goes back"),
            }
        }
        // Storage is written once per block: the durable state moves only when a block starts.
        let mut r = Node::resolver(A, Policy::NoCache, Duration(5));
        let mut out = Out::new();
        let mut writes = 0;
        for id in 0..2 * QUERY_BLOCK + 1 {
            let before = r.durable();
            r.on_command(Instant(0), Cmd::Read { id }, &mut out).expect("read");
            let answer = Msg::Answer { seq: id, record: new };
            r.on_message(Instant(0), A, answer, &mut out).expect("awaited");
            writes += (r.durable() != before) as u32;
            out = Out::new();
        }
        assert_eq!(writes, 3, "blocks starting at queries 0, 256 and 512");
    }

    #[test]
    fn too_many_waiting_reads_are_refused_and_handed_back() {
        let mut r = on_demand(10);
        let mut out = Out::new();
        for id in 0..MAX_WAITING as u32 {
            r.on_command(Instant(0), Cmd::Read { id }, &mut out).expect("room");
        }
        let before = r.clone();
        let mut out = Out::new();
        assert_eq!(
            r.on_command(Instant(0), Cmd::Read { id: 99 }, &mut out),
            Err(CmdError::Busy(Cmd::Read { id: 99 }))
        );
        assert_eq!(r, before);
        assert!(out.as_slice().is_empty());
    }

    #[test]
    fn a_renewing_push_resolver_subscribes_again_every_period_and_a_lost_push_is_made_good() {
        let every = Duration(30);
        let mut p = Node::resolver(A, Policy::PushRenew { every }, Duration(10));
        let mut out = Out::new();
        p.on_start(Instant(0), &mut out);
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: A, msg: Msg::Subscribe },
                Effect::Send { to: A, msg: Msg::Query { seq: 0 } },
                Effect::SetTimer { timer: Timer::Retry, at: Instant(10) },
                Effect::SetTimer { timer: Timer::Refresh, at: Instant(30) },
            ]
        );
        let v1 = Record { version: 1, value: 1 };
        p.on_message(Instant(2), A, Msg::Answer { seq: 0, record: v1 }, &mut out).expect("ok");

        // The authority's push of v2 is lost. The renewal subscribes again, and the authority,
        // which still holds the subscription, answers it with the record all the same.
        let mut a = Node::authority(0);
        let mut out = Out::new();
        a.on_message(Instant(1), RESOLVER, Msg::Subscribe, &mut out).expect("subscribe");
        a.on_command(Instant(5), Cmd::Change { value: 7 }, &mut out).expect("change");
        a.on_command(Instant(6), Cmd::Change { value: 8 }, &mut out).expect("change");
        let mut out = Out::new();
        p.on_timer(Instant(30), Timer::Refresh, &mut out);
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: A, msg: Msg::Subscribe },
                Effect::SetTimer { timer: Timer::Refresh, at: Instant(60) },
            ]
        );
        let before = a.clone();
        let mut out = Out::new();
        a.on_message(Instant(31), RESOLVER, Msg::Subscribe, &mut out).expect("renewal");
        assert_eq!(a, before, "a renewal does not subscribe twice");
        let now = a.as_authority().map(Authority::record).expect("authority");
        assert_eq!(
            out.as_slice(),
            &[Effect::Send { to: RESOLVER, msg: Msg::Push { record: now } }]
        );
        p.on_message(Instant(32), A, Msg::Push { record: now }, &mut out).expect("newer");
        let mut out = Out::new();
        p.on_command(Instant(33), Cmd::Read { id: 1 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(1, now.version, true)]);

        // Without renewal no timer is armed, and a Refresh timer (none is set) does nothing.
        let mut once = Node::resolver(A, Policy::Push, Duration(10));
        let mut out = Out::new();
        once.on_start(Instant(0), &mut out);
        assert!(!out
            .as_slice()
            .iter()
            .any(|e| matches!(e, Effect::SetTimer { timer: Timer::Refresh, .. })));
        let mut out = Out::new();
        once.on_timer(Instant(30), Timer::Refresh, &mut out);
        assert_eq!(out.as_slice(), &[]);

        // The broken variant renews once and never arms the timer again.
        let mut broken = Node::resolver_with_fault(
            A,
            Policy::PushRenew { every },
            Duration(10),
            Fault::RenewOnce,
        );
        let mut out = Out::new();
        broken.on_start(Instant(0), &mut out);
        let mut out = Out::new();
        broken.on_timer(Instant(30), Timer::Refresh, &mut out);
        assert_eq!(out.as_slice(), &[Effect::Send { to: A, msg: Msg::Subscribe }]);
    }

    #[test]
    fn a_lost_query_is_sent_again_and_a_late_answer_still_counts() {
        let mut r = on_demand(10);
        let mut out = Out::new();
        r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut out).expect("read");
        let mut out = Out::new();
        r.on_timer(Instant(100), Timer::Retry, &mut out);
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: A, msg: Msg::Query { seq: 0 } },
                Effect::SetTimer { timer: Timer::Retry, at: Instant(200) }
            ]
        );
        let mut out = Out::new();
        let rec = Record { version: 1, value: 1 };
        r.on_message(Instant(150), A, Msg::Answer { seq: 0, record: rec }, &mut out).expect("ok");
        assert_eq!(answered(&out), [(1, 1, false)]);
        let mut out = Out::new();
        r.on_timer(Instant(200), Timer::Retry, &mut out);
        assert!(out.as_slice().is_empty(), "nothing is out any more");

        // The broken variant resends once and does not arm the timer again.
        let policy = Policy::OnDemand { ttl: Duration(10) };
        let mut r = Node::resolver_with_fault(A, policy, Duration(100), Fault::ResendOnce);
        r.on_command(Instant(0), Cmd::Read { id: 1 }, &mut Out::new()).expect("read");
        let mut out = Out::new();
        r.on_timer(Instant(100), Timer::Retry, &mut out);
        assert_eq!(out.as_slice(), &[Effect::Send { to: A, msg: Msg::Query { seq: 0 } }]);
    }

    #[test]
    fn the_authority_bumps_versions_answers_queries_and_pushes_to_subscribers() {
        let mut a = Node::authority(10);
        let mut out = Out::new();
        a.on_message(Instant(0), NodeId(1), Msg::Subscribe, &mut out).expect("room");
        a.on_message(Instant(0), NodeId(1), Msg::Subscribe, &mut out).expect("idempotent");
        let mut out = Out::new();
        a.on_command(Instant(1), Cmd::Change { value: 11 }, &mut out).expect("change");
        let rec = Record { version: 1, value: 11 };
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: NodeId(1), msg: Msg::Push { record: rec } },
                Effect::Emit(Event::Changed { record: rec })
            ]
        );
        let mut out = Out::new();
        a.on_message(Instant(2), NodeId(2), Msg::Query { seq: 4 }, &mut out).expect("query");
        assert_eq!(
            out.as_slice(),
            &[Effect::Send { to: NodeId(2), msg: Msg::Answer { seq: 4, record: rec } }]
        );
        for n in 2..=MAX_SUBSCRIBERS as u8 {
            a.on_message(Instant(3), NodeId(n), Msg::Subscribe, &mut out).expect("room");
        }
        let before = a.clone();
        assert_eq!(
            a.on_message(Instant(3), NodeId(50), Msg::Subscribe, &mut out),
            Err(MsgError::TooManySubscribers)
        );
        assert_eq!(a, before);
    }

    #[test]
    fn periodic_refreshes_on_its_own_and_push_ignores_reordered_pushes() {
        let mut r = Node::resolver(A, Policy::Periodic { every: Duration(50) }, Duration(10));
        let mut out = Out::new();
        r.on_start(Instant(0), &mut out);
        assert_eq!(out.as_slice(), &[Effect::SetTimer { timer: Timer::Refresh, at: Instant(0) }]);
        let mut out = Out::new();
        r.on_timer(Instant(0), Timer::Refresh, &mut out);
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Refresh, at: Instant(50) }));
        let rec = Record { version: 2, value: 0 };
        r.on_message(Instant(0), A, Msg::Answer { seq: 0, record: rec }, &mut out).expect("ok");
        let mut out = Out::new();
        r.on_command(Instant(1_000), Cmd::Read { id: 1 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(1, 2, true)], "periodic entries never expire");

        let mut p = Node::resolver(A, Policy::Push, Duration(10));
        let mut out = Out::new();
        p.on_start(Instant(0), &mut out);
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: A, msg: Msg::Subscribe },
                Effect::Send { to: A, msg: Msg::Query { seq: 0 } },
                Effect::SetTimer { timer: Timer::Retry, at: Instant(10) },
            ]
        );
        let v2 = Record { version: 2, value: 2 };
        p.on_message(Instant(1), A, Msg::Push { record: v2 }, &mut out).expect("newer");
        let before = p.clone();
        let v1 = Record { version: 1, value: 1 };
        assert_eq!(
            p.on_message(Instant(2), A, Msg::Push { record: v1 }, &mut out),
            Err(MsgError::Stale)
        );
        assert_eq!(p, before);
        // Until its own query is answered, the pushed record does not answer reads: the read
        // waits, and the answer (older than the push here) answers it with the newer push.
        let mut out = Out::new();
        p.on_command(Instant(3), Cmd::Read { id: 1 }, &mut out).expect("read");
        assert_eq!(answered(&out), []);
        p.on_message(Instant(4), A, Msg::Answer { seq: 0, record: v1 }, &mut out).expect("awaited");
        assert_eq!(answered(&out), [(1, 2, false)]);
        let mut out = Out::new();
        p.on_command(Instant(5), Cmd::Read { id: 2 }, &mut out).expect("read");
        assert_eq!(answered(&out), [(2, 2, true)], "confirmed: reads come from the cache");
    }

    /// The renumbering the timed staleness check applies to a system: query numbers down to
    /// the lowest referred to, the clock from `now` back to 1, and the versions referred to
    /// numbered 0, 1, 2, … in order.
    struct Canon {
        by: Shift,
        versions: std::vec::Vec<u32>,
    }

    impl Canon {
        fn of(nodes: &[Node], flights: &[(usize, Msg)], now: u64) -> Canon {
            let mut versions = std::vec::Vec::new();
            let mut queries = u32::MAX;
            for n in nodes {
                n.versions(&mut |v| versions.push(v));
                queries = queries.min(n.lowest_query().unwrap_or(u32::MAX));
            }
            for (_, m) in flights {
                m.versions(&mut |v| versions.push(v));
                queries = queries.min(m.lowest_query().unwrap_or(u32::MAX));
            }
            versions.sort_unstable();
            versions.dedup();
            Canon { by: Shift { queries, ticks: now - 1 }, versions }
        }

        /// The new number of version `v`; `u32::MAX` (which fails the comparisons) for a
        /// version nothing refers to.
        fn version(&self, v: u32) -> u32 {
            self.versions.binary_search(&v).map_or(u32::MAX, |i| i as u32)
        }

        fn apply(&self, nodes: &mut [Node], flights: &mut [(usize, Msg)]) {
            let map = |v| self.version(v);
            for n in nodes {
                n.renumber(self.by, &map);
            }
            for (_, m) in flights {
                m.renumber(self.by, &map);
            }
        }

        fn effect(&self, effect: &Effect<Msg, Timer, Event>) -> Effect<Msg, Timer, Event> {
            let mut e = effect.clone();
            match &mut e {
                Effect::Send { msg, .. } => msg.renumber(self.by, &|v| self.version(v)),
                Effect::SetTimer { at, .. } => *at = Instant(at.ticks() - self.by.ticks),
                Effect::Emit(Event::Answered { record, .. } | Event::Changed { record }) => {
                    record.version = self.version(record.version)
                }
                Effect::CancelTimer(_) | Effect::Random { .. } => {}
            }
            e
        }
    }

    /// Runs an authority (node 0) and a resolver (node 1) on `ops` twice: as they are, and
    /// renumbered after every step as the timed staleness check does it, with `now` held at 1.
    /// The renumbered run must be the plain one, renumbered: the same verdicts, effects and
    /// states on every input. And its numbers must stay small.
    fn renumbered_run_agrees(policy: Policy, fault: Fault, ops: &[(u8, u8)]) {
        let start =
            || [Node::authority(7), Node::resolver_with_fault(A, policy, Duration(9), fault)];
        let (mut a, mut b) = (start(), start());
        let mut flights: std::vec::Vec<(usize, Msg)> = std::vec::Vec::new();
        let mut flights_b = flights.clone();
        let mut now = 1u64;
        let (mut out_a, mut out_b) = (Out::new(), Out::new());
        a[1].on_start(Instant(now), &mut out_a);
        b[1].on_start(Instant(1), &mut out_b);
        for &(op, arg) in [(255, 0)].iter().chain(ops) {
            if op != 255 {
                out_a.clear();
                out_b.clear();
            }
            let (ta, tb) = (Instant(now), Instant(1));
            match op {
                0 => {
                    let cmd = Cmd::Read { id: u32::from(arg) };
                    let verdict = a[1].on_command(ta, cmd, &mut out_a);
                    assert_eq!(verdict, b[1].on_command(tb, cmd, &mut out_b));
                }
                1 => {
                    let cmd = Cmd::Change { value: u32::from(arg) };
                    let verdict = a[0].on_command(ta, cmd, &mut out_a);
                    assert_eq!(verdict, b[0].on_command(tb, cmd, &mut out_b));
                }
                2 if !flights.is_empty() => {
                    let i = usize::from(arg) % flights.len();
                    let ((to, msg), (_, msg_b)) = (flights.remove(i), flights_b.remove(i));
                    let from = NodeId(1 - to as u8);
                    let verdict = a[to].on_message(ta, from, msg, &mut out_a);
                    assert_eq!(verdict, b[to].on_message(tb, from, msg_b, &mut out_b));
                }
                3 => {
                    let timer = if arg % 2 == 0 { Timer::Retry } else { Timer::Refresh };
                    a[1].on_timer(ta, timer, &mut out_a);
                    b[1].on_timer(tb, timer, &mut out_b);
                }
                4 => {
                    let d = 1 + u64::from(arg % 8);
                    now += d;
                    let back = Shift { queries: 0, ticks: d };
                    for n in &mut b {
                        n.renumber(back, &|v| v);
                    }
                }
                _ => {}
            }
            for (out, fl) in [(&out_a, &mut flights), (&out_b, &mut flights_b)] {
                for e in out.as_slice() {
                    if let Effect::Send { to, msg } = e {
                        fl.push((to.0 as usize, *msg));
                    }
                }
            }
            let (canon_a, canon_b) = (Canon::of(&a, &flights, now), Canon::of(&b, &flights_b, 1));
            let effects_a: std::vec::Vec<_> =
                out_a.as_slice().iter().map(|e| canon_a.effect(e)).collect();
            let effects_b: std::vec::Vec<_> =
                out_b.as_slice().iter().map(|e| canon_b.effect(e)).collect();
            assert_eq!(effects_a, effects_b, "effects of op {op} {arg}");
            canon_b.apply(&mut b, &mut flights_b);
            let (mut expected, mut expected_flights) = (a.clone(), flights.clone());
            canon_a.apply(&mut expected, &mut expected_flights);
            assert_eq!((&expected, &expected_flights), (&b, &flights_b), "after op {op} {arg}");
            // The renumbered numbers stay small: the lowest query anything refers to is 0, and
            // so is the first the resolver counts; the versions are 0, 1, 2, … with none left out.
            let again = Canon::of(&b, &flights_b, 1);
            assert_eq!(again.by, Shift::default());
            assert!(again.versions.iter().enumerate().all(|(i, &v)| v == i as u32), "{b:?}");
            if let Node::Resolver(r) = &b[1] {
                assert_eq!(r.first_seq, 0, "{r:?}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// What the timed staleness check relies on to close its state graph.
        #[test]
        fn a_renumbered_resolver_behaves_as_the_plain_one(
            policy in 0u8..5,
            ttl in 1u64..6,
            fault in 0u8..3,
            ops in proptest::collection::vec((0u8..5, proptest::prelude::any::<u8>()), 0..120),
        ) {
            let theta = Duration(ttl);
            let policy = [
                Policy::OnDemand { ttl: theta },
                Policy::Periodic { every: theta },
                Policy::Push,
                Policy::NoCache,
                Policy::PushRenew { every: theta },
            ][usize::from(policy)];
            let fault = [Fault::None, Fault::ExpiryOffByOne, Fault::AcceptStaleAnswers][usize::from(fault)];
            renumbered_run_agrees(policy, fault, &ops);
        }
    }

    #[test]
    fn versions_compare_across_wrap_around() {
        let old = Record { version: u32::MAX, value: 0 };
        let new = Record { version: 0, value: 0 };
        assert!(new.newer_than(&old));
        assert!(!old.newer_than(&new));
        assert!(!old.newer_than(&old));
    }

    #[test]
    fn a_renamed_authority_pushes_to_the_renamed_subscribers_in_the_same_order() {
        let mut auth = Node::authority(100);
        let mut out = Out::new();
        for r in [2, 1] {
            auth.on_message(Instant(0), NodeId(r), Msg::Subscribe, &mut out).expect("subscribe");
        }
        let swap = |id: NodeId| match id.0 {
            1 => NodeId(2),
            2 => NodeId(1),
            _ => id,
        };
        let renamed = auth.renamed(swap).expect("a permutation of the resolvers");
        assert_eq!(renamed.subscriber_position(NodeId(1)), Some(0));
        assert_eq!(renamed.subscriber_position(NodeId(2)), Some(1));
        assert_eq!(renamed.renamed(swap), Some(auth.clone()));
        // A change is pushed to n1 then n2, as the original pushes to n2 then n1.
        let (mut a, mut b) = (auth.clone(), renamed);
        let (mut out_a, mut out_b) = (Out::new(), Out::new());
        a.on_command(Instant(1), Cmd::Change { value: 7 }, &mut out_a).expect("change");
        b.on_command(Instant(1), Cmd::Change { value: 7 }, &mut out_b).expect("change");
        let to = |out: &Out| -> std::vec::Vec<NodeId> {
            out.as_slice()
                .iter()
                .filter_map(|e| match e {
                    Effect::Send { to, .. } => Some(*to),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(to(&out_a), [NodeId(2), NodeId(1)]);
        assert_eq!(to(&out_b), [NodeId(1), NodeId(2)]);
        // Renaming two subscribers to one, or moving a resolver's authority, is refused.
        assert_eq!(auth.renamed(|id| if id.0 == 0 { id } else { NodeId(1) }), None);
        let resolver = Node::resolver(NodeId(0), Policy::Push, Duration(3));
        assert_eq!(resolver.renamed(|id| NodeId(id.0 + 1)), None);
        assert_eq!(resolver.renamed(swap), Some(resolver.clone()));
        assert_eq!(resolver.subscriber_position(NodeId(1)), None);
    }
}
