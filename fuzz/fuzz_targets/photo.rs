//! Photo decoding for `vivify alive` (JPEG with Exif orientation, PNG).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = vivify::picture::photo::Photo::decode(data.to_vec()) {
        assert_eq!(p.rgb.data.len(), p.rgb.width * p.rgb.height * 3);
    }
});
