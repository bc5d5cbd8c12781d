//! The `inflight` command line: argument types with units, and the subcommands.

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use inflight_checker::batch::LinkLimit;
use inflight_checker::deadlock::representative as deadlock_representative;
use inflight_checker::deadlock::{MAX_PROCESSES as MAX_DL_PROCESSES, MAX_SITES as MAX_DL_SITES};
use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::pipeline::PipelineCfg;
use inflight_checker::replication::{representative, ReplicationCfg};
use inflight_checker::report::{
    default_memory_limit, run_check_reduced, CheckOptions, CheckReport, Describe, FaultFn,
    MemoryLimit, Strategy,
};
use inflight_checker::stage::StageCfg;
use inflight_checker::staleness::StalenessCfg;
use inflight_checker::symmetry::Reduced;
use inflight_checker::timed::{Timed, TimedCfg, TimedProtocol};
use inflight_checker::timed_protocols::{PipelineSaturated, ReplicationSaturated, StageSaturated};
use inflight_checker::ttl::representative as ttl_representative;
use inflight_checker::ttl::{PolicyKind, TtlCfg};
use inflight_core::replication::{AckPolicy, Fault, MAX_REPLICAS};
use inflight_models::laws::{self, Link};
use inflight_models::units::{self, sig_figs, Bits, BitsPerSec, PerSec, Seconds, Q};
use num_traits::Zero;
use serde_json::json;
use std::process::ExitCode;

