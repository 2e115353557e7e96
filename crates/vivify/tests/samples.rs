//! Reading real iPhone and Samsung files.

mod common;

use common::sample;
use vivify::inspect::{inspect_path, Role, Severity};
use vivify::package::motion::MotionKind;

#[test]
fn iphone_15_plus_pair_has_matching_ids_and_still_time() {
    let mov = inspect_path(&sample("apple_iphone15plus_ios18.2_IMG_3853.MOV")).expect("inspect MOV");
    let still = inspect_path(&sample("apple_iphone15plus_ios18.2_IMG_3853.HEIC")).expect("inspect HEIC");
    assert_eq!(mov.role, Role::LiveMovie);
    assert_eq!(still.role, Role::LiveStill);
    assert_eq!(mov.content_id.as_deref(), Some("71DCA213-5710-4A6C-BC6D-CE6306AEB8D8"));
    assert_eq!(still.content_id, mov.content_id);
    let t = mov.still_time_s.expect("still time");
    assert!((t - 0.900).abs() < 1e-9, "still time {t}");
    let v = mov.video.expect("video");
    assert_eq!((v.codec.as_str(), v.width, v.height, v.frames), ("hvc1", 1920, 1440, 42));
    assert_eq!(mov.audio.expect("audio").codec, "lpcm");
}

#[test]
fn iphone_15_pro_max_pair_is_rotated_and_silent() {
    let mov = inspect_path(&sample("apple_iphone15promax_ios26.1_apple.MOV")).expect("inspect MOV");
    let still = inspect_path(&sample("apple_iphone15promax_ios26.1_apple.HEIC")).expect("inspect HEIC");
    assert_eq!(mov.content_id.as_deref(), Some("F08C4D29-CD6A-47D9-9200-02BD19D9F3F2"));
    assert_eq!(still.content_id, mov.content_id);
    let t = mov.still_time_s.expect("still time");
    assert!((t - 1.4333).abs() < 1e-3, "still time {t}");
    assert_eq!(mov.video.expect("video").rotation, 90);
    assert!(mov.audio.is_none());
    assert_eq!(still.image.expect("image").orientation, Some(6));
}

#[test]
fn iphone_11_still_with_slong_tags() {
    let r = inspect_path(&sample("apple_iphone11pro_ios13.4.1_IMG_2927.HEIC")).expect("inspect");
    assert_eq!(r.content_id.as_deref(), Some("1745E022-9712-43C7-B024-F308EC6413CB"));
}

#[test]
fn samsung_heic_video_is_found_through_mpvd_despite_wrong_xmp() {
    let r = inspect_path(&sample("samsung_s23ultra_motionphoto.heic")).expect("inspect");
    assert_eq!(r.role, Role::MotionPhoto);
    let m = r.motion.as_ref().expect("motion");
    assert_eq!(m.kind, MotionKind::HeicMpvd);
    assert!(m.samsung_trailer);
    // The embedded ftyp sits at 1182766 (verified byte-wise in the reference).
    assert_eq!(m.video_offset, 1_182_766);
    assert_eq!(r.video.as_ref().expect("video").codec, "hvc1");
    // The wrong XMP Length/Padding must be reported, not trusted.
    let rules: Vec<_> = r.issues.iter().filter(|i| i.severity == Severity::Error).map(|i| i.rule).collect();
    assert!(rules.contains(&"MP-HEIC-LENGTH") && rules.contains(&"MP-HEIC-PADDING"), "{rules:?}");
}

#[test]
fn iphone7_jpeg_makernote_parses_without_content_id() {
    let data = std::fs::read(sample("exiftool_Apple_iphone7_makernote.jpg")).expect("read");
    let j = vivify::jpeg::Jpeg::parse(&data).expect("jpeg");
    let exif = vivify::jpeg::tiff::Exif::parse(j.exif().expect("exif")).expect("tiff");
    let note =
        vivify::jpeg::makernote::AppleMakerNote::parse(exif.maker_note().expect("makernote")).expect("apple note");
    assert!(note.ifd.entries.len() > 3);
    assert_eq!(note.content_id(), None);
    // Setting an id and reading it back keeps every other tag.
    let mut n2 = note.clone();
    n2.set_content_id("0F0F0F0F-1111-2222-3333-444455556666");
    let back = vivify::jpeg::makernote::AppleMakerNote::parse(&n2.to_bytes()).expect("reparse");
    assert_eq!(back.content_id().as_deref(), Some("0F0F0F0F-1111-2222-3333-444455556666"));
    assert_eq!(back.ifd.entries.len(), note.ifd.entries.len() + 1);
    for e in &note.ifd.entries {
        assert_eq!(back.ifd.get(e.tag), Some(e), "tag 0x{:04x} changed", e.tag);
    }
}
