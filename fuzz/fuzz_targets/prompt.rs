//! The prompt grammar: any text, including broken UTF-8 made lossy.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let intent = vivify::alive::prompt::parse(&text);
    assert!(intent.tempo > 0.0);
});
