//! A panic on any thread of wsbench ends the process with status 3 and says it is a bug
//! (`internal_error::install_hook`, as `wsbench`'s main installs it): a publisher thread
//! that panicked left a server that listened and never published, and `emit` exited 0.
//! A client worker's panic is contained: its run fails the entry instead.
//!
//! Each case runs this test binary again as the process that panics, chosen by an
//! environment variable, since the hook ends whatever process it is in.

use std::process::{Command, Output};
use std::time::Duration;

const CASE: &str = "WSBENCH_TEST_PANIC_CASE";

/// In the child: installs the hook, panics as `case` says, and returns 0 if it is still
/// alive afterwards.
fn child(case: &str) -> ! {
    wsbench::internal_error::install_hook(3);
    let thread = std::thread::Builder::new().name("wsbench-publisher".into());
    let handle = match case {
        "thread" => thread.spawn(|| panic!("cannot convert float seconds to Duration")),
        "contained" => thread.spawn(|| {
            wsbench::internal_error::contain_panics_on_this_thread();
            panic!("a client's bug")
        }),
        _ => panic!("a panic on the test's own thread"),
    };
    let joined = handle.unwrap().join();
    // The hook ends the process first, unless the thread was contained.
    std::thread::sleep(Duration::from_millis(100));
    std::process::exit(if joined.is_err() { 0 } else { 1 });
}

fn run_child(case: &str) -> (Option<i32>, String) {
    let Output { status, stderr, .. } = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_panic_on_any_thread_ends_the_process_with_status_3",
        ])
        .env(CASE, case)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    (status.code(), String::from_utf8_lossy(&stderr).into_owned())
}

#[test]
fn a_panic_on_any_thread_ends_the_process_with_status_3() {
    if let Ok(case) = std::env::var(CASE) {
        child(&case);
    }
    let (code, stderr) = run_child("thread");
    assert_eq!(code, Some(3), "{stderr}");
    let line = format!(
        "wsbench: internal error: thread 'wsbench-publisher' panicked at {}:",
        file!()
    );
    assert!(stderr.contains(&line), "{stderr}");
    assert!(
        stderr.contains(": cannot convert float seconds to Duration\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("wsbench: this is a bug in wsbench; exiting with status 3\n"),
        "{stderr}"
    );

    let (code, stderr) = run_child("own");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("wsbench: internal error: thread '")
            && stderr.contains(": a panic on the test's own thread\n"),
        "{stderr}"
    );

    // Said, and the process goes on: the thread's owner reports it.
    let (code, stderr) = run_child("contained");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("internal error: thread 'wsbench-publisher' panicked"));
    assert!(!stderr.contains("exiting with status"), "{stderr}");
}
