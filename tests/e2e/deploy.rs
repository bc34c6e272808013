//! The deployment files in `deploy/` are what their tools accept: the systemd units pass
//! `systemd-analyze verify`, the nginx site passes `nginx -t` (Debian's packages; `make
//! deploy-deps` installs them).

use std::process::Command;

use crate::support::workspace_dir;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("gridline-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_systemd_units_verify() {
    let dir = scratch("units");
    let env = dir.join("gridline.env");
    std::fs::write(&env, "GRIDLINE__AUTH__JWT_SECRET=x\n").unwrap();
    let mut units = vec![];
    for name in ["gridline.service", "gridline-worker.service"] {
        let text =
            std::fs::read_to_string(workspace_dir().join("deploy/systemd").join(name)).unwrap();
        assert!(text.contains("NoNewPrivileges=yes") && text.contains("ProtectSystem=strict"));
        assert!(text.contains("EnvironmentFile=/etc/gridline/gridline.env"));
        // The same unit with the binary and the secrets where this machine has them.
        let text = text
            .replace("/opt/gridline/bin/gridline", env!("CARGO_BIN_EXE_gridline"))
            .replace("/etc/gridline/gridline.env", env.to_str().unwrap());
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        units.push(path);
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .expect("systemd-analyze (make deploy-deps)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("gridline")).collect();
    assert!(out.status.success() && ours.is_empty(), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_nginx_site_passes_nginx_t() {
    let dir = scratch("nginx");
    let (cert, key) = (dir.join("fullchain.pem"), dir.join("privkey.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=gridline.test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let site = std::fs::read_to_string(workspace_dir().join("deploy/nginx/gridline.conf"))
        .unwrap()
        .replace("/etc/ssl/gridline/fullchain.pem", cert.to_str().unwrap())
        .replace("/etc/ssl/gridline/privkey.pem", key.to_str().unwrap());
    assert!(site.contains("X-Forwarded-Proto") && site.contains("client_max_body_size 50m"));
    // /metrics answers loopback, and nginx connects from loopback: it must not pass it on.
    assert!(site.contains("location = /metrics"));
    std::fs::write(dir.join("gridline.conf"), site).unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/gridline.conf;\n}}\n"
        ),
    )
    .unwrap();
    let out = Command::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .expect("nginx (make deploy-deps)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("test is successful"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
