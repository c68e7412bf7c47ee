//! Why a figure is `null`: the reasons gathered while an entry's figures are derived, by
//! figure path, and the reasons several derivations share.

use std::collections::BTreeMap;

use crate::metrics::probe::Answer;
use crate::results::TransportResult;

/// The reason per-delivery figures (latency, CPU per event) are null when nothing was
/// delivered in the window.
pub const NOTHING_DELIVERED: &str = "no event was delivered in the window";

/// The reason per-event byte figures are null when no event was received in the window.
pub const NOTHING_RECEIVED: &str = "no event was received in the window";

/// Why figures are `None`, by figure path.
#[derive(Default)]
pub struct Gaps(pub BTreeMap<String, String>);

impl Gaps {
    /// `answer`'s value, or `None` with its reason noted for `path`.
    pub fn figure<T>(&mut self, path: &str, answer: Answer<T>) -> Option<T> {
        answer
            .map_err(|reason| self.0.insert(path.into(), reason.to_string()))
            .ok()
    }

    /// `value`, or `None` with `reason` noted for `path` when there is none.
    pub fn or_why<T>(&mut self, path: &str, value: Option<T>, reason: &str) -> Option<T> {
        if value.is_none() {
            self.0.insert(path.into(), reason.into());
        }
        value
    }

    /// The reasons, a section's figures folded into the section when they all share one.
    pub fn folded(self, result: &TransportResult) -> BTreeMap<String, String> {
        result.fold_reasons(self.0)
    }
}
