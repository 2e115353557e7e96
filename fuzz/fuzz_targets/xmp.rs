//! XMP reading, the Motion Photo merge/strip rewrites and the provenance merge.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vivify::xmp::Xmp::parse(data);
    let s = String::from_utf8_lossy(data);
    let f = vivify::xmp::MotionPhotoFields { timestamp_us: 0, primary_mime: "image/jpeg", primary_padding: 0, video_length: 1, video_padding: 0 };
    let _ = vivify::xmp::merge_motion_photo(Some(&s), &f);
    let _ = vivify::xmp::strip_motion_photo(&s);
    let p = vivify::xmp::provenance::ProvenanceFields { source_type: Some("x"), creator_tool: "vivify" };
    let merged = vivify::xmp::provenance::merge_provenance(Some(&s), &p);
    let _ = vivify::xmp::Xmp::parse(merged.as_bytes());
});
