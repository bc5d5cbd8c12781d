//! Coverage: which handlers a check ran, on which inputs, and how they ended.
//!
//! A check that passes says nothing about code it never ran. Change how a replica rejects a gap
//! and check a scenario whose network never reorders, and every property still holds, because
//! no gap ever reaches the replica. [`collect`] answers "did this check exercise it?": it visits
//! every reachable state of a model once, takes each of its actions once, and counts the core
//! handler calls those steps made, by input (a message's kind, a timer, a command, a draw) and
//! outcome (accepted, or rejected with which error, and the kinds of event the handler emitted).
//! An outcome that never occurs does not appear, so a change to a path the table does not list
//! went unchecked.
//!
//! The models record their handler calls through [`message`], [`command`], [`timer`], [`draw`]
//! and [`restarted`] when the handler returns, and its events through [`event`] as it emits
//! them; these cost one thread-local read unless [`collect`] is running on that thread. A step
//! that calls no handler (the network loses a message, a node crashes) is counted under its
//! action's name.
//!
//! It counts outcomes, not branches: two paths that return the same result and emit the same
//! events are counted together. For the lines of `core` a check ran, run it under LLVM's
//! source-based coverage (`cargo llvm-cov`); the README shows how.
//!
//! In a test, require that the scenario reaches the path the test is about:
//!
//! ```
//! use inflight_checker::coverage::{collect, Bounds};
//! use inflight_checker::network::NetworkKind;
//! use inflight_checker::replication::ReplicationCfg;
//!
//! let unordered = ReplicationCfg::default();
//! let c = collect(&unordered.into_model(), Bounds::default(), None);
//! assert!(c.calls("message Append", "rejected: Gap") > 0, "{c}");
//!
//! // In order, no replica ever sees a gap: a check of the gap path needs reordering.
//! let ordered = ReplicationCfg { network: NetworkKind::Ordered, ..unordered };
//! let c = collect(&ordered.into_model(), Bounds::default(), None);
//! assert_eq!(c.outcomes("message Append").len(), 1, "{c}");
//! ```

use crate::symmetry::Representative;
use serde::Serialize;
use stateright::Model;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::{self, Debug, Write};
use std::hash::Hash;

