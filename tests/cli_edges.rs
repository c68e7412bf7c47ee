//! The command line's small promises: an error says its cause once, `serve` takes its
//! scenario as `run` and `emit` do, and every argument has a help line.

use std::process::Output;

use assert_cmd::Command;

fn wsbench(args: &[&str]) -> Output {
    Command::cargo_bin("wsbench")
        .unwrap()
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(args)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap()
}

/// `wsbench serve` with `scenario` (the positional form, or `--scenario FILE`) on a port
/// already taken: it gets as far as binding, so the scenario was read and accepted.
fn serve_on_a_taken_port(scenario: &[&str]) -> (String, String) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = wsbench(&[&["serve"], scenario, &["--listen", &addr]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    (addr, stderr)
}

#[test]
fn a_port_in_use_is_said_once_with_its_address() {
    let (addr, stderr) = serve_on_a_taken_port(&["ticker"]);
    assert_eq!(
        stderr.matches("Address already in use").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("cannot listen on {addr}: Address already in use")),
        "{stderr}"
    );
}

#[test]
fn serve_takes_its_scenario_as_run_does_or_by_the_old_flag() {
    for form in [&["ticker"][..], &["--scenario", "ticker"]] {
        let (addr, stderr) = serve_on_a_taken_port(form);
        assert_eq!(
            stderr.lines().last().unwrap_or_default(),
            format!("wsbench: cannot listen on {addr}: Address already in use (os error 98)"),
            "{form:?}"
        );
    }
}

#[test]
fn serve_refuses_the_scenario_twice_naming_both() {
    for args in [
        ["serve", "ticker", "--scenario", "chat"],
        ["serve", "--scenario", "chat", "ticker"],
    ] {
        let out = wsbench(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains("cannot be used with"), "{stderr}");
        assert!(first.contains("'--scenario <FILE>'"), "{stderr}");
        assert!(first.contains("'[SCENARIO]'"), "{stderr}");
    }
}

#[test]
fn an_unreadable_scenario_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let out = wsbench(&["serve", "--scenario", path, "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{path}: cannot read: ")),
        "{stderr}"
    );
}

/// `path` and the arguments of it and its subcommands that have no help line.
fn without_help(command: &clap::Command, path: &str, found: &mut Vec<String>) {
    let path = format!("{path} {}", command.get_name());
    if command.get_about().is_none() && command.get_long_about().is_none() {
        found.push(format!("{path} (the command)"));
    }
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            found.push(format!("{path} {id}"));
        }
    }
    for sub in command.get_subcommands() {
        without_help(sub, &path, found);
    }
}

#[test]
fn every_argument_of_every_command_has_help() {
    use clap::CommandFactory;
    wsbench::transport::install();
    let mut command = wsbench::cli::Cli::command();
    // Help and version are generated in the build.
    command.build();
    let mut found = Vec::new();
    without_help(&command, "", &mut found);
    assert_eq!(found, Vec::<String>::new());
}

/// What `wsbench validate` says of a scenario whose `[section]` sets `key = value`, after
/// the file's place; it exits 2.
fn refusal(section: &str, key: &str, value: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let text = format!(
        "name = \"t\"\nduration = \"1s\"\ntransports = [\"ws\"]\n[feed]\nkind = \"ticker\"\n\
         rate = 20\n[{section}]\n{key} = {value}\n"
    );
    std::fs::write(&file, text).unwrap();
    let out = wsbench(&["validate", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let place = format!("{}:8:", file.display());
    let after = stderr
        .trim()
        .strip_prefix(&place)
        .unwrap_or_else(|| panic!("{place:?} does not start {stderr:?}"));
    after[after.find(": ").unwrap_or(0) + 2..].to_string()
}

#[test]
fn a_count_below_its_range_is_refused_with_the_range_negative_or_not() {
    assert_eq!(
        refusal("clients", "count", "-3"),
        "clients.count: must be 1 to 2,147,483,647 clients (each holds a connection, a file \
         descriptor: a C int), found -3"
    );
    for (section, key, low, high) in [
        ("clients", "count", "0", "-3"),
        ("server", "max_connections", "0", "-3"),
        ("server", "processes", "0", "-3"),
        ("server", "max_lag", "0", "-3"),
        ("server", "history", "0", "-3"),
        ("server", "window_log", "0", "-3"),
        ("clients", "cookie_bytes", "4097", "-3"),
        ("sweep", "clients", "[0]", "[-3]"),
        ("transport.ws-deflate", "server_max_window_bits", "0", "-3"),
        ("transport.ws-deflate", "client_max_window_bits", "16", "-3"),
    ] {
        let [one, other] = [low, high].map(|value| refusal(section, key, value));
        let without_found = |m: &str| m[..m.rfind("found ").unwrap_or(m.len())].to_string();
        assert_eq!(without_found(&one), without_found(&other), "{key}");
        assert!(one.contains(" to "), "{one}");
        assert!(
            other.ends_with(&format!("found {}", high.trim_matches(['[', ']']))),
            "{other}"
        );
    }
}
