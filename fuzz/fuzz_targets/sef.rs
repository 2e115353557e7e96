//! Samsung SEF trailers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vivify::sef::Sef::parse(data);
});
