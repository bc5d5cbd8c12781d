//! Experiments that run core machines in the simulator and set the measurement beside the law.

use crate::laws::{self, Link};
use crate::sim::{LinkSpec, Sim};
use crate::units::{to_f64, PerSec, Seconds, Q};
use crate::workload::SaturatingSender;
use inflight_core::pipeline::{Config, Fault, Msg, Node};
use inflight_core::{Duration, Instant};
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

/// The largest window the pipeline sweep runs (the core nodes' buffer capacity).
pub const MAX_WINDOW: u64 = 255;

/// Simulator ticks per second in the sweeps: one tick is a nanosecond.
pub const TICKS_PER_SEC: u64 = 1_000_000_000;

/// One window of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// The window M.
    pub window: u64,
    /// Messages delivered in order per second, measured in steady state.
    pub measured: f64,
    /// The law, MODELS.md §2: min(M / (RTT + s/B), B/s).
    pub law: PerSec,
    /// Messages lost by the links during the run.
    pub lost: u64,
    /// Slot times (RTT + s/B) the rate was measured over, after the warm-up: a few suffice for
    /// a lossless run, which is periodic; a lossy one needs many, since each loss stalls the
    /// window for a retransmission timeout.
    pub slots: u64,
}

/// Slot times measured over without loss: the run is periodic, so this is exact.
pub const LOSSLESS_SLOTS: u64 = 20;

/// Slot times measured over with loss: enough for the rate to settle (at 1 % loss, a window
/// of 1 sees about 40 timeouts).
pub const LOSSY_SLOTS: u64 = 2_000;

/// Seconds to whole ticks (nanoseconds), rounded to nearest.
fn ticks(s: &Seconds) -> u64 {
    let t = s.0.clone() * Q::from_integer(BigInt::from(TICKS_PER_SEC));
    t.round().to_integer().to_u64().unwrap_or(u64::MAX)
}

/// Runs the core pipeline saturated at each window in `windows` over links with round trip
/// `rtt` (half each way), the given serialization, and `loss_ppm` losses per million, and
/// measures delivered messages per second after a warm-up, over [`LOSSLESS_SLOTS`] slot times
/// without loss and [`LOSSY_SLOTS`] with it. The law is lossless (MODELS.md §2 has no loss
/// term): with loss it is an upper bound.
pub fn pipeline_window_sweep(
    rtt: &Seconds,
    link: Option<&Link>,
    windows: std::ops::RangeInclusive<u64>,
    loss_ppm: u32,
    seed: u64,
) -> Result<Vec<SweepPoint>, laws::LawError> {
    let one_way = ticks(rtt) / 2;
    let sigma = link.map_or(0, |l| ticks(&l.serialization()));
    let mut points = Vec::new();
    for m in windows {
        let law = laws::window_throughput(m, rtt, link, &Seconds(Q::zero()), 1)?;
        let slot = 2 * one_way + sigma;
        let cfg = Config {
            window: m as u16,
            rto: Some(Duration(4 * slot + 4 * m * sigma + 1)),
            fault: Fault::None,
        };
        let nodes = Node::<{ MAX_WINDOW as usize }>::pair(cfg)
            .map_err(|_| laws::LawError::Domain("the window must be 1 to 255"))?
            .to_vec();
        let spec = LinkSpec {
            latency: Duration(one_way),
            jitter: Duration::ZERO,
            loss_ppm,
            seed,
            serialize: Box::new(move |msg: &Msg| match msg {
                Msg::Data { .. } => Duration(sigma),
                Msg::Ack { .. } => Duration::ZERO,
            }),
            route: None,
        };
        let mut app = SaturatingSender::new();
        let mut sim = Sim::new(nodes, spec, &mut app);
        let warmup = 4 * slot + 2 * m * sigma;
        let slots = if loss_ppm == 0 { LOSSLESS_SLOTS } else { LOSSY_SLOTS };
        let span = slots * slot.max(1);
        sim.run_until(Instant(warmup + span), &mut app);
        let count = app.delivered_between(Instant(warmup), Instant(warmup + span));
        let measured = count as f64 * TICKS_PER_SEC as f64 / span as f64;
        let lost = sim.stats().lost;
        points.push(SweepPoint { window: m, measured, law: law.rate, lost, slots });
    }
    Ok(points)
}

/// The law's rate as `f64`, for plotting.
pub fn law_f64(p: &SweepPoint) -> f64 {
    to_f64(&p.law.0)
}
