//! `summary.csv`: one row per transport entry with the headline figures, for
//! spreadsheets and quick plots. The full record is `results.json`.

use std::fmt::Write;

use super::{ExportError, Exporter};
use crate::figures::{Style, Unit, show};
use crate::results::{Results, TransportResult};

pub struct CsvExporter;

enum Cell<'a> {
    Text(&'a str),
    Count(u64),
    Number(f64),
    /// No value: not in this entry, or not measured (`null` in results.json).
    Blank,
}

type Column = (&'static str, fn(&TransportResult) -> Cell<'_>);

/// Header and value side by side, so the two can never drift apart.
const COLUMNS: &[Column] = &[
    ("transport", |t| Cell::Text(t.transport.name())),
    ("sweep_value", |t| {
        t.sweep_value.map_or(Cell::Blank, Cell::Number)
    }),
    ("clients", |t| Cell::Count(t.clients)),
    ("events_published", |t| {
        t.events.published.map_or(Cell::Blank, Cell::Count)
    }),
    ("events_delivered", |t| Cell::Count(t.events.delivered)),
    ("events_lost", |t| {
        t.events.lost.map_or(Cell::Blank, Cell::Count)
    }),
    ("events_duplicated", |t| {
        t.events.duplicated.map_or(Cell::Blank, Cell::Count)
    }),
    ("events_out_of_order", |t| {
        t.events.out_of_order.map_or(Cell::Blank, Cell::Count)
    }),
    ("events_coalesced", |t| {
        t.events.coalesced.map_or(Cell::Blank, Cell::Count)
    }),
    ("latency_p50_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.p50))
    }),
    ("latency_p90_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.p90))
    }),
    ("latency_p99_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.p99))
    }),
    ("latency_p999_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.p999))
    }),
    ("latency_max_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.max))
    }),
    ("latency_mean_us", |t| {
        t.latency_us
            .as_ref()
            .map_or(Cell::Blank, |l| Cell::Number(l.mean))
    }),
    ("receive_clock", |t| Cell::Text(t.receive_clock.name())),
    ("generator_delay_p50_us", |t| {
        t.generator_delay_us
            .as_ref()
            .map_or(Cell::Blank, |d| Cell::Number(d.p50))
    }),
    ("generator_delay_p99_us", |t| {
        t.generator_delay_us
            .as_ref()
            .map_or(Cell::Blank, |d| Cell::Number(d.p99))
    }),
    ("bytes_down", |t| Cell::Count(t.bytes.down)),
    ("bytes_up", |t| Cell::Count(t.bytes.up)),
    ("bytes_payload", |t| Cell::Count(t.bytes.payload)),
    ("bytes_overhead", |t| Cell::Count(t.bytes.overhead)),
    ("bytes_per_event", |t| {
        t.bytes.per_event.map_or(Cell::Blank, Cell::Number)
    }),
    ("overhead_share", |t| {
        t.bytes.overhead_share.map_or(Cell::Blank, Cell::Number)
    }),
    ("requests_total", |t| Cell::Count(t.requests.total)),
    ("requests_empty", |t| Cell::Count(t.requests.empty)),
    ("requests_errors", |t| Cell::Count(t.requests.errors)),
    ("server_cpu_s", |t| {
        t.cpu.server_s.map_or(Cell::Blank, Cell::Number)
    }),
    ("client_cpu_s", |t| {
        t.cpu.client_s.map_or(Cell::Blank, Cell::Number)
    }),
    ("server_us_per_event", |t| {
        t.cpu.server_us_per_event.map_or(Cell::Blank, Cell::Number)
    }),
    ("client_us_per_event", |t| {
        t.cpu.client_us_per_event.map_or(Cell::Blank, Cell::Number)
    }),
    ("server_peak_rss_bytes", |t| {
        t.memory
            .server_peak_rss_bytes
            .map_or(Cell::Blank, Cell::Count)
    }),
    ("server_rss_per_conn_bytes", |t| {
        t.memory
            .server_rss_per_conn_bytes
            .map_or(Cell::Blank, Cell::Number)
    }),
];

impl Exporter for CsvExporter {
    fn file_name(&self) -> &str {
        "summary.csv"
    }

    fn serialize(&self, results: &Results) -> Result<Vec<u8>, ExportError> {
        let mut out = String::new();
        let header: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for transport in &results.transports {
            for (i, (_, value)) in COLUMNS.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_cell(&mut out, value(transport));
            }
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

fn write_cell(out: &mut String, cell: Cell<'_>) {
    // Writing to a String cannot fail.
    let _ = match cell {
        Cell::Text(text) if text.contains([',', '"', '\n', '\r']) => {
            write!(out, "\"{}\"", text.replace('"', "\"\""))
        }
        Cell::Text(text) => write!(out, "{text}"),
        Cell::Count(n) => write!(out, "{}", show(Some(n as f64), Unit::Count, Style::Raw)),
        Cell::Number(x) => write!(out, "{}", show(Some(x), Unit::Number, Style::Raw)),
        Cell::Blank => Ok(()),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixture;

    #[test]
    fn one_row_per_transport_exactly() {
        let bytes = CsvExporter.serialize(&fixture::results()).unwrap();
        let expected = "\
transport,sweep_value,clients,events_published,events_delivered,events_lost,\
events_duplicated,events_out_of_order,events_coalesced,latency_p50_us,latency_p90_us,\
latency_p99_us,latency_p999_us,latency_max_us,latency_mean_us,receive_clock,\
generator_delay_p50_us,generator_delay_p99_us,bytes_down,bytes_up,\
bytes_payload,bytes_overhead,bytes_per_event,overhead_share,requests_total,\
requests_empty,requests_errors,server_cpu_s,client_cpu_s,server_us_per_event,\
client_us_per_event,server_peak_rss_bytes,server_rss_per_conn_bytes
ws,,100,3000,299990,10,2,1,0,250,410,1203,5011,12031,287.25,kernel,40,310,30000000,20000,\
27000000,3020000,100.5,0.1,100,0,1,1.5,2.25,5,7.5,52428800,12288.5
poll,0.5,10,,0,,,,,,,,,,,application,,,0,0,0,0,,,0,0,0,,,,,,
";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn quotes_text_and_blanks_non_finite_numbers() {
        let mut out = String::new();
        write_cell(&mut out, Cell::Text("a,\"b\""));
        write_cell(&mut out, Cell::Number(f64::NAN));
        write_cell(&mut out, Cell::Number(0.000_001));
        assert_eq!(out, "\"a,\"\"b\"\"\"0.000001");
    }
}
