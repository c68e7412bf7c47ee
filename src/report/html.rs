//! The report as one self-contained HTML file: charts inlined as SVG, styles inline, no
//! scripts, nothing fetched from the network. It can be opened offline or attached.

use std::fmt::Write;

use super::doc::{Align, Block, Figure, Line, Span, Table};

const STYLE: &str = "\
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;\
margin:0;line-height:1.5}\
main{max-width:1100px;margin:0 auto;padding:24px}\
h1{border-bottom:1px solid #d0d7de;padding-bottom:.3em}\
h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}\
th,td{border:1px solid #d0d7de;padding:4px 10px}\
th{background:#f6f8fa}\
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}\
code{background:#f6f8fa;padding:0 4px;border-radius:4px}\
blockquote{border-left:4px solid #d0d7de;margin:1em 0;padding:0 1em;color:#59636e}\
figure{margin:1.5em 0}\
figure svg{max-width:100%;height:auto;border:1px solid #eaeef2}\
figcaption{color:#59636e;font-size:14px}";

/// `svgs` holds each figure's SVG document, by chart name; a figure without one is left out.
pub fn render(blocks: &[Block], svgs: &[(String, String)]) -> String {
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("wsbench report");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
    for block in blocks {
        match block {
            Block::Heading(level, t) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(t));
            }
            Block::Paragraph(line) => {
                let _ = writeln!(out, "<p>{}</p>", inline(line));
            }
            Block::Note(line) => {
                let _ = writeln!(out, "<blockquote><p>{}</p></blockquote>", inline(line));
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", inline(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => out.push_str(&table(t)),
            Block::Figure(f) => {
                if let Some((_, svg)) = svgs.iter().find(|(name, _)| *name == f.name) {
                    out.push_str(&figure(f, svg));
                }
            }
        }
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn escape(text: &str) -> String {
    crate::markup::escape(text, true)
}

fn inline(line: &Line) -> String {
    line.iter()
        .map(|span| match span {
            Span::Text(t) => escape(t),
            Span::Strong(t) => format!("<strong>{}</strong>", escape(t)),
            Span::Code(t) => format!("<code>{}</code>", escape(t)),
        })
        .collect()
}

fn table(table: &Table) -> String {
    let class = |i: usize| match table.align.get(i) {
        Some(Align::Right) => " class=\"r\"",
        _ => "",
    };
    let mut out = String::from("<table>\n<thead><tr>");
    for (i, h) in table.header.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", class(i), escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", class(i), escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The SVG document inlined: the XML declaration (if any) dropped, an accessible name added.
fn figure(figure: &Figure, svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let svg = svg[start..].trim_end();
    let svg = match svg.strip_prefix("<svg") {
        Some(rest) => format!(
            "<svg role=\"img\" aria-label=\"{}\"{rest}",
            escape(&figure.title)
        ),
        None => svg.to_string(),
    };
    format!(
        "<figure id=\"chart-{name}\">\n<h3>{title}</h3>\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>\n",
        name = escape(&figure.name),
        title = escape(&figure.title),
        caption = escape(&figure.caption),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::{strong, text};

    #[test]
    fn blocks_become_html_with_svgs_inline() {
        let figure = Figure {
            name: "bytes".into(),
            title: "Bytes <per> event".into(),
            png: "charts/bytes.png".into(),
            svg: "charts/bytes.svg".into(),
            caption: "How & why".into(),
        };
        let html = render(
            &[
                Block::Heading(1, "Report".into()),
                Block::Paragraph(vec![strong("a"), text(" < b")]),
                Block::Figure(figure),
            ],
            &[(
                "bytes".into(),
                "<?xml version=\"1.0\"?>\n<svg width=\"10\"><text>ws</text></svg>\n".into(),
            )],
        );
        assert!(html.contains("<title>Report</title>"));
        assert!(html.contains("<p><strong>a</strong> &lt; b</p>"));
        assert!(html.contains(
            "<h3>Bytes &lt;per&gt; event</h3>\n<svg role=\"img\" aria-label=\"Bytes &lt;per&gt; event\" width=\"10\"><text>ws</text></svg>\n<figcaption>How &amp; why</figcaption>"
        ));
        assert!(!html.contains("<?xml"));
        assert!(
            !html.contains("charts/bytes.png"),
            "the HTML links no files"
        );
    }
}
