//! Inputs that once broke a parser or writer, found by the fuzz targets.

use std::path::Path;

fn regression(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/regressions").join(name))
        .expect("read")
}

/// An Exif whose IFD0 carried pointer tags (Interop, thumbnail) where they do
/// not belong: re-serialising laid the IFDs out with the wrong offsets.
#[test]
fn exif_with_misplaced_pointer_tags_reserialises_consistently() {
    let data = regression("jpeg-exif-stale-pointer.jpg");
    let j = vivify::jpeg::Jpeg::parse(&data).expect("jpeg");
    let exif = vivify::jpeg::tiff::Exif::parse(j.exif().expect("exif")).expect("tiff");
    let bytes = exif.to_bytes();
    let again = vivify::jpeg::tiff::Exif::parse(&bytes).expect("reparse");
    // Every tag survives the round trip with its value.
    for e in &exif.ifd0.entries {
        if !matches!(e.tag, 0x8769 | 0x8825 | 0xA005 | 0x0201 | 0x0202) {
            assert_eq!(again.ifd0.get(e.tag), Some(e), "IFD0 tag 0x{:04x}", e.tag);
        }
    }
    assert_eq!(again.to_bytes(), bytes, "serialising twice must be stable");
}
