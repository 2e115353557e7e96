//! Connecting to PostgreSQL from a libpq-style URL, with TLS when the URL
//! asks for it (feature `postgres-tls`: rustls, no system library). Used by
//! the safety database and by the studio's store alike.
//!
//! `sslmode=require`, `verify-ca` or `verify-full` connect over TLS and
//! always check the server's certificate and name (rustls has no mode that
//! does not): against the system's roots, and the CA file `sslrootcert=FILE`
//! names (a managed database's CA bundle, or a private CA). `prefer` (libpq's
//! default) and `disable` connect in plain TCP: a URL that does not ask for
//! TLS does not get it, so a certificate nobody configured cannot stop a
//! connection that worked before.

use std::fmt;

use postgres::{Client, NoTls};

/// Why a connection could not be made.
#[derive(Debug)]
pub enum ConnectError {
    /// The URL asks for something this build cannot do.
    Unsupported(String),
    /// The TLS settings (the CA file) could not be used.
    Tls(String),
    /// The server or the network said no.
    Postgres(postgres::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Unsupported(m) | ConnectError::Tls(m) => f.write_str(m),
            ConnectError::Postgres(e) => match e.as_db_error() {
                Some(d) => f.write_str(d.message()),
                // The chain: "error performing TLS handshake: invalid peer certificate: …".
                None => {
                    write!(f, "{e}")?;
                    let mut source = std::error::Error::source(e);
                    while let Some(s) = source {
                        write!(f, ": {s}")?;
                        source = s.source();
                    }
                    Ok(())
                }
            },
        }
    }
}

impl std::error::Error for ConnectError {}

/// What the URL asks for, and the URL rust-postgres is given (without the
/// parameters only libpq knows).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub url: String,
    pub tls: bool,
    pub root_cert: Option<String>,
}

/// Reads `sslmode` and `sslrootcert` out of the URL's query.
pub(crate) fn plan(url: &str) -> Result<Plan, ConnectError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    // The last sslmode counts (as in libpq), and only it is passed on, so
    // what is checked here is what the client does.
    let (mut mode, mut root_cert) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => match value {
                "disable" | "allow" | "prefer" => mode = Some(false),
                "require" | "verify-ca" | "verify-full" => mode = Some(true),
                other => {
                    return Err(ConnectError::Unsupported(format!("sslmode={other}: not a mode PostgreSQL knows")))
                }
            },
            "sslrootcert" => root_cert = Some(percent_decode(value)),
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(ConnectError::Unsupported(format!(
                    "{key}: client certificates are not supported; use a password"
                )))
            }
            _ => kept.push(pair.to_string()),
        }
    }
    let tls = mode == Some(true);
    if let Some(on) = mode {
        kept.push(if on { "sslmode=require" } else { "sslmode=disable" }.to_string());
    }
    if root_cert.is_some() && !tls {
        return Err(ConnectError::Unsupported(
            "sslrootcert is given but sslmode does not ask for TLS (add sslmode=verify-full)".into(),
        ));
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok(Plan { url, tls, root_cert })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connects to the server at `url` (`postgres://user:pass@host:port/db?…`).
pub fn connect_postgres(url: &str) -> Result<Client, ConnectError> {
    let plan = plan(url)?;
    if !plan.tls {
        return Client::connect(&plan.url, NoTls).map_err(ConnectError::Postgres);
    }
    tls_connect(&plan)
}

#[cfg(feature = "postgres-tls")]
fn tls_connect(plan: &Plan) -> Result<Client, ConnectError> {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore::empty();
    // The system's roots (a managed database's public CA); unreadable ones
    // are skipped, as every TLS client does.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = &plan.root_cert {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| ConnectError::Tls(format!("sslrootcert {path}: {e}")))?;
        if certs.is_empty() {
            return Err(ConnectError::Tls(format!("sslrootcert {path}: no certificate in it")));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| ConnectError::Tls(format!("sslrootcert {path}: {e}")))?;
        }
    }
    // ring, not aws-lc-rs: aws-lc builds a large C library with cmake. ring
    // lacks post-quantum key exchange (hence rustls's deprecation note);
    // TLS 1.3 with X25519 is what this link gets.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
    Client::connect(&plan.url, tls).map_err(ConnectError::Postgres)
}

