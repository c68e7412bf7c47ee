//! The report as a list of blocks, written once and rendered twice: to Markdown for
//! GitHub, to HTML for a file a person opens or attaches.

/// A run of inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    Strong(String),
    Code(String),
}

/// Inline text from plain strings, bold and code, in order.
pub type Line = Vec<Span>;

pub fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

pub fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

pub fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose first column is left-aligned and the others (numbers) right-aligned.
    pub fn numeric(header: &[&str]) -> Self {
        let align = (0..header.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            align,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A chart: its title, the PNG and SVG paths relative to the report, and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub name: String,
    pub title: String,
    pub png: String,
    pub svg: String,
    pub caption: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(Line),
    /// A paragraph set apart: a warning or a caveat.
    Note(Line),
    List(Vec<Line>),
    Table(Table),
    Figure(Figure),
}
