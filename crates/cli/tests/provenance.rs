//! `vivify keys` and `vivify verify`, and the signing options of the
//! commands that write files, through the binary.
#![cfg(feature = "c2pa")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vivify-cli-prov-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// The binary with its config folder (and so its signing identity) in
/// `cfg`, and its data folder (safety database) beside it.
fn vivify(cfg: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vivify"))
        .env("VIVIFY_CONFIG_DIR", cfg)
        .env("VIVIFY_DATA_DIR", cfg.join("data"))
        .env_remove("VIVIFY_SIGN_CERT")
        .env_remove("VIVIFY_SIGN_KEY")
        .args(args)
        .output()
        .expect("run vivify")
}

fn photo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/photos/temple.jpg").display().to_string()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn keys_init_makes_a_private_identity_once() {
    let d = temp("keys");
    let cfg = d.join("cfg");
    let o = vivify(&cfg, &["keys", "init", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let key = PathBuf::from(v["signer_key"].as_str().expect("key path"));
    assert!(key.starts_with(&cfg));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for k in [&key, &PathBuf::from(v["root_key"].as_str().expect("root key"))] {
            assert_eq!(std::fs::metadata(k).expect("meta").permissions().mode() & 0o777, 0o600);
        }
    }
    // A second init keeps the first identity.
    let before = std::fs::read(&key).expect("key");
    let o = vivify(&cfg, &["keys", "init"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(std::fs::read(&key).expect("key"), before);
    // --force replaces it, keeping the old one aside.
    let o = vivify(&cfg, &["keys", "init", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(std::fs::read(&key).expect("key"), before);
    assert!(std::fs::read_dir(&cfg)
        .expect("dir")
        .any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("keys.replaced-"))));
    let o = vivify(&cfg, &["keys", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["usable"], true, "{v}");
    assert!(v["certificates"][0]["subject"].as_str().is_some_and(|s| s.contains("vivify signer")));
}

#[test]
fn verify_exit_codes_say_valid_invalid_or_none() {
    let d = temp("verify");
    let cfg = d.join("cfg");
    let out = d.join("m.mp4");
    let o = vivify(&cfg, &["alive", &photo(), "-o", out.to_str().expect("utf8"), "--duration", "0.5", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(r["signed_by"].as_str().is_some_and(|s| s.contains("vivify signer")), "{r}");
    assert!(r["label"].is_array(), "the visible label is on by default");
    // The identity was made on first use.
    let root = cfg.join("keys/root.pem");
    assert!(root.is_file());
    let m = out.to_str().expect("utf8");
    let o = vivify(&cfg, &["verify", m]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("not on your trust list"), "{}", text(&o));
    let o = vivify(&cfg, &["verify", "--json", "--trust", root.to_str().expect("utf8"), m]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["status"], "trusted");
    assert_eq!(v[0]["generated"], true);
    assert!(v[0]["source_words"].as_str().is_some_and(|w| w.contains("generated motion")), "{v}");
    // One byte of media data flipped: 4, with the reason in words.
    let mut bytes = std::fs::read(&out).expect("read");
    let n = bytes.len();
    bytes[n - 1000] ^= 0x40;
    let bad = d.join("bad.mp4");
    std::fs::write(&bad, &bytes).expect("write");
    let o = vivify(&cfg, &["verify", bad.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("changed after it was signed"), "{}", text(&o));
    // No credentials at all: 5; a mix with an invalid file: 4.
    let o = vivify(&cfg, &["verify", &photo()]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let o = vivify(&cfg, &["verify", &photo(), bad.to_str().expect("utf8"), m]);
    assert_eq!(o.status.code(), Some(4));
    // A trust anchor that is not a certificate is refused clearly.
    let o = vivify(&cfg, &["verify", "--trust", &photo(), m]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("temple.jpg"), "{}", text(&o));
}

#[test]
fn the_visible_label_goes_only_with_signed_credentials() {
    let d = temp("label");
    let cfg = d.join("cfg");
    let out = d.join("n.mp4");
    let o = vivify(&cfg, &["alive", &photo(), "-o", out.to_str().expect("utf8"), "--no-visible-label", "--no-sign"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("visible AI label"), "{}", text(&o));
    assert!(!out.exists());
    let o = vivify(
        &cfg,
        &["alive", &photo(), "-o", out.to_str().expect("utf8"), "--no-visible-label", "--duration", "0.5", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(r["label"].is_null());
    let o = vivify(&cfg, &["verify", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn bad_signing_credentials_fail_before_any_work() {
    let d = temp("badcreds");
    let cfg = d.join("cfg");
    let junk = d.join("junk.pem");
    std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").expect("write");
    let out = d.join("x.mp4");
    let j = junk.to_str().expect("utf8");
    let o = vivify(&cfg, &["alive", &photo(), "-o", out.to_str().expect("utf8"), "--sign-cert", j, "--sign-key", j]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("junk.pem") && text(&o).contains("malformed certificate"), "{}", text(&o));
    assert!(!out.exists());
    // The local authority itself cannot sign claims.
    assert!(vivify(&cfg, &["keys", "init"]).status.success());
    let (root, root_key) = (cfg.join("keys/root.pem"), cfg.join("keys/root.key"));
    let o = vivify(
        &cfg,
        &[
            "alive",
            &photo(),
            "-o",
            out.to_str().expect("utf8"),
            "--sign-cert",
            root.to_str().expect("utf8"),
            "--sign-key",
            root_key.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("certificate authority"), "{}", text(&o));
    // Only one of the pair: a usage error.
    let o = vivify(&cfg, &["alive", &photo(), "--sign-cert", j]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
