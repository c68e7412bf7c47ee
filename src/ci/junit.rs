//! JUnit XML of what a gate checked (`--junit FILE` on `wsbench run` and `wsbench compare`),
//! the report format CI systems show as tests: GitLab (`artifacts:reports:junit`), Jenkins
//! (`junit`) and GitHub (through a test-report action). A test case fails exactly where the
//! command's exit status says something failed, with the same reason.

use std::path::Path;

use super::compare::{Comparison, Row, Verdict};
use crate::figures::Stability;
use crate::results::{AssertionOutcome, Results, TransportResult};

/// The checks of one command.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    /// What the suite is about (`results_dir`, `baseline`...), as `<property>` elements.
    pub properties: Vec<(&'static str, String)>,
    pub cases: Vec<Case>,
    /// Notes for the reader (different machines, an incomplete run), as `<system-out>`.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Dotted, as Jenkins groups them: `wsbench.assert.ws` is class `ws` of package
    /// `wsbench.assert`.
    pub classname: String,
    pub name: String,
    pub outcome: Outcome,
    /// What was measured, whatever the outcome, as `<system-out>`.
    pub out: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// A check that did not hold: `kind` is its `type` (`assertion`, `regressed`...).
    Failure {
        kind: &'static str,
        message: String,
    },
    /// Nothing could be checked: the run failed or was stopped.
    Error {
        kind: &'static str,
        message: String,
    },
    /// Not held against the run, and why (a saturated generator with `--allow-saturated`).
    Skipped(String),
}

/// The suite of `wsbench run`: one case per assertion outcome, one per entry saying whether
/// its load generator kept up (a failure unless `allow_saturated`, as exit status 4 is), and
/// an error when the run did not end well (`ended`: the failure or the signal, in words).
pub fn run_suite(
    results: &Results,
    dir: &Path,
    allow_saturated: bool,
    ended: Option<String>,
) -> Suite {
    let mut cases: Vec<Case> = results.assertions.iter().map(assertion_case).collect();
    let limited = crate::analysis::limited(results);
    for entry in crate::analysis::entries(results) {
        let limit = limited.iter().find(|l| std::ptr::eq(l.entry, entry));
        cases.push(entry_case(results, entry, allow_saturated, limit));
    }
    if let Some(message) = ended {
        cases.push(Case {
            classname: "wsbench.run".into(),
            name: "the run ended".into(),
            outcome: Outcome::Error {
                kind: "run_failed",
                message,
            },
            out: None,
        });
    }
    Suite {
        name: format!("wsbench run {}", scenario_name(results)),
        properties: vec![
            ("results_dir", dir.display().to_string()),
            ("started_at", results.started_at.clone()),
            ("wsbench_version", results.wsbench_version.clone()),
        ],
        cases,
        notes: results.warnings.clone(),
    }
}

/// The suite of a run that measured nothing: one error saying why (`scenario` names it).
pub fn unfinished_suite(scenario: &Path, why: &str) -> Suite {
    Suite {
        name: format!("wsbench run {}", scenario.display()),
        properties: Vec::new(),
        cases: vec![Case {
            classname: "wsbench.run".into(),
            name: "the run ended".into(),
            outcome: Outcome::Error {
                kind: "run_failed",
                message: why.into(),
            },
            out: None,
        }],
        notes: Vec::new(),
    }
}

/// The suite of `wsbench compare`: one case per compared row, failing where the row counts
/// as a regression, with both values, the change and the reason.
pub fn compare_suite(comparison: &Comparison, baseline: &Path, current: &Path) -> Suite {
    let cases = comparison
        .rows
        .iter()
        .map(|row| {
            let point =
                super::assert::at_point(comparison.sweep_parameter.as_deref(), row.sweep_value);
            let values = super::compare::row_in_words(row);
            Case {
                classname: format!("wsbench.compare.{}", row.transport),
                name: format!("{} {}{point}", row.transport, row.metric),
                outcome: match row.verdict.fails() {
                    true => Outcome::Failure {
                        kind: row.verdict.name(),
                        message: failure_message(comparison, row, &values),
                    },
                    false => Outcome::Passed,
                },
                out: Some(values),
            }
        })
        .collect();
    Suite {
        name: "wsbench compare".into(),
        properties: vec![
            ("baseline", baseline.display().to_string()),
            ("current", current.display().to_string()),
            ("threshold", super::bare(Some(comparison.threshold))),
            ("tolerance", super::bare(Some(comparison.tolerance))),
            ("alpha", super::bare(Some(comparison.alpha))),
        ],
        cases,
        notes: comparison.notes.clone(),
    }
}

/// Why the row failed, by the rule that judged it: a counted figure by the tolerance, a
/// timed one by the threshold and its p-value.
fn failure_message(comparison: &Comparison, row: &Row, values: &str) -> String {
    let percent = |fraction: f64| super::bare(Some(fraction * 100.0));
    if let Some(reason) = &row.reason {
        return format!("{values} (not measured: {reason})");
    }
    if row.verdict == Verdict::Missing {
        return format!("{values} (the baseline has it, the current run does not)");
    }
    match (row.stability, row.p_value, row.rounds) {
        (Stability::Exact, ..) => {
            format!("{values} (tolerance {}%)", percent(comparison.tolerance))
        }
        (Stability::Noisy, Some(p), Some([b, c])) => format!(
            "{values} (threshold {}%, p = {p:.3} < {} at {b} and {c} rounds)",
            percent(comparison.threshold),
            comparison.alpha
        ),
        (Stability::Noisy, ..) => {
            format!("{values} (threshold {}%)", percent(comparison.threshold))
        }
    }
}

