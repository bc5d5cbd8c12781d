//! The web explorer in a real browser: headless Chromium, driven over WebDriver, walks the
//! counterexample of a broken replication variant that `inflight explore` serves, and that of
//! a six-client herd against a broken server in the explorer reduced by symmetry.
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

/// Headless Chromium under chromedriver, with a profile of its own. Dropped in field order:
/// the session ends, then chromedriver stops, then the profile is removed.
struct Browser {
    session: Session,
    _driver: Killed,
    profile: std::path::PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A browser, or `None` (and a note) where chromedriver is missing outside CI; under
/// `CI=true` a missing browser fails the test.
fn browser(name: &str) -> Option<Browser> {
    let Some(driver) = chromedriver() else {
        assert!(std::env::var("CI").is_err(), "CI must install chromium and chromium-driver");
        eprintln!("skipped: no chromedriver (install chromium and chromium-driver)");
        return None;
    };
    let wd = free_port();
    let driver = Killed(
        Command::new(&driver)
            .arg(format!("--port={wd}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile =
        std::env::temp_dir().join(format!("inflight-chromium-{name}-{}", std::process::id()));
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
    Some(Browser { session, _driver: driver, profile })
}

/// `inflight <args>`'s JSON report, and the first violated property in it.
fn violated(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_inflight")).args(args).output().expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    report["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .find(|p| p["verdict"] == "violated")
        .expect("a violated property")
        .clone()
}

/// Serves `inflight explore <args>` on a free port; the server, and its port.
fn explorer(args: &[&str]) -> (Killed, u16) {
    let app = free_port();
    let server = Killed(
        Command::new(env!("CARGO_BIN_EXE_inflight"))
            .arg("explore")
            .args(args)
            .args(["--addr", &format!("127.0.0.1:{app}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("explorer starts"),
    );
    (server, app)
}

/// Shows the whole state the page is on, not only what changed.
fn show_complete_state(session: &Session) {
    session.call(
        "POST",
        "execute/sync",
        Some(json!({
            "script": "document.querySelector('input[data-bind=\"checked: isCompleteState\"]').click(); return true",
            "args": []
        })),
    );
}

#[test]
fn the_explorer_walks_a_counterexample_in_headless_chromium() {
    let Some(browser) = browser("replication") else { return };
    let session = &browser.session;
    // The counterexample and its explorer path, from the CLI itself.
    let args = ["--replicas", "1", "--writes", "2", "--fault", "ack-before-store"];
    let prop = violated(&[&["check", "replication", "--json"], &args[..]].concat());
    let name = prop["name"].as_str().expect("a name").to_string();
    let steps = prop["explorer_path"].as_str().expect("an explorer path").to_string();
    let (_explorer, app) = explorer(&[&["replication"], &args[..]].concat());

    // The start page lists the model's properties.
    session.goto(&format!("http://127.0.0.1:{app}/"));
    session.wait_for(&["in flight <= k", &name]);

    // The counterexample: the page shows the path's actions and the violating state.
    session.goto(&format!("http://127.0.0.1:{app}/#/steps/{steps}"));
    let text = session.wait_for(&["Path of Actions", "Append", "Ack"]);
    assert!(text.contains("commit: 1"), "the primary has committed:\n{text}");
    // The whole violating state: the replica acknowledged but stored nothing.
    show_complete_state(session);
    let text = session.wait_for(&["Replica", "stored: []", "unflushed"]);
    assert!(text.contains(&name), "the violated property is listed:\n{text}");

    let png = session.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-counterexample.png");
    std::fs::write(&shot, &png).expect("screenshot saved");
    eprintln!("screenshot: {} ({} bytes)", shot.display(), png.len());
}

#[test]
fn the_reduced_explorer_walks_a_large_herds_counterexample_in_headless_chromium() {
    let Some(browser) = browser("herd") else { return };
    let session = &browser.session;
    // Six clients over six slots: unreduced, the first slot alone is 46,656 branches (an 83 MB
    // page); reduced by symmetry it is 462, one per multiset of draws.
    let args = ["--clients", "6", "--slots", "6", "--fault", "capacity-off-by-one"];
    let prop = violated(&[&["check", "retry", "--symmetry", "--json"], &args[..]].concat());
    let steps = prop["reduced_explorer_path"].as_str().expect("a reduced path").to_string();
    let (_explorer, app) = explorer(&[&["retry", "--symmetry"], &args[..]].concat());
    session.goto(&format!("http://127.0.0.1:{app}/#/steps/{steps}"));
    session.wait_for(&["Path of Actions", "next slot, drawing"]);
    show_complete_state(session);
    // The server of capacity 1 serves two requests.
    let text = session.wait_for(&["server up serving"]);
    let server = text.lines().find(|l| l.contains("server up serving")).expect("a server line");
    assert!(server.contains("of 1") && server.matches('#').count() == 2, "{text}");
}
