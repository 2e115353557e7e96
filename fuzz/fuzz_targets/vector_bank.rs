//! The stored sentence-vector banks (vivify-models `text::bank`): the bank
//! files ship in the crate, but a reader of bytes is fuzzed all the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = vivify::models::text::bank::Bank::from_bytes(data) {
        assert!(b.labels.len() * (6 + b.dims) <= data.len());
        let _ = b.similarities(&vec![0.1; b.dims]);
    }
});
