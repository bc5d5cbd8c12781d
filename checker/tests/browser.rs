//! The web explorer in a real browser: headless Chromium, driven over WebDriver, walks the
//! counterexample of a broken replication variant that `inflight explore` serves.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test says so and passes, except under `CI=true`, where a missing browser fails it.
//!
//! The WebDriver client is the few calls the test needs (new session, navigate, run a script,
//! screenshot, end session), written against the W3C protocol with std's TCP and serde_json, so
//! the test adds no async runtime to the build.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One HTTP/1.1 request with a JSON body; the status and the parsed JSON reply.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    // Read the head, then exactly the body (chromedriver keeps connections open).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = raw[head_end..].to_vec();
    match length {
        Some(len) => {
            while body.len() < len {
                let n = s.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            let _ = s.read_to_end(&mut body);
        }
    }
    let text = String::from_utf8_lossy(&body);
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let value = serde_json::from_str(&text[start..=end]).ok()?;
    Some((status, value))
}

struct Session {
    port: u16,
    id: String,
}

impl Session {
    fn call(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}/{what}", self.id);
        let (status, v) = http(self.port, method, &path, body.as_ref())
            .unwrap_or_else(|| panic!("no answer from chromedriver to {method} {what}"));
        assert_eq!(status, 200, "{method} {what}: {v}");
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "url", Some(json!({ "url": url })));
    }

    fn text(&self) -> String {
        let v = self.call(
            "POST",
            "execute/sync",
            Some(json!({ "script": "return document.body.innerText", "args": [] })),
        );
        v.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page's text contains every needle; returns the text.
    fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.text();
            if needles.iter().all(|n| t.contains(n)) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {needles:?}:\n{t}\n--- END ---"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&self) -> Vec<u8> {
        let v = self.call("GET", "screenshot", None);
        base64(v.as_str().expect("base64 PNG"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn chromedriver() -> Option<String> {
    ["chromedriver", "/usr/bin/chromedriver"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(str::to_string)
}

#[test]
fn the_explorer_walks_a_counterexample_in_headless_chromium() {
    let Some(driver) = chromedriver() else {
        assert!(std::env::var("CI").is_err(), "CI must install chromium and chromium-driver");
        eprintln!("skipped: no chromedriver (install chromium and chromium-driver)");
        return;
    };
    // The counterexample and its explorer path, from the CLI itself.
    let args = ["--replicas", "1", "--writes", "2", "--fault", "ack-before-store"];
    let out = Command::new(env!("CARGO_BIN_EXE_inflight"))
        .args(["check", "replication", "--json"])
        .args(args)
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let prop = report["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .find(|p| p["verdict"] == "violated")
        .expect("a violated property")
        .clone();
    let name = prop["name"].as_str().expect("a name").to_string();
    let steps = prop["explorer_path"].as_str().expect("an explorer path").to_string();

    let app = free_port();
    let _explorer = Killed(
        Command::new(env!("CARGO_BIN_EXE_inflight"))
            .args(["explore", "replication", "--addr", &format!("127.0.0.1:{app}")])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("explorer starts"),
    );
    let wd = free_port();
    let _driver = Killed(
        Command::new(&driver)
            .arg(format!("--port={wd}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = std::env::temp_dir().join(format!("inflight-chromium-{}", std::process::id()));
    let caps = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": { "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
        ] }
    } } });
    let deadline = Instant::now() + Duration::from_secs(30);
    let session = loop {
        if let Some((200, v)) = http(wd, "POST", "/session", Some(&caps)) {
            let id = v["value"]["sessionId"].as_str().expect("a session id").to_string();
            break Session { port: wd, id };
        }
        assert!(Instant::now() < deadline, "chromedriver never opened a session");
        std::thread::sleep(Duration::from_millis(200));
    };

    // The start page lists the model's properties.
    session.goto(&format!("http://127.0.0.1:{app}/"));
    session.wait_for(&["in flight <= k", &name]);

    // The counterexample: the page shows the path's actions and the violating state.
    session.goto(&format!("http://127.0.0.1:{app}/#/steps/{steps}"));
    let text = session.wait_for(&["Path of Actions", "Append", "Ack"]);
    assert!(text.contains("commit: 1"), "the primary has committed:\n{text}");
    // The whole violating state: the replica acknowledged but stored nothing.
    session.call(
        "POST",
        "execute/sync",
        Some(json!({
            "script": "document.querySelector('input[data-bind=\"checked: isCompleteState\"]').click(); return true",
            "args": []
        })),
    );
    let text = session.wait_for(&["Replica", "stored: []", "unflushed"]);
    assert!(text.contains(&name), "the violated property is listed:\n{text}");

    let png = session.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-counterexample.png");
    std::fs::write(&shot, &png).expect("screenshot saved");
    eprintln!("screenshot: {} ({} bytes)", shot.display(), png.len());
    let _ = std::fs::remove_dir_all(&profile);
}
