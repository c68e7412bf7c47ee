//! Request header profiles. Polling pays its headers on every request, so what a real
//! browser sends decides much of its cost.

use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::transport_kind::RequestStyle;

/// Which request headers the load generator sends; polling's cost is mostly headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderProfile {
    /// What a bare HTTP client sends: Host, and what the protocol needs.
    Minimal,
    /// What a current desktop browser sends to a same-origin API.
    Browser,
}

impl HeaderProfile {
    /// The name in scenario files and results: `minimal` or `browser`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minimal => "minimal",
            Self::Browser => "browser",
        }
    }
}

const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                         Chrome/142.0.0.0 Safari/537.36";

/// The headers a request of `style` sends, besides what the protocol itself needs (the
/// WebSocket handshake headers are added by the WebSocket library).
pub fn request_headers(
    profile: HeaderProfile,
    style: RequestStyle,
    host: &str,
    cookie_bytes: u64,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut add = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(HeaderName::from_static(name), value);
        }
    };
    match profile {
        HeaderProfile::Minimal => {
            if let RequestStyle::Fetch { accept, .. } = style {
                add("host", host.into());
                add("accept", accept.into());
            }
            add(
                "user-agent",
                format!("wsbench/{}", env!("CARGO_PKG_VERSION")),
            );
        }
        HeaderProfile::Browser => {
            match style {
                RequestStyle::Handshake => {
                    // Chrome's opening handshake, minus what tungstenite writes itself.
                    add("pragma", "no-cache".into());
                    add("cache-control", "no-cache".into());
                    add("user-agent", CHROME_UA.into());
                    add("origin", format!("http://{host}"));
                    add("accept-encoding", "gzip, deflate, br, zstd".into());
                    add("accept-language", "en-US,en;q=0.9".into());
                    add(
                        "sec-websocket-extensions",
                        "permessage-deflate; client_max_window_bits".into(),
                    );
                }
                RequestStyle::Fetch { accept, no_cache } => {
                    add("host", host.into());
                    add("connection", "keep-alive".into());
                    if no_cache {
                        add("cache-control", "no-cache".into());
                    }
                    add("sec-ch-ua-platform", "\"Linux\"".into());
                    add("user-agent", CHROME_UA.into());
                    add(
                    "sec-ch-ua",
                    "\"Chromium\";v=\"142\", \"Google Chrome\";v=\"142\", \"Not_A Brand\";v=\"99\""
                        .into(),
                );
                    add("sec-ch-ua-mobile", "?0".into());
                    add("accept", accept.into());
                    add("sec-fetch-site", "same-origin".into());
                    add("sec-fetch-mode", "cors".into());
                    add("sec-fetch-dest", "empty".into());
                    add("referer", format!("http://{host}/"));
                    add("accept-encoding", "gzip, deflate, br, zstd".into());
                    add("accept-language", "en-US,en;q=0.9".into());
                }
            }
            if cookie_bytes > 0 {
                add("cookie", session_cookie(cookie_bytes));
            }
        }
    }
    headers
}

/// `session=` followed by a token, `cookie_bytes` long in all.
fn session_cookie(cookie_bytes: u64) -> String {
    let prefix = "session=";
    let token_len = (cookie_bytes as usize).saturating_sub(prefix.len());
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let token: String = (0..token_len)
        .map(|i| alphabet[(i * 7 + 3) % alphabet.len()] as char)
        .collect();
    format!("{prefix}{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_profile_carries_cookie_of_the_configured_size() {
        let headers = request_headers(HeaderProfile::Browser, RequestStyle::PAGE_FETCH, "h:1", 256);
        assert_eq!(headers["cookie"].len(), 256);
        assert_eq!(headers["sec-fetch-mode"], "cors");
        assert_eq!(headers["host"], "h:1");
    }

    #[test]
    fn minimal_profile_is_small_and_sse_asks_for_event_streams() {
        let event_source = RequestStyle::Fetch {
            accept: "text/event-stream",
            no_cache: true,
        };
        let headers = request_headers(HeaderProfile::Minimal, event_source, "h:1", 256);
        assert_eq!(headers.len(), 3);
        assert_eq!(headers["accept"], "text/event-stream");
        let ws = request_headers(HeaderProfile::Minimal, RequestStyle::Handshake, "h:1", 256);
        assert!(
            ws.get("host").is_none(),
            "the WebSocket library writes Host itself"
        );
    }
}
