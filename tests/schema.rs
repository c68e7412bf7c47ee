//! docs/results.schema.json is the contract for results.json: a record serialised by serde
//! validates against it, a doctored one does not, and the schema lists exactly the record's
//! fields.

mod common;

use serde_json::{Value, json};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/results.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every optional part filled in, so that the schema sees every field.
fn full_record() -> Value {
    let mut results = common::results();
    results.sweep = Some(wsbench::results::SweepInfo {
        parameter: "clients".into(),
        values: vec![50.0],
    });
    results.repeat = 3;
    results.calibration = Some(common::calibration(9.8));
    results.target = Some(wsbench::results::TargetRecord {
        url: "http://127.0.0.1:9000".into(),
        dialect: "wsbench".into(),
        pid: Some(4242),
        launched: Some("websocketd --port=PORT --address=127.0.0.1 wsbench emit".into()),
    });
    results.overrides = [("clients".to_string(), json!(50))].into();
    results.provenance = Some(wsbench::results::Provenance {
        command: "wsbench baseline scenarios/ci.toml --out results/baseline".into(),
        source_commit: Some("46afdb2e3f1a".into()),
    });
    // A machine whose memory could not be read.
    results.machine.memory_bytes = None;
    results.machine.not_measured = [(
        "memory_bytes".to_string(),
        "cannot read /proc/meminfo: permission denied".to_string(),
    )]
    .into();
    results
        .warnings
        .push("the load generator used 0.95 of a core".into());
    let mut failed = results.assertions[0].clone();
    failed.sweep_value = Some(50.0);
    failed.measured = None;
    failed.passed = false;
    failed.reason = Some("poll is not in this run".into());
    results.assertions = vec![failed];
    for entry in &mut results.transports {
        entry.sweep_value = Some(50.0);
        entry.server_addr = Some("127.0.0.1:8080".into());
        entry.window_start_s = Some(2.25);
        entry.staleness_us = entry.latency_us.clone();
        entry.upstream = Some(wsbench::results::Upstream {
            sent: 100,
            refused_seen: 1,
            server_published: Some(99),
            server_refused: Some(1),
            deliveries_per_message: Some(10.0),
            bytes_up_per_message: Some(300.0),
            bytes_down_per_delivery: None,
            round_trip: true,
        });
        entry.sessions = Some(wsbench::results::SessionFigures {
            started: 4,
            completed: 3,
            unfinished: 1,
            time_to_first_event_us: entry.latency_us.clone(),
            ..Default::default()
        });
        entry.idle_cost = Some(wsbench::results::IdleCost {
            client_seconds: 250.0,
            notifications: 9,
            bytes_per_notification: None,
            server_cpu_us_per_notification: Some(12.5),
            ..Default::default()
        });
        let spread = json!({"latency_us.p99": {"min": 1.0, "max": 2.0, "values": [1.0, 2.0, 1.5]}});
        entry.spread = spread.as_object().cloned();
        // Figures not measured: null, with the reason.
        entry.memory = Default::default();
        entry
            .not_measured
            .insert("memory".into(), "no local server process".into());
    }
    // A `[frontier]` entry (poll alone at another interval); every entry carries the
    // field here, so that the schema sees it everywhere.
    for entry in &mut results.transports {
        entry.frontier = Some(wsbench::results::FrontierSetting {
            setting: "poll_interval".into(),
            value_s: 0.1,
        });
    }
    results.frontier = vec![results.transports[0].clone()];
    let mut record = serde_json::to_value(&results).unwrap();
    // As `wsbench run --json` prints it: results.json's fields and where they were written.
    record["results_dir"] = json!("results/ci");
    record
}

fn errors(instance: &Value) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_draft_2020_12() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(jsonschema::meta::validate(&schema).is_ok());
}

#[test]
fn a_record_written_by_serde_validates() {
    assert_eq!(errors(&full_record()), Vec::<String>::new());
    let minimal = serde_json::to_value(common::results()).unwrap();
    assert_eq!(errors(&minimal), Vec::<String>::new());
}

