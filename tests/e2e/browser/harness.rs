//! chromedriver and Chromium, one browser per person (so each has its own cookies).

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Phone width (CSS pixels) the liaison pages are built for.
pub const PHONE: (u32, u32) = (360, 780);
/// A desk.
pub const DESKTOP: (u32, u32) = (1280, 900);

fn find(bin: &str, env: &str) -> String {
    if let Ok(p) = std::env::var(env) {
        return p;
    }
    for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
        let p = format!("{dir}/{bin}");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    panic!(
        "{bin} is not installed: `apt-get install chromium chromium-driver` (.ci/run does this)"
    );
}

/// A running chromedriver; its browsers close when it drops. chromedriver runs in a process
/// group of its own, which the browsers it starts join, and the whole group is killed on
/// drop: killing chromedriver alone left every browser whose session a test had not closed
/// running after the tests (19 Chromiums, 3.4 GB, after one `make test`).
pub struct Driver {
    child: Child,
    url: String,
    profiles: Vec<PathBuf>,
}

impl Driver {
    pub fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(find("chromedriver", "CHROMEDRIVER"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profiles: vec![],
        }
    }

    /// A new browser window of `size`, with a fresh profile (no cookies).
    pub async fn window(&mut self, size: (u32, u32)) -> Client {
        let profile =
            std::env::temp_dir().join(format!("gridline-chrome-{}", uuid::Uuid::new_v4().simple()));
        self.profiles.push(profile.clone());
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": find("chromium", "CHROMIUM"),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-extensions",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--lang=zh-CN",
                    format!("--window-size={},{}", size.0, size.1),
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session");
        client
            .set_window_size(size.0, size.1)
            .await
            .expect("window size");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid (`process_group(0)`).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for p in &self.profiles {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Signs in through the login form; lands on the role's home page.
pub async fn login(c: &Client, base: &str, username: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until(c, |url| !url.contains("/login")).await;
}

/// A new window for `user`, signed in, checked to land on `home`.
pub async fn person(
    driver: &mut Driver,
    size: (u32, u32),
    base: &str,
    user: &str,
    home: &str,
) -> Client {
    let c = driver.window(size).await;
    login(&c, base, user, crate::support::PASSWORD).await;
    let path = c.current_url().await.unwrap().path().to_owned();
    assert_eq!(path, home, "{user} lands on their home page");
    c
}

/// The ticket page's state.
pub async fn status(c: &Client) -> String {
    attr(c, "[data-test=status]", "data-status")
        .await
        .unwrap_or_default()
}

/// Waits for the browser to reach a URL for which `pred` holds.
pub async fn wait_until(c: &Client, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = c.current_url().await.unwrap().to_string();
        if pred(&url) {
            // The new document must be in: wait for it to be complete.
            for _ in 0..100 {
                if c.execute("return document.readyState", vec![]).await.ok()
                    == Some(json!("complete"))
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return url;
        }
        assert!(Instant::now() < deadline, "stuck at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs JavaScript and returns its value.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Text of the first element matching `css`.
pub async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// An attribute of the first element matching `css`.
pub async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .attr(name)
        .await
        .unwrap()
}

/// Checks what every page must be, then saves a full-page screenshot as `name.png`:
/// under 100 KB of HTML, and on a phone nothing wider than the screen.
pub async fn check_and_shoot(c: &Client, name: &str, size: (u32, u32)) {
    let bytes = js(
        c,
        "return new Blob([document.documentElement.outerHTML]).size",
    )
    .await
    .as_u64()
    .unwrap();
    assert!(bytes < 100 * 1024, "{name}: {bytes} bytes of HTML");
    if size == PHONE {
        let fits = js(
            c,
            "return document.documentElement.scrollWidth <= window.innerWidth + 1",
        )
        .await;
        assert_eq!(fits, json!(true), "{name}: wider than a {}px phone", size.0);
    }
    let height = js(c, "return document.documentElement.scrollHeight")
        .await
        .as_u64()
        .unwrap_or(u64::from(size.1))
        .clamp(u64::from(size.1), 6000) as u32;
    c.set_window_size(size.0, height).await.unwrap();
    let png = c.screenshot().await.unwrap();
    c.set_window_size(size.0, size.1).await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// Selects an option of a `<select>` by value.
pub async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} has no option {value}: {e}"));
}

/// Types into a field.
pub async fn fill(c: &Client, css: &str, value: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

/// Clicks the first element matching `css`.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Opens an action's panel on the ticket page, fills nothing, and returns nothing: callers
/// fill the fields and then [`submit_action`].
pub async fn open_action(c: &Client, action: &str) {
    let open = js(
        c,
        &format!("return document.querySelector('details[data-action={action}]').open"),
    )
    .await;
    if open != json!(true) {
        click(c, &format!("details[data-action={action}] summary")).await;
    }
}

/// Submits an action's form and waits for the next page.
pub async fn submit_action(c: &Client, action: &str) {
    let before = c.current_url().await.unwrap().to_string();
    click(c, &format!("button[data-submit={action}]")).await;
    wait_until(c, |u| u != before).await;
}

/// The actions offered as buttons on the open ticket page.
pub async fn offered(c: &Client) -> Vec<String> {
    let v = js(
        c,
        "return Array.from(document.querySelectorAll('details[data-action]')).map(d => d.dataset.action)",
    )
    .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// The processes whose command line holds `arg` (Linux's `/proc`).
fn processes_with(arg: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        String::from_utf8_lossy(&cmdline)
            .contains(arg)
            .then_some(pid)
    })
    .collect()
}

/// A browser whose session the test never closed is gone once its driver is.
#[tokio::test]
async fn a_dropped_driver_leaves_no_browser_behind() {
    let mut driver = Driver::start();
    let _window = driver.window(DESKTOP).await;
    let profile = driver.profiles[0].display().to_string();
    assert!(!processes_with(&profile).is_empty(), "the browser runs");
    drop(driver);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_with(&profile).is_empty() {
        assert!(
            Instant::now() < deadline,
            "browser processes left behind: {:?}",
            processes_with(&profile)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
