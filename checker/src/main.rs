//! `inflight`: check, explore and predict latency-bound protocols.
//!
//! Exit codes: 0 success, 1 a property failed, 2 bad arguments (one line on stderr naming the
//! argument and what it accepts).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return cli::usage_error(e),
    };
    match cli::run(args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