#[test]
fn only_the_figures_a_probe_gives_may_be_null() {
    let mut record = full_record();
    assert!(record["transports"][3]["memory"]["server_peak_rss_bytes"].is_null());
    record["transports"][0]["cpu"]["server_s"] = Value::Null;
    record["transports"][0]["events"]["lost"] = Value::Null;
    record["transports"][0]["cross_check"]["down_diff_pct"] = Value::Null;
    // Nothing received in the window: nothing to divide the bytes by.
    record["transports"][0]["bytes"]["per_event"] = Value::Null;
    // Nothing delivered: no latency to summarise, none in a quiet second.
    for latency in ["latency_us", "latency_app_us", "generator_delay_us"] {
        record["transports"][1][latency] = Value::Null;
    }
    record["transports"][1]["timeline"][0]["p99_us"] = Value::Null;
    record["machine"]["cores"] = Value::Null;
    assert_eq!(errors(&record), Vec::<String>::new());
    record["transports"][0]["bytes"]["down"] = Value::Null;
    record["transports"][0]["events"]["delivered"] = Value::Null;
    record["transports"][0]["cross_check"]["client_down"] = Value::Null;
    record["transports"][0]["not_measured"] = json!({"cpu": 0});
    let mut paths: Vec<String> = errors(&record)
        .iter()
        .map(|e| e.split(": ").next().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/transports/0/bytes/down",
            "/transports/0/cross_check/client_down",
            "/transports/0/events/delivered",
            "/transports/0/not_measured/cpu",
        ]
    );
}

#[test]
fn a_record_without_latency_fails() {
    let mut record = full_record();
    record["transports"][0]
        .as_object_mut()
        .unwrap()
        .remove("latency_us");
    let errors = errors(&record);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("/transports/0: "), "{errors:?}");
    assert!(errors[0].contains("latency_us"), "{errors:?}");
}

#[test]
fn wrong_names_types_and_nan_fail() {
    let mut record = full_record();
    record["transports"][1]["transport"] = json!("websocket");
    record["transports"][2]["events"]["lost"] = json!(-1);
    record["schema"] = json!("wsbench.results.v1");
    // NaN serialises as null, which a reader cannot take as a number.
    let entry = common::entry("ws", f64::NAN, 62.0);
    record["transports"][3] = serde_json::to_value(entry).unwrap();
    let mut paths: Vec<String> = errors(&record)
        .iter()
        .map(|e| e.split(": ").next().unwrap().to_string())
        .collect();
    paths.sort();
    let mut expected = [
        "/schema",
        "/transports/1/transport",
        "/transports/2/events/lost",
        // A latency or null: one with NaN in it is neither.
        "/transports/3/latency_us",
        "/transports/3/percentiles/0/latency_us",
    ];
    expected.sort();
    assert_eq!(paths, expected);
}

/// Follows `$ref`s within the schema.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(root, root.pointer(pointer).unwrap())
        }
        None => node,
    }
}

/// Compares the keys of every object in `instance` with the properties the schema gives it.
fn compare_keys(root: &Value, node: &Value, instance: &Value, at: &str, out: &mut Vec<String>) {
    let node = resolve(root, node);
    match instance {
        Value::Object(map) => {
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                for key in map.keys().filter(|k| !props.contains_key(*k)) {
                    out.push(format!("{at}/{key}: in the record, not in the schema"));
                }
                for key in props.keys().filter(|k| !map.contains_key(*k)) {
                    out.push(format!("{at}/{key}: in the schema, not in the record"));
                }
                for (key, child) in map {
                    if let Some(prop) = props.get(key) {
                        compare_keys(root, prop, child, &format!("{at}/{key}"), out);
                    }
                }
            } else if let Some(values) = node.get("additionalProperties") {
                for (key, child) in map {
                    compare_keys(root, values, child, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.get("items") {
                for (i, child) in items.iter().enumerate() {
                    compare_keys(root, item, child, &format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_lists_exactly_the_fields_of_the_record() {
    let schema = schema();
    let mut differences = Vec::new();
    compare_keys(&schema, &schema, &full_record(), "", &mut differences);
    assert_eq!(differences, Vec::<String>::new());
}

#[test]
fn the_schema_names_every_registered_transport() {
    let schema = schema();
    let names = &schema["$defs"]["transport"]["properties"]["transport"]["enum"];
    assert_eq!(names, &json!(wsbench::transport_kind::Transport::names()));
}