thread_local! {
    /// Whether [`collect`] is taking a step on this thread.
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    /// What this thread's visit has recorded.
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// The handler calls recorded on one thread, interned: each call's input and outcome are
/// written into `scratch` and looked up, so that a step allocates nothing once its kinds have
/// been seen (a visit takes millions of steps).
#[derive(Default)]
struct Recorder {
    /// `input`, a tab, `outcome`: the call being recorded.
    scratch: String,
    /// Each input and outcome seen, as in `scratch`, and its row's index.
    ids: HashMap<String, usize>,
    /// The rows' inputs and outcomes, by index.
    names: Vec<(String, String)>,
    /// The rows of the calls the current step made.
    calls: Vec<usize>,
    /// The kinds of the events the running handler has emitted so far, each once, in order.
    events: Vec<String>,
    /// Spare strings for `events`, so that naming an event allocates nothing once warm.
    spare: Vec<String>,
}

impl Recorder {
    /// Notes that the running handler emitted `event`.
    fn event(&mut self, event: &impl Debug) {
        let mut name = self.spare.pop().unwrap_or_default();
        name.clear();
        name_into(&mut name, event);
        if self.events.contains(&name) {
            self.spare.push(name);
        } else {
            self.events.push(name);
        }
    }

    /// Records the call of a handler that just returned: `write` gives its input and outcome,
    /// and the events it emitted follow the outcome.
    fn record(&mut self, write: impl FnOnce(&mut String)) {
        self.scratch.clear();
        write(&mut self.scratch);
        for (k, e) in self.events.drain(..).enumerate() {
            self.scratch.push_str(if k == 0 { ", emits " } else { ", " });
            self.scratch.push_str(&e);
            self.spare.push(e);
        }
        let id = match self.ids.get(self.scratch.as_str()) {
            Some(&id) => id,
            None => {
                let (input, outcome) = self.scratch.split_once('\t').unwrap_or((&self.scratch, ""));
                self.names.push((input.to_string(), outcome.to_string()));
                self.ids.insert(self.scratch.clone(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        self.calls.push(id);
    }
}

fn record(write: impl FnOnce(&mut String)) {
    if recording() {
        RECORDER.with(|r| r.borrow_mut().record(write));
    }
}

/// Appends the name `value`'s `Debug` output starts with: `Append` for
/// `Append { seq: 1, value: 7 }`, `Stale` for `Stale`, `Request` for `Request#3 Acquire(1)`; the
/// output's first 24 characters if it starts with no name.
fn name_into(out: &mut String, value: &impl Debug) {
    let start = out.len();
    let _ = write!(out, "{value:?}");
    let text = &out[start..];
    let name = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    let keep = match name {
        0 => text.char_indices().nth(24).map_or(text.len(), |(i, _)| i),
        n => n,
    };
    out.truncate(start + keep);
}

fn outcome_into<E: Debug>(out: &mut String, result: &Result<(), E>, err: &str) {
    match result {
        Ok(()) => out.push_str("\taccepted"),
        Err(e) => {
            out.push('\t');
            out.push_str(err);
            out.push_str(": ");
            name_into(out, e);
        }
    }
}

/// Notes that the running handler emitted `event`: the call's outcome, recorded when it
/// returns, names the kinds of event it emitted (`accepted, emits Stored`), which tells apart
/// paths that the outcome alone does not (a first write stored, a duplicate acknowledged
/// again). Record the handler's call after it returns, and its events as it emits them.
pub fn event(event: &impl Debug) {
    if recording() {
        RECORDER.with(|r| r.borrow_mut().event(event));
    }
}

/// Whether [`collect`] is taking a step on this thread: a caller that must copy its input
/// before the handler consumes it asks first, so that other runs pay nothing.
pub fn recording() -> bool {
    RECORDING.with(Cell::get)
}

/// Records a message handler's call: `message <kind>`, accepted or rejected with its error.
pub fn message<Msg: Debug, E: Debug>(msg: &Msg, result: &Result<(), E>) {
    record(|out| {
        out.push_str("message ");
        name_into(out, msg);
        outcome_into(out, result, "rejected");
    });
}

/// Records a command handler's call: `command <kind>`, accepted or refused with its error.
pub fn command<Cmd: Debug, E: Debug>(cmd: &Cmd, result: &Result<(), E>) {
    record(|out| {
        out.push_str("command ");
        name_into(out, cmd);
        outcome_into(out, result, "refused");
    });
}

/// Records a timer handler's call: `timer <kind>`, fired.
pub fn timer<T: Debug>(timer: &T) {
    record(|out| {
        out.push_str("timer ");
        name_into(out, timer);
        out.push_str("\tfired");
    });
}

/// Records a draw handler's call (a random number the machine asked for): `draw`, answered.
pub fn draw() {
    record(|out| out.push_str("draw\tanswered"));
}

/// Records a node's restart after a crash: `recover`, from its durable state or from nothing
/// saved.
pub fn restarted(from_durable: bool) {
    let outcome = if from_durable { "from its durable state" } else { "from nothing saved" };
    record(|out| {
        out.push_str("recover\t");
        out.push_str(outcome);
    });
}

/// One line of the table: how often a handler ran on one kind of input with one outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The input: `message Append`, `timer Retransmit`, `command Write`, `draw`, `recover`, or
    /// `action Drop` for a step that calls no handler (its outcome is `no handler ran`; an
    /// `action Deliver` of that kind is a message to a crashed node).
    pub input: String,
    /// How it ended: `accepted`, `rejected: Stale`, `refused: WindowFull`, `fired`, …, then the
    /// kinds of event it emitted: `accepted, emits Stored`.
    pub outcome: String,
    /// Calls over every step of every reachable state.
    pub calls: u64,
    /// How many of those calls were in steps that changed nothing.
    pub unchanged: u64,
}

/// Where [`collect`] stops if the model has more states than it can visit. A model whose state
/// space is infinite (retransmission over a network that loses messages, with no bound on
/// what is in flight) needs one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// Visit at most this many states.
    pub states: Option<usize>,
    /// Stop once the process holds this many bytes.
    pub bytes: Option<u64>,
    /// Stop after this much wall time.
    pub time: Option<std::time::Duration>,
}

/// What [`collect`] found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Reachable states visited (within the model's boundary).
    pub states: usize,
    /// Steps taken: every action of every visited state, once.
    pub steps: u64,
    /// Steps that changed nothing (stateright drops them from its graph).
    pub unchanged: u64,
    /// Steps that reach a state within the boundary: with the initial states, what stateright
    /// counts as "generated" when its search visits every state.
    pub successors: u64,
    /// Whether every reachable state was visited.
    pub complete: bool,
    /// Which of the [`Bounds`] stopped the visit, if one did: `states`, `memory` or `time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<&'static str>,
    /// Handler calls by input and outcome, sorted by input then outcome.
    pub rows: Vec<Row>,
    /// Wall time of the visit, in seconds.
    pub elapsed_s: f64,
}

impl Coverage {
    /// The calls of `input` that ended in `outcome` (0 if it never did).
    pub fn calls(&self, input: &str, outcome: &str) -> u64 {
        let row = self.rows.iter().find(|r| r.input == input && r.outcome == outcome);
        row.map_or(0, |r| r.calls)
    }

    /// Every outcome of `input` that occurred, with its calls.
    pub fn outcomes(&self, input: &str) -> Vec<(&str, u64)> {
        let rows = self.rows.iter().filter(|r| r.input == input);
        rows.map(|r| (r.outcome.as_str(), r.calls)).collect()
    }
}

/// Visits every reachable state of `model` (within `bounds`), takes each of its actions once,
/// and counts the handler calls the steps record. With `class`, states are visited one per
/// class of the symmetry it names ([`crate::symmetry`]), each as its representative.
/// Single-threaded: the calls are recorded on the calling thread.
pub fn collect<M>(model: &M, bounds: Bounds, class: Option<Representative<M>>) -> Coverage
where
    M: Model,
    M::State: Hash,
    M::Action: Debug + Clone,
{
    let keys = (ahash::RandomState::new(), ahash::RandomState::new());
    let fingerprint =
        |s: &M::State| (u128::from(keys.0.hash_one(s)) << 64) | u128::from(keys.1.hash_one(s));
    let canonical = |s: M::State| match class {
        Some(rep) => rep(&s),
        None => s,
    };
    let mut seen: HashSet<u128> = HashSet::new();
    // Breadth-first, so that a visit a bound stops has covered every state up to some depth.
    let mut queue: VecDeque<M::State> = VecDeque::new();
    let limit = bounds.states.unwrap_or(usize::MAX);
    let start = std::time::Instant::now();
    let mut stopped_by = None;
    for s in model.init_states().into_iter().filter(|s| model.within_boundary(s)) {
        let s = canonical(s);
        if seen.insert(fingerprint(&s)) {
            queue.push_back(s);
        }
    }
    let was = RECORDING.with(|r| r.replace(true));
    RECORDER.with(|r| *r.borrow_mut() = Recorder::default());
    // Per row: calls, and calls in steps that changed nothing.
    let mut counts: Vec<(u64, u64)> = Vec::new();
    let (mut steps, mut unchanged, mut successors) = (0u64, 0u64, 0u64);
    let mut actions = Vec::new();
    let mut visited = 0u64;
    while let Some(state) = queue.pop_front() {
        // Memory and time are read every 4,096 states: reading them costs a system call.
        visited += 1;
        if visited % 4096 == 0 && (bounds.bytes.is_some() || bounds.time.is_some()) {
            let resident = crate::report::resident_bytes();
            if bounds.bytes.zip(resident).is_some_and(|(max, now)| now >= max) {
                stopped_by = Some("memory");
                break;
            }
            if bounds.time.is_some_and(|t| start.elapsed() >= t) {
                stopped_by = Some("time");
                break;
            }
        }
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            // What `actions` recorded (a model may run handlers to list its actions) is not a step.
            RECORDER.with(|r| {
                let mut r = r.borrow_mut();
                r.calls.clear();
                let events = std::mem::take(&mut r.events);
                r.spare.extend(events);
            });
            let next = model.next_state(&state, action.clone());
            steps += 1;
            RECORDER.with(|r| {
                let mut r = r.borrow_mut();
                if r.calls.is_empty() {
                    r.record(|out| {
                        out.push_str("action ");
                        name_into(out, &action);
                        out.push_str("\tno handler ran");
                    });
                }
                counts.resize(r.names.len(), (0, 0));
                for &id in &r.calls {
                    counts[id].0 += 1;
                    counts[id].1 += u64::from(next.is_none());
                }
            });
            let Some(next) = next else {
                unchanged += 1;
                continue;
            };
            if !model.within_boundary(&next) {
                continue;
            }
            successors += 1;
            let next = canonical(next);
            let fp = fingerprint(&next);
            if seen.contains(&fp) {
                continue;
            }
            if seen.len() >= limit {
                stopped_by = stopped_by.or(Some("states"));
                continue;
            }
            seen.insert(fp);
            queue.push_back(next);
        }
    }
    RECORDING.with(|r| r.set(was));
    let names = RECORDER.with(|r| std::mem::take(&mut *r.borrow_mut()).names);
    let mut rows: Vec<Row> = names
        .into_iter()
        .zip(counts)
        .map(|((input, outcome), (calls, unchanged))| Row { input, outcome, calls, unchanged })
        .collect();
    rows.sort_by(|a, b| (&a.input, &a.outcome).cmp(&(&b.input, &b.outcome)));
    Coverage {
        states: seen.len(),
        steps,
        unchanged,
        successors,
        complete: stopped_by.is_none(),
        stopped_by,
        rows,
        elapsed_s: start.elapsed().as_secs_f64(),
    }
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The table: a heading with the counts, then one line per input and outcome.
impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Coverage: {} states{}, {} steps ({} change nothing) in {:.3} s; handler calls by input and outcome:",
            grouped(self.states as u64),
            match self.stopped_by {
                None => String::new(),
                Some(bound) => format!(" (stopped by the {bound} bound: not every state)"),
            },
            grouped(self.steps),
            grouped(self.unchanged),
            self.elapsed_s,
        )?;
        let input_width = self.rows.iter().map(|r| r.input.chars().count()).max().unwrap_or(0);
        let outcome_width = self.rows.iter().map(|r| r.outcome.chars().count()).max().unwrap_or(0);
        let mut last: Option<&str> = None;
        for r in &self.rows {
            let input = if last == Some(r.input.as_str()) { "" } else { r.input.as_str() };
            last = Some(r.input.as_str());
            write!(
                f,
                "  {input:<input_width$}  {:<outcome_width$}  {:>12}",
                r.outcome,
                grouped(r.calls)
            )?;
            match r.unchanged {
                0 => writeln!(f)?,
                n if n == r.calls => writeln!(f, "  (all change nothing)")?,
                n => writeln!(f, "  ({} change nothing)", grouped(n))?,
            }
        }
        write!(f, "An outcome that is not listed never occurred in this check.")
    }
}

