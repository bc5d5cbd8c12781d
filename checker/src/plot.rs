//! SVG plots of simulations beside their laws.

use inflight_models::experiments::{law_f64, SweepPoint};
use plotters::prelude::*;
use std::path::Path;

/// Draws measured throughput per window beside the law's curve, and marks the knee (where the
/// window stops mattering, B·RTT/s + 1) when there is one.
pub fn window_sweep_svg(
    points: &[SweepPoint],
    knee: Option<f64>,
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let x_max = points.iter().map(|p| p.window).max().unwrap_or(1) as f64 + 1.0;
    let y_max = points.iter().map(|p| p.measured.max(law_f64(p))).fold(0.0, f64::max) * 1.1;
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max.max(1.0))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("window M (messages in flight)")
        .y_desc("throughput (messages/s)")
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.window as f64, law_f64(p))),
            BLUE.stroke_width(3),
        ))
        .map_err(|e| err(&e))?
        .label("law: min(M/(RTT + s/B), B/s)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(3)));
    chart
        .draw_series(
            points
                .iter()
                .map(|p| Circle::new((p.window as f64, p.measured), 3, RED.stroke_width(1))),
        )
        .map_err(|e| err(&e))?
        .label("simulated core pipeline")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, RED.stroke_width(1)));
    if let Some(k) = knee.filter(|k| *k < x_max) {
        chart
            .draw_series(LineSeries::new([(k, 0.0), (k, y_max)], BLACK.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(format!("knee B·RTT/s + 1 = {k:.1}"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

/// A bandwidth for people: `10 Gbit/s`.
pub fn human_bandwidth(bits_per_sec: f64) -> String {
    let units = [(1e12, "Tbit/s"), (1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")];
    for (scale, name) in units {
        if bits_per_sec >= scale {
            return format!("{} {name}", trim(bits_per_sec / scale));
        }
    }
    format!("{} bit/s", trim(bits_per_sec))
}

/// A size for people: `1500 B`, or `12 bit` when not whole bytes.
pub fn human_size(bits: f64) -> String {
    if bits % 8.0 == 0.0 {
        format!("{} B", trim(bits / 8.0))
    } else {
        format!("{} bit", trim(bits))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One load curve: a label and its (time in ms, requests in service) steps.
pub struct LoadCurve<'a> {
    /// The legend text.
    pub label: String,
    /// The load after each change.
    pub steps: &'a [(f64, u32)],
}

/// Draws in-service load over time as step curves (the synchronized and the jittered herd), with
/// the server's... nothing else: the peaks speak for themselves.
pub fn load_svg(curves: &[LoadCurve<'_>], title: &str, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let x_max =
        curves.iter().flat_map(|c| c.steps.iter().map(|(t, _)| *t)).fold(1.0, f64::max) * 1.05;
    let y_max = curves.iter().flat_map(|c| c.steps.iter().map(|(_, l)| *l)).max().unwrap_or(1);
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..x_max, 0f64..(y_max as f64 * 1.1).max(1.0))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("time since the outage (ms)")
        .y_desc("requests in service")
        .draw()
        .map_err(|e| err(&e))?;
    let colours = [RED, BLUE, GREEN, BLACK];
    for (i, c) in curves.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let mut pts = vec![(0.0, 0.0)];
        let mut last = 0.0;
        for &(t, l) in c.steps {
            pts.push((t, last));
            pts.push((t, l as f64));
            last = l as f64;
        }
        pts.push((x_max, last));
        chart
            .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(c.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
