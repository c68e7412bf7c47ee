//! The ways of pushing real-time data that wsbench compares. Each transport is one folder
//! holding all its code: what it is (`TransportKind`: name, settings, colour, properties),
//! its client (`ClientSide`) and its server handler (`ServerSide`). `PLUGINS` lists them,
//! one line each; `install()` hands what each is to the registry in `transport_kind`,
//! through which the rest of wsbench names them.

mod longpoll;
mod poll;
pub mod sse;
pub mod ws;
mod ws_deflate;

use crate::client::ClientSide;
use crate::server::ServerSide;
use crate::transport_kind::{Registered, Transport, TransportKind};

/// One transport: what it is, where the matched server serves it, and its two sides.
pub struct Plugin {
    pub registered: Registered,
    pub client: &'static dyn ClientSide,
    pub server: &'static dyn ServerSide,
}

const fn plugin<T: TransportKind + ClientSide + ServerSide>(
    path: &'static str,
    transport: &'static T,
) -> Plugin {
    Plugin {
        registered: Registered {
            kind: transport,
            path,
        },
        client: transport,
        server: transport,
    }
}

/// The registry: one line per transport, in the order runs, tables and charts use.
pub static PLUGINS: &[Plugin] = &[
    plugin("/poll", &poll::Poll),
    plugin("/longpoll", &longpoll::Longpoll),
    plugin("/sse", &sse::Sse),
    plugin("/ws", &ws::Ws),
    plugin("/ws-deflate", &ws_deflate::WsDeflate),
];

/// Installs the transports for everything that names one (the command line does it first
/// thing; a library user, before anything else). Idempotent.
pub fn install() {
    crate::transport_kind::install(PLUGINS.iter().map(|p| p.registered));
}

/// How a client of `transport` runs.
pub fn client_side(transport: Transport) -> &'static dyn ClientSide {
    install();
    PLUGINS[transport.index()].client
}

/// How the matched server serves `transport`: what a server is handed when it starts.
pub fn server_side(transport: Transport) -> Option<&'static dyn ServerSide> {
    install();
    PLUGINS.get(transport.index()).map(|p| p.server)
}
