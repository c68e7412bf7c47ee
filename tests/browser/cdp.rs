//! Just enough of the Chrome DevTools Protocol to drive a headless Chromium: launch it on a
//! fresh profile, open a page, evaluate JavaScript, take a screenshot, close it. Every
//! step is bounded in time, and the browser is killed if the test ends any other way.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

const STEP: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    devtools: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromium` headless (as the machine's notes advise: no sandbox as root, no
    /// background networking on a closed network) and connects to its DevTools socket.
    pub async fn launch(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1000",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(STEP, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("chromium exited without a DevTools socket")
        })
        .await
        .expect("chromium's DevTools socket within 30 s");
        // The rest of its stderr (dbus complaints) is drained, so that it never blocks.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (devtools, _) = connect_async(url.as_str())
            .await
            .expect("DevTools connects");
        Browser {
            child,
            devtools,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Calls `method` (in a page's `session`, or on the browser) and returns its result.
    pub async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            request["sessionId"] = json!(session);
        }
        let text = request.to_string();
        self.devtools.send(Message::text(text)).await.unwrap();
        let reply = tokio::time::timeout(STEP, async {
            while let Some(message) = self.devtools.next().await {
                let Ok(Message::Text(text)) = message else {
                    continue;
                };
                let reply: Value = serde_json::from_str(&text).unwrap();
                if reply["id"] == id {
                    return reply;
                }
            }
            panic!("the DevTools socket closed during {method}")
        })
        .await
        .unwrap_or_else(|_| panic!("{method} answered within 30 s"));
        assert!(reply["error"].is_null(), "{method}: {reply}");
        reply["result"].clone()
    }

    /// Opens `url` in a new tab; its session id.
    pub async fn open(&mut self, url: &str) -> String {
        let target = self
            .call(None, "Target.createTarget", json!({"url": url}))
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await;
        attached["sessionId"].as_str().unwrap().to_owned()
    }

    /// The value of `expression` in the page.
    pub async fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let params = json!({"expression": expression, "returnByValue": true, "awaitPromise": true});
        let result = self.call(Some(session), "Runtime.evaluate", params).await;
        assert!(result["exceptionDetails"].is_null(), "{result}");
        result["result"]["value"].clone()
    }

    /// The page as a PNG.
    pub async fn screenshot(&mut self, session: &str) -> Vec<u8> {
        let shot = self
            .call(
                Some(session),
                "Page.captureScreenshot",
                json!({"format": "png"}),
            )
            .await;
        let data = shot["data"].as_str().unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap()
    }

    /// Asks the browser to quit, and kills it if it has not within 10 s.
    pub async fn close(mut self) {
        let id = self.next_id + 1;
        let quit = json!({"id": id, "method": "Browser.close"}).to_string();
        let _ = self.devtools.send(Message::text(quit)).await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
