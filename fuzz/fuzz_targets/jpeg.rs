//! JPEG segments, Exif TIFF, Apple MakerNote, MPF and motion-photo location.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(j) = vivify::jpeg::Jpeg::parse(data) {
        let _ = j.extended_xmp();
        let _ = vivify::jpeg::edit::mpf_extent_after_eoi(&j);
        let _ = vivify::package::motion::locate_jpeg(data, &j);
        if let Some(Ok(e)) = j.exif().map(vivify::jpeg::tiff::Exif::parse) {
            let _ = e.to_bytes();
            if let Some(Ok(n)) = e.maker_note().map(vivify::jpeg::makernote::AppleMakerNote::parse) {
                let _ = n.to_bytes();
            }
        }
    }
    let _ = vivify::jpeg::tiff::Exif::parse(data);
    let _ = vivify::jpeg::makernote::AppleMakerNote::parse(data);
});
