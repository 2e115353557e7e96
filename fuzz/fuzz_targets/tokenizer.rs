//! The text pack's tokenizer.json reader and the WordPiece tokenizer
//! (vivify-models): the file is untrusted input, and so is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The same bytes as a tokenizer file and as text to tokenize with a
    // tiny vocabulary.
    if let Ok(t) = vivify::models::text::wordpiece::WordPiece::from_json(data) {
        let _ = t.encode("a sky at dusk");
    }
    let json = br###"{"model": {"type": "WordPiece", "continuing_subword_prefix": "##", "unk_token": "[UNK]",
        "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3, "##b": 4}}, "truncation": {"max_length": 8}}"###;
    if let Ok(t) = vivify::models::text::wordpiece::WordPiece::from_json(json) {
        let ids = t.encode(&String::from_utf8_lossy(data));
        assert!(ids.len() <= 8 && ids.first() == Some(&1) && ids.last() == Some(&2));
    }
});
