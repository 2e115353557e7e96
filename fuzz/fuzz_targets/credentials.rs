//! Certificate files (PEM chains, checked as signing credentials) and the
//! config.toml parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = std::path::Path::new("fuzz.pem");
    if let Ok(certs) = vivify::provenance::keys::parse_pem_certs(data, p) {
        for c in &certs {
            let _ = vivify::provenance::keys::summarize(c);
        }
    }
    let _ = vivify::provenance::keys::summarize(data);
    let _ = vivify::provenance::config::Config::parse(&String::from_utf8_lossy(data), std::path::Path::new("/cfg"));
});