fn assertion_case(o: &AssertionOutcome) -> Case {
    let measured = super::assert::measured_in_words(o);
    Case {
        classname: format!("wsbench.assert.{}", o.transport),
        name: o.description.clone(),
        outcome: match o.passed {
            true => Outcome::Passed,
            false => Outcome::Failure {
                kind: "assertion",
                message: format!("{}: {measured}", o.description),
            },
        },
        out: Some(measured),
    }
}

fn entry_case(
    results: &Results,
    entry: &TransportResult,
    allow_saturated: bool,
    limit: Option<&crate::analysis::Limited<'_>>,
) -> Case {
    let name = crate::analysis::entry_name(results, entry);
    let reasons = entry.generator_saturation.join("; ");
    Case {
        classname: format!("wsbench.entry.{}", entry.transport),
        name: format!("{name}: the load generator kept up"),
        outcome: match (entry.generator_saturated, allow_saturated) {
            (false, _) => Outcome::Passed,
            (true, false) => Outcome::Failure {
                kind: "generator_saturated",
                message: format!(
                    "the load generator was saturated ({reasons}): these figures measure \
                     wsbench on this machine, not the transport; exit status 4 unless \
                     --allow-saturated"
                ),
            },
            (true, true) => Outcome::Skipped(format!(
                "the load generator was saturated ({reasons}); accepted with --allow-saturated"
            )),
        },
        out: limit.map(|l| {
            format!(
                "saturated: {}: {}",
                l.reasons,
                crate::analysis::LIMITED_MEANS.to_lowercase()
            )
        }),
    }
}

fn scenario_name(results: &Results) -> &str {
    results
        .scenario
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("scenario")
}

/// Writes the suites to `path` whole (its directory made if need be), or says why not.
pub fn write(path: &Path, suites: &[Suite]) -> Result<(), crate::files::WriteError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| crate::files::WriteError {
            path: parent.to_owned(),
            error,
        })?;
    }
    crate::files::write(path, document(suites).as_bytes())
}

/// The XML document: every suite in one `<testsuites>`, with the counts CI systems read.
pub fn document(suites: &[Suite]) -> String {
    let count = |pick: fn(&Outcome) -> bool| -> usize {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| pick(&c.outcome))
            .count()
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"wsbench\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        count(|_| true),
        count(Outcome::is_failure),
        count(Outcome::is_error),
        count(Outcome::is_skipped),
    ));
    for suite in suites {
        write_suite(&mut out, suite);
    }
    out.push_str("</testsuites>\n");
    out
}

impl Outcome {
    fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failure { .. })
    }

    fn is_error(&self) -> bool {
        matches!(self, Outcome::Error { .. })
    }

    fn is_skipped(&self) -> bool {
        matches!(self, Outcome::Skipped(_))
    }
}

fn write_suite(out: &mut String, suite: &Suite) {
    let count =
        |pick: fn(&Outcome) -> bool| suite.cases.iter().filter(|c| pick(&c.outcome)).count();
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        attribute(&suite.name),
        suite.cases.len(),
        count(Outcome::is_failure),
        count(Outcome::is_error),
        count(Outcome::is_skipped),
    ));
    if !suite.properties.is_empty() {
        out.push_str("    <properties>\n");
        for (name, value) in &suite.properties {
            out.push_str(&format!(
                "      <property name=\"{name}\" value=\"{}\"/>\n",
                attribute(value)
            ));
        }
        out.push_str("    </properties>\n");
    }
    for case in &suite.cases {
        write_case(out, case);
    }
    if !suite.notes.is_empty() {
        out.push_str(&format!(
            "    <system-out>{}</system-out>\n",
            content(&suite.notes.join("\n"))
        ));
    }
    out.push_str("  </testsuite>\n");
}

fn write_case(out: &mut String, case: &Case) {
    out.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        attribute(&case.classname),
        attribute(&case.name)
    ));
    let verdict = match &case.outcome {
        Outcome::Passed => None,
        Outcome::Failure { kind, message } => Some(("failure", *kind, message)),
        Outcome::Error { kind, message } => Some(("error", *kind, message)),
        Outcome::Skipped(message) => Some(("skipped", "", message)),
    };
    if verdict.is_none() && case.out.is_none() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some((element, kind, message)) = verdict {
        let kind = match kind.is_empty() {
            true => String::new(),
            false => format!(" type=\"{kind}\""),
        };
        out.push_str(&format!(
            "      <{element} message=\"{}\"{kind}/>\n",
            attribute(message)
        ));
    }
    if let Some(text) = &case.out {
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            content(text)
        ));
    }
    out.push_str("    </testcase>\n");
}

/// Text as element content: markup escaped, and characters XML 1.0 cannot hold replaced.
fn content(text: &str) -> String {
    escape(text, false)
}

/// Text as an attribute value in double quotes: line breaks kept as character references,
/// which an attribute would otherwise fold into spaces.
fn attribute(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, in_attribute: bool) -> String {
    // XML 1.0 cannot hold most control characters, which a server's error message may.
    let text: String = text
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                char::REPLACEMENT_CHARACTER
            }
            c => c,
        })
        .collect();
    let escaped = crate::markup::escape(&text, in_attribute).replace('\r', "&#13;");
    match in_attribute {
        true => escaped.replace('\n', "&#10;").replace('\t', "&#9;"),
        false => escaped,
    }
}

#[cfg(test)]
mod tests;
