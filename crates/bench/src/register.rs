//! The enterprise register's import under load: 10 000 new enterprises in one CSV request.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::login;

/// A valid credit code for bench enterprise `n` (GB 32100 check character).
fn credit_code(n: u32) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91441900MA5X{n:05}");
    let sum: usize = body
        .bytes()
        .zip(W)
        .map(|(c, w)| A.iter().position(|&a| a == c).unwrap_or(0) * w)
        .sum();
    format!("{body}{}", A[(31 - sum % 31) % 31] as char)
}

/// Imports 10 000 new enterprises from one CSV file; returns the milliseconds it took.
pub async fn import_10k(client: &reqwest::Client, base: &str) -> anyhow::Result<f64> {
    let admin = login(client, base, "admin").await?;
    let grids: serde_json::Value = client
        .get(format!("{base}/api/v1/grids"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let grid = grids[0]["name"].as_str().context("a grid")?.to_owned();
    let mut csv =
        String::from("企业名称,统一社会信用代码,所属网格,产业集群,规上企业,地址,联系人,联系电话\n");
    for i in 0..10_000u32 {
        csv.push_str(&format!(
            "压测企业{i}有限公司,{},{grid},电子信息,否,科技大道{i}号,联系人{i},0762-{:07}\n",
            credit_code(i),
            3_000_000 + i
        ));
    }
    let t = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/enterprises/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .timeout(Duration::from_secs(120))
        .send()
        .await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let status = r.status();
    let report: serde_json::Value = r.json().await?;
    if !status.is_success() || report["counts"]["new"] != 10_000 {
        bail!("import failed: {status} {}", report["counts"]);
    }
    Ok(ms)
}
