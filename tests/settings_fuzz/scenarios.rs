//! Scenarios for the fuzz pass: a tiny run's scenario per key, with one hostile value in
//! place; and the values validation accepted, combined into as few runs as validation
//! allows.

use std::path::Path;

use toml::{Table, Value};
use wsbench::scenario::Scenario;

use super::keys::{NUMERIC, feed_table};
use super::values::Hostile;

/// A tiny run: a feed kind over one transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub feed: &'static str,
    pub transport: &'static str,
}

/// Every feed kind, and every transport, in some slot.
pub const SLOTS: &[Slot] = &[
    Slot {
        feed: "ticker",
        transport: "poll",
    },
    Slot {
        feed: "tickets",
        transport: "longpoll",
    },
    Slot {
        feed: "notifications",
        transport: "sse",
    },
    Slot {
        feed: "chat",
        transport: "ws",
    },
    Slot {
        feed: "echo",
        transport: "ws-deflate",
    },
    Slot {
        feed: "command",
        transport: "sse",
    },
];

/// The slot a key's values are tried in: its feed kind's, its transport's, or one in turn.
pub fn slot_of(key: &str, index: usize) -> Slot {
    let parts: Vec<&str> = key.split('.').collect();
    let found = match parts.as_slice() {
        ["feed", kind, _] => SLOTS.iter().find(|s| s.feed == *kind),
        ["transport", transport, _] => SLOTS.iter().find(|s| s.transport == *transport),
        // A rate needs a feed with one, in the run and in a sweep.
        ["sweep", "rate"] => Some(&SLOTS[0]),
        // A frontier point is measured only for a transport of the run.
        ["frontier", setting] => {
            let transport = setting.split_once('_').map(|(t, _)| t);
            SLOTS.iter().find(|s| Some(s.transport) == transport)
        }
        _ => None,
    };
    *found.unwrap_or(&SLOTS[index % 4])
}

/// The base scenario of `slot`: a second, no warm-up, two clients.
pub fn base(slot: Slot) -> Table {
    let text = format!(
        "duration = \"1s\"\nwarmup = \"0s\"\ntransports = [\"{}\"]\n[clients]\ncount = 2\n",
        slot.transport
    );
    let mut table: Table = text.parse().unwrap();
    table.insert("feed".into(), feed_table(slot.feed).into());
    table
}

/// Sets `key` (a `NUMERIC` path) to `value` in `scenario`, with what the key needs beside
/// it: an assertion's metric and transports, a sweep's list, the other side's CPUs.
pub fn set(scenario: &mut Table, key: &str, value: &Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let (tables, name): (Vec<&str>, &str) = match parts.as_slice() {
        [name] => (vec![], name),
        ["feed", _, name] => (vec!["feed"], name),
        ["transport", transport, name] => (vec!["transport", transport], name),
        ["assert", name] => {
            let mut assert: Table = "metric = \"events.lost\"".parse().unwrap();
            if name.ends_with("_ratio") {
                assert.insert("transport".into(), "ws".into());
                assert.insert("relative_to".into(), "sse".into());
            }
            assert.insert(name.to_string(), value.clone());
            let asserts = scenario
                .entry("assert")
                .or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(asserts) = asserts {
                asserts.push(assert.into());
            }
            return;
        }
        [table @ ("sweep" | "frontier"), name] => {
            let list = Value::Array(vec![value.clone()]);
            scenario.insert(
                table.to_string(),
                Table::from_iter([(name.to_string(), list)]).into(),
            );
            return;
        }
        ["cpus", side] => {
            let other = if *side == "server" {
                "clients"
            } else {
                "server"
            };
            let last = wsbench::placement::available_cpus()
                .unwrap()
                .last()
                .copied();
            let mut cpus = Table::new();
            cpus.insert(other.into(), (last.unwrap_or(0) as i64).into());
            cpus.insert(side.to_string(), value.clone());
            scenario.insert("cpus".into(), cpus.into());
            return;
        }
        [table, name] => (vec![table], name),
        _ => panic!("a key path the fuzz pass cannot place: {key}"),
    };
    let mut table = scenario;
    for name in tables {
        let entry = table
            .entry(name)
            .or_insert_with(|| Value::Table(Table::new()));
        table = match entry {
            Value::Table(inner) => inner,
            other => panic!("{key}: `{name}` is {other:?}"),
        };
    }
    table.insert(name.into(), value.clone());
}

/// Whether validation takes `scenario`, in this process (to build combinations quickly;
/// each value alone went through `wsbench validate`).
pub fn valid(scenario: &Table) -> bool {
    Scenario::parse(&toml::to_string(scenario).unwrap(), Path::new("fuzz.toml")).is_ok()
}

/// A value validation accepted for a key.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub key: &'static str,
    pub slot: Slot,
    pub value: Hostile,
}

/// The keys a run's flags replace (`--duration 1s --warmup 0s --clients 2`): a run with
/// them is the base run, so their values are only validated.
const SET_BY_FLAGS: &[&str] = &["duration", "warmup", "clients.count"];

/// The runs for `accepted`: for each key its least and greatest value (by `order`; every
/// value that has none), each added to the first run of its slot that validation still
/// takes with it, or to a new one.
pub fn combine(accepted: &[Accepted]) -> Vec<(Slot, Table)> {
    let mut chosen: Vec<&Accepted> = Vec::new();
    for (key, _) in NUMERIC {
        if SET_BY_FLAGS.contains(key) {
            continue;
        }
        let mut values: Vec<&Accepted> = accepted.iter().filter(|a| a.key == *key).collect();
        values.sort_by(|a, b| a.value.order.partial_cmp(&b.value.order).unwrap());
        values.dedup_by(|a, b| a.value == b.value);
        let ordered: Vec<&Accepted> = values
            .iter()
            .filter(|a| a.value.order.is_some())
            .copied()
            .collect();
        chosen.extend(ordered.first().into_iter().chain(ordered.last()).copied());
        chosen.extend(values.iter().filter(|a| a.value.order.is_none()).copied());
    }
    chosen.dedup_by(|a, b| a.key == b.key && a.value == b.value);
    let mut runs: Vec<(Slot, Table, Vec<&'static str>)> = Vec::new();
    for pick in chosen {
        let fits = runs.iter_mut().find_map(|(slot, scenario, keys)| {
            if *slot != pick.slot || keys.contains(&pick.key) {
                return None;
            }
            let mut tried = scenario.clone();
            set(&mut tried, pick.key, &pick.value.value);
            valid(&tried).then(|| {
                *scenario = tried;
                keys.push(pick.key);
            })
        });
        if fits.is_none() {
            let mut scenario = base(pick.slot);
            set(&mut scenario, pick.key, &pick.value.value);
            runs.push((pick.slot, scenario, vec![pick.key]));
        }
    }
    runs.into_iter()
        .map(|(slot, scenario, _)| (slot, scenario))
        .collect()
}
