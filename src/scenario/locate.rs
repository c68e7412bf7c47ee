//! Maps a dotted key path (`clients.count`, `assert[1].max`) to its line and column.

use toml::de::{DeTable, DeValue};

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Byte offset of the value at `path` (or, if the path does not exist, of its deepest
/// existing ancestor; or 0).
pub fn offset_of(text: &str, path: &str) -> usize {
    let Ok(root) = DeTable::parse(text) else {
        return 0;
    };
    let mut best = 0;
    let mut table = root.get_ref();
    let mut segments = split_path(path).into_iter().peekable();
    while let Some((name, index)) = segments.next() {
        let Some((key, value)) = table.get_key_value(name) else {
            return best;
        };
        best = key.span().start;
        let mut value = value;
        if let Some(index) = index {
            let DeValue::Array(items) = value.get_ref() else {
                return best;
            };
            let Some(item) = items.get(index) else {
                return best;
            };
            value = item;
            best = item.span().start;
        }
        if segments.peek().is_none() {
            // Point at the value the user wrote, not the key, unless it is a table.
            return match value.get_ref() {
                DeValue::Table(_) => best,
                _ if index.is_some() => best,
                _ => value.span().start,
            };
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => return best,
        }
    }
    best
}

fn split_path(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|segment| match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
            None => (segment, None),
        })
        .collect()
}

pub fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let key = line.split('=').next()?.trim();
    let is_key = !key.is_empty() && line.contains('=') && !key.starts_with('[');
    is_key.then(|| {
        let table = current_table(&text[..line_start]);
        match table {
            Some(table) => format!("{table}.{key}"),
            None => key.to_string(),
        }
    })
}

/// The table a line belongs to, named as validation names it: `clients`, or for an
/// array of tables the entry, `assert[1]`.
fn current_table(before: &str) -> Option<String> {
    let (name, is_array) = before.lines().rev().find_map(table_header)?;
    if !is_array {
        return Some(name.to_string());
    }
    let index = before
        .lines()
        .filter_map(table_header)
        .filter(|&header| header == (name, true))
        .count();
    Some(format!("{name}[{}]", index - 1))
}

/// `[name]` or `[[name]]`, a trailing comment allowed: the name, and whether it is an
/// array of tables.
fn table_header(line: &str) -> Option<(&str, bool)> {
    let line = line.split('#').next()?.trim();
    let (inner, is_array) = match line.strip_prefix("[[") {
        Some(rest) => (rest.strip_suffix("]]")?, true),
        None => (line.strip_prefix('[')?.strip_suffix(']')?, false),
    };
    Some((inner.trim(), is_array))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[clients]\ncount = 0\n\n[[assert]]\nmetric = \"a\"\n\n[[assert]]\nmetric = \"b\"\n";

    #[test]
    fn finds_values_in_tables_and_arrays_of_tables() {
        assert_eq!(line_column(TEXT, offset_of(TEXT, "clients.count")), (4, 9));
        assert_eq!(
            line_column(TEXT, offset_of(TEXT, "assert[1].metric")),
            (10, 10)
        );
        assert_eq!(line_column(TEXT, offset_of(TEXT, "name")), (1, 8));
    }

    #[test]
    fn missing_keys_fall_back_to_their_table() {
        assert_eq!(line_column(TEXT, offset_of(TEXT, "clients.ramp")), (3, 2));
    }
}