#[cfg(test)]
mod tests {
    use super::{collect, event, message, name_into, timer, Bounds};
    use std::fmt::Debug;

    fn kind(value: &impl Debug) -> String {
        let mut out = String::new();
        name_into(&mut out, value);
        out
    }
    use stateright::Model;

    /// A counter mod 4 with two actions: `Add` (rejected at 3, which changes nothing) and
    /// `Tick`, which calls no handler.
    struct Counter;

    #[derive(Clone, Debug)]
    enum Act {
        Add,
        Tick,
    }

    // The fields are there to be printed: `kind` must cut the name from what follows it.
    #[allow(dead_code)]
    #[derive(Debug)]
    enum Err {
        Full { at: u8 },
    }

    #[allow(dead_code)]
    #[derive(Debug)]
    enum Msg {
        Add(u8),
    }

    #[derive(Debug)]
    enum Timer {
        Retry,
    }

    impl Model for Counter {
        type State = u8;
        type Action = Act;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, _: &u8, actions: &mut Vec<Act>) {
            actions.extend([Act::Add, Act::Tick]);
        }
        fn next_state(&self, s: &u8, a: Act) -> Option<u8> {
            match a {
                Act::Add => {
                    let result = if *s == 3 { Err(Err::Full { at: 3 }) } else { Ok(()) };
                    if *s == 2 {
                        // Twice: an outcome names each kind once.
                        event(&Msg::Add(3));
                        event(&Msg::Add(3));
                    }
                    message(&Msg::Add(1), &result);
                    if *s < 3 {
                        timer(&Timer::Retry);
                    }
                    result.ok().map(|()| s + 1)
                }
                Act::Tick => Some(*s),
            }
        }
    }

    #[test]
    fn every_step_of_every_state_is_counted_by_input_and_outcome() {
        let c = collect(&Counter, Bounds::default(), None);
        assert_eq!((c.states, c.steps, c.unchanged, c.successors), (4, 8, 1, 7));
        assert!(c.complete);
        assert_eq!(c.calls("message Add", "accepted"), 2);
        assert_eq!(c.calls("message Add", "accepted, emits Add"), 1, "the events go with it");
        assert_eq!(c.calls("message Add", "rejected: Full"), 1);
        assert_eq!(c.calls("timer Retry", "fired"), 3, "not the message's events");
        assert_eq!(c.calls("action Tick", "no handler ran"), 4);
        assert_eq!(
            c.outcomes("message Add"),
            [("accepted", 2), ("accepted, emits Add", 1), ("rejected: Full", 1)]
        );
        let text = c.to_string();
        assert!(text.starts_with("Coverage: 4 states, 8 steps (1 change nothing) in "), "{text}");
        assert!(text.contains("  message Add  accepted"), "{text}");
        assert!(text.contains("               rejected: Full"), "{text}");
    }

    #[test]
    fn a_symmetry_visits_one_state_per_class() {
        // Classes {0, 2} and {1, 3}: the representative is the state mod 2.
        let c = collect(&Counter, Bounds::default(), Some(|s: &u8| s % 2));
        assert_eq!((c.states, c.steps), (2, 4));
        assert_eq!(c.calls("message Add", "accepted"), 2);
        assert_eq!(c.calls("message Add", "rejected: Full"), 0, "3 is visited as 1");
    }

    #[test]
    fn a_state_limit_stops_the_visit_and_says_so() {
        let c = collect(&Counter, Bounds { states: Some(2), ..Bounds::default() }, None);
        assert_eq!(c.states, 2);
        assert!(!c.complete);
        assert_eq!(c.stopped_by, Some("states"));
        assert!(c.to_string().contains("(stopped by the states bound: not every state)"));
    }

    #[test]
    fn nothing_is_recorded_outside_a_visit() {
        message(&Msg::Add(1), &Ok::<(), ()>(()));
        let c = collect(&Counter, Bounds { states: Some(1), ..Bounds::default() }, None);
        assert_eq!(c.calls("message Add", "accepted"), 1, "only the visit's own step");
    }

    #[test]
    fn a_kind_is_the_name_a_debug_output_starts_with() {
        assert_eq!(kind(&Err::Full { at: 3 }), "Full");
        assert_eq!(kind(&format_args!("Request#3 Acquire(1)")), "Request");
        assert_eq!(kind(&Some(1)), "Some");
        assert_eq!(kind(&format_args!("→ x")), "→ x", "no name: the output itself");
    }
}
