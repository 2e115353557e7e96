//! Certificate files (PEM chains, checked as signing credentials), the
//! config.toml parser and the safety policy parser.
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
    let text = String::from_utf8_lossy(data);
    let _ = vivify::provenance::config::Config::parse(&text, std::path::Path::new("/cfg"));
    if let Ok(policy) = vivify::safety::Policy::parse(&text, std::path::Path::new("/policy.toml")) {
        for c in vivify::safety::Category::ALL {
            let _ = policy.decision(c);
        }
    }
});
