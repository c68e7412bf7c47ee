//! Negotiating permessage-deflate in the opening handshake (RFC 7692 §5, §7.1): the
//! client's offer, the server's pick among the offers it received, and the client's check
//! of the server's answer. The scenario's settings are what our client offers and the most
//! our server grants.

use std::fmt::Write as _;

pub const NAME: &str = "permessage-deflate";

/// The largest LZ77 window RFC 7692 allows (and the default when unnamed).
pub const MAX_BITS: u8 = 15;
/// The smallest window zlib writes raw deflate with (it turns 8 into 9).
pub const MIN_BITS: u8 = 9;

/// The extension's parameters: asked for, granted, or agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: u8,
    pub client_max_window_bits: u8,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_BITS,
            client_max_window_bits: MAX_BITS,
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("the server did not agree to permessage-deflate")]
    Declined,
    #[error("the server's permessage-deflate answer `{0}` is not one the offer allows")]
    Unacceptable(String),
}

/// One extension of a `Sec-WebSocket-Extensions` list: its parameters, as written.
struct Offered {
    /// `client_max_window_bits` named (with its value, if any).
    client_bits: Option<Option<u8>>,
    server_bits: Option<u8>,
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
}

/// The permessage-deflate elements of a header value, each parsed; `None` for an element
/// whose parameters are malformed, unknown or repeated (§7.1: such an offer is declined).
fn elements(header: &str) -> impl Iterator<Item = Option<Offered>> + '_ {
    header.split(',').filter_map(|element| {
        let mut parts = element.split(';').map(str::trim);
        (parts.next()? == NAME).then(|| parse_params(parts))
    })
}

fn parse_params<'a>(parts: impl Iterator<Item = &'a str>) -> Option<Offered> {
    let mut offered = Offered {
        client_bits: None,
        server_bits: None,
        server_no_context_takeover: false,
        client_no_context_takeover: false,
    };
    let mut seen = Vec::new();
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
            None => (part, None),
        };
        if seen.contains(&name) {
            return None;
        }
        seen.push(name);
        let bits = |value: Option<&str>| {
            let bits = value?.parse::<u8>().ok()?;
            (8..=MAX_BITS).contains(&bits).then_some(bits)
        };
        match (name, value) {
            ("server_no_context_takeover", None) => offered.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => offered.client_no_context_takeover = true,
            ("server_max_window_bits", value) => offered.server_bits = Some(bits(value)?),
            ("client_max_window_bits", None) => offered.client_bits = Some(None),
            ("client_max_window_bits", value) => offered.client_bits = Some(Some(bits(value)?)),
            _ => return None,
        }
    }
    Some(offered)
}

impl Params {
    /// The client's `Sec-WebSocket-Extensions` offer: what it asks of the server, and
    /// `client_max_window_bits` (valued when below 15) to say it can limit its own window.
    pub fn offer(&self) -> String {
        let mut offer = String::from(NAME);
        self.write_params(&mut offer, true);
        offer
    }

    /// The server's pick: the first offer in `headers` it can honour within `self`, as the
    /// agreed parameters and the answer's header value. `None`: no compression.
    pub fn accept<'a>(&self, headers: impl Iterator<Item = &'a str>) -> Option<(Params, String)> {
        let offer = headers.flat_map(elements).flatten().find(|offered| {
            // zlib cannot write a window of 8 bits: such an offer is declined.
            offered.server_bits.is_none_or(|bits| bits >= MIN_BITS)
        })?;
        let agreed = Params {
            // A client's `server_no_context_takeover` binds the server (§7.1.1.1).
            server_no_context_takeover: self.server_no_context_takeover
                || offer.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover
                || offer.client_no_context_takeover,
            server_max_window_bits: offer.server_bits.map_or(self.server_max_window_bits, |b| {
                b.min(self.server_max_window_bits)
            }),
            // Without `client_max_window_bits` in the offer the client's window cannot be
            // limited (§7.1.2.2): it may use 15 bits, which our decompressor takes.
            client_max_window_bits: match offer.client_bits {
                None => MAX_BITS,
                Some(bits) => bits.unwrap_or(MAX_BITS).min(self.client_max_window_bits),
            },
        };
        let mut answer = String::from(NAME);
        agreed.write_params(&mut answer, false);
        Some((agreed, answer))
    }

    /// The client's reading of the server's answer to `self` (the offer it sent).
    pub fn agreed(&self, answer: Option<&str>) -> Result<Params, ExtensionError> {
        let answer = answer.ok_or(ExtensionError::Declined)?;
        let unacceptable = || ExtensionError::Unacceptable(answer.to_owned());
        let mut found = elements(answer);
        let offered = found
            .next()
            .ok_or(ExtensionError::Declined)?
            .ok_or_else(unacceptable)?;
        if found.next().is_some() || offered.client_bits == Some(None) {
            return Err(unacceptable());
        }
        let server_bits = offered.server_bits.unwrap_or(MAX_BITS);
        let client_bits = offered.client_bits.flatten().unwrap_or(MAX_BITS);
        if server_bits > self.server_max_window_bits
            || (self.server_no_context_takeover && !offered.server_no_context_takeover)
        {
            return Err(unacceptable());
        }
        Ok(Params {
            server_no_context_takeover: offered.server_no_context_takeover,
            client_no_context_takeover: offered.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        })
    }

    /// Appends `; name[=value]` for each parameter that is not the default. An offer always
    /// names `client_max_window_bits`, as browsers do.
    fn write_params(&self, out: &mut String, offer: bool) {
        if self.server_no_context_takeover {
            out.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            out.push_str("; client_no_context_takeover");
        }
        if self.server_max_window_bits < MAX_BITS {
            let _ = write!(
                out,
                "; server_max_window_bits={}",
                self.server_max_window_bits
            );
        }
        match (self.client_max_window_bits < MAX_BITS, offer) {
            (true, _) => {
                let _ = write!(
                    out,
                    "; client_max_window_bits={}",
                    self.client_max_window_bits
                );
            }
            (false, true) => out.push_str("; client_max_window_bits"),
            (false, false) => {}
        }
    }
}

#[cfg(test)]
mod tests;
