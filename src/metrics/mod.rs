//! Measurement primitives for the load generator: bytes on the sockets, which events
//! arrived, how late, and what the processes and the kernel say it cost.
//!
//! Everything here is cheap enough for the hot path or is read once per sample; none of
//! it sends a message per event or keeps a sample per event.

pub mod counting;
pub mod cpu;
pub mod histogram_codec;
pub mod latency;
pub mod machine;
pub mod machine_cpu;
pub mod memory;
pub mod probe;
pub mod procfs;
pub mod receive_stamp;
pub mod sequence;
pub mod state;
pub mod tcpinfo;