#[cfg(not(feature = "postgres-tls"))]
fn tls_connect(_plan: &Plan) -> Result<Client, ConnectError> {
    Err(ConnectError::Unsupported(
        "sslmode asks for TLS, and this vivify was built without it (cargo build --release --features vivify-cli/postgres-tls)"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_parameters_are_read_and_the_rest_passed_on() {
        let p = plan("postgres://u@h/db").expect("plain");
        assert_eq!((p.url.as_str(), p.tls, p.root_cert), ("postgres://u@h/db", false, None));
        let p =
            plan("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5").expect("tls");
        assert_eq!(p.url, "postgres://u@h/db?connect_timeout=5&sslmode=require");
        assert_eq!((p.tls, p.root_cert.as_deref()), (true, Some("/etc/ca.pem")));
        assert!(!plan("postgres://u@h/db?sslmode=prefer").expect("prefer").tls);
        assert_eq!(plan("postgres://u@h/db?sslmode=prefer").expect("prefer").url, "postgres://u@h/db?sslmode=disable");
        assert!(matches!(plan("postgres://u@h/db?sslmode=sometimes"), Err(ConnectError::Unsupported(_))));
        let last = plan("postgres://u@h/db?sslmode=require&sslmode=disable").expect("two modes");
        assert_eq!((last.url.as_str(), last.tls), ("postgres://u@h/db?sslmode=disable", false), "the last one counts");
        assert!(matches!(plan("postgres://u@h/db?sslcert=/c.pem&sslmode=require"), Err(ConnectError::Unsupported(_))));
        assert!(matches!(plan("postgres://u@h/db?sslrootcert=/ca.pem"), Err(ConnectError::Unsupported(_))));
    }

    /// Thousands of mangled URLs (bytes flipped, cut, repeated, odd
    /// escapes): never a panic, and whatever is planned keeps its promise
    /// (TLS exactly when the passed-on URL says `sslmode=require`, no
    /// libpq-only parameter passed on).
    #[test]
    fn mangled_urls_never_panic_and_plans_stay_consistent() {
        let seeds = [
            "postgres://vivify:secret@db.example:5432/vivify?sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20b.pem",
            "postgresql://u@h/d?connect_timeout=5&sslmode=prefer&application_name=x",
            "postgres://u@[::1]:5/d?sslmode=require&sslrootcert=%E2%82%AC%zz%4",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"?&=%/:@sslmodeverify-fullrequirerootcert0123456789abcdefXYZ \x00\xff";
        for round in 0..6000 {
            let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
            for _ in 0..1 + next() % 6 {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 4 {
                    0 if !bytes.is_empty() => {
                        let i = at.min(bytes.len() - 1);
                        bytes[i] = alphabet[(next() as usize) % alphabet.len()];
                    }
                    1 => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                    2 => bytes.truncate(at),
                    _ => {
                        let piece: Vec<u8> = bytes[at..].iter().take(12).copied().collect();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            let url = String::from_utf8_lossy(&bytes);
            if let Ok(p) = plan(&url) {
                let query = p.url.split_once('?').map_or("", |(_, q)| q);
                let modes: Vec<&str> = query.split('&').filter(|kv| kv.starts_with("sslmode=")).collect();
                assert!(modes.len() <= 1, "{url} -> {}: one mode passed on", p.url);
                assert_eq!(p.tls, modes == ["sslmode=require"], "{url} -> {}", p.url);
                assert!(!query.split('&').any(|kv| kv.starts_with("sslrootcert=")), "{url} -> {}", p.url);
                assert!(p.root_cert.is_none() || p.tls, "{url}");
            }
        }
    }
}

/// Against the test server (`VIVIFY_TEST_POSTGRES`), which takes TLS when
/// scripts/pg-throwaway made it a certificate (`VIVIFY_TEST_POSTGRES_CA`).
/// Here, not in the vivify crate's tests: that crate's benches build its
/// test dependencies in release, and TLS there would build C2PA's crypto a
/// second time in CI.
#[cfg(all(test, feature = "postgres-tls"))]
mod server_tests {
    use super::*;
    use crate::store::items::ItemFacts;
    use crate::store::{Database, Store};

    fn required() -> bool {
        std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
    }

    fn skipped(what: &str) {
        if required() {
            panic!("{what} is required (VIVIFY_REQUIRE_TOOLS=1): scripts/test sets it");
        }
        eprintln!("\n!!! SKIPPED: PostgreSQL over TLS ({what} not set) !!!\n");
        if let Ok(log) = std::env::var("VIVIFY_SKIP_LOG") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).create(true).open(log) {
                let _ = writeln!(f, "SKIPPED: PostgreSQL over TLS ({what} not set)");
            }
        }
    }

    /// `verify-full` with the test server's CA connects and the session is
    /// encrypted (the server says so); without the CA the certificate is
    /// refused; a plain URL stays plain; the safety database works over TLS.
    #[test]
    fn postgres_over_tls_checks_the_certificate() {
        let Ok(url) = std::env::var("VIVIFY_TEST_POSTGRES") else { return skipped("VIVIFY_TEST_POSTGRES") };
        let Ok(ca) = std::env::var("VIVIFY_TEST_POSTGRES_CA") else { return skipped("VIVIFY_TEST_POSTGRES_CA") };
        let name = format!("vivify_tls_{}", std::process::id());
        let mut admin = connect_postgres(&url).expect("the test server");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create");
        let url = format!("{}/{name}", url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b));
        let encrypted = |c: &mut Client| -> bool {
            c.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).expect("pg_stat_ssl").get(0)
        };
        let tls_url = format!("{url}?sslmode=verify-full&sslrootcert={ca}");
        let mut c = connect_postgres(&tls_url).unwrap_or_else(|e| panic!("TLS with the CA: {e}"));
        assert!(encrypted(&mut c), "the server sees a TLS session");
        let Err(refused) = connect_postgres(&format!("{url}?sslmode=require")) else {
            panic!("a certificate from an unknown CA was trusted")
        };
        assert!(refused.to_string().contains("certificate"), "{refused}");
        let mut plain = connect_postgres(&url).expect("plain");
        assert!(!encrypted(&mut plain), "a URL that does not ask for TLS stays plain");
        let mut s = Store::open_at(&Database::Postgres(tls_url)).expect("the safety database over TLS");
        let sha = crate::store::sha256_hex(b"tls");
        let facts = ItemFacts { decision: "allow".into(), ..ItemFacts::default() };
        let item = s.record_item(&sha, "video", "clip.mp4", &facts).expect("record");
        assert_eq!(s.item_by_sha256(&sha).expect("read").map(|i| i.id), Some(item.id));
        assert!(s.check_consistency().expect("check").problems.is_empty());
    }
}
