//! The report as GitHub-flavoured Markdown: charts as PNG images linked by relative path.

use std::fmt::Write;

use super::doc::{Align, Block, Figure, Line, Span, Table};

pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, title) => {
                let _ = writeln!(out, "{} {}", "#".repeat(usize::from(*level)), escape(title));
            }
            Block::Paragraph(line) => out.push_str(&inline(line)),
            Block::Note(line) => {
                let _ = write!(out, "> {}", inline(line));
            }
            Block::List(items) => {
                for item in items {
                    let _ = writeln!(out, "- {}", inline(item));
                }
            }
            Block::Table(table) => out.push_str(&self::table(table)),
            Block::Figure(figure) => out.push_str(&self::figure(figure)),
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn inline(line: &Line) -> String {
    line.iter()
        .map(|span| match span {
            Span::Text(t) => escape(t),
            Span::Strong(t) => format!("**{}**", escape(t)),
            Span::Code(t) => format!("`{t}`"),
        })
        .collect()
}

/// Escapes what Markdown would read as formatting, links or HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '<' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

fn table(table: &Table) -> String {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = row(table.header.iter().map(|h| cell(h)).collect());
    out.push_str(&row(table
        .align
        .iter()
        .map(|a| match a {
            Align::Left => "---".to_string(),
            Align::Right => "---:".to_string(),
        })
        .collect()));
    for cells in &table.rows {
        out.push_str(&row(cells.iter().map(|c| cell(c)).collect()));
    }
    out
}

fn figure(figure: &Figure) -> String {
    format!(
        "### {title}\n\n![{title}]({png})\n\n{caption} ([SVG]({svg}))\n",
        title = escape(&figure.title),
        png = figure.png,
        svg = figure.svg,
        caption = escape(&figure.caption),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::{Table, strong, text};

    #[test]
    fn blocks_become_markdown() {
        let mut t = Table::numeric(&["Transport", "p99"]);
        t.row(vec!["ws".into(), "1.74 ms".into()]);
        t.row(vec!["a|b".into(), "x_y".into()]);
        let md = render(&[
            Block::Heading(2, "Results".into()),
            Block::Paragraph(vec![strong("Bold"), text(" and *stars*")]),
            Block::Table(t),
            Block::List(vec![vec![text("one")], vec![text("two")]]),
        ]);
        assert_eq!(
            md,
            "## Results\n\n**Bold** and \\*stars\\*\n\n| Transport | p99 |\n| --- | ---: |\n\
             | ws | 1.74 ms |\n| a\\|b | x\\_y |\n\n- one\n- two\n"
        );
    }
}
