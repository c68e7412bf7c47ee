//! How the console says that an entry's figures describe a limit rather than the transport:
//! the marks in the table's rows, the note in the report's words, and the banner of a load
//! generator that could not keep up (the run's exit status 4).

use crate::results::Results;

/// The mark of an entry whose load generator was saturated: the run exits 4 for it unless
/// `--allow-saturated`.
pub(super) const GENERATOR_MARK: &str = "[SATURATED]";
/// The mark of an entry the machine limited otherwise (as the report's `(saturated)`): the
/// exit status stays as it is.
pub(super) const MACHINE_MARK: &str = "(saturated)";

/// Why entries are marked saturated, in the report's words, and what each mark does to the
/// exit status; nothing when no entry is limited.
pub(super) fn limited_note(limited: &[crate::analysis::Limited<'_>]) -> String {
    if limited.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "saturated: {}; read them as bounds:\n",
        crate::analysis::LIMITED_MEANS.to_lowercase()
    );
    for l in limited {
        out.push_str(&format!("  {}: {}.\n", l.name, l.reasons));
    }
    if limited.iter().any(|l| !l.entry.generator_saturated) {
        out.push_str(&format!(
            "{MACHINE_MARK}: the exit status is not changed by it; {GENERATOR_MARK}, a load \
             generator that could not keep up, exits 4 unless --allow-saturated.\n"
        ));
    }
    out
}

/// The entries whose load generator was saturated, in words nobody can miss; nothing when
/// it kept up everywhere.
pub fn saturation_banner(results: &Results) -> String {
    let saturated = crate::analysis::generator_saturated(results);
    if saturated.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "!!! LOAD GENERATOR SATURATED: these figures describe wsbench's limit on this machine, \
         not the transport's cost, and are not ranked:\n",
    );
    for (t, name) in saturated {
        out.push_str(&format!(
            "!!!   {name}: {}\n",
            t.generator_saturation.join("; ")
        ));
    }
    out.push_str(
        "!!! Use fewer clients or a lower rate, --cpus to give the generator its own cores, \
         or accept the run with --allow-saturated.\n",
    );
    out
}
