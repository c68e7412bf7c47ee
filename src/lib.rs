//! wsbench: measures what it costs to push real-time data to clients over short polling,
//! long polling, Server-Sent Events and WebSocket (the transports of `transport`), against
//! a matched server that serves the same feed over every one.
//!
//! The data flows `cli` → `run` → `scenario` → `feed` → `server` / `client` (each
//! transport's side from `transport`) → `metrics` → `figures` → `results` → `output`
//! (`export`, `plot`, `report`) and `console`; `ci` judges a run once it is over.
//! Dependencies run the same way down to the leaves (`transport_kind`, `wire`, `units`),
//! with no cycle between top-level modules (docs/ARCHITECTURE.md).

pub mod analysis;
pub mod calibrate;
pub mod child;
pub mod ci;
pub mod cli;
pub mod client;
pub mod console;
pub mod dialect;
pub mod emit;
pub mod export;
pub mod feed;
pub mod figures;
pub mod files;
pub mod internal_error;
pub mod issue;
pub mod markup;
pub mod metrics;
pub mod output;
pub mod placement;
pub mod plot;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod server;
pub mod shard;
pub mod signals;
pub mod transport;
pub mod transport_kind;
pub mod under_test;
pub mod units;
pub mod wire;
