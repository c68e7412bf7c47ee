//! Fault injection, through the real binary and the real server: the control plane attacked
//! during a run (`control_plane`), stop signals to a run, a killed run and a killed server
//! child (`signals`), clients that never read (`stalled_consumer`), requests that never
//! finish and a full connection cap (`unfinished_requests`), two runs into one results
//! directory (`output_dir`), and a disk that fills while the report is written
//! (`disk_full`).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/server.rs"]
mod common_server;

mod control_plane;
mod disk_full;
mod output_dir;
mod signals;
mod stalled_consumer;
mod unfinished_requests;
