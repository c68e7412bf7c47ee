//! A client's view of a state feed: the latest sequence number it holds for each key.
//! State feeds may legitimately skip values (a newer one replaces an older one), so
//! what counts as lost is a key whose final value the client never got.

use std::collections::HashMap;

/// What one received `(key, seq)` did to the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The first value seen for this key.
    First,
    /// A newer value replaced the one held; `previous` is the held seq.
    Replaced { previous: u64 },
    /// The held value again.
    Duplicate,
    /// Older than the held value: out of order, and ignored.
    Late,
}

impl Update {
    /// True when the view took the value.
    pub fn taken(self) -> bool {
        matches!(self, Self::First | Self::Replaced { .. })
    }
}

#[derive(Debug, Clone, Default)]
pub struct StateView {
    // Boxed strings, looked up by `&str`: a key allocates once, on its first value.
    latest: HashMap<Box<str>, u64>,
    duplicates: u64,
    late: u64,
}

impl StateView {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn observe(&mut self, key: &str, seq: u64) -> Update {
        let Some(held) = self.latest.get_mut(key) else {
            self.latest.insert(key.into(), seq);
            return Update::First;
        };
        if seq > *held {
            let previous = std::mem::replace(held, seq);
            Update::Replaced { previous }
        } else if seq == *held {
            self.duplicates += 1;
            Update::Duplicate
        } else {
            self.late += 1;
            Update::Late
        }
    }

    /// The seq held for `key`.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.latest.get(key).copied()
    }

    /// Keys held.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Values older than the one held when they arrived.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Keys of the server's final state (key → latest seq) that this view holds an older
    /// value for, or none at all.
    pub fn lost_keys(&self, final_state: &HashMap<String, u64>) -> u64 {
        final_state
            .iter()
            .filter(|&(key, &seq)| self.get(key).is_none_or(|held| held < seq))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_values_against_the_held_one() {
        let mut view = StateView::new();
        assert_eq!(view.observe("A", 3), Update::First);
        assert_eq!(view.observe("A", 7), Update::Replaced { previous: 3 });
        assert_eq!(view.observe("A", 7), Update::Duplicate);
        assert_eq!(view.observe("A", 5), Update::Late);
        assert_eq!(view.observe("B", 1), Update::First);
        assert_eq!((view.get("A"), view.len()), (Some(7), 2));
        assert_eq!((view.duplicates(), view.late()), (1, 1));
        assert!(Update::Replaced { previous: 1 }.taken() && !Update::Late.taken());
    }

    #[test]
    fn lost_keys_are_stale_or_missing() {
        let mut view = StateView::new();
        view.observe("A", 9);
        view.observe("B", 4);
        view.observe("D", 2);
        let final_state: HashMap<String, u64> = [("A", 9), ("B", 6), ("C", 1)]
            .map(|(k, s)| (k.to_string(), s))
            .into();
        // B is behind, C was never seen; D is not in the final state and does not count.
        assert_eq!(view.lost_keys(&final_state), 2);
    }
}
