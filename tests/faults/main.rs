//! Fault injection, through the real binary and the real server: stop signals to a run, a
//! killed run and a killed server child (`signals`), clients that never read
//! (`stalled_consumer`), two runs into one results directory (`output_dir`), and a disk
//! that fills while the report is written (`disk_full`).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common_server.rs"]
mod common_server;

mod disk_full;
mod output_dir;
mod signals;
mod stalled_consumer;