/// Check, explore and predict latency-bound distributed protocols.
#[derive(Parser, Debug)]
#[command(name = "inflight", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exhaustively check a protocol: every interleaving, loss, duplication and crash allowed by
    /// the options. Prints each property's verdict, state counts and speed, and the
    /// counterexample path when a property fails (exit code 1). A check bounded by --max-states,
    /// --timeout or --max-memory that stops before the end without a counterexample exits 3.
    Check {
        #[command(subcommand)]
        protocol: Box<CheckProtocol>,
    },
    /// Serve stateright's web explorer for a protocol, to walk its states and counterexamples
    /// step by step in a browser.
    Explore {
        #[command(subcommand)]
        protocol: Box<ExploreProtocol>,
    },
    /// Run a protocol's core machines in the deterministic simulator and compare with the law.
    Simulate {
        #[command(subcommand)]
        protocol: Box<SimulateProtocol>,
    },
    /// Evaluate a performance law (MODELS.md) as a calculator.
    Predict {
        #[command(subcommand)]
        law: Box<PredictLaw>,
    },
    /// Print shell completions for SHELL to stdout.
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
enum CheckProtocol {
    /// The discrete-time window model of MODELS.md §2 (credits returning L ticks after sending):
    /// its whole graph, and the exact best and worst long-run throughput with certificates.
    Window {
        /// Ticks from sending to the credit returning, L ≥ 1.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=16))]
        latency: u8,
        /// Extra ticks a credit may take, J.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=8))]
        jitter: u8,
        /// The window M (credits).
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u8).range(1..=64))]
        window: u8,
        /// Ticks to serialize each message, σ.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16), conflicts_with = "capacity")]
        serialize: Option<u8>,
        /// Messages the link may start per tick, c.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
        capacity: Option<u8>,
        /// The sender sends whenever it can.
        #[arg(long)]
        eager: bool,
        /// A returned credit is usable only from the next tick (slot time L + 1).
        #[arg(long)]
        credit_next_tick: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Synchronous replication: a primary, its replicas, a window of k unacknowledged writes.
    Replication {
        #[command(flatten)]
        model: ReplicationArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        timed: TimedArgs,
        /// Symmetry reduction: explore one state of each class of states that differ only by
        /// the replicas' names (up to R! times fewer states). The search is depth-first; every
        /// counterexample is still a real run; `eventually` is decided on the reduced graph when
        /// it has no cycle or dead end without the goal, else on the whole graph.
        /// Each path is also printed for `explore --symmetry`; with --replay, the path is one
        /// of those.
        #[arg(long)]
        symmetry: bool,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Deadlock detection from delayed, versioned reports (MODELS.md §4): processes lock
    /// resources at sites, sites report their wait-for edges, a detector declares cycles. The
    /// naive detector is expected to declare a phantom (a cycle that never existed at once); the
    /// confirming one must never.
    Deadlock {
        #[command(flatten)]
        model: DeadlockArgs,
        #[command(flatten)]
        run: RunArgs,
        /// Symmetry reduction: explore one state of each class of states that differ only by
        /// a shift of every process, resource and site (up to P times fewer states). Needs
        /// --workload ring, as many resources as processes and a number of sites that divides
        /// it. The search is depth-first; every counterexample is still a real run;
        /// `eventually` is decided on the reduced graph when it has no cycle or dead end
        /// without the goal, else on the whole graph.
        /// Each path is also printed for `explore --symmetry`; with --replay, the path is one
        /// of those.
        #[arg(long)]
        symmetry: bool,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Jittered retries against a server that sheds load (MODELS.md §6), slot by slot, with
    /// every random draw explored: the server is down at first, so every client fails at once.
    Retry {
        #[command(flatten)]
        model: RetryArgs,
        #[command(flatten)]
        run: RunArgs,
        /// Symmetry reduction: explore one state of each class of states that differ only by
        /// the clients' names (up to N! times fewer states). Within a slot, clients act in an
        /// order fixed by their states, not their names, so the model is symmetric. The search
        /// is depth-first; every counterexample is still a real run; `eventually` is decided on
        /// the reduced graph when it has no cycle or dead end without the goal, else on the
        /// whole graph.
        /// Each path is also printed for `explore --symmetry`; with --replay, the path is one
        /// of those.
        #[arg(long)]
        symmetry: bool,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Windowed pipelining: a sender with a window of M messages, a receiver that delivers in
    /// order and exactly once.
    Pipeline {
        #[command(flatten)]
        model: PipelineArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        timed: TimedArgs,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// A line of stages fed by a source with a concurrency cap (MODELS.md §3): never more than
    /// the cap in the line, no job lost or duplicated, every job completed. The line has no
    /// retransmission, so it is checked on networks that neither lose nor duplicate. With
    /// --timed: the exact best and worst throughput over every delay, beside §3's law.
    Stage {
        #[command(flatten)]
        model: StageArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        timed: TimedArgs,
        /// With --timed: ticks of work a job takes at each stage, in order, separated by commas
        /// (1 to 16 each) [default: 1 at every stage].
        #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=16))]
        work: Vec<u32>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Naming (MODELS.md §5): an authority whose record changes and caching resolvers that
    /// answer reads under a policy, through every order of queries, resends, answers, pushes,
    /// losses and crashes: reads never go back in time, each is answered once, and all are
    /// answered. With --timed: how stale a read can be at worst and how long it waits, over
    /// every delay and for ever, held to the bounds derived for the policy. (How often a read is
    /// stale is MODELS.md §5's law, which `simulate ttl` measures.)
    Ttl {
        #[command(flatten)]
        model: TtlArgs,
        #[command(flatten)]
        run: RunArgs,
        /// Symmetry reduction: explore one state of each class of states that differ only by
        /// the resolvers' names (up to R! times fewer states). The search is depth-first; every
        /// counterexample is still a real run; `eventually` is decided on the reduced graph when
        /// it has no cycle or dead end without the goal, else on the whole graph. Not with --timed, which has one resolver.
        /// Each path is also printed for `explore --symmetry`; with --replay, the path is one
        /// of those.
        #[arg(long)]
        symmetry: bool,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ExploreProtocol {
    /// Jittered retries (same options as `check retry`), slot by slot with every draw.
    Retry {
        #[command(flatten)]
        model: RetryArgs,
        /// List one branch per class of next states that differ only by the clients' names (the
        /// first of each, in the model's order), as `check --symmetry` explores one state per
        /// class. States are never renamed: every path is a real run. Open the paths that
        /// `check retry --symmetry` prints under "reduced by symmetry".
        #[arg(long)]
        symmetry: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Deadlock detection (same options as `check deadlock`); with --detector naive, the
    /// phantom's path is listed by `check deadlock`.
    Deadlock {
        #[command(flatten)]
        model: DeadlockArgs,
        /// List one branch per class of next states that differ only by a shift of every
        /// process, resource and site (the first of each, in the model's order), as `check
        /// --symmetry` explores one state per class; the same conditions apply. States are
        /// never renamed: every path is a real run.
        #[arg(long)]
        symmetry: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Synchronous replication (same options as `check replication`).
    Replication {
        #[command(flatten)]
        model: ReplicationArgs,
        /// List one branch per class of next states that differ only by the replicas' names (the
        /// first of each, in the model's order), as `check --symmetry` explores one state per
        /// class. States are never renamed: every path is a real run. Open the paths that
        /// `check replication --symmetry` prints under "reduced by symmetry".
        #[arg(long)]
        symmetry: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Windowed pipelining (same options as `check pipeline`).
    Pipeline {
        #[command(flatten)]
        model: PipelineArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// A capped line of stages (same options as `check stage`).
    Stage {
        #[command(flatten)]
        model: StageArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// An authority and its caching resolvers (same options as `check ttl`).
    Ttl {
        #[command(flatten)]
        model: TtlArgs,
        /// List one branch per class of next states that differ only by the resolvers' names (the
        /// first of each, in the model's order), as `check --symmetry` explores one state per
        /// class; not with --timed. States are never renamed: every path is a real run. Open
        /// the paths that `check ttl --symmetry` prints under "reduced by symmetry".
        #[arg(long)]
        symmetry: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

/// Timed exploration: every delay within the bounds, one tick per step, and the exact best and
/// worst long-run throughput over all schedules.
#[derive(Args, Debug)]
struct TimedArgs {
    /// Explore under a global tick clock and report exact best/worst long-run throughput (the
    /// application always has more to send; uses --window, --replicas and --ack, or for a line
    /// of stages --workers, --cap and --work).
    #[arg(long)]
    timed: bool,
    /// Ticks per hop, L ≥ 1 (a round trip is 2L) [default: 2].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    latency: Option<u8>,
    /// Extra ticks any message may take, J: every delay in [L, L + J] is explored [default: 0].
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=8))]
    jitter: Option<u8>,
    /// Ticks to serialize each payload message on its link, σ (capacity 1/σ per tick).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16), conflicts_with = "capacity")]
    serialize: Option<u8>,
    /// Payload messages each link may start per tick, c.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
    capacity: Option<u8>,
    /// The application sends whenever the protocol accepts (maximal progress); otherwise it may
    /// hold back, and the worst case is 0.
    #[arg(long)]
    eager: bool,
}

impl TimedArgs {
    fn cfg(&self) -> TimedCfg {
        TimedCfg {
            latency: self.latency.unwrap_or(2),
            jitter: self.jitter.unwrap_or(0),
            link: match (self.serialize, self.capacity) {
                (Some(s), _) => LinkLimit::Serialize(s),
                (None, Some(c)) => LinkLimit::Capacity(c),
                (None, None) => LinkLimit::None,
            },
            eager: self.eager,
        }
    }
}

impl TimedArgs {
    /// The first option of the timed check that was given, if any.
    fn given(&self) -> Option<&'static str> {
        [
            (self.latency.is_some(), "--latency"),
            (self.jitter.is_some(), "--jitter"),
            (self.serialize.is_some(), "--serialize"),
            (self.capacity.is_some(), "--capacity"),
            (self.eager, "--eager"),
        ]
        .into_iter()
        .find_map(first_given)
    }

    /// An error if the timed check was asked for with options it ignores, or its own options
    /// without it: either way the user would get an answer to a question they did not ask.
    /// `uses` names the scenario options the timed check does take.
    fn check_options(&self, untimed: Option<&'static str>, uses: &str) -> Result<(), String> {
        match (self.timed, untimed, self.given()) {
            (true, Some(flag), _) => Err(format!(
                "{flag} does not apply with --timed, which explores the correct protocol, \
                 always saturated, on a network that neither loses, duplicates nor crashes, in \
                 one thread (of the scenario's options it uses only {uses})"
            )),
            (false, _, Some(flag)) => Err(format!(
                "{flag} applies only with --timed (the exact best and worst throughput)"
            )),
            _ => Ok(()),
        }
    }
}

/// Where and how to serve the explorer.
#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to serve on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: String,
    /// Worker threads for "run to completion" in the explorer.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
}

impl ServeArgs {
    /// Checks the address is usable, then serves `model` forever.
    fn serve<M>(&self, model: M, what: &str) -> Result<ExitCode, String>
    where
        M: stateright::Model + Send + Sync + 'static,
        M::State: std::fmt::Debug
            + Describe
            + std::hash::Hash
            + Clone
            + PartialEq
            + Send
            + Sync
            + 'static,
        M::Action: std::fmt::Debug + Clone + PartialEq + Send + Sync + 'static,
    {
        let addr = &self.addr;
        let parsed: std::net::SocketAddr = addr
            .parse()
            .map_err(|_| format!("--addr: '{addr}' is not an address such as 127.0.0.1:3000"))?;
        // Fail with a clear message now rather than inside stateright's server thread.
        drop(
            std::net::TcpListener::bind(parsed)
                .map_err(|e| format!("--addr: cannot listen on {addr}: {e}"))?,
        );
        eprintln!("Explorer for {what} at http://{addr}/");
        eprintln!("Press Ctrl-C to stop.");
        // States print as one compact line per actor, not stateright's field dump.
        let readable = inflight_checker::readable::Readable::new(model);
        stateright::Model::checker(readable).threads(self.threads as usize).serve(parsed);
        Ok(ExitCode::SUCCESS)
    }

    /// Serves `model`, reduced by `representative` if one is given (`--symmetry`).
    fn serve_reduced<M>(
        &self,
        model: M,
        representative: Option<inflight_checker::symmetry::Representative<M>>,
        what: &str,
    ) -> Result<ExitCode, String>
    where
        M: stateright::Model + Send + Sync + 'static,
        M::State: std::fmt::Debug + Describe + std::hash::Hash + Eq + Clone + Send + Sync + 'static,
        M::Action: std::fmt::Debug + Clone + PartialEq + Send + Sync + 'static,
    {
        match representative {
            Some(rep) => self.serve(Reduced::new(model, rep), &reduced(what)),
            None => self.serve(model, what),
        }
    }
}

/// Writes (replication) and messages (pipelining) an untimed check sends by default.
const DEFAULT_ITEMS: u8 = 3;

/// The network options every untimed model shares.
#[derive(Args, Debug, Clone)]
struct NetworkArgs {
    /// Network semantics: ordered (FIFO per pair), unordered (any order, at most once) or
    /// duplicating (any order, any number of times).
    #[arg(long, default_value = "unordered", value_parser = network)]
    network: NetworkKind,
    /// The network may also drop any message (turns on retransmission).
    #[arg(long)]
    lossy: bool,
    /// Retransmit on a timer even on a lossless network (on by default with --lossy).
    #[arg(long)]
    retransmit: bool,
    /// Nodes that may be down at once; a crash loses volatile state, recovery keeps what the
    /// node stores durably.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=8))]
    crashes: u8,
    /// Explore only states with at most this many messages in the network (bounds
    /// retransmission on a non-duplicating network).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    max_in_network: Option<u16>,
}

impl NetworkArgs {
    /// The first option given that changes the network from its default, if any.
    fn given(&self) -> Option<&'static str> {
        [
            (self.network != NetworkKind::Unordered, "--network"),
            (self.lossy, "--lossy"),
            (self.retransmit, "--retransmit"),
            (self.crashes > 0, "--crashes"),
            (self.max_in_network.is_some(), "--max-in-network"),
        ]
        .into_iter()
        .find_map(first_given)
    }

    /// Whether the model retransmits: asked for, or needed because the network is lossy.
    fn retransmit(&self) -> bool {
        self.retransmit || self.lossy
    }

    /// The bound on messages in flight, if any.
    fn max_in_network(&self) -> Option<usize> {
        self.max_in_network.map(usize::from)
    }

    /// These options as command-line flags, for the "open it in the explorer" hint.
    fn to_cli(&self) -> String {
        let mut s = format!(" --network {}", self.network);
        if self.lossy {
            s += " --lossy";
        }
        if self.retransmit {
            s += " --retransmit";
        }
        if self.crashes > 0 {
            s += &format!(" --crashes {}", self.crashes);
        }
        if let Some(m) = self.max_in_network {
            s += &format!(" --max-in-network {m}");
        }
        s
    }
}

/// What [`fault_unshown`] says of a variant with no known way to show it.
const GENERIC_HOW: &str = "A larger scenario may show it.";

/// For `find_map` over (given, flag) pairs: the first flag given.
fn first_given((given, flag): (bool, &'static str)) -> Option<&'static str> {
    given.then_some(flag)
}

/// For a broken variant that passed every property: a note that the scenario did not show the
/// bug, and `how` to show it. Nothing for the correct protocol.
fn fault_unshown<F: ValueEnum + PartialEq>(fault: &F, how: &str) -> Option<String> {
    let flag = fault_flag(fault);
    (!flag.is_empty()).then(|| {
        format!("{} did not show in this scenario, so every property holds. {how}", flag.trim())
    })
}

/// ` --fault NAME` for a broken variant, nothing for the correct protocol (the first value).
fn fault_flag<F: ValueEnum + PartialEq>(fault: &F) -> String {
    let correct = F::value_variants().first().is_some_and(|first| first == fault);
    match fault.to_possible_value().filter(|_| !correct) {
        Some(v) => format!(" --fault {}", v.get_name()),
        None => String::new(),
    }
}

/// The pipelining scenario.
#[derive(Args, Debug, Clone)]
pub struct PipelineArgs {
    /// Window M: messages unacknowledged at once (1 to 16).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
    window: u16,
    /// Messages to send (1 to 16).
    #[arg(long, default_value_t = DEFAULT_ITEMS, value_parser = clap::value_parser!(u8).range(1..=16))]
    messages: u8,
    #[command(flatten)]
    net: NetworkArgs,
    /// Check a deliberately broken variant, to see a property fail.
    #[arg(long, value_enum, default_value_t = PipelineFaultArg::None)]
    fault: PipelineFaultArg,
}

/// The line of stages.
#[derive(Args, Debug, Clone)]
pub struct StageArgs {
    /// Workers at each stage, in order, separated by commas: 1 to 4 stages of 1 to 4 workers.
    #[arg(long, value_delimiter = ',', default_values_t = [1u8, 2],
          value_parser = clap::value_parser!(u8).range(1..=4))]
    workers: Vec<u8>,
    /// The source's cap: jobs outstanding at once (1 to 8).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=8))]
    cap: u8,
    /// Jobs the source's application submits (1 to 16).
    #[arg(long, default_value_t = DEFAULT_ITEMS, value_parser = clap::value_parser!(u8).range(1..=16))]
    jobs: u8,
    /// Network semantics: ordered (FIFO per pair) or unordered (any order, at most once). The
    /// line has no retransmission and no deduplication, so a lossy or duplicating network is
    /// outside what it promises.
    #[arg(long, default_value = "unordered", value_parser = stage_network)]
    network: NetworkKind,
    /// Check a deliberately broken variant, to see a property fail.
    #[arg(long, value_enum, default_value_t = StageFaultArg::None)]
    fault: StageFaultArg,
}

/// `--network` for the line: ordered or unordered.
fn stage_network(s: &str) -> Result<NetworkKind, String> {
    match network(s)? {
        NetworkKind::Duplicating => {
            Err("the line of stages keeps no record of the jobs it passed \
                                         on, so it is checked on ordered or unordered networks"
                .into())
        }
        kind => Ok(kind),
    }
}

/// Deliberately broken variants of the line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum StageFaultArg {
    /// The correct line.
    None,
    /// The source admits cap + 1 jobs.
    CapOffByOne,
    /// A stage takes the next waiting job off its queue and never starts it.
    DropQueuedJob,
}

impl StageArgs {
    /// What to print if the broken variant asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let how = match self.fault {
            StageFaultArg::CapOffByOne if self.jobs <= self.cap => {
                "The extra job is admitted only when more jobs are submitted than the cap: raise \
                 --jobs above --cap."
            }
            StageFaultArg::DropQueuedJob => {
                "A job waits in a queue only when it finds every worker of a stage busy: give a \
                 stage fewer workers than --cap (for example --workers 1,2 --cap 2)."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    fn cfg(&self) -> Result<StageCfg, String> {
        use inflight_core::stage::Fault as F;
        let max = inflight_core::stage::MAX_STAGES;
        if self.workers.len() > max {
            return Err(format!(
                "--workers: {} stages given, a line has 1 to {max}",
                self.workers.len()
            ));
        }
        let mut workers = [0; inflight_core::stage::MAX_STAGES];
        workers[..self.workers.len()].copy_from_slice(&self.workers);
        let cfg = StageCfg {
            workers,
            stages: self.workers.len() as u8,
            cap: self.cap,
            jobs: self.jobs,
            network: self.network,
            fault: match self.fault {
                StageFaultArg::None => F::None,
                StageFaultArg::CapOffByOne => F::CapOffByOne,
                StageFaultArg::DropQueuedJob => F::DropQueuedJob,
            },
        };
        cfg.validate().map_err(|e| format!("invalid stage scenario: {e}"))?;
        Ok(cfg)
    }

    fn to_cli(&self) -> String {
        let workers: Vec<String> = self.workers.iter().map(u8::to_string).collect();
        format!(
            "--workers {} --cap {} --jobs {} --network {}{}",
            workers.join(","),
            self.cap,
            self.jobs,
            self.network,
            fault_flag(&self.fault)
        )
    }
}

/// The naming scenario.
#[derive(Args, Debug, Clone)]
pub struct TtlArgs {
    /// How the resolvers keep their cache: on-demand (fetch on a miss; in an untimed model an
    /// entry never expires), periodic (refresh on a timer), push (the authority pushes every
    /// change), push-renew (push, and subscribe again on a timer, so a lost push is made good)
    /// or no-cache (fetch on every read).
    #[arg(long, value_enum, default_value_t = TtlPolicyArg::OnDemand)]
    policy: TtlPolicyArg,
    /// Resolvers (1 to 3).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    resolvers: u8,
    /// Reads each resolver's application makes (1 to 8).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=8))]
    reads: u8,
    /// Changes the authority's application makes to the record (0 to 4) [default: 1]. Not
    /// with --timed, which explores any number of them, at most one a tick.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=4))]
    changes: Option<u8>,
    /// Periodic policy only: the refreshes each resolver makes, per life (1 to 4) [default: 2].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    refreshes: Option<u8>,
    /// Network semantics: duplicating (any order, any number of times), unordered (any order,
    /// at most once) or ordered (FIFO per pair). A resolver resends its query on a timer, so
    /// unordered and ordered networks need --max-in-network.
    #[arg(long, default_value = "duplicating", value_parser = network)]
    network: NetworkKind,
    /// The network may also drop any message (not with --policy push, which never repairs a
    /// lost push: use push-renew).
    #[arg(long)]
    lossy: bool,
    /// Nodes that may be down at once; a crashed resolver loses its cache and its waiting
    /// reads.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=4))]
    crashes: u8,
    /// Explore only states with at most this many messages in the network.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    max_in_network: Option<u16>,
    /// Check a deliberately broken resolver, to see a property fail.
    #[arg(long, value_enum, default_value_t = TtlFaultArg::None)]
    fault: TtlFaultArg,
    /// How stale a read can be: one resolver under a tick clock, every message delay in
    /// [L, L + J] and every moment of every read and change explored, against the worst case
    /// derived for the policy, for ever and with any number of changes (uses --policy and --fault
    /// of the options above).
    #[arg(long)]
    timed: bool,
    /// With --timed: θ, the TTL (on-demand), the refresh period (periodic) or the renewal
    /// period (push-renew), in ticks [default: 4].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=32))]
    ttl: Option<u8>,
    /// With --timed: ticks per hop, L [default: 2].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=8))]
    latency: Option<u8>,
    /// With --timed: extra ticks any message may take, J: every delay in [L, L + J] is
    /// explored [default: 1].
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=4))]
    jitter: Option<u8>,
    /// With --timed: up to this many messages are lost, in all, at any moments (0 to 3); the
    /// resolver resends a query after 2(L + J) + 1 ticks, and the bounds grow by what the
    /// losses delay the answer. Not with --policy push, which never repairs a lost push (use
    /// push-renew) [default: 0].
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
    losses: Option<u8>,
}

/// A resolver's policy on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TtlPolicyArg {
    /// Fetch on a miss.
    OnDemand,
    /// Refresh on a timer.
    Periodic,
    /// The authority pushes every change.
    Push,
    /// Push, and subscribe again every θ: the authority answers with the record.
    PushRenew,
    /// Fetch on every read.
    NoCache,
}

/// Deliberately broken resolvers.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TtlFaultArg {
    /// The correct resolver.
    None,
    /// Caches any answer, even a late one older than its cache.
    AcceptStaleAnswers,
    /// Never clears the reads it answered, and answers them again.
    KeepWaitingReads,
    /// Numbers its queries from 0 again after a crash.
    RestartQueryNumbers,
    /// Push: answers reads from pushed records before its own query confirms them.
    TrustUnconfirmedPush,
    /// On demand: never finds its entry expired, and answers from it long after the TTL.
    IgnoreExpiry,
    /// On demand: still answers from an entry in the tick it expires (one tick too long).
    ExpiryOffByOne,
    /// Periodic: fills an empty cache only from the answer to its latest query, so one that
    /// refreshes faster than the round trip never answers a read.
    TakeOnlyAwaitedAnswers,
    /// Sends a lost query again only once, so a second loss leaves its reads waiting for ever.
    ResendOnce,
    /// Push-renew: subscribes again only once, so a push lost after that is never made good.
    RenewOnce,
}

impl TtlArgs {
    /// What to print if the broken resolver asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let timing = matches!(self.fault, TtlFaultArg::IgnoreExpiry | TtlFaultArg::ExpiryOffByOne);
        let how = match self.fault {
            TtlFaultArg::ResendOnce => {
                "Only a second loss of the same query, or of its answer, shows it, and a periodic \
                 refresh makes it good: use --timed --losses 2 --policy on-demand (or no-cache), \
                 or --lossy without --timed."
            }
            TtlFaultArg::RenewOnce if self.policy != TtlPolicyArg::PushRenew => {
                "It is a renewing push resolver's fault: use --policy push-renew --lossy, or \
                 --policy push-renew --timed --losses 1."
            }
            TtlFaultArg::RenewOnce => {
                "Only a lost push shows it: add --lossy, or --timed --losses 1."
            }
            TtlFaultArg::TakeOnlyAwaitedAnswers => {
                "Only a periodic resolver that refreshes faster than the round trip shows it, \
                 and only under a clock: use --timed --policy periodic --ttl 1."
            }
            _ if timing && !self.timed => {
                "Without a clock a TTL never runs out: only --timed shows it."
            }
            _ if timing && self.policy != TtlPolicyArg::OnDemand => {
                "It is an on-demand resolver's fault: use --policy on-demand."
            }
            _ if !timing && self.timed => {
                "It breaks what the order of messages shows, not how stale a read is: check \
                 without --timed."
            }
            TtlFaultArg::RestartQueryNumbers if self.crashes == 0 => {
                "Only a crash shows it: add --crashes 1."
            }
            TtlFaultArg::KeepWaitingReads => {
                "A read waits for a fetch after an earlier fetch only when the cache cannot \
                 answer it: use --policy periodic or --policy no-cache."
            }
            TtlFaultArg::TrustUnconfirmedPush => {
                "Only a push from before a crash shows it: use --policy push --crashes 1."
            }
            TtlFaultArg::AcceptStaleAnswers if self.policy == TtlPolicyArg::NoCache => {
                "Without a cache every read waits for its own fetch: use --policy on-demand, \
                 periodic or push."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    fn fault(&self) -> inflight_core::ttl::Fault {
        use inflight_core::ttl::Fault as F;
        match self.fault {
            TtlFaultArg::None => F::None,
            TtlFaultArg::AcceptStaleAnswers => F::AcceptStaleAnswers,
            TtlFaultArg::KeepWaitingReads => F::KeepWaitingReads,
            TtlFaultArg::RestartQueryNumbers => F::RestartQueryNumbers,
            TtlFaultArg::TrustUnconfirmedPush => F::TrustUnconfirmedPush,
            TtlFaultArg::IgnoreExpiry => F::IgnoreExpiry,
            TtlFaultArg::ExpiryOffByOne => F::ExpiryOffByOne,
            TtlFaultArg::TakeOnlyAwaitedAnswers => F::TakeOnlyAwaitedAnswers,
            TtlFaultArg::ResendOnce => F::ResendOnce,
            TtlFaultArg::RenewOnce => F::RenewOnce,
        }
    }

    fn policy(&self) -> PolicyKind {
        match self.policy {
            TtlPolicyArg::OnDemand => PolicyKind::OnDemand,
            TtlPolicyArg::Periodic => PolicyKind::Periodic,
            TtlPolicyArg::Push => PolicyKind::Push,
            TtlPolicyArg::PushRenew => PolicyKind::PushRenew,
            TtlPolicyArg::NoCache => PolicyKind::NoCache,
        }
    }

    /// The first option of the timed check that was given, if any.
    fn timed_given(&self) -> Option<&'static str> {
        [
            (self.ttl.is_some(), "--ttl"),
            (self.latency.is_some(), "--latency"),
            (self.jitter.is_some(), "--jitter"),
            (self.losses.is_some(), "--losses"),
        ]
        .into_iter()
        .find_map(first_given)
    }

    /// The timed scenario (`--timed`).
    fn timed_cfg(&self) -> Result<StalenessCfg, String> {
        let untimed = [
            (self.resolvers != 1, "--resolvers"),
            (self.reads != 2, "--reads"),
            (self.refreshes.is_some(), "--refreshes"),
            (self.network != NetworkKind::Duplicating, "--network"),
            (self.crashes > 0, "--crashes"),
            (self.max_in_network.is_some(), "--max-in-network"),
            (self.changes.is_some(), "--changes"),
        ];
        if self.lossy {
            return Err("--lossy does not apply with --timed: give --losses N, the most messages \
                        the timed check loses"
                .into());
        }
        if let Some(flag) = untimed.into_iter().find_map(first_given) {
            return Err(format!(
                "{flag} does not apply with --timed, which explores one resolver that reads at \
                 any tick and a record that changes at any tick, for ever, on a network that \
                 neither duplicates nor crashes and loses only what --losses allows (of the \
                 options above it uses only --policy and --fault)"
            ));
        }
        let (latency, jitter) = (self.latency.unwrap_or(2), self.jitter.unwrap_or(1));
        let cfg = StalenessCfg {
            policy: self.policy(),
            ttl: self.ttl.unwrap_or(4),
            latency,
            jitter,
            fault: self.fault(),
            losses: self.losses.unwrap_or(0),
        };
        cfg.validate().map_err(|e| format!("invalid timed ttl scenario: {e}"))?;
        Ok(cfg)
    }

    fn cfg(&self) -> Result<TtlCfg, String> {
        if let Some(flag) = self.timed_given() {
            return Err(format!("{flag} applies only with --timed (how stale a read can be)"));
        }
        if self.refreshes.is_some() && self.policy != TtlPolicyArg::Periodic {
            return Err("--refreshes applies only with --policy periodic".into());
        }
        let cfg = TtlCfg {
            resolvers: self.resolvers,
            policy: self.policy(),
            reads: self.reads,
            changes: self.changes.unwrap_or(1),
            refreshes: self.refreshes.unwrap_or(2),
            network: self.network,
            lossy: self.lossy,
            crashes: self.crashes,
            max_in_network: self.max_in_network.map(usize::from),
            fault: self.fault(),
        };
        cfg.validate().map_err(|e| format!("invalid ttl scenario: {e}"))?;
        Ok(cfg)
    }

    fn to_cli(&self) -> String {
        let policy = self.policy.to_possible_value().map(|v| v.get_name().to_string());
        if self.timed {
            let cfg = self.timed_cfg().unwrap_or_default();
            let losses =
                if cfg.losses > 0 { format!(" --losses {}", cfg.losses) } else { String::new() };
            return format!(
                "--timed --policy {} --ttl {} --latency {} --jitter {}{losses}{}",
                policy.unwrap_or_default(),
                cfg.ttl,
                cfg.latency,
                cfg.jitter,
                fault_flag(&self.fault)
            );
        }
        let mut s = format!(
            "--policy {} --resolvers {} --reads {} --changes {}",
            policy.unwrap_or_default(),
            self.resolvers,
            self.reads,
            self.changes.unwrap_or(1)
        );
        if let Some(k) = self.refreshes {
            s += &format!(" --refreshes {k}");
        }
        s += &format!(" --network {}", self.network);
        if self.lossy {
            s += " --lossy";
        }
        if self.crashes > 0 {
            s += &format!(" --crashes {}", self.crashes);
        }
        if let Some(m) = self.max_in_network {
            s += &format!(" --max-in-network {m}");
        }
        s + &fault_flag(&self.fault)
    }
}

/// Deliberately broken pipelining variants.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PipelineFaultArg {
    /// The correct protocol.
    None,
    /// The window admits M + 1 messages.
    WindowOffByOne,
    /// The receiver delivers retransmitted duplicates again.
    RedeliverDuplicates,
    /// The receiver delivers on arrival, ignoring gaps.
    DeliverOutOfOrder,
    /// The sender resends only the newest unacknowledged message.
    ResendNewestOnly,
}

impl PipelineArgs {
    /// What to print if the broken variant asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let how = match self.fault {
            PipelineFaultArg::RedeliverDuplicates
                if self.net.network != NetworkKind::Duplicating =>
            {
                "A duplicate reaches the receiver only on a duplicating network: add --network \
                 duplicating."
            }
            PipelineFaultArg::ResendNewestOnly => {
                "Only a lost message shows it, as a liveness failure, and only on a network where \
                 the resends do not pile up against --max-in-network: add --network duplicating \
                 --lossy (and keep --window 2 or more: with 1 the only message in flight is the \
                 newest)."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    fn cfg(&self) -> Result<PipelineCfg, String> {
        use inflight_core::pipeline::Fault as F;
        let cfg = PipelineCfg {
            window: self.window,
            messages: self.messages,
            network: self.net.network,
            lossy: self.net.lossy,
            retransmit: self.net.retransmit(),
            crashes: self.net.crashes,
            max_in_network: self.net.max_in_network(),
            fault: match self.fault {
                PipelineFaultArg::None => F::None,
                PipelineFaultArg::WindowOffByOne => F::WindowOffByOne,
                PipelineFaultArg::RedeliverDuplicates => F::RedeliverDuplicates,
                PipelineFaultArg::DeliverOutOfOrder => F::DeliverOutOfOrder,
                PipelineFaultArg::ResendNewestOnly => F::ResendNewestOnly,
            },
        };
        cfg.validate().map_err(|e| format!("invalid pipeline scenario: {e}"))?;
        Ok(cfg)
    }

    fn to_cli(&self) -> String {
        format!(
            "--window {} --messages {}{}{}",
            self.window,
            self.messages,
            self.net.to_cli(),
            fault_flag(&self.fault)
        )
    }
}

/// The retry scenario.
#[derive(Args, Debug, Clone)]
pub struct RetryArgs {
    /// Clients (1 to 7).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=inflight_checker::retry::MAX_CLIENTS as i64))]
    clients: u8,
    /// fixed (delay τ), jitter (U{1..τ}), full, equal or decorrelated (exponential backoff from
    /// 1 slot, capped at τ).
    #[arg(long, value_enum, default_value_t = RetryPolicyArg::Jitter)]
    policy: RetryPolicyArg,
    /// Requests the server serves at once (1 to 3).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    capacity: u8,
    /// τ in slots: the fixed delay, or the number of jitter outcomes (1 to 6).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=6))]
    slots: u8,
    /// Slots each request is in service (1 to 4).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    service: u8,
    /// Attempts per request before the client gives up (default: unlimited).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
    max_attempts: Option<u8>,
    /// Slots the server is down at the start (1 to 4).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    outage: u8,
    /// Check a deliberately broken variant, to see a property fail.
    #[arg(long, value_enum, default_value_t = RetryFaultArg::None)]
    fault: RetryFaultArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RetryPolicyArg {
    /// Retry exactly τ slots later.
    Fixed,
    /// Retry after U{1..τ} slots.
    Jitter,
    /// Exponential backoff, full jitter.
    Full,
    /// Exponential backoff, equal jitter.
    Equal,
    /// Exponential backoff, decorrelated jitter.
    Decorrelated,
}

/// Deliberately broken retry variants.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RetryFaultArg {
    /// The correct protocol.
    None,
    /// The server admits one request beyond its capacity.
    CapacityOffByOne,
    /// The server drops excess requests without a busy answer.
    SilentShed,
    /// A client that runs out of attempts does not tell its application.
    SilentGiveUp,
}

impl RetryArgs {
    /// What to print if the broken variant asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let how = match self.fault {
            RetryFaultArg::SilentGiveUp if self.max_attempts.is_none() => {
                "Clients give up only with a limit on attempts: add --max-attempts 2."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    fn cfg(&self) -> Result<inflight_checker::retry::RetryCfg, String> {
        use inflight_checker::retry::{RetryCfg, RetryPolicy as P};
        use inflight_core::retry::Fault as F;
        let cfg = RetryCfg {
            clients: self.clients,
            policy: match self.policy {
                RetryPolicyArg::Fixed => P::Fixed,
                RetryPolicyArg::Jitter => P::Jitter,
                RetryPolicyArg::Full => P::FullJitter,
                RetryPolicyArg::Equal => P::EqualJitter,
                RetryPolicyArg::Decorrelated => P::Decorrelated,
            },
            capacity: self.capacity,
            slots: self.slots,
            service: self.service,
            max_attempts: self.max_attempts,
            outage: self.outage,
            fault: match self.fault {
                RetryFaultArg::None => F::None,
                RetryFaultArg::CapacityOffByOne => F::CapacityOffByOne,
                RetryFaultArg::SilentShed => F::SilentShed,
                RetryFaultArg::SilentGiveUp => F::SilentGiveUp,
            },
        };
        cfg.validate().map_err(|e| format!("invalid retry scenario: {e}"))?;
        Ok(cfg)
    }

    fn to_cli(&self) -> String {
        let policy = self.policy.to_possible_value().map(|v| v.get_name().to_string());
        let mut s = format!(
            "--clients {} --policy {} --capacity {} --slots {} --service {} --outage {}",
            self.clients,
            policy.unwrap_or_default(),
            self.capacity,
            self.slots,
            self.service,
            self.outage
        );
        if let Some(m) = self.max_attempts {
            s += &format!(" --max-attempts {m}");
        }
        s + &fault_flag(&self.fault)
    }
}

/// The deadlock-detection scenario.
#[derive(Args, Debug, Clone)]
pub struct DeadlockArgs {
    /// naive (declare any cycle of the merged reports) or confirming (ask the sites first).
    #[arg(long, value_enum, default_value_t = DetectorArg::Confirming)]
    detector: DetectorArg,
    /// Processes (2 to 4).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=MAX_DL_PROCESSES as i64))]
    processes: u8,
    /// Sites (1 to 3); resource r is managed by site r mod sites.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=MAX_DL_SITES as i64))]
    sites: u8,
    /// Resources (default: one per process).
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=12))]
    resources: Option<u8>,
    /// ring: process i locks resource i then i+1 (runs may deadlock); hand-off: process 0
    /// releases its first lock before taking the next (no deadlock, but phantoms).
    #[arg(long, value_enum, default_value_t = WorkloadArg::HandOff)]
    workload: WorkloadArg,
    /// Network semantics: ordered, unordered or duplicating (never lossy: a lost report would
    /// hide a deadlock forever).
    #[arg(long, default_value = "unordered", value_parser = network)]
    network: NetworkKind,
    /// Explore only states with at most this many messages in the network.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    max_in_network: Option<u16>,
    /// Check a deliberately broken variant, to see a property fail.
    #[arg(long, value_enum, default_value_t = DeadlockFaultArg::None)]
    fault: DeadlockFaultArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DetectorArg {
    /// Declares as soon as the merged reports have a cycle.
    Naive,
    /// Confirms with the sites that every edge has held since its report.
    Confirming,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum WorkloadArg {
    /// Dining philosophers: some runs deadlock.
    Ring,
    /// Process 0 hands its lock off first: no deadlock, phantoms possible.
    HandOff,
}

/// Deliberately broken deadlock-detection variants.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DeadlockFaultArg {
    /// The correct protocol.
    None,
    /// The confirming detector skips the version check for the report that triggered it.
    TrustTriggeringReport,
    /// The detector never withdraws a declaration.
    StickyDeclaration,
    /// The detector lets an older report overwrite a newer one.
    AcceptStaleReports,
}

impl DeadlockArgs {
    /// What to print if the broken variant asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let how = match self.fault {
            DeadlockFaultArg::StickyDeclaration if self.detector == DetectorArg::Confirming => {
                "The confirming detector declares only real deadlocks, which never dissolve, so \
                 it has nothing to withdraw: use --detector naive."
            }
            DeadlockFaultArg::AcceptStaleReports
                if self.workload != WorkloadArg::Ring || self.processes < 3 =>
            {
                "It shows as a real deadlock that is never declared: use --workload ring \
                 --processes 3 --resources 3."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    fn cfg(&self) -> Result<inflight_checker::deadlock::DeadlockCfg, String> {
        use inflight_checker::deadlock::{DeadlockCfg, Workload};
        use inflight_core::deadlock::{DetectorKind, Fault as F};
        let cfg = DeadlockCfg {
            processes: self.processes,
            sites: self.sites,
            resources: self.resources.unwrap_or(self.processes),
            detector: match self.detector {
                DetectorArg::Naive => DetectorKind::Naive,
                DetectorArg::Confirming => DetectorKind::Confirming,
            },
            workload: match self.workload {
                WorkloadArg::Ring => Workload::Ring,
                WorkloadArg::HandOff => Workload::HandOff,
            },
            network: self.network,
            max_in_network: self.max_in_network.map(usize::from),
            fault: match self.fault {
                DeadlockFaultArg::None => F::None,
                DeadlockFaultArg::TrustTriggeringReport => F::TrustTriggeringReport,
                DeadlockFaultArg::StickyDeclaration => F::StickyDeclaration,
                DeadlockFaultArg::AcceptStaleReports => F::AcceptStaleReports,
            },
        };
        cfg.validate().map_err(|e| format!("invalid deadlock scenario: {e}"))?;
        Ok(cfg)
    }

    fn to_cli(&self) -> String {
        let name = |v: Option<clap::builder::PossibleValue>| {
            v.map(|v| v.get_name().to_string()).unwrap_or_default()
        };
        let mut s = format!(
            "--detector {} --processes {} --sites {} --resources {} --workload {} --network {}",
            name(self.detector.to_possible_value()),
            self.processes,
            self.sites,
            self.resources.unwrap_or(self.processes),
            name(self.workload.to_possible_value()),
            self.network,
        );
        if let Some(m) = self.max_in_network {
            s += &format!(" --max-in-network {m}");
        }
        s + &fault_flag(&self.fault)
    }
}

#[derive(Subcommand, Debug)]
enum SimulateProtocol {
    /// The thundering herd on the core retry clients and server (MODELS.md §6): the server is
    /// down at first, every client fails at once and retries by the policy. Prints the peak
    /// load of the synchronized herd and of the chosen policy beside the exact expected peak, and the
    /// single-server queue view (mean wait, last completion) of both. 1 tick = 1 µs.
    Retry {
        /// Clients, N (1 to 255).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=255))]
        clients: u16,
        /// Time each request is in service, s, e.g. 10ms.
        #[arg(long, default_value = "10ms", value_parser = duration, allow_hyphen_values = true)]
        service: Seconds,
        /// The retry window τ: the fixed delay, the jitter's bound, the backoff's base.
        #[arg(long, default_value = "1s", value_parser = duration, allow_hyphen_values = true)]
        window: Seconds,
        /// fixed, jitter (U[0, τ]) or backoff (exponential, full jitter, cap 8τ).
        #[arg(long, value_enum, default_value_t = SimPolicyArg::Jitter)]
        policy: SimPolicyArg,
        /// Runs to average the peak over.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        trials: u32,
        /// Seed of the clients' draws.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Draw the in-service load over time, synchronized and with the policy, to this SVG.
        #[arg(long)]
        svg: Option<std::path::PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Naming TTL vs churn on the core resolver and authority (MODELS.md §5): Poisson changes at
    /// rate c and Poisson reads at rate r, under each policy (on-demand TTL, periodic refresh,
    /// push, no cache). Prints the measured stale-read fraction ± its standard error and the
    /// messages per second beside the laws. 1 tick = 1 µs.
    Ttl {
        /// The rate c at which the record changes, e.g. 2/s.
        #[arg(long, value_parser = rate_non_negative, allow_hyphen_values = true)]
        churn: PerSec,
        /// The TTL θ (also the periodic refresher's period), e.g. 500ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        ttl: Seconds,
        /// The read rate r, e.g. 20/s.
        #[arg(long, value_parser = rate_non_negative, allow_hyphen_values = true)]
        reads: PerSec,
        /// One-way latency between resolver and authority (the laws assume 0), e.g. 5ms.
        #[arg(long, default_value = "0s", value_parser = duration, allow_hyphen_values = true)]
        latency: Seconds,
        /// Simulated time per run; by default enough for about 2,000 reads and 50 TTLs.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        horizon: Option<Seconds>,
        /// Independent runs (their spread gives the standard error).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=10_000))]
        runs: u32,
        /// Seed of the first run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Concurrency is not parallelism on the core source and stages (MODELS.md §3): a closed
    /// loop with a concurrency cap C, for each C in a range. Prints measured throughput and round
    /// trip beside the bound min(C/R0, min rᵢμᵢ) and the knee C* = R0·min rᵢμᵢ (R0 = Σ 1/μᵢ,
    /// no think time). 1 tick = 1 µs.
    Tandem {
        /// A stage: its rate, or workers × rate, e.g. 1000/s or 4x50/s. Repeat per stage, in
        /// order (1 to 4 stages, up to 16 workers each).
        #[arg(long = "stage", value_parser = stage, required = true)]
        stages: Vec<inflight_models::tandem::Stage>,
        /// Caps to run: a number, or a range such as 1..12 (inclusive), up to 64.
        #[arg(long, default_value = "1..12", value_parser = cap_range)]
        cap: std::ops::RangeInclusive<u32>,
        /// Exponential work at each stage (else every job takes exactly 1/μᵢ).
        #[arg(long)]
        exponential: bool,
        /// Simulated time counted per cap, after a warm-up of a fifth of it.
        #[arg(long, default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
        window: Seconds,
        /// Seed of the work draws.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Windowed pipelining, saturated, for each window in a range: measured messages/s beside
    /// the law min(M/(RTT + s/B), B/s) of MODELS.md §2.
    Pipeline {
        /// Round-trip time (half each way), e.g. 100ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        rtt: Seconds,
        #[command(flatten)]
        link: LinkArgs,
        /// Windows to run: a number, or a range such as 1..64 (inclusive), up to 255.
        #[arg(long, default_value = "1..16", value_parser = window_range)]
        window: std::ops::RangeInclusive<u64>,
        /// Fraction of messages lost, 0 to 1 (e.g. 0.01).
        #[arg(long, default_value = "0", value_parser = fraction)]
        loss: f64,
        /// Seed of the links' PRNGs.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Draw both curves and the knee to this SVG file.
        #[arg(long)]
        svg: Option<std::path::PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum PredictLaw {
    /// Concurrency is not parallelism, MODELS.md §3: an open line of stages under load λ
    /// (X = min(λ, min rᵢμᵢ), backlog growth per stage, Erlang C per stage) and, with --cap and
    /// --zero-load, the closed loop's bound min(C/R0, min rᵢμᵢ) and its knee C* = R0·min rᵢμᵢ.
    Pipeline {
        /// The offered load λ, e.g. 260/s.
        #[arg(long, value_parser = rate_non_negative, allow_hyphen_values = true)]
        load: PerSec,
        /// A stage: its rate, or workers × rate, e.g. 1000/s or 4x50/s. Repeat per stage, in order.
        #[arg(long = "stage", value_parser = stage, required = true)]
        stages: Vec<inflight_models::tandem::Stage>,
        /// A concurrency cap C at the entry (closed loop); needs --zero-load.
        #[arg(long, requires = "zero_load", value_parser = positive_u64)]
        cap: Option<u64>,
        /// The zero-load round trip R0 = Z + Σ 1/μᵢ, e.g. 10ms; needs --cap.
        #[arg(long, requires = "cap", value_parser = duration, allow_hyphen_values = true)]
        zero_load: Option<Seconds>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Naming TTL vs churn, MODELS.md §5: stale fractions for periodic, Poisson and on-demand
    /// refresh, DHT lookup failure over h hops, the cost-optimal TTL (Lambert W₋₁), and push vs
    /// TTL vs no cache.
    Ttl {
        /// The rate c at which the named record changes, e.g. 0.01/s.
        #[arg(long, value_parser = rate_non_negative, allow_hyphen_values = true)]
        churn: PerSec,
        /// The TTL θ, e.g. 30s.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        ttl: Seconds,
        /// The read rate r, e.g. 5/s (for the on-demand cache, the costs and the comparison).
        #[arg(long, value_parser = rate_non_negative, allow_hyphen_values = true)]
        reads: Option<PerSec>,
        /// The cost a of one refresh (any unit, the same as --stale-cost).
        #[arg(long, value_parser = positive_number, allow_hyphen_values = true, requires_all = ["stale_cost", "reads"])]
        refresh_cost: Option<f64>,
        /// The cost b of one stale read.
        #[arg(long, value_parser = positive_number, allow_hyphen_values = true, requires_all = ["refresh_cost", "reads"])]
        stale_cost: Option<f64>,
        /// Pointers a DHT lookup follows, h.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        hops: Option<u32>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The cluster as a NUMA machine, MODELS.md §7: the average access slowdown
    /// S = 1 + f(p − 1), the program slowdown (1 − m) + mS, and for a target slowdown the
    /// threshold penalty and the remote-fraction budget.
    Numa {
        /// The share f of memory accesses that are remote, 0 to 1.
        #[arg(long, value_parser = unit_fraction, allow_hyphen_values = true)]
        remote_fraction: Q,
        /// The penalty p = T_remote / T_local (at least 1).
        #[arg(long, value_parser = exact_number, allow_hyphen_values = true)]
        penalty: Q,
        /// The share m of run time spent on memory accesses, 0 to 1.
        #[arg(long, value_parser = unit_fraction, allow_hyphen_values = true)]
        memory_share: Option<Q>,
        /// A target slowdown S (at least 1): prints the penalty and remote fraction that reach it.
        #[arg(long, value_parser = exact_number, allow_hyphen_values = true)]
        target: Option<Q>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The thundering herd, MODELS.md §6: N clients retry a failed request after τ
    /// (synchronized) or after U[0, τ] (jitter), each in service for s. Prints the synchronized
    /// peak, the exact expected jittered peak (scan statistic), its closed-form checks, and the
    /// fluid and periodic ratios for what they are. Where the exact formula is out of reach
    /// (many clients, or s/τ with a large denominator), the expected peak is estimated from
    /// drawn herds, with its standard error.
    Herd {
        /// Clients retrying, N ≥ 1.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        clients: u32,
        /// Time each request is in service, s, e.g. 10ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        service: Seconds,
        /// The retry window τ (the fixed delay, or the jitter's upper bound), e.g. 100ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        window: Seconds,
        /// Herds to draw when the expected peak must be estimated
        /// [default: 2·10⁷ / N, from 20 to 10⁶].
        #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100_000_000))]
        draws: Option<u32>,
        /// Seed of the drawn herds.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The phantom-deadlock probability, MODELS.md §4: a cycle of n wait-for edges, each
    /// released after an Exp(μ) time, declared on reports of age δ. Prints P(phantom) and the
    /// half-life τ₅₀ for each report-age model (or the one given).
    Phantom {
        /// Edges in the cycle, n ≥ 1.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        n: u32,
        /// Release rate of each edge, e.g. 20/s.
        #[arg(long, value_parser = rate, allow_hyphen_values = true)]
        mu: PerSec,
        /// Report age δ, e.g. 8.66ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        delta: Seconds,
        /// One report-age model: snapshot (A), staggered (B), probe (B′), uniform (C1) or
        /// exponential (C2).
        #[arg(long, value_enum)]
        model: Option<AgesArg>,
        /// Also solve model A exactly: the core machines' state graph as a continuous-time
        /// Markov chain, by uniformization (n ≤ 14).
        #[arg(long)]
        exact: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Throughput of (synchronous) replication with k writes in flight, MODELS.md §1:
    /// X = min(b·k / (RTT + b·s/B + t_proc), B/s).
    Replication {
        /// Round-trip time between primary and replica (not one-way!), e.g. 100ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        rtt: Seconds,
        /// Writes in flight, k (1 = strict synchronous replication).
        #[arg(long, default_value_t = 1, value_parser = positive_u64)]
        window: u64,
        #[command(flatten)]
        link: LinkArgs,
        /// Processing time per write at the replica, e.g. 0.5ms.
        #[arg(long = "proc", value_parser = duration, default_value = "0s", allow_hyphen_values = true)]
        t_proc: Seconds,
        /// Writes per message (group commit), b.
        #[arg(long, default_value_t = 1, value_parser = positive_u64)]
        batch: u64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The window law, MODELS.md §2: throughput for a window M, the window needed for a target
    /// rate (exact ceiling), the bandwidth-delay product and the knee.
    Window {
        /// Round-trip time (the pure delay D of a window slot), e.g. 0.12ms.
        #[arg(long, value_parser = duration, allow_hyphen_values = true)]
        rtt: Seconds,
        #[command(flatten)]
        link: LinkArgs,
        /// Target rate μ, e.g. 100000/s: prints the window needed, M = ⌈μ(RTT + s/B)⌉.
        #[arg(long, value_parser = rate, allow_hyphen_values = true)]
        rate: Option<PerSec>,
        /// A window M: prints its throughput, min(M/(RTT + s/B), B/s).
        #[arg(long, value_parser = positive_u64)]
        window: Option<u64>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Retry policies for the herd simulation.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SimPolicyArg {
    /// Everyone retries exactly τ later.
    Fixed,
    /// Each retries after U[0, τ].
    Jitter,
    /// Exponential backoff with full jitter from τ, capped at 8τ.
    Backoff,
}

/// The report-age models of MODELS.md §4.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum AgesArg {
    /// A: all reports taken together, decided δ later.
    Snapshot,
    /// B: reports taken one after another over δ.
    Staggered,
    /// B′: an edge-chasing probe of n hops, δ/n each.
    Probe,
    /// C1: ages uniform on [0, δ].
    Uniform,
    /// C2: ages exponential with mean δ.
    Exponential,
}

impl AgesArg {
    fn model(self) -> inflight_models::phantom::ReportAges {
        use inflight_models::phantom::ReportAges as A;
        match self {
            AgesArg::Snapshot => A::Snapshot,
            AgesArg::Staggered => A::Staggered,
            AgesArg::Probe => A::Probe,
            AgesArg::Uniform => A::Uniform,
            AgesArg::Exponential => A::Exponential,
        }
    }
}

/// A message size and link bandwidth, given together or not at all.
#[derive(Args, Debug)]
struct LinkArgs {
    /// Message (write) size, e.g. 1500B, 4KiB or 12000bit (B = byte, b = bit).
    #[arg(long, value_parser = size, requires = "bandwidth")]
    size: Option<Bits>,
    /// Link bandwidth, e.g. 10Gbit/s, 1Gbps or 125MB/s.
    #[arg(long, value_parser = bandwidth, requires = "size")]
    bandwidth: Option<BitsPerSec>,
}

impl LinkArgs {
    fn link(&self) -> Option<Link> {
        match (&self.size, &self.bandwidth) {
            (Some(size), Some(bandwidth)) => {
                Some(Link { size: size.clone(), bandwidth: bandwidth.clone() })
            }
            _ => None,
        }
    }
}

/// The replication scenario.
#[derive(Args, Debug, Clone)]
pub struct ReplicationArgs {
    /// Number of replicas besides the primary.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=MAX_REPLICAS as i64))]
    replicas: u8,
    /// Window k: writes unacknowledged at once (1 = strict synchronous replication).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    window: u16,
    /// Client writes to replicate (1 to 16).
    #[arg(long, default_value_t = DEFAULT_ITEMS, value_parser = clap::value_parser!(u8).range(1..=16))]
    writes: u8,
    /// Ack policy: all, majority (a majority of all copies, the primary's included) or a number
    /// of replicas.
    #[arg(long, default_value = "all", value_parser = ack_policy)]
    ack: AckPolicy,
    #[command(flatten)]
    net: NetworkArgs,
    /// Check a deliberately broken variant, to see a property fail.
    #[arg(long, value_enum, default_value_t = FaultArg::None)]
    fault: FaultArg,
}

/// Deliberately broken protocol variants.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FaultArg {
    /// The correct protocol.
    None,
    /// The window admits k + 1 writes.
    WindowOffByOne,
    /// Replicas acknowledge before storing.
    AckBeforeStore,
    /// Replicas store writes in arrival order, past gaps.
    StoreOutOfOrder,
    /// Replicas keep their log in volatile memory only.
    VolatileLog,
    /// The primary resends only the newest unacknowledged write.
    ResendNewestOnly,
}

impl ReplicationArgs {
    fn cfg(&self) -> Result<ReplicationCfg, String> {
        let cfg = ReplicationCfg {
            replicas: self.replicas,
            window: self.window,
            writes: self.writes,
            ack: self.ack,
            network: self.net.network,
            lossy: self.net.lossy,
            crashes: self.net.crashes,
            retransmit: self.net.retransmit(),
            max_in_network: self.net.max_in_network(),
            fault: match self.fault {
                FaultArg::None => Fault::None,
                FaultArg::WindowOffByOne => Fault::WindowOffByOne,
                FaultArg::AckBeforeStore => Fault::AckBeforeStore,
                FaultArg::StoreOutOfOrder => Fault::StoreOutOfOrder,
                FaultArg::VolatileLog => Fault::VolatileLog,
                FaultArg::ResendNewestOnly => Fault::ResendNewestOnly,
            },
        };
        cfg.validate().map_err(|e| format!("invalid replication scenario: {e}"))?;
        Ok(cfg)
    }

    /// What to print if the broken variant asked for passes every property.
    fn unshown(&self) -> Option<String> {
        let how = match self.fault {
            FaultArg::VolatileLog if self.net.crashes == 0 => {
                "A replica that does not persist loses its log only in a crash: add --crashes 1."
            }
            FaultArg::ResendNewestOnly => {
                "Only a lost write shows it, as a liveness failure, and only on a network where \
                 the resends do not pile up against --max-in-network: add --network duplicating \
                 --lossy --replicas 1 (and keep --window 2 or more: with 1 the only write in \
                 flight is the newest)."
            }
            _ => GENERIC_HOW,
        };
        fault_unshown(&self.fault, how)
    }

    /// The same scenario as command-line options, for the "open it in the explorer" hint.
    fn to_cli(&self) -> String {
        let ack = match self.ack {
            AckPolicy::All => "all".to_string(),
            AckPolicy::Majority => "majority".to_string(),
            AckPolicy::Count(n) => n.to_string(),
        };
        format!(
            "--replicas {} --window {} --writes {} --ack {ack}{}{}",
            self.replicas,
            self.window,
            self.writes,
            self.net.to_cli(),
            fault_flag(&self.fault)
        )
    }
}

/// How to run a check.
#[derive(Args, Debug)]
struct RunArgs {
    /// Worker threads (state counts are pinned with 1; more threads may count differently).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    /// Search order: bfs (breadth-first) or dfs (depth-first, less memory).
    #[arg(long, value_enum, default_value_t = StrategyArg::Bfs)]
    strategy: StrategyArg,
    /// Instead of a full check, re-run one path deterministically: the explorer path that a
    /// failing check prints (e.g. 0/0/2/4). Exit 1 if it still violates a property, 0 if not,
    /// 2 if the path no longer applies. Keep it as a regression test.
    #[arg(long, value_name = "PATH")]
    replay: Option<String>,
    /// Stop exploring once about N unique states are known: a bounded check, for a
    /// configuration too large to finish. It is no proof: a property without a counterexample
    /// is reported as not violated so far or undecided, and the exit code is 3.
    #[arg(long, value_name = "N", value_parser = positive_count)]
    max_states: Option<usize>,
    /// Stop exploring after this much wall time (e.g. 30s, 5min): a bounded check, as with
    /// --max-states.
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    timeout: Option<Seconds>,
    /// Stop exploring once the checker holds this much memory (e.g. 4GB, 500MB, 2GiB): a
    /// bounded check, as with --max-states [default: 3/4 of the memory available when the
    /// check starts, so that a search too large for the machine ends with a report rather than
    /// being killed].
    #[arg(long, value_name = "SIZE", value_parser = memory_bytes)]
    max_memory: Option<u64>,
    /// Decide `eventually` properties after the search instead of beside it on a thread of its
    /// own. The verdicts are the same and come later; the search has the machine to itself
    /// (to time it alone), and the liveness pass gets all the memory the search leaves.
    #[arg(long)]
    liveness_after: bool,
    /// After the check, visit every reachable state once more, take each of its actions, and
    /// print which handlers ran on which inputs and how they ended (accepted, or rejected with
    /// which error, and the kinds of event they emitted): a path the table does not list was
    /// never exercised by this check. With
    /// --symmetry, one state per class; bounded by --max-states, --timeout and --max-memory as
    /// the check is.
    #[arg(long)]
    coverage: bool,
}

impl RunArgs {
    /// The first option given that changes how the untimed check runs, if any.
    fn given(&self) -> Option<&'static str> {
        self.search_given().or(self.replay.as_ref().map(|_| "--replay"))
    }

    /// The first option given that changes how the search runs (which `--replay` ignores).
    fn search_given(&self) -> Option<&'static str> {
        [
            (self.threads != 1, "--threads"),
            (!matches!(self.strategy, StrategyArg::Bfs), "--strategy"),
            (self.max_states.is_some(), "--max-states"),
            (self.timeout.is_some(), "--timeout"),
            (self.max_memory.is_some(), "--max-memory"),
            (self.liveness_after, "--liveness-after"),
            (self.coverage, "--coverage"),
        ]
        .into_iter()
        .find_map(first_given)
    }
}

fn positive_count(s: &str) -> Result<usize, String> {
    let n = positive_u64(s)?;
    usize::try_from(n).map_err(|_| format!("'{s}' is more than this machine can count"))
}

/// A count of at least 1 (clap's own range check would print "not in 1..18446744073709551615").
fn positive_u64(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err(format!("'{s}' must be at least 1")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

/// A memory size in whole bytes, at least 1 MB (a check needs that much to start).
fn memory_bytes(s: &str) -> Result<u64, String> {
    let bits = units::parse_size(s).map_err(|e| e.to_string())?;
    let bytes = units::to_f64(&bits.0) / 8.0;
    if bytes < 1e6 {
        return Err(format!("'{s}' is less than 1MB: a check needs more to start"));
    }
    Ok(bytes.min(u64::MAX as f64) as u64)
}

fn positive_duration(s: &str) -> Result<Seconds, String> {
    let d = duration(s)?;
    if !units::is_positive(&d.0) {
        return Err(format!("'{s}' is not positive"));
    }
    Ok(d)
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum StrategyArg {
    /// Breadth-first search.
    Bfs,
    /// Depth-first search.
    Dfs,
}

fn duration(s: &str) -> Result<Seconds, String> {
    let d = units::parse_duration(s).map_err(|e| e.to_string())?;
    if d.0 < Q::zero() {
        return Err(format!("'{s}' is negative: a duration must be 0 or more"));
    }
    Ok(d)
}

fn size(s: &str) -> Result<Bits, String> {
    let b = units::parse_size(s).map_err(|e| e.to_string())?;
    if !units::is_positive(&b.0) {
        return Err(format!("'{s}' is not positive: a message has a size"));
    }
    Ok(b)
}

fn bandwidth(s: &str) -> Result<BitsPerSec, String> {
    let b = units::parse_bandwidth(s).map_err(|e| e.to_string())?;
    if !units::is_positive(&b.0) {
        return Err(format!("'{s}' is not positive: a link carries something"));
    }
    Ok(b)
}

fn rate(s: &str) -> Result<PerSec, String> {
    let r = units::parse_rate(s).map_err(|e| e.to_string())?;
    if !units::is_positive(&r.0) {
        return Err(format!("'{s}' is not positive: a rate must be above 0"));
    }
    Ok(r)
}

fn rate_non_negative(s: &str) -> Result<PerSec, String> {
    let r = units::parse_rate(s).map_err(|e| e.to_string())?;
    if r.0 < Q::zero() {
        return Err(format!("'{s}' is negative: a rate must be 0 or more"));
    }
    Ok(r)
}

fn stage(s: &str) -> Result<inflight_models::tandem::Stage, String> {
    let (workers, rate) = match s.split_once(['x', '×']) {
        Some((w, r)) => {
            let w: u32 = w.trim().parse().map_err(|_| {
                format!("'{s}': '{w}' is not a worker count (a stage is 1000/s or 4x50/s)")
            })?;
            (w, r)
        }
        None => (1, s),
    };
    let rate = units::parse_rate(rate.trim()).map_err(|e| e.to_string())?;
    if workers == 0 || !units::is_positive(&rate.0) {
        return Err(format!("'{s}': a stage needs at least one worker and a positive rate"));
    }
    Ok(inflight_models::tandem::Stage { workers, rate })
}

fn exact_number(s: &str) -> Result<Q, String> {
    units::parse_decimal(s).ok_or_else(|| format!("'{s}' is not a number"))
}

fn unit_fraction(s: &str) -> Result<Q, String> {
    let q = exact_number(s)?;
    if q < Q::zero() || q > Q::from_integer(1.into()) {
        return Err(format!("'{s}' is not a fraction from 0 to 1"));
    }
    Ok(q)
}

fn positive_number(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!("'{s}' is not a positive number")),
    }
}

fn window_range(s: &str) -> Result<std::ops::RangeInclusive<u64>, String> {
    inclusive_range(s, "window", "windows", inflight_models::experiments::MAX_WINDOW)
}

fn cap_range(s: &str) -> Result<std::ops::RangeInclusive<u32>, String> {
    let max = inflight_models::tandem_sim::MAX_CAP as u64;
    inclusive_range(s, "cap", "caps", max).map(|r| *r.start() as u32..=*r.end() as u32)
}

/// `a` or `a..b` (also `a..=b`), inclusive, within 1 ..= `max`.
fn inclusive_range(
    s: &str,
    one: &str,
    many: &str,
    max: u64,
) -> Result<std::ops::RangeInclusive<u64>, String> {
    let bad = || format!("'{s}' is not a {one} or a range of {many} such as 1..12 (1 to {max})");
    let (a, b) = match s.split_once("..") {
        Some((a, b)) => (a, b.strip_prefix('=').unwrap_or(b)),
        None => (s, s),
    };
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || b > max {
        return Err(bad());
    }
    if a > b {
        return Err(format!("'{s}' is an empty range: the first {one} must not exceed the last"));
    }
    Ok(a..=b)
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("'{s}' is not a fraction from 0 to 1")),
    }
}

fn ack_policy(s: &str) -> Result<AckPolicy, String> {
    match s {
        "all" => Ok(AckPolicy::All),
        "majority" | "quorum" => Ok(AckPolicy::Majority),
        n => match n.parse::<u8>() {
            Ok(n) if n >= 1 => Ok(AckPolicy::Count(n)),
            _ => Err(format!("'{s}' is not all, majority, quorum or a replica count of 1 or more")),
        },
    }
}

fn network(s: &str) -> Result<NetworkKind, String> {
    s.parse()
}

/// Prints a clap error as one line (help and version as usual) and picks the exit code.
pub fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            // clap's message runs until the blank line before "Usage:"; fold it into one line.
            let text = e.render().to_string();
            let message: Vec<&str> = text
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty())
                .take_while(|l| !l.is_empty())
                .collect();
            eprintln!("{}", message.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command. `Err` is a one-line message for exit code 2.
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check { protocol } => check_command(*protocol),
        Command::Explore { protocol } => {
            match *protocol {
                ExploreProtocol::Replication { model, symmetry, serve } => {
                    let what = format!("replication ({})", model.to_cli());
                    let rep = symmetry.then_some(representative as fn(&_) -> _);
                    serve.serve_reduced(model.cfg()?.into_model(), rep, &what)
                }
                ExploreProtocol::Pipeline { model, serve } => serve
                    .serve(model.cfg()?.into_model(), &format!("pipeline ({})", model.to_cli())),
                ExploreProtocol::Retry { model, symmetry, serve } => {
                    let what = format!("retry ({})", model.to_cli());
                    let rep =
                        symmetry.then_some(inflight_checker::retry::representative as fn(&_) -> _);
                    serve.serve_reduced(model.cfg()?.into_model(), rep, &what)
                }
                ExploreProtocol::Deadlock { model, symmetry, serve } => {
                    let what = format!("deadlock ({})", model.to_cli());
                    let cfg = model.cfg()?;
                    if symmetry {
                        cfg.rotation_symmetric().map_err(|e| e.to_string())?;
                    }
                    let rep = symmetry.then_some(deadlock_representative as fn(&_) -> _);
                    serve.serve_reduced(cfg.into_model(), rep, &what)
                }
                ExploreProtocol::Ttl { model, symmetry, .. } if model.timed && symmetry => {
                    Err("--symmetry does not apply with --timed, which runs one resolver: \
                         give --symmetry without --timed"
                        .into())
                }
                ExploreProtocol::Ttl { model, serve, .. } if model.timed => serve
                    .serve(model.timed_cfg()?.into_model(), &format!("ttl ({})", model.to_cli())),
                ExploreProtocol::Ttl { model, symmetry, serve } => {
                    let what = format!("ttl ({})", model.to_cli());
                    let rep = symmetry.then_some(ttl_representative as fn(&_) -> _);
                    serve.serve_reduced(model.cfg()?.into_model(), rep, &what)
                }
                ExploreProtocol::Stage { model, serve } => {
                    serve.serve(model.cfg()?.into_model(), &format!("stage ({})", model.to_cli()))
                }
            }
        }
        Command::Simulate { protocol } => match *protocol {
            SimulateProtocol::Retry {
                clients,
                service,
                window,
                policy,
                trials,
                seed,
                svg,
                json,
            } => simulate_retry(
                clients,
                &service,
                &window,
                policy,
                trials,
                seed,
                svg.as_deref(),
                json,
            ),
            SimulateProtocol::Ttl { churn, ttl, reads, latency, horizon, runs, seed, json } => {
                simulate_ttl(&churn, &ttl, &reads, &latency, horizon.as_ref(), runs, seed, json)
            }
            SimulateProtocol::Tandem { stages, cap, exponential, window, seed, json } => {
                simulate_tandem(&stages, cap, exponential, &window, seed, json)
            }
            SimulateProtocol::Pipeline { rtt, link, window, loss, seed, svg, json } => {
                simulate_pipeline(
                    &rtt,
                    link.link().as_ref(),
                    window,
                    loss,
                    seed,
                    svg.as_deref(),
                    json,
                )
            }
        },
        Command::Predict { law } => match *law {
            PredictLaw::Replication { rtt, window, link, t_proc, batch, json } => {
                predict_replication(&rtt, window, link.link().as_ref(), &t_proc, batch, json)
            }
            PredictLaw::Pipeline { load, stages, cap, zero_load, json } => {
                predict_pipeline(&load, &stages, cap.zip(zero_load), json)
            }
            PredictLaw::Ttl { churn, ttl, reads, refresh_cost, stale_cost, hops, json } => {
                let costs = refresh_cost.zip(stale_cost);
                predict_ttl(&churn, &ttl, reads.as_ref(), costs, hops, json)
            }
            PredictLaw::Numa { remote_fraction, penalty, memory_share, target, json } => {
                predict_numa(
                    &remote_fraction,
                    &penalty,
                    memory_share.as_ref(),
                    target.as_ref(),
                    json,
                )
            }
            PredictLaw::Herd { clients, service, window, draws, seed, json } => {
                predict_herd(clients, &service, &window, (draws, seed), json)
            }
            PredictLaw::Phantom { n, mu, delta, model, exact, json } => {
                predict_phantom(n, &mu, &delta, model.map(AgesArg::model), exact, json)
            }
            PredictLaw::Window { rtt, link, rate, window, json } => {
                predict_window(&rtt, link.link().as_ref(), rate.as_ref(), window, json)
            }
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "inflight", &mut script);
            crate::out::bytes(&script);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_command(protocol: CheckProtocol) -> Result<ExitCode, String> {
    match protocol {
        CheckProtocol::Window {
            latency,
            jitter,
            window,
            serialize,
            capacity,
            eager,
            credit_next_tick,
            json,
        } => {
            let cfg = inflight_checker::batch::BatchCfg {
                latency,
                jitter,
                window,
                link: match (serialize, capacity) {
                    (Some(s), _) => LinkLimit::Serialize(s),
                    (None, Some(c)) => LinkLimit::Capacity(c),
                    (None, None) => LinkLimit::None,
                },
                eager,
                reuse_same_tick: !credit_next_tick,
            };
            check_window(cfg, json)
        }
        CheckProtocol::Replication { model, run, timed, symmetry, json } => {
            let untimed =
                (model.writes != DEFAULT_ITEMS).then_some("--writes").or(model.net.given());
            let untimed = untimed.or((model.fault != FaultArg::None).then_some("--fault"));
            let untimed = untimed.or(symmetry.then_some("--symmetry"));
            timed.check_options(untimed.or(run.given()), "--window, --replicas and --ack")?;
            if timed.timed {
                let cfg = model.cfg()?;
                let p = ReplicationSaturated {
                    replicas: cfg.replicas,
                    window: cfg.window,
                    policy: cfg.ack,
                };
                let what = format!(
                    "replication (timed): --replicas {} --window {} --ack {:?}",
                    cfg.replicas, cfg.window, cfg.ack
                );
                let law = |c: &TimedCfg| window_law(c, cfg.window);
                return check_timed(&p, &timed, law, "commits", what, json);
            }
            let reduced = if symmetry { " --symmetry" } else { "" };
            let name = format!("replication: {}{reduced}", model.to_cli());
            let explore = format!("inflight explore replication {}", model.to_cli());
            let hints = Hints { explore, highlight: &[], unshown: model.unshown(), extra: None };
            let cfg = model.cfg()?;
            let reduce = symmetry.then(|| Reduced::new(cfg.into_model(), representative));
            check(cfg.into_model(), name, &run, json, actor_faults, hints, reduce)
        }
        CheckProtocol::Retry { model, run, symmetry, json } => {
            let cfg = model.cfg()?;
            let reduced = if symmetry { " --symmetry" } else { "" };
            let name = format!("retry: {}{reduced}", model.to_cli());
            let explore = format!("inflight explore retry {}", model.to_cli());
            let highlight = [inflight_checker::retry::props::HERD];
            let extra = Some(first_wave(&cfg)?);
            let hints = Hints { explore, highlight: &highlight, unshown: model.unshown(), extra };
            let rep = inflight_checker::retry::representative;
            let reduce = symmetry.then(|| Reduced::new(cfg.into_model(), rep));
            let code = check(cfg.into_model(), name, &run, json, |_| false, hints, reduce)?;
            // A herd's first slot has a branch per draw of every client: past a few thousand,
            // the plain explorer's page is too long to read.
            let first_slot = || {
                use stateright::Model;
                let m = cfg.into_model();
                let mut actions = Vec::new();
                if let Some(init) = m.init_states().first() {
                    m.actions(init, &mut actions);
                }
                actions.len()
            };
            // Counted only where the note can be printed.
            let plain_text = !symmetry && !json && run.replay.is_none();
            if let Some(first_slot) = plain_text.then(first_slot).filter(|&n| n > CROWDED) {
                outln!();
                outln!(
                    "note: the explorer lists {first_slot} branches for the first slot; with \
                     --symmetry on both commands it lists one per class of renamed clients"
                );
            }
            Ok(code)
        }
        CheckProtocol::Deadlock { model, run, symmetry, json } => {
            let cfg = model.cfg()?;
            if symmetry {
                cfg.rotation_symmetric().map_err(|e| e.to_string())?;
            }
            let reduced = if symmetry { " --symmetry" } else { "" };
            let name = format!("deadlock: {}{reduced}", model.to_cli());
            let explore = format!("inflight explore deadlock {}", model.to_cli());
            let highlight = [inflight_checker::deadlock::props::PHANTOM_REACHABLE];
            let hints =
                Hints { explore, highlight: &highlight, unshown: model.unshown(), extra: None };
            let reduce = symmetry.then(|| Reduced::new(cfg.into_model(), deadlock_representative));
            let code = check(cfg.into_model(), name, &run, json, actor_faults, hints, reduce)?;
            // Where the ring is symmetric and the check was not reduced, say so once.
            let plain_text = !symmetry && !json && run.replay.is_none();
            if plain_text && cfg.rotation_symmetric().is_ok() {
                outln!();
                outln!(
                    "note: this ring maps onto itself when every process, resource and site is \
                     shifted by one; --symmetry explores one state per class of such shifts (up \
                     to {} times fewer)",
                    cfg.processes
                );
            }
            Ok(code)
        }
        CheckProtocol::Pipeline { model, run, timed, json } => {
            let untimed =
                (model.messages != DEFAULT_ITEMS).then_some("--messages").or(model.net.given());
            let untimed = untimed.or((model.fault != PipelineFaultArg::None).then_some("--fault"));
            timed.check_options(untimed.or(run.given()), "--window")?;
            if timed.timed {
                let cfg = model.cfg()?;
                let p = PipelineSaturated { window: cfg.window };
                let what = format!("pipeline (timed): --window {}", cfg.window);
                let law = |c: &TimedCfg| window_law(c, cfg.window);
                return check_timed(&p, &timed, law, "deliveries", what, json);
            }
            let name = format!("pipeline: {}", model.to_cli());
            let explore = format!("inflight explore pipeline {}", model.to_cli());
            let hints = Hints { explore, highlight: &[], unshown: model.unshown(), extra: None };
            check(model.cfg()?.into_model(), name, &run, json, actor_faults, hints, None)
        }
        CheckProtocol::Ttl { model, run, symmetry, json } if model.timed => {
            if symmetry {
                return Err("--symmetry does not apply with --timed, which runs one resolver: \
                            there is nothing to rename"
                    .into());
            }
            let cfg = model.timed_cfg()?;
            let name = format!("ttl: {}", model.to_cli());
            let explore = format!("inflight explore ttl {}", model.to_cli());
            let highlight = [
                inflight_checker::staleness::props::BOUND_REACHED,
                inflight_checker::staleness::props::WAIT_REACHED,
            ];
            let (bound, text) = staleness_preface(&cfg);
            let extra = Some(Extra { key: "bound", json: bound, text, first: true });
            let hints = Hints { explore, highlight: &highlight, unshown: model.unshown(), extra };
            check(cfg.into_model(), name, &run, json, |_| false, hints, None)
        }
        CheckProtocol::Ttl { model, run, symmetry, json } => {
            let cfg = model.cfg()?;
            let reduced = if symmetry { " --symmetry" } else { "" };
            let name = format!("ttl: {}{reduced}", model.to_cli());
            let explore = format!("inflight explore ttl {}", model.to_cli());
            let hints = Hints { explore, highlight: &[], unshown: model.unshown(), extra: None };
            let reduce = symmetry.then(|| Reduced::new(cfg.into_model(), ttl_representative));
            check(cfg.into_model(), name, &run, json, actor_faults, hints, reduce)
        }
        CheckProtocol::Stage { model, run, timed, work, json } => {
            let link = [
                (timed.serialize.is_some(), "--serialize"),
                (timed.capacity.is_some(), "--capacity"),
            ];
            if let Some(flag) = link.into_iter().find_map(first_given) {
                return Err(format!(
                    "{flag} does not apply to a line of stages: its timed law (MODELS.md §3) \
                     takes link latency and jitter only"
                ));
            }
            let untimed = [
                (model.jobs != DEFAULT_ITEMS, "--jobs"),
                (model.network != NetworkKind::Unordered, "--network"),
                (model.fault != StageFaultArg::None, "--fault"),
            ]
            .into_iter()
            .find_map(first_given);
            timed.check_options(untimed.or(run.given()), "--workers, --cap and --work")?;
            if !timed.timed && !work.is_empty() {
                return Err(
                    "--work applies only with --timed (the exact best and worst throughput)".into(),
                );
            }
            let cfg = model.cfg()?;
            if timed.timed {
                if work.len() > cfg.line().len() {
                    return Err(format!(
                        "--work: {} stages' work given, the line has {}",
                        work.len(),
                        cfg.line().len()
                    ));
                }
                let mut per_stage = [1u32; inflight_core::stage::MAX_STAGES];
                per_stage[..work.len()].copy_from_slice(&work);
                for w in per_stage.iter_mut().skip(cfg.line().len()) {
                    *w = 0;
                }
                let p = StageSaturated {
                    workers: cfg.workers,
                    stages: cfg.stages,
                    cap: cfg.cap,
                    work: per_stage,
                };
                let shown: Vec<String> =
                    per_stage[..cfg.line().len()].iter().map(u32::to_string).collect();
                let what = format!(
                    "stage (timed): --workers {} --cap {} --work {}",
                    model.workers.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
                    cfg.cap,
                    shown.join(",")
                );
                let law = |c: &TimedCfg| stage_law(c, &p);
                return check_timed(&p, &timed, law, "jobs", what, json);
            }
            let name = format!("stage: {}", model.to_cli());
            let explore = format!("inflight explore stage {}", model.to_cli());
            let hints = Hints { explore, highlight: &[], unshown: model.unshown(), extra: None };
            check(cfg.into_model(), name, &run, json, actor_faults, hints, None)
        }
    }
}

/// What a check prints beside its report.
struct Hints<'a> {
    /// The `inflight explore …` command that serves the same model.
    explore: String,
    /// Properties whose example path is printed even when they pass.
    highlight: &'a [&'a str],
    /// Printed if a broken variant passes every property (see [`fault_unshown`]).
    unshown: Option<String>,
    /// What the properties are checked against, or what else was computed from the model.
    extra: Option<Extra>,
}

/// A figure printed with a check's report, and added to its JSON.
struct Extra {
    /// The JSON key.
    key: &'static str,
    /// The JSON value.
    json: serde_json::Value,
    /// The text, a line or more.
    text: String,
    /// Printed before the report (what it is checked against) rather than after it.
    first: bool,
}

/// The first wave of the retry model, over every draw of slot 0 weighted by its probability,
/// beside the law it must equal: balls in bins for a uniform jitter, the whole herd for a fixed
/// delay (MODELS.md §6, slotted). The backoff policies' first delay has no such law here.
fn first_wave(cfg: &inflight_checker::retry::RetryCfg) -> Result<Extra, String> {
    use inflight_checker::retry::RetryPolicy;
    let n = cfg.clients as usize;
    let explored = cfg.into_model().first_wave_peak().map_err(|e| e.to_string())?;
    let once = cfg.max_attempts == Some(1);
    let herd = inflight_models::herd::weighted_peak_distribution;
    let weights = inflight_models::herd::first_delay_weights(&cfg.policy.policy(cfg.slots))
        .map_err(|e| e.to_string())?;
    let service = match cfg.service {
        1 => "a service of 1 slot".to_string(),
        s => format!("a service of {s} slots"),
    };
    let what = match cfg.policy {
        RetryPolicy::Jitter => format!(
            "the balls-in-bins law for {n} clients in {} slots and {service} (MODELS.md §6, \
             slotted)",
            cfg.slots
        ),
        RetryPolicy::Fixed => {
            format!("the synchronized herd's law, a peak of {n} for certain (MODELS.md §6)")
        }
        _ => {
            let total: u64 = weights.iter().sum();
            let delays: Vec<String> = (1..)
                .zip(&weights)
                .filter(|(_, &w)| w > 0)
                .map(|(d, &w)| format!("{d}: {}", Q::new(w.into(), total.into())))
                .collect();
            format!(
                "the balls-in-bins law for {n} clients whose first delay in slots is {{{}}} \
                 (the policy's definition, Brooker 2015) and {service}",
                delays.join(", ")
            )
        }
    };
    let law = if once {
        None
    } else {
        Some((what, herd(n as u32, &weights, cfg.service as u32).map_err(|e| e.to_string())?))
    };
    let mean = inflight_models::herd::distribution_mean;
    let shown: Vec<String> = explored
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_zero())
        .map(|(k, p)| format!("P(peak = {k}) = {p}"))
        .collect();
    let e = mean(&explored);
    let verdict = match &law {
        Some((what, d)) if *d == explored => format!("; {what} gives the same"),
        Some((what, d)) => format!("; DIFFERS from {what}, whose E[peak] is {}", mean(d)),
        None => "; no client retries: each gives up at its first failure".to_string(),
    };
    let text = format!(
        "first wave of retries, every draw of slot 0 weighted by its probability (peak = most \
         first retries in {}): {}, E[peak] = {e} ≈ {:.4} of {n} clients{verdict}",
        match cfg.service {
            1 => "one slot".to_string(),
            s => format!("any {s} consecutive slots, the service time"),
        },
        shown.join(", "),
        units::to_f64(&e)
    );
    let value = json!({
        "peak_distribution": explored.iter().map(q_json).collect::<Vec<_>>(),
        "expected_peak": q_json(&e),
        "law_peak_distribution": law.as_ref().map(|(_, d)| d.iter().map(q_json).collect::<Vec<_>>()),
        "matches_law": law.as_ref().map(|(_, d)| *d == explored),
    });
    Ok(Extra { key: "first_wave", json: value, text, first: false })
}

/// The worst staleness a timed ttl check is held to.
fn staleness_preface(cfg: &StalenessCfg) -> (serde_json::Value, String) {
    let (formula, wait_formula) = (cfg.formula(), cfg.wait_formula());
    let (ticks, wait) = (cfg.bound(), cfg.wait_bound());
    let losses = if cfg.losses == 0 {
        String::new()
    } else {
        format!(
            ", up to {} lost (D = {} ticks: the query that gets through goes out that long \
             after the first, with a resend every R = 2(L + J) + 1 = {} ticks{})",
            match cfg.losses {
                1 => "1 message".to_string(),
                k => format!("{k} messages"),
            },
            cfg.delay(),
            inflight_checker::staleness::resend_period(cfg.latency, cfg.jitter),
            match cfg.policy {
                PolicyKind::Periodic => " and a refresh every θ".to_string(),
                PolicyKind::PushRenew => format!(
                    "; a lost push is made good by a renewal, one every θ, and each loss costs \
                     one: kθ = {} ticks more staleness",
                    cfg.stale_delay()
                ),
                _ => String::new(),
            }
        )
    };
    let text = format!(
        "worst case derived for this policy (inflight_checker::staleness::bound and delay, from \
         MODELS.md §5's policies): a read is at most {formula} = {ticks} ticks stale, and waits \
         at most {wait_formula} = {wait} ticks, with θ = {}, L = {}, J = {}{losses}; explored for \
         ever, with any number of changes",
        cfg.ttl, cfg.latency, cfg.jitter
    );
    let value = json!({
        "ticks": ticks,
        "formula": formula,
        "wait": { "ticks": wait, "formula": wait_formula },
        "losses": cfg.losses,
        "delay": cfg.delay(),
        "stale_delay": cfg.stale_delay(),
    });
    (value, text)
}

fn check<M>(
    model: M,
    name: String,
    run: &RunArgs,
    json: bool,
    faults: FaultFn<M::Action>,
    hints: Hints<'_>,
    reduced: Option<Reduced<M>>,
) -> Result<ExitCode, String>
where
    M: stateright::Model + Clone + Send + Sync + 'static,
    M::State: std::fmt::Debug + Describe + std::hash::Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: std::fmt::Debug + std::hash::Hash + Eq + Clone + Send + Sync + 'static,
{
    if let Some(path) = &run.replay {
        if let Some(option) = run.search_given() {
            return Err(format!(
                "{option} does not apply to --replay, which re-runs one path instead of a search"
            ));
        }
        // A check reduced by symmetry prints paths through the reduced explorer.
        let r = match &reduced {
            Some(explorer) => inflight_checker::report::replay(explorer, path)?,
            None => inflight_checker::report::replay(&model, path)?,
        };
        if json {
            let mut v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
            v["model"] = json!(name);
            v["reproduces"] = json!(!r.violations.is_empty());
            outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        } else {
            outln!("{name}: replaying {path}");
            out!("{r}");
        }
        return Ok(if r.violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let opts = CheckOptions {
        threads: run.threads as usize,
        strategy: match run.strategy {
            StrategyArg::Bfs => Strategy::Bfs,
            StrategyArg::Dfs => Strategy::Dfs,
        },
        progress: !json,
        max_states: run.max_states,
        timeout: run
            .timeout
            .as_ref()
            .map(|t| std::time::Duration::from_secs_f64(units::to_f64(&t.0))),
        max_memory: match run.max_memory {
            Some(bytes) => Some(MemoryLimit { bytes, given: true }),
            None => default_memory_limit(),
        },
        liveness_beside: !run.liveness_after,
        ..CheckOptions::default()
    };
    let representative = reduced.as_ref().map(Reduced::representative);
    // After the check, which takes the model and should have the machine to itself first.
    let bounds = inflight_checker::coverage::Bounds {
        states: opts.max_states,
        bytes: opts.max_memory.map(|m| m.bytes),
        time: opts.timeout,
    };
    let copy = run.coverage.then(|| model.clone());
    let mut report = run_check_reduced(model, name, opts, faults, representative);
    let coverage =
        copy.map(|model| inflight_checker::coverage::collect(&model, bounds, representative));
    if let Some(explorer) = &reduced {
        for p in &mut report.properties {
            let Some(path) = &p.explorer_path else { continue };
            let translated = match p.cycle_from {
                Some(c) => explorer.translate_lasso(path, c).map(|(t, c)| (t, Some(c))),
                None => explorer.translate(path).map(|t| (t, None)),
            };
            match translated {
                Ok((path, c)) => (p.reduced_explorer_path, p.reduced_cycle_from) = (Some(path), c),
                Err(e) => {
                    eprintln!("warning: \"{}\" has no path in the reduced explorer: {e}", p.name)
                }
            }
        }
    }
    // A broken variant that passes everything: the scenario did not reach the bug.
    let Hints { explore, highlight, unshown, extra } = hints;
    let unshown = unshown.filter(|_| report.passed());
    if json {
        let mut value = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        value["passed"] = json!(report.passed());
        if let Some(extra) = &extra {
            value[extra.key] = extra.json.clone();
        }
        if let Some(note) = &unshown {
            value["note"] = json!(note);
        }
        if let Some(coverage) = &coverage {
            value["coverage"] = serde_json::to_value(coverage).map_err(|e| e.to_string())?;
        }
        outln!("{}", serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?);
    } else {
        if let Some(extra) = extra.as_ref().filter(|e| e.first) {
            outln!("{}", extra.text);
        }
        out!("{report}");
        if let Some(extra) = extra.as_ref().filter(|e| !e.first) {
            outln!("  {}", extra.text);
        }
        if let Some(note) = &unshown {
            outln!("note: {note}");
        }
        if let Some(coverage) = &coverage {
            outln!("{coverage}");
        }
        for name in highlight {
            let example = report.properties.iter().any(|p| p.name == *name && p.verdict.is_pass());
            if let Some(text) = report.path_text(name, "Example").filter(|_| example) {
                outln!();
                out!("{text}");
            }
        }
        explorer_hint(&report, &explore, highlight);
    }
    Ok(if report.failed() {
        ExitCode::from(1)
    } else if !report.complete {
        ExitCode::from(BOUNDED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The exit code of a bounded check that stopped before the end and found no counterexample.
const BOUNDED: u8 = 3;

/// Extracts the discrete-time window graph and reports exact best/worst throughput against
/// MODELS.md §2.
fn check_window(cfg: inflight_checker::batch::BatchCfg, json: bool) -> Result<ExitCode, String> {
    use inflight_checker::graph::{self, verify, Side};
    use num_rational::Ratio;
    cfg.validate()?;
    let t0 = std::time::Instant::now();
    let x = cfg.extract().map_err(|e| e.to_string())?;
    let extract_s = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let t = graph::throughput(&x.graph).map_err(|e| e.to_string())?;
    let analysis_s = t1.elapsed().as_secs_f64();
    let best_ok = verify(&x.graph, &t.best, Side::Max).is_ok();
    let worst_ok = verify(&x.graph, &t.worst, Side::Min).is_ok();
    let (m, l, j) = (cfg.window as i64, cfg.latency as i64, cfg.jitter as i64);
    let extra = if cfg.reuse_same_tick { 0 } else { 1 };
    let (slot, cap) = match cfg.link {
        LinkLimit::None => (l + extra, None),
        LinkLimit::Capacity(c) => (l + extra, Some(Ratio::new(c as i64, 1))),
        LinkLimit::Serialize(s) => (l + s as i64 + extra, Some(Ratio::new(1, s as i64))),
    };
    let bound = |slot: i64| {
        let w = Ratio::new(m, slot);
        cap.map_or(w, |c| w.min(c))
    };
    let law_best = bound(slot);
    let law_worst = if cfg.eager { bound(slot + j) } else { Ratio::new(0, 1) };
    let agrees = t.best.mean == law_best && t.worst.mean == law_worst;
    if json {
        let v = json!({
            "model": cfg.to_string(),
            "states": x.graph.nodes(),
            "edges": x.graph.edges(),
            "extract_s": extract_s,
            "analysis_s": analysis_s,
            "best": { "per_tick": t.best.mean.to_string(), "certificate_verified": best_ok, "iterations": t.best.iterations },
            "worst": { "per_tick": t.worst.mean.to_string(), "certificate_verified": worst_ok, "iterations": t.worst.iterations },
            "law": { "best": law_best.to_string(), "worst": law_worst.to_string(), "source": "MODELS.md §2, Discrete time" },
            "agrees_with_law": agrees,
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
    } else {
        outln!("discrete-time window model (MODELS.md §2): {cfg}");
        outln!(
            "explored {} states, {} edges (one tick each): extraction {extract_s:.3} s, analysis {analysis_s:.3} s",
            x.graph.nodes(),
            x.graph.edges()
        );
        let ok = |b: bool| if b { "certificate verified" } else { "CERTIFICATE REJECTED" };
        outln!("  best  long-run throughput: {} messages/tick  [{}]", t.best.mean, ok(best_ok));
        outln!("  worst long-run throughput: {} messages/tick  [{}]", t.worst.mean, ok(worst_ok));
        outln!(
            "  law: best min(M/L', c) = {law_best}, worst {law_worst}: {}",
            if agrees { "agrees" } else { "DIFFERS" }
        );
    }
    Ok(if best_ok && worst_ok && agrees { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Runs the timed model, computes best and worst long-run throughput with verified
/// certificates, and compares them with the law of MODELS.md §1–2.
/// A law's exact best and worst long-run throughput for a timed check, and how it is written.
struct TimedLaw {
    best: num_rational::Ratio<i64>,
    worst: num_rational::Ratio<i64>,
    /// The formulas, as printed: `best … = …, worst … = …`.
    text: String,
    /// Where the law comes from.
    source: &'static str,
}

/// MODELS.md §1-2 for a window of `window`: a slot is held for L' = 2L (+ σ), the link carries
/// c (or 1/σ) per tick.
fn window_law(cfg: &TimedCfg, window: u16) -> TimedLaw {
    use num_rational::Ratio;
    let (l, j) = (cfg.latency as i64, cfg.jitter as i64);
    let (sigma, cap) = match cfg.link {
        LinkLimit::None => (0, None),
        LinkLimit::Capacity(c) => (0, Some(Ratio::new(c as i64, 1))),
        LinkLimit::Serialize(s) => (s as i64, Some(Ratio::new(1, s as i64))),
    };
    let bound = |slot: i64| {
        let w = Ratio::new(window as i64, slot);
        cap.map_or(w, |c| w.min(c))
    };
    let best = bound(2 * l + sigma);
    let worst = if cfg.eager { bound(2 * (l + j) + sigma) } else { Ratio::new(0, 1) };
    let text = format!(
        "best min(M/(2L+σ), c) = {best}, worst {} = {worst}",
        if cfg.eager { "min(M/(2(L+J)+σ), c)" } else { "(free sender)" }
    );
    TimedLaw { best, worst, text, source: "MODELS.md §2" }
}

/// MODELS.md §3 for the closed line: X(C) = min(C/R0, min rᵢ/wᵢ) jobs per tick, exact for
/// deterministic work, with R0 = (k + 1)L + Σ wᵢ the zero-load round trip over k stages (k + 1
/// hops). The best schedule takes every hop in L ticks; the worst an eager source meets takes
/// every hop in L + J; a free source may submit nothing.
fn stage_law(cfg: &TimedCfg, p: &StageSaturated) -> TimedLaw {
    use num_rational::Ratio;
    let k = p.line().len() as i64;
    let work: i64 = p.work[..p.line().len()].iter().map(|&w| w as i64).sum();
    let bottleneck = p
        .line()
        .iter()
        .zip(p.work)
        .map(|(&r, w)| Ratio::new(r as i64, w as i64))
        .min()
        .unwrap_or_else(|| Ratio::new(0, 1));
    let x = |hop: i64| Ratio::new(p.cap as i64, (k + 1) * hop + work).min(bottleneck);
    let (l, j) = (cfg.latency as i64, cfg.jitter as i64);
    let best = x(l);
    let worst = if cfg.eager { x(l + j) } else { Ratio::new(0, 1) };
    let text = format!(
        "best min(C/R0, min rᵢ/wᵢ) with R0 = (k+1)L + Σwᵢ = {}: {best}, worst {} = {worst}",
        (k + 1) * l + work,
        if cfg.eager { "min(C/((k+1)(L+J) + Σwᵢ), min rᵢ/wᵢ)" } else { "(free source)" }
    );
    TimedLaw { best, worst, text, source: "MODELS.md §3" }
}

fn check_timed<P>(
    protocol: &P,
    args: &TimedArgs,
    law: impl FnOnce(&TimedCfg) -> TimedLaw,
    unit: &str,
    what: String,
    json: bool,
) -> Result<ExitCode, String>
where
    P: TimedProtocol,
    <P::M as inflight_core::Machine>::Msg:
        Clone + Eq + std::hash::Hash + Ord + std::fmt::Debug + inflight_core::rebase::Rebase,
    <P::M as inflight_core::Machine>::Timer:
        Clone + Copy + Eq + std::hash::Hash + Ord + std::fmt::Debug,
    <P::M as inflight_core::Machine>::Cmd: Clone,
{
    use inflight_checker::graph::{self, verify, Side};
    use num_rational::Ratio;
    let cfg = args.cfg();
    let start = std::time::Instant::now();
    let x = Timed::new(protocol, cfg)?.extract().map_err(|e| e.to_string())?;
    let t = graph::throughput(&x.graph).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed().as_secs_f64();
    let best_ok = verify(&x.graph, &t.best, Side::Max).is_ok();
    let worst_ok = verify(&x.graph, &t.worst, Side::Min).is_ok();
    let law = law(&cfg);
    let (law_best, law_worst) = (law.best, law.worst);
    let agrees = t.best.mean == law_best && t.worst.mean == law_worst;
    if json {
        let v = json!({
            "model": what,
            "states": x.graph.nodes(),
            "edges": x.graph.edges(),
            "elapsed_s": elapsed,
            "best": { "per_tick": t.best.mean.to_string(), "certificate_verified": best_ok, "witness_cycle_ticks": t.best.cycle.len() },
            "worst": { "per_tick": t.worst.mean.to_string(), "certificate_verified": worst_ok, "witness_cycle_ticks": t.worst.cycle.len() },
            "law": { "best": law_best.to_string(), "worst": law_worst.to_string(), "source": law.source },
            "agrees_with_law": agrees,
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
    } else {
        let link = match cfg.link {
            LinkLimit::None => "unlimited link".to_string(),
            LinkLimit::Capacity(c) => format!("capacity {c}/tick"),
            LinkLimit::Serialize(s) => format!("serialization {s} ticks/message"),
        };
        outln!("{what}");
        outln!(
            "  L = {} ticks per hop, J = {}, {link}, {} sender",
            cfg.latency,
            cfg.jitter,
            if cfg.eager { "eager" } else { "free" }
        );
        outln!(
            "explored {} states, {} edges (one tick each) in {elapsed:.3} s",
            x.graph.nodes(),
            x.graph.edges()
        );
        let f = |r: &Ratio<i64>| {
            format!("{r} {unit}/tick (≈ {:.6})", *r.numer() as f64 / *r.denom() as f64)
        };
        let ok = |b: bool| if b { "certificate verified" } else { "CERTIFICATE REJECTED" };
        outln!("  best  long-run throughput: {}  [{}]", f(&t.best.mean), ok(best_ok));
        outln!("  worst long-run throughput: {}  [{}]", f(&t.worst.mean), ok(worst_ok));
        outln!(
            "  law ({}): {}: {}",
            law.source,
            law.text,
            if agrees { "agrees" } else { "DIFFERS" }
        );
    }
    Ok(if best_ok && worst_ok && agrees { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn simulate_pipeline(
    rtt: &Seconds,
    link: Option<&Link>,
    windows: std::ops::RangeInclusive<u64>,
    loss: f64,
    seed: u64,
    svg: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, String> {
    if !units::is_positive(&rtt.0) {
        return Err(format!("--rtt: {rtt} is not positive: a round trip takes time"));
    }
    let loss_ppm = (loss * 1e6).round() as u32;
    let points =
        inflight_models::experiments::pipeline_window_sweep(rtt, link, windows, loss_ppm, seed)
            .map_err(|e| e.to_string())?;
    let knee = link
        .map(|l| laws::knee(l, rtt).map(|k| units::to_f64(&k)))
        .transpose()
        .map_err(|e| e.to_string())?;
    if let Some(path) = svg {
        let title = format!(
            "pipeline: RTT {rtt}{}",
            link.map_or(String::new(), |l| format!(
                ", {} messages at {}",
                inflight_checker::plot::human_size(units::to_f64(&l.size.0)),
                inflight_checker::plot::human_bandwidth(units::to_f64(&l.bandwidth.0))
            ))
        );
        inflight_checker::plot::window_sweep_svg(&points, knee, &title, path)?;
    }
    if json {
        let rows: Vec<_> = points
            .iter()
            .map(|p| json!({ "window": p.window, "measured_per_s": p.measured, "measured_over_slots": p.slots, "law_per_s": q_json(&p.law.0), "lost": p.lost }))
            .collect();
        let v = json!({ "protocol": "pipeline", "source": "MODELS.md §2", "loss": loss, "law_is_lossless": true, "knee": knee, "points": rows });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
    } else {
        outln!(
            "pipeline simulated (core sender and receiver, 1 tick = 1 ns), RTT {rtt}, loss {loss}"
        );
        if let Some(k) = knee {
            outln!("knee B·RTT/s + 1 = {k:.2} messages");
        }
        let slots = points.first().map_or(0, |p| p.slots);
        if loss > 0.0 {
            outln!(
                "measured over {slots} slot times (RTT + s/B). The law is lossless (MODELS.md §2), so here an upper\nbound: each loss stalls the window until the retransmission timeout, 4(RTT + s/B) + 4M·s/B"
            );
        } else {
            outln!("measured over {slots} slot times (RTT + s/B) after a warm-up");
        }
        outln!("{:>7}  {:>16}  {:>16}  {:>8}", "window", "measured msg/s", "law msg/s", "lost");
        for p in &points {
            outln!(
                "{:>7}  {:>16}  {:>16}  {:>8}",
                p.window,
                format!("{:.6}", p.measured),
                sig_figs(&p.law.0, 6),
                p.lost
            );
        }
        if let Some(path) = svg {
            outln!("plot written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Branches past which the plain explorer's listing of a step is too long to read, and a check
/// suggests the reduced explorer.
const CROWDED: usize = 5_000;

/// What the explorer serving a model reduced by symmetry calls it.
fn reduced(what: &str) -> String {
    format!("{what} --symmetry, one branch per class of renamed next states")
}

/// Tells how to walk each failed property's path, and each `highlight`ed example, in the
/// explorer; after a check reduced by symmetry, also in the explorer reduced the same way.
fn explorer_hint(report: &CheckReport, command: &str, highlight: &[&str]) {
    let walk = |p: &&inflight_checker::report::PropertyReport| {
        !p.verdict.is_pass() || highlight.contains(&p.name.as_str())
    };
    for p in report.properties.iter().filter(walk) {
        if let Some(path) = &p.explorer_path {
            outln!();
            outln!("Walk \"{}\" step by step in the web explorer:", p.name);
            outln!("  {command}");
            outln!("  then open http://127.0.0.1:3000/#/steps/{path}");
            if let Some(c) = p.cycle_from {
                outln!("  {}", cycle_note(c, 1));
            }
        }
        if let Some(path) = &p.reduced_explorer_path {
            outln!("or reduced by symmetry: the same run up to names, one branch per class:");
            outln!("  {command} --symmetry");
            outln!("  then open http://127.0.0.1:3000/#/steps/{path}");
            if let (Some(c), Some(from), Some(plain)) =
                (p.reduced_cycle_from, p.cycle_from, &p.explorer_path)
            {
                let steps = |path: &str| path.split('/').count() - 1;
                let turns = (steps(path) - c) / (steps(plain) - from).max(1);
                outln!("  {}", cycle_note(c, turns));
            }
            outln!("  (--replay takes this path with --symmetry)");
        }
    }
}

/// Where a lasso's cycle starts on its explorer path, which ends after `turns` turns of the
/// cycle (more than one only in the explorer reduced by symmetry, where a turn may end in a
/// renaming of the state it started from).
fn cycle_note(cycle_from: usize, turns: usize) -> String {
    if turns == 1 {
        format!("(the path ends after one turn of the cycle, which starts after step {cycle_from})")
    } else {
        format!(
            "(its cycle starts after step {cycle_from} and goes {turns} times round the cycle \
             above, renamed each time, before it is back where it started)"
        )
    }
}

fn q_json(q: &Q) -> serde_json::Value {
    json!({ "value": units::to_f64(q), "exact": q.to_string() })
}

fn predict_replication(
    rtt: &Seconds,
    k: u64,
    link: Option<&Link>,
    t_proc: &Seconds,
    batch: u64,
    json: bool,
) -> Result<ExitCode, String> {
    let x = laws::window_throughput(k, rtt, link, t_proc, batch).map_err(|e| e.to_string())?;
    if json {
        let v = json!({
            "law": "replication",
            "source": "MODELS.md §1",
            "inputs": {
                "rtt_s": q_json(&rtt.0), "window": k, "batch": batch, "proc_s": q_json(&t_proc.0),
                "size_bits": link.map(|l| q_json(&l.size.0)),
                "bandwidth_bit_per_s": link.map(|l| q_json(&l.bandwidth.0)),
            },
            "throughput_writes_per_s": q_json(&x.rate.0),
            "slot_time_s": q_json(&x.slot_time.0),
            "capacity_writes_per_s": x.capacity.as_ref().map(|c| q_json(&c.0)),
            "bound": match x.bound { laws::Bound::Window => "window", laws::Bound::Bandwidth => "bandwidth" },
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Replication throughput (MODELS.md §1)");
    outln!("  slot time T = RTT + b·s/B + t_proc = {}", x.slot_time);
    if let Some(cap) = &x.capacity {
        outln!("  link capacity B/s               = {} writes", cap);
    }
    outln!("  throughput X = min(b·k/T, B/s)  = {} writes ({})", x.rate, x.bound);
    outln!("  (exact: {} writes/s)", x.rate.0);
    if k == 1 && batch == 1 {
        outln!("  k = 1 is strict synchronous replication: one write per round trip.");
    }
    Ok(ExitCode::SUCCESS)
}

fn predict_window(
    rtt: &Seconds,
    link: Option<&Link>,
    rate: Option<&PerSec>,
    window: Option<u64>,
    json: bool,
) -> Result<ExitCode, String> {
    if rate.is_none() && window.is_none() && link.is_none() {
        return Err(
            "predict window needs --rate, --window, or --size with --bandwidth (for the BDP)"
                .into(),
        );
    }
    let zero = Seconds(Q::zero());
    let needed = rate.map(|r| laws::window_needed(r, rtt, link)).transpose();
    let needed = match needed {
        Err(e @ laws::LawError::Infeasible(_)) => Err(e.to_string()),
        Err(e) => return Err(e.to_string()),
        Ok(m) => Ok(m),
    };
    let simple_needed =
        rate.map(|r| laws::window_needed(r, rtt, None)).transpose().map_err(|e| e.to_string())?;
    let through = window
        .map(|m| laws::window_throughput(m, rtt, link, &zero, 1))
        .transpose()
        .map_err(|e| e.to_string())?;
    let bdp = link.map(|l| laws::bdp(&l.bandwidth, rtt)).transpose().map_err(|e| e.to_string())?;
    let knee = link.map(|l| laws::knee(l, rtt)).transpose().map_err(|e| e.to_string())?;
    if json {
        let v = json!({
            "law": "window",
            "source": "MODELS.md §2",
            "window_needed": needed.as_ref().ok().copied().flatten(),
            "window_needed_simple": simple_needed,
            "infeasible": needed.as_ref().err(),
            "throughput_per_s": through.as_ref().map(|t| q_json(&t.rate.0)),
            "bound": through.as_ref().map(|t| match t.bound { laws::Bound::Window => "window", laws::Bound::Bandwidth => "bandwidth" }),
            "bdp_bits": bdp.as_ref().map(|b| q_json(&b.0)),
            "knee_messages": knee.as_ref().map(q_json),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
    } else {
        outln!("Window law (MODELS.md §2)");
        if let Some(b) = &bdp {
            outln!("  bandwidth-delay product B·RTT = {b}");
        }
        if let Some(k) = &knee {
            outln!("  knee B·RTT/s + 1 = {} messages", sig_figs(k, 6));
        }
        if let Some(t) = &through {
            outln!("  throughput min(M/(RTT + s/B), B/s) = {} ({})", t.rate, t.bound);
        }
        match &needed {
            Ok(Some(m)) => {
                outln!("  window needed ⌈μ(RTT + s/B)⌉ = {m}");
                if let Some(s) = simple_needed.filter(|s| s != m) {
                    outln!("  (the simple ⌈μ·RTT⌉ = {s} forgets serialization)");
                }
            }
            Ok(None) => {}
            Err(e) => outln!("  window needed: {e}"),
        }
    }
    // A target that no window can reach is an answer, but not a success.
    Ok(if needed.is_err() { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn predict_phantom(
    n: u32,
    mu: &PerSec,
    delta: &Seconds,
    model: Option<inflight_models::phantom::ReportAges>,
    exact: bool,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::phantom::{probability, tau50_seconds, PhantomInputs, ReportAges};
    use inflight_models::phantom_exact::{snapshot_phantom, MAX_N};
    let inputs = PhantomInputs { n, mu: mu.clone(), delta: delta.clone() };
    let models: Vec<ReportAges> = model.map_or_else(|| ReportAges::ALL.to_vec(), |m| vec![m]);
    let mut rows = Vec::new();
    for m in models {
        let p = probability(m, &inputs).map_err(|e| e.to_string())?;
        let tau = tau50_seconds(m, n, mu).map_err(|e| e.to_string())?;
        rows.push((m, p, tau));
    }
    let exact = if exact {
        if n < 2 || n > MAX_N as u32 {
            return Err(format!("--exact: n = {n}: the chain is built for 2 to {MAX_N} edges"));
        }
        let closed = probability(ReportAges::Snapshot, &inputs).map_err(|e| e.to_string())?;
        let x = snapshot_phantom(n as u8, units::to_f64(&mu.0), units::to_f64(&delta.0))?;
        Some((x, closed))
    } else {
        None
    };
    if json {
        let v = json!({
            "law": "phantom",
            "source": "MODELS.md §4",
            "inputs": { "n": n, "mu_per_s": q_json(&mu.0), "delta_s": q_json(&delta.0) },
            "models": rows.iter().map(|(m, p, tau)| json!({
                "model": m.name(), "label": m.label(), "formula": m.formula(),
                "p_phantom": p, "tau50_s": tau,
            })).collect::<Vec<_>>(),
            "exact_snapshot": exact.map(|(x, closed)| json!({
                "method": "CTMC over the core machines' state graph, uniformization",
                "p_phantom": x.probability,
                "states": x.states,
                "transitions": x.transitions,
                "abs_diff_from_closed_form": (x.probability - closed).abs(),
            })),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Phantom deadlock (MODELS.md §4): n = {n} edges, μ = {mu}, δ = {delta}");
    outln!("  {:<15} {:>12}  {:>14}  formula", "model", "P(phantom)", "τ₅₀");
    for (m, p, tau) in &rows {
        outln!("  {:<15} {:>12.6}  {:>11.6} ms  {}", m.to_string(), p, tau * 1e3, m.formula());
    }
    if let Some((x, closed)) = exact {
        outln!(
            "  exact A: CTMC of the core machines ({} states, {} transitions), uniformization: \
             P = {:.15}, |P − (1 − e^(−nμδ))| = {:.1e}",
            x.states,
            x.transitions,
            x.probability,
            (x.probability - closed).abs()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How an E\[peak\] estimate was made, for the text output.
fn estimate_source(e: &inflight_models::herd::PeakEstimate) -> String {
    format!("the scan statistic of {} drawn herds (seed {}), ± one standard error", e.draws, e.seed)
}

/// An E\[peak\] estimate as JSON.
fn estimate_json(e: &inflight_models::herd::PeakEstimate, n: u32) -> serde_json::Value {
    json!({
        "mean": e.mean, "standard_error": e.std_err, "ratio": e.mean / n as f64,
        "draws": e.draws, "seed": e.seed,
    })
}

/// `predict herd`; `draws` and its seed are for the estimate, made only when the exact E\[peak\]
/// is out of reach.
fn predict_herd(
    n: u32,
    s: &Seconds,
    tau: &Seconds,
    (draws, seed): (Option<u32>, u64),
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::herd;
    if !units::is_positive(&s.0) {
        return Err(format!("--service: {s} is not positive: a request takes time to serve"));
    }
    if !units::is_positive(&tau.0) {
        return Err(format!("--window: {tau} is not positive: retries need a window"));
    }
    let w = s.0.clone() / tau.0.clone();
    let e = |r: Result<Q, herd::HerdError>| r.map_err(|e| e.to_string());
    let fluid = e(herd::one_shot_fluid_ratio(&w))?;
    let periodic = e(herd::periodic_ratio(&w))?;
    let stagger = e(herd::one_shot_even_stagger_ratio(n, &w))?;
    let periodic_stagger = e(herd::periodic_even_stagger_ratio(n, &w))?;
    let p_one = e(herd::p_peak_one(n, &w))?;
    let p_all = herd::p_peak_all(n, &w).ok();
    let two =
        (n == 2).then(|| herd::expected_peak_two(&w)).transpose().map_err(|e| e.to_string())?;
    let peak = herd::expected_peak(n, &w);
    let exact = herd::expected_peak_exact(n, &w, 20_000).ok();
    let estimate = match peak {
        Ok(_) => None,
        Err(_) => {
            let draws = draws.unwrap_or_else(|| herd::default_draws(n));
            Some(herd::estimate_peak(n, &w, draws, seed).map_err(|e| e.to_string())?)
        }
    };
    if json {
        let v = json!({
            "law": "herd",
            "source": "MODELS.md §6",
            "inputs": { "clients": n, "service_s": q_json(&s.0), "window_s": q_json(&tau.0) },
            "w": q_json(&w),
            "synchronized_peak": n,
            "expected_jittered_peak": peak.as_ref().ok(),
            "expected_jittered_peak_exact": exact.as_ref().map(|q| q.to_string()),
            "expected_peak_ratio": peak.as_ref().ok().map(|p| p / n as f64),
            "expected_peak_error": peak.as_ref().err().map(|e| e.to_string()),
            "expected_jittered_peak_estimate": estimate.map(|e| estimate_json(&e, n)),
            "p_peak_one": q_json(&p_one),
            "p_peak_all": p_all.as_ref().map(q_json),
            "expected_peak_two_clients": two.as_ref().map(q_json),
            "one_shot_fluid_ratio": q_json(&fluid),
            "periodic_ratio": q_json(&periodic),
            "one_shot_even_stagger_ratio": q_json(&stagger),
            "periodic_even_stagger_ratio": q_json(&periodic_stagger),
            "worst_case_jittered_peak": n,
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    let f = |q: &Q| sig_figs(q, 6);
    outln!("Thundering herd (MODELS.md §6): N = {n} clients, s = {s} in service, window τ = {tau}, w = s/τ = {w}");
    outln!("  synchronized (fixed delay τ): peak = N = {n} in service at once");
    match &peak {
        Ok(p) => outln!(
            "  jitter U[0, τ], one shot: E[peak] = {p:.5} (ratio {:.6}), exact scan statistic{}",
            p / n as f64,
            exact.as_ref().map_or(String::new(), |q| format!(" = {q}"))
        ),
        Err(err) => {
            if let Some(e) = &estimate {
                outln!(
                    "  jitter U[0, τ], one shot: E[peak] ≈ {:.4} ± {:.4} (ratio {:.4}), estimated: {}",
                    e.mean,
                    e.std_err,
                    e.mean / n as f64,
                    estimate_source(e)
                );
            }
            outln!("    (not exact: {err})");
        }
    }
    outln!("    P(peak = 1) = (1 − (N−1)w)₊^N = {}", f(&p_one));
    if let Some(p) = &p_all {
        outln!("    P(peak = N) = N w^(N−1) − (N−1) w^N = {}", f(p));
    }
    if let Some(t) = &two {
        outln!("    E[peak] for N = 2: 1 + 2w − w² = {}", f(t));
    }
    outln!("    worst case over jitter draws: N = {n} (jitter gives no guarantee)");
    outln!("  one-shot fluid ratio min(1, w) = {} (a time average, not a peak)", f(&fluid));
    outln!(
        "  periodic ratio w/⌈w⌉ = {} (the article's R: average jittered load over the synchronized peak of periodic retries)",
        f(&periodic)
    );
    outln!(
        "  even stagger: one shot min(N, ⌈Nw⌉)/N = {}, periodic ⌈Nw⌉/(N⌈w⌉) = {}",
        f(&stagger),
        f(&periodic_stagger)
    );
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn simulate_retry(
    n: u16,
    service: &Seconds,
    window: &Seconds,
    policy: SimPolicyArg,
    trials: u32,
    seed: u64,
    svg: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::herd;
    use inflight_models::herd_sim::{mean_peak, queue_view, run_once, HerdSetup, PolicyKind};
    let s_ticks = micros(service, "--service")?;
    let tau_ticks = micros(window, "--window")?;
    let kind = match policy {
        SimPolicyArg::Fixed => PolicyKind::Fixed,
        SimPolicyArg::Jitter => PolicyKind::Jitter,
        SimPolicyArg::Backoff => PolicyKind::Backoff,
    };
    let setup = |policy| HerdSetup {
        clients: n,
        service: inflight_core::Duration(s_ticks),
        window: inflight_core::Duration(tau_ticks),
        policy,
        seed,
    };
    let sync = run_once(&setup(PolicyKind::Fixed)).map_err(|e| e.to_string())?;
    let one = run_once(&setup(kind)).map_err(|e| e.to_string())?;
    let (mean, se) = mean_peak(&setup(kind), trials).map_err(|e| e.to_string())?;
    let w = service.0.clone() / window.0.clone();
    let exact = (kind == PolicyKind::Jitter).then(|| herd::expected_peak(n as u32, &w));
    let estimate = match &exact {
        Some(Err(_)) => {
            let draws = herd::default_draws(n as u32);
            Some(herd::estimate_peak(n as u32, &w, draws, seed).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let (sync_wait, sync_last) = queue_view(&sync.retries, s_ticks);
    let (wait, last) = queue_view(&one.retries, s_ticks);
    let ms = |t: u64| t as f64 / 1000.0;
    let name = match kind {
        PolicyKind::Fixed => "fixed delay",
        PolicyKind::Jitter => "jitter U[0, τ]",
        PolicyKind::Backoff => "backoff, full jitter",
    };
    if let Some(path) = svg {
        let to_ms = |steps: &[(u64, u32)]| -> Vec<(f64, u32)> {
            steps.iter().map(|&(t, l)| (ms(t), l)).collect()
        };
        let (a, b) = (to_ms(&sync.load), to_ms(&one.load));
        let curves = [
            inflight_checker::plot::LoadCurve {
                label: format!("synchronized (fixed τ): peak {}", sync.peak),
                steps: &a,
            },
            inflight_checker::plot::LoadCurve {
                label: format!("{name}: peak {}", one.peak),
                steps: &b,
            },
        ];
        let title = format!("{n} clients retrying, s = {service}, τ = {window}");
        inflight_checker::plot::load_svg(&curves, &title, path)?;
    }
    if json {
        let v = json!({
            "protocol": "retry",
            "source": "MODELS.md §6",
            "clients": n, "service_s": q_json(&service.0), "window_s": q_json(&window.0), "policy": name,
            "synchronized": { "peak": sync.peak, "queue_mean_wait_ms": ms(sync_wait as u64), "queue_last_completion_ms": ms(sync_last) },
            "policy_run": { "peak": one.peak, "queue_mean_wait_ms": wait / 1000.0, "queue_last_completion_ms": ms(last) },
            "mean_peak": mean, "mean_peak_standard_error": se, "trials": trials,
            "exact_expected_peak": exact.as_ref().and_then(|r| r.as_ref().ok()),
            "exact_unavailable": exact.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.to_string()),
            "estimated_expected_peak": estimate.map(|e| estimate_json(&e, n as u32)),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("herd simulated (core retry clients and server, 1 tick = 1 µs): N = {n}, s = {service}, τ = {window}, w = {w}");
    outln!("  synchronized (fixed τ): peak {} in service; queue view: mean wait {:.3} ms, last completion {:.3} ms", sync.peak, sync_wait / 1000.0, ms(sync_last));
    outln!(
        "  {name}: peak {} in this run; queue view: mean wait {:.3} ms, last completion {:.3} ms",
        one.peak,
        wait / 1000.0,
        ms(last)
    );
    outln!("  mean peak over {trials} runs: {mean:.4} ± {se:.4} (standard error)");
    match exact {
        Some(Ok(e)) => outln!(
            "  exact E[peak] (scan statistic, MODELS.md §6): {e:.5}; fluid min(1, w)·N = {:.3}",
            units::to_f64(&w.clone().min(Q::from_integer(1.into()))) * n as f64
        ),
        Some(Err(e)) => {
            if let Some(est) = &estimate {
                outln!(
                    "  E[peak] (scan statistic, MODELS.md §6) ≈ {:.4} ± {:.4}, estimated from {}",
                    est.mean,
                    est.std_err,
                    estimate_source(est)
                );
            }
            outln!("    (not exact: {e})");
        }
        None => {}
    }
    if let Some(path) = svg {
        outln!("plot written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn predict_pipeline(
    load: &PerSec,
    stages: &[inflight_models::tandem::Stage],
    closed: Option<(u64, Seconds)>,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::tandem::{closed_loop, erlang_c, open_line};
    let line = open_line(load, stages).map_err(|e| e.to_string())?;
    let waits: Vec<_> = stages.iter().map(|s| erlang_c(load, s).ok()).collect();
    let closed = closed
        .map(|(c, r0)| closed_loop(c, &r0, stages).map(|x| (c, r0, x)))
        .transpose()
        .map_err(|e| e.to_string())?;
    if json {
        let v = json!({
            "law": "pipeline",
            "source": "MODELS.md §3",
            "load_per_s": q_json(&load.0),
            "capacity_per_s": q_json(&line.capacity),
            "throughput_per_s": q_json(&line.throughput),
            "bottleneck_stage": line.bottleneck + 1,
            "backlog_growth_per_s": q_json(&line.total_growth),
            "stages": stages.iter().zip(&line.growth).zip(&line.rho).zip(&waits).map(|(((s, g), r), w)| json!({
                "workers": s.workers, "rate_per_s": q_json(&s.rate.0), "capacity_per_s": q_json(&s.capacity()),
                "queue_growth_per_s": q_json(g), "rho": q_json(r),
                "erlang_c_p_wait": w.as_ref().map(|w| q_json(&w.p_wait)),
                "mean_wait_s": w.as_ref().map(|w| q_json(&w.mean_wait.0)),
            })).collect::<Vec<_>>(),
            "closed_loop": closed.as_ref().map(|(c, r0, x)| json!({
                "cap": c, "zero_load_s": q_json(&r0.0), "bound_per_s": q_json(&x.bound),
                "knee": q_json(&x.knee), "round_trip_s": q_json(&x.round_trip.0),
                "exact_for": "deterministic service times (an upper bound otherwise)",
            })),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Tandem line (MODELS.md §3), load λ = {load}");
    for (i, ((s, g), r)) in stages.iter().zip(&line.growth).zip(&line.rho).enumerate() {
        let wait = match &waits[i] {
            Some(w) => {
                format!("Erlang C: P(wait) {}, mean wait {}", sig_figs(&w.p_wait, 6), w.mean_wait)
            }
            None => "unstable (ρ ≥ 1): its queue grows without bound".to_string(),
        };
        outln!(
            "  stage {}: {} × {} = {}, ρ = {}, queue growth {}/s; {wait}",
            i + 1,
            s.workers,
            s.rate,
            PerSec(s.capacity()),
            sig_figs(r, 6),
            sig_figs(g, 6)
        );
    }
    outln!(
        "  capacity min rᵢμᵢ = {} (stage {})",
        PerSec(line.capacity.clone()),
        line.bottleneck + 1
    );
    outln!("  throughput X = min(λ, min rᵢμᵢ) = {}", PerSec(line.throughput.clone()));
    if line.total_growth > Q::zero() {
        outln!("  backlog grows at λ − X = {}", PerSec(line.total_growth.clone()));
    } else if line.throughput < line.capacity {
        outln!(
            "  the line keeps up: X is the load; the capacity {} is headroom, not throughput",
            PerSec(line.capacity.clone())
        );
    }
    if let Some((c, r0, x)) = &closed {
        outln!(
            "  closed loop, cap C = {c}, R0 = {r0}: X ≤ min(C/R0, min rᵢμᵢ) = {} (exact for deterministic times), round trip {}",
            PerSec(x.bound.clone()),
            x.round_trip
        );
        outln!(
            "  knee C* = R0 · min rᵢμᵢ = {}: a cap above it only adds latency",
            sig_figs(&x.knee, 6)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn predict_ttl(
    churn: &PerSec,
    ttl: &Seconds,
    reads: Option<&PerSec>,
    costs: Option<(f64, f64)>,
    hops: Option<u32>,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::ttl;
    let (c, theta) = (units::to_f64(&churn.0), units::to_f64(&ttl.0));
    let x = c * theta;
    let e = |r: Result<f64, ttl::TtlError>| r.map_err(|e| e.to_string());
    let g = e(ttl::periodic_stale(x))?;
    let poisson = e(ttl::poisson_stale(x))?;
    let r = reads.map(|r| units::to_f64(&r.0));
    let on_demand =
        r.map(|r| ttl::on_demand(c, theta, r)).transpose().map_err(|e| e.to_string())?;
    let dht = hops
        .map(|h| ttl::dht(c, theta, h).map(|d| (h, d)))
        .transpose()
        .map_err(|e| e.to_string())?;
    let optimum = match (costs, r) {
        (Some((a, b)), Some(r)) => {
            let best = ttl::optimal_ttl(c, r, a, b).map_err(|e| e.to_string())?;
            let j_now = ttl::cost(theta, c, r, a, b).ok();
            let j_best = best.and_then(|t| ttl::cost(t, c, r, a, b).ok());
            Some((a * c / (b * r), best, j_now, j_best))
        }
        _ => None,
    };
    let comparison = r
        .filter(|_| theta > 0.0)
        .map(|r| ttl::compare(c, theta, r))
        .transpose()
        .map_err(|e| e.to_string())?;
    if json {
        let v = json!({
            "law": "ttl",
            "source": "MODELS.md §5",
            "x": x,
            "periodic_stale_fraction": g,
            "poisson_stale_fraction": poisson,
            "on_demand": on_demand.map(|(s, f)| json!({ "p_stale_read": s, "refetch_per_s": f })),
            "dht": dht.map(|(h, (p, fail))| json!({ "hops": h, "p_pointer_stale": p, "p_lookup_fails": fail })),
            "cost": optimum.map(|(k, best, now, jbest)| json!({
                "kappa": k, "optimal_ttl_s": best, "never_refresh": best.is_none(),
                "cost_per_s_at_ttl": now, "cost_per_s_at_optimum": jbest,
            })),
            "comparison": comparison.map(|cmp| json!({
                "push": { "messages_per_s": cmp.push.0, "stale": cmp.push.1 },
                "periodic_ttl": { "messages_per_s": cmp.periodic.0, "stale": cmp.periodic.1 },
                "on_demand_ttl": { "messages_per_s": cmp.on_demand.0, "stale": cmp.on_demand.1 },
                "no_cache": { "messages_per_s": cmp.no_cache.0, "stale": cmp.no_cache.1 },
            })),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Naming TTL vs churn (MODELS.md §5): c = {churn}, θ = {ttl}, x = cθ = {x:.6} changes per TTL");
    outln!("  periodic refresh every θ: stale fraction g(x) = 1 − (1 − e^(−x))/x = {g:.6} (= P(stale read), PASTA)");
    outln!("  Poisson refresh at rate 1/θ: x/(1 + x) = {poisson:.6}");
    if let Some((s, f)) = on_demand {
        outln!("  on-demand TTL cache: P(stale read) = {s:.6}, refetches {f:.6}/s");
    }
    if let Some((h, (p, fail))) = dht {
        outln!("  DHT: pointer stale with p = {p:.6}; a lookup over {h} hops fails with {fail:.6}");
    }
    if let Some((k, best, now, jbest)) = optimum {
        match best {
            Some(t) => outln!(
                "  cost J(θ) = a/θ + b·r·g(cθ): κ = ac/(br) = {k:.6}, optimal θ* = {t:.6} s (x* = −1 − W₋₁(−(1 − κ)/e)); J(θ) = {:.6}/s, J(θ*) = {:.6}/s",
                now.unwrap_or(f64::NAN),
                jbest.unwrap_or(f64::NAN)
            ),
            None => outln!("  cost: κ = ac/(br) = {k:.6} ≥ 1, so refreshing never pays: θ* = ∞"),
        }
    }
    if let Some(cmp) = comparison {
        outln!("  messages/s and stale fraction: push {:.6} / 0, periodic TTL {:.6} / {:.6}, on-demand TTL {:.6} / {:.6}, no cache {:.6} / 0",
            cmp.push.0, cmp.periodic.0, cmp.periodic.1, cmp.on_demand.0, cmp.on_demand.1, cmp.no_cache.0);
    }
    Ok(ExitCode::SUCCESS)
}

fn predict_numa(
    f: &Q,
    p: &Q,
    m: Option<&Q>,
    target: Option<&Q>,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::numa;
    let s = numa::slowdown(f, p).map_err(|e| e.to_string())?;
    let program =
        m.map(|m| numa::program_slowdown(m, &s)).transpose().map_err(|e| e.to_string())?;
    let threshold = target.map(|t| numa::penalty_for(f, t).map_err(|e| e.to_string()));
    let budget =
        target.map(|t| numa::remote_budget(p, t)).transpose().map_err(|e| e.to_string())?;
    if let Some(Err(e)) = &threshold {
        if e.starts_with("a target") {
            return Err(e.clone());
        }
    }
    if json {
        let v = json!({
            "law": "numa",
            "source": "MODELS.md §7",
            "access_slowdown": q_json(&s),
            "program_slowdown": program.as_ref().map(q_json),
            "threshold_penalty": threshold.as_ref().and_then(|t| t.as_ref().ok()).map(q_json),
            "threshold_infeasible": threshold.as_ref().and_then(|t| t.as_ref().err()),
            "remote_fraction_budget": budget.as_ref().map(q_json),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "The cluster as a NUMA machine (MODELS.md §7): f = {}, p = {}",
        sig_figs(f, 6),
        sig_figs(p, 6)
    );
    outln!("  average access slowdown S = 1 + f(p − 1) = {}× (exact {s})", sig_figs(&s, 6));
    if let Some(ps) = &program {
        outln!(
            "  program slowdown (1 − m) + mS = {}× — the access slowdown is not the program's",
            sig_figs(ps, 6)
        );
    }
    if let (Some(t), Some(th)) = (target, &threshold) {
        match th {
            Ok(pt) => {
                outln!("  S exceeds {} exactly when p > {}", sig_figs(t, 6), sig_figs(pt, 6))
            }
            Err(e) => outln!("  S never exceeds {}: {e}", sig_figs(t, 6)),
        }
    }
    if let (Some(t), Some(b)) = (target, &budget) {
        outln!("  at p = {}, S ≤ {} needs f ≤ {}", sig_figs(p, 6), sig_figs(t, 6), sig_figs(b, 6));
    }
    Ok(ExitCode::SUCCESS)
}

/// Whole microseconds (the simulators' tick) in a duration, refusing less than one.
fn micros(d: &Seconds, what: &str) -> Result<u64, String> {
    let us = d.0.clone() * Q::from_integer(1_000_000.into());
    match num_traits::ToPrimitive::to_u64(&us.round().to_integer()) {
        Some(t) if t > 0 => Ok(t),
        _ => Err(format!("{what}: {d} must be at least 1 µs (the simulation's tick)")),
    }
}

#[allow(clippy::too_many_arguments)]
fn simulate_ttl(
    churn: &PerSec,
    ttl: &Seconds,
    reads: &PerSec,
    latency: &Seconds,
    horizon: Option<&Seconds>,
    runs: u32,
    seed: u64,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::ttl_sim::{run, CachePolicy, TtlExperiment};
    micros(ttl, "--ttl")?;
    let (c, theta, r) = (units::to_f64(&churn.0), units::to_f64(&ttl.0), units::to_f64(&reads.0));
    let latency = units::to_f64(&latency.0);
    let horizon = match horizon {
        Some(h) => units::to_f64(&h.0),
        None => {
            let by_reads = if r > 0.0 { 2_000.0 / r } else { 0.0 };
            by_reads.max(50.0 * theta).max(1.0)
        }
    };
    if horizon * 1e6 * runs as f64 > 1e14 {
        return Err(format!(
            "--horizon {horizon} s × {runs} runs is more simulated time than this tool runs"
        ));
    }
    let policies = [
        ("on-demand TTL", CachePolicy::OnDemand),
        ("periodic refresh", CachePolicy::Periodic),
        ("push", CachePolicy::Push),
        ("no cache", CachePolicy::NoCache),
    ];
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    for (name, policy) in policies {
        let e =
            TtlExperiment { churn: c, ttl: theta, reads: r, policy, latency, horizon, runs, seed };
        rows.push((name, run(&e).map_err(|e| e.to_string())?));
    }
    let elapsed = started.elapsed().as_secs_f64();
    if json {
        let v = json!({
            "simulation": "ttl",
            "source": "MODELS.md §5",
            "churn_per_s": c, "ttl_s": theta, "reads_per_s": r, "latency_s": latency,
            "horizon_s": horizon, "runs": runs, "seed": seed, "elapsed_s": elapsed,
            "policies": rows.iter().map(|(name, m)| json!({
                "policy": name,
                "reads": m.reads, "stale_reads": m.stale, "refused_reads": m.refused,
                "stale_fraction": m.stale_fraction, "stale_se": m.stale_se,
                "law_stale_fraction": m.law_stale,
                "messages_per_s": m.fetch_rate, "law_messages_per_s": m.law_messages,
            })).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "TTL vs churn (MODELS.md §5), core resolver and authority: c = {churn}, θ = {ttl}, r = {reads}, x = cθ = {:.4}",
        c * theta
    );
    outln!("  {runs} runs of {horizon} s each, one-way latency {latency} s; 1 tick = 1 µs");
    outln!(
        "  {:<17} {:>22} {:>12} {:>14} {:>12}",
        "policy",
        "stale reads (±1 SE)",
        "law",
        "messages/s",
        "law"
    );
    for (name, m) in &rows {
        outln!(
            "  {:<17} {:>12.5} ± {:<7.5} {:>12.5} {:>14.3} {:>12.3}",
            name,
            m.stale_fraction,
            m.stale_se,
            m.law_stale,
            m.fetch_rate,
            m.law_messages
        );
    }
    outln!("  ({:.2} s)", elapsed);
    Ok(ExitCode::SUCCESS)
}

fn simulate_tandem(
    stages: &[inflight_models::tandem::Stage],
    caps: std::ops::RangeInclusive<u32>,
    exponential: bool,
    window: &Seconds,
    seed: u64,
    json: bool,
) -> Result<ExitCode, String> {
    use inflight_models::tandem::closed_loop;
    use inflight_models::tandem_sim::{run, TandemSetup, MAX_WORKERS};
    let window_us = micros(window, "--window")?;
    let mut workers = Vec::new();
    let mut service = Vec::new();
    let mut r0 = Q::from_integer(0.into());
    for (i, st) in stages.iter().enumerate() {
        if st.workers == 0 || st.workers as usize > MAX_WORKERS {
            return Err(format!("--stage {}: 1 to {MAX_WORKERS} workers per stage", i + 1));
        }
        if st.rate.0 <= Q::from_integer(0.into()) {
            return Err(format!("--stage {}: the rate must be positive", i + 1));
        }
        let mean = Seconds(st.rate.0.recip());
        service.push(micros(&mean, &format!("--stage {} (1/μ)", i + 1))?);
        workers.push(st.workers as u8);
        r0 += st.rate.0.recip();
    }
    if stages.len() > inflight_core::stage::MAX_STAGES {
        return Err(format!("at most {} stages", inflight_core::stage::MAX_STAGES));
    }
    // The simulated line's R0 is its stages' rounded service times.
    let r0_sim = Seconds(Q::new(service.iter().sum::<u64>().into(), 1_000_000.into()));
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    for cap in caps {
        let setup = TandemSetup {
            workers: workers.clone(),
            service: service.clone(),
            cap,
            exponential,
            seed,
            warmup: window_us / 5,
            window: window_us,
        };
        let m = run(&setup)?;
        let x = m.completed as f64 * 1e6 / m.window as f64;
        let law = closed_loop(cap as u64, &r0_sim, stages).map_err(|e| e.to_string())?;
        rows.push((cap, m.completed, x, law));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let knee = closed_loop(1, &r0_sim, stages).map_err(|e| e.to_string())?.knee;
    if json {
        let v = json!({
            "simulation": "tandem",
            "source": "MODELS.md §3",
            "zero_load_s": units::to_f64(&r0),
            "knee": q_json(&knee),
            "exponential": exponential,
            "window_s": window_us as f64 / 1e6,
            "elapsed_s": elapsed,
            "caps": rows.iter().map(|(cap, n, x, law)| json!({
                "cap": cap, "completed": n, "throughput_per_s": x,
                "bound_per_s": q_json(&law.bound),
                "round_trip_s": if *x > 0.0 { Some(*cap as f64 / x) } else { None },
            })).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "Closed loop on the core stages (MODELS.md §3): R0 = {} ms, knee C* = R0·min rᵢμᵢ = {:.2}, {} work",
        units::to_f64(&r0_sim.0) * 1e3,
        units::to_f64(&knee),
        if exponential { "exponential" } else { "deterministic" }
    );
    outln!("  {:>4} {:>14} {:>14} {:>16}", "cap", "measured /s", "bound /s", "round trip ms");
    for (cap, _, x, law) in &rows {
        let rt = if *x > 0.0 { format!("{:.2}", *cap as f64 / x * 1e3) } else { "-".into() };
        outln!("  {:>4} {:>14.2} {:>14.2} {:>16}", cap, x, units::to_f64(&law.bound), rt);
    }
    outln!(
        "  counts over a {} s window (±1 completion = ±{:.2}/s); past the knee a higher cap adds only latency ({:.2} s)",
        window_us as f64 / 1e6,
        1e6 / window_us as f64,
        elapsed
    );
    if exponential {
        outln!("  exponential work: jobs queue near the knee, so X(C) falls below the bound there; far from");
        outln!("  the knee the bound is tight and the measurement scatters about it (lengthen --window)");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::cycle_note;

    #[test]
    fn a_lasso_that_closes_after_several_turns_says_so() {
        let one = cycle_note(4, 1);
        assert_eq!(one, "(the path ends after one turn of the cycle, which starts after step 4)");
        let two = cycle_note(10, 2);
        assert!(two.starts_with("(its cycle starts after step 10 and goes 2 times round"), "{two}");
    }
}
