//! HEIF item structure: iinf, iloc, iref, idat, Exif/XMP items, mpvd/sefd.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src: &[u8] = data;
    if let Ok(h) = vivify::heic::Heif::parse(&src) {
        let _ = h.exif(&src);
        let _ = h.xmp(&src);
        let _ = h.primary_size();
        let _ = vivify::package::motion::locate_heic(&src, &h, None);
        let edit = vivify::heic::HeicEdit { drop_motion: true, ..Default::default() };
        let _ = vivify::heic::rewrite(&src, &h, &edit);
    }
});
