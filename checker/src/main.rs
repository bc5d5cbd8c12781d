//! `inflight`: check, explore and predict latency-bound protocols.
//!
//! Exit codes: 0 success, 1 a property failed, 2 bad arguments (one line on stderr naming the
//! argument and what it accepts) or output that could not be written. A reader that closes the
//! pipe early (`| head`) is not an error.

/// Standard output for the commands' reports and tables.
///
/// A reader that goes away early (`inflight check … | head`) is not an error: the rest of the
/// output is dropped, and the command still finishes and ends with its verdict's exit code.
/// Any other write error (a full disk) is reported once on stderr, and the command exits 2.
mod out {
    use std::io::{ErrorKind, Write};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The reader closed the pipe: nothing more is written.
    static CLOSED: AtomicBool = AtomicBool::new(false);
    /// A write failed for another reason.
    static FAILED: AtomicBool = AtomicBool::new(false);

    /// Writes `bytes` to standard output, unless it is gone.
    pub fn bytes(bytes: &[u8]) {
        if CLOSED.load(Ordering::Relaxed) || FAILED.load(Ordering::Relaxed) {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            if e.kind() == ErrorKind::BrokenPipe {
                CLOSED.store(true, Ordering::Relaxed);
            } else {
                FAILED.store(true, Ordering::Relaxed);
                let _ = writeln!(std::io::stderr(), "error: cannot write standard output: {e}");
            }
        }
    }

    /// Writes formatted text to standard output, unless it is gone.
    pub fn fmt(args: std::fmt::Arguments<'_>) {
        match args.as_str() {
            Some(s) => bytes(s.as_bytes()),
            None => bytes(args.to_string().as_bytes()),
        }
    }

    /// Whether a write failed for a reason other than a closed pipe.
    pub fn failed() -> bool {
        FAILED.load(Ordering::Relaxed)
    }
}

/// `print!` through [`out`].
macro_rules! out {
    ($($t:tt)*) => { $crate::out::fmt(format_args!($($t)*)) };
}

/// `println!` through [`out`].
macro_rules! outln {
    () => { $crate::out::bytes(b"\n") };
    ($($t:tt)*) => { $crate::out::fmt(format_args!("{}\n", format_args!($($t)*))) };
}

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return cli::usage_error(e),
    };
    match cli::run(args) {
        Ok(_) if out::failed() => ExitCode::from(2),
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
