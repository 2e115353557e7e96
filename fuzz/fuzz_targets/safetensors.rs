//! The safetensors reader of the text pack's sentence model
//! (vivify-models): the weights file is untrusted input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = vivify::models::text::minilm::tensors(data) {
        for v in t.values() {
            assert!(v.len() * 4 <= data.len());
        }
    }
});
