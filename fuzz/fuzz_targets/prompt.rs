//! The prompt grammar and the safety prompt check: any text, including
//! broken UTF-8 made lossy.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let intent = vivify::alive::prompt::parse(&text);
    assert!(intent.tempo > 0.0);
    let policy = vivify::safety::Policy::default();
    let _ = vivify::safety::prompt::check_prompt(&text, Some(1), &policy);
    let _ = vivify::safety::lexicon::parse(&text);
    let _ = vivify::safety::Policy::parse(&text, std::path::Path::new("fuzz.toml"));
});
