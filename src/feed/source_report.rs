//! What a source that publishes as things happen (a program's output) says about its
//! input: lines it could not publish, and why. Served in `/stats`, so that the runner warns
//! instead of a run that silently measured less.

use crate::wire::PublisherStats;

/// Notes kept: the first of each kind of trouble is what explains it; a flood of them
/// must not grow the server.
pub const MAX_NOTES: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceReport {
    /// Lines read but not published: the source fell behind its input and its buffer was full.
    pub dropped: u64,
    /// Lines refused: not UTF-8, or longer than the limit.
    pub skipped: u64,
    /// What happened, in words, oldest first; at most `MAX_NOTES`.
    pub notes: Vec<String>,
}

impl SourceReport {
    pub fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        }
    }

    /// Copies the report into the publisher's part of `/stats`.
    pub fn fill(&self, stats: &mut PublisherStats) {
        stats.dropped_at_source = self.dropped;
        stats.skipped_at_source = self.skipped;
        stats.source_notes = self.notes.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_bounded_and_counts_are_not() {
        let mut report = SourceReport::default();
        for i in 0..MAX_NOTES + 5 {
            report.skipped += 1;
            report.note(format!("note {i}"));
        }
        assert_eq!(report.notes.len(), MAX_NOTES);
        assert_eq!(report.notes[0], "note 0");
        let mut stats = PublisherStats::default();
        report.fill(&mut stats);
        assert_eq!(stats.skipped_at_source, (MAX_NOTES + 5) as u64);
        assert_eq!(stats.source_notes.len(), MAX_NOTES);
    }
}
