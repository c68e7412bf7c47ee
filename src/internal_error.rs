//! A panic is a bug in wsbench. Whichever thread it happens on, the process says so and
//! ends with the status it is given (3, `cli::exit::RUN_FAILED`), instead of going on with a thread missing (a publisher thread
//! that died leaves a server that listens and never publishes, and a run that measures
//! nothing and exits 0) or ending with Rust's 101.
//!
//! The one exception is a thread whose owner catches its panics and reports them: a run's
//! client workers, whose panicking clients fail their entry by name while the run keeps
//! the entries it measured (`run::workers`).

use std::cell::Cell;
use std::io::Write;

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one whose panics its owner catches, counts and reports:
/// a panic there is printed and the process goes on.
pub fn contain_panics_on_this_thread() {
    CONTAINED.set(true);
}

/// Makes every panic print `wsbench: internal error: thread 'NAME' panicked at FILE:LINE:
/// MESSAGE` (and the backtrace when `RUST_BACKTRACE` asks for one), then end the process
/// with `status` unless its thread is contained.
pub fn install_hook(status: u8) {
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info
            .location()
            .map_or_else(|| "an unknown place".into(), ToString::to_string);
        let backtrace = std::backtrace::Backtrace::capture();
        let contained = CONTAINED.get();
        // Written whole, and never a second panic: stderr may be closed.
        let mut text = format!(
            "wsbench: internal error: thread '{}' panicked at {location}: {message}\n",
            thread.name().unwrap_or("<unnamed>")
        );
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            text.push_str(&format!("{backtrace}\n"));
        }
        if !contained {
            text.push_str(&format!(
                "wsbench: this is a bug in wsbench; exiting with status {status}\n"
            ));
        }
        let _ = std::io::stderr().write_all(text.as_bytes());
        if !contained {
            std::process::exit(i32::from(status));
        }
    }));
}
