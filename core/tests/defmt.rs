//! With the `defmt` feature, everything a node may want to log is `defmt::Format`: every
//! protocol's messages, commands, timers, events and both error types (all of a machine's
//! associated types but its state), the wire and window errors, and node ids and time.
//!
//! The checks are bounds, so this file fails to compile if a type loses its derive: CI's
//! `cargo clippy --workspace --all-targets --all-features` compiles it, and
//! `cargo test -p inflight-core --features defmt --test defmt` runs it. The firmware's
//! `defmt_log` image builds the feature for the three thumb targets and logs with it.
#![cfg(feature = "defmt")]

use defmt::Format;
use inflight_core::{deadlock, pipeline, replication, retry, stage, ttl, wire};
use inflight_core::{Duration, Instant, Machine, NodeId, WindowError};

/// Compiles only if every associated type of `M` a node exchanges or reports is `Format`.
fn loggable<M>()
where
    M: Machine,
    M::Msg: Format,
    M::Cmd: Format,
    M::Timer: Format,
    M::Event: Format,
    M::CmdError: Format,
    M::MsgError: Format,
{
}

fn format<T: Format>() {}

#[test]
fn every_protocol_and_every_error_is_loggable_with_defmt() {
    loggable::<replication::Node<8>>();
    loggable::<pipeline::Node<8>>();
    loggable::<deadlock::Node<4, 2, 4>>();
    loggable::<retry::Node<2>>();
    loggable::<stage::Node<2, 4>>();
    loggable::<ttl::Node>();
    format::<replication::ConfigError>();
    format::<pipeline::ConfigError>();
    format::<deadlock::ConfigError>();
    format::<retry::ConfigError>();
    format::<stage::ConfigError>();
    format::<wire::WireError>();
    format::<WindowError>();
    format::<(NodeId, Instant, Duration)>();
    format::<inflight_core::effects::EffectOf<replication::Node<8>>>();
}
