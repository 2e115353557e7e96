//! Live → Motion → Live keeps every video sample and the still time.

mod common;

use std::path::Path;

use common::{assert_decodes, exif_binary, exif_tag, sample, temp_dir};
use vivify::bmff::movie::Movie;
use vivify::convert::{extract, live_to_motion, motion_to_live, open_motion};
use vivify::inspect::{inspect_path, Severity};
use vivify::source::{FileSource, ReadAt, Window};

fn video_samples(src: &dyn ReadAt) -> Vec<Vec<u8>> {
    let m = Movie::parse(src).expect("parse movie");
    let v = m.video().expect("video track");
    v.samples.iter().map(|s| src.read_vec(s.offset, u64::from(s.size)).expect("read sample")).collect()
}

fn roundtrip(still: &str, mov: &str, name: &str, expect_still: f64) {
    let dir = temp_dir(name);
    let (a, b) = (dir.join("motion"), dir.join("live"));
    let c = live_to_motion(&sample(still), &sample(mov), &a, false, false).expect("live to motion");
    let motion = Path::new(&c.outputs[0]).to_path_buf();
    let rep = inspect_path(&motion).expect("inspect motion");
    let errors: Vec<_> = rep.issues.iter().filter(|i| i.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!((rep.still_time_s.expect("ts") - expect_still).abs() < 1e-3);

    // The embedded MP4 carries the same samples; ExifTool extracts it whole.
    let parts = open_motion(&motion).expect("open motion");
    let (o, l) = (parts.video.offset as usize, parts.video.len as usize);
    let orig_src = FileSource::open(&sample(mov)).expect("open mov");
    let original = video_samples(&orig_src);
    let inner = Window::new(&parts.data, o as u64, l as u64);
    assert_eq!(video_samples(&inner), original, "Live -> Motion changed video samples");
    if let Some(x) = exif_binary(&motion, "MotionPhotoVideo") {
        assert_eq!(x.len(), l, "ExifTool's MotionPhotoVideo length");
        assert!(x == parts.data[o..o + l], "ExifTool's MotionPhotoVideo differs from the appended bytes");
    }
    if let Some(v) = exif_tag(&motion, &["-MotionPhoto"]) {
        assert_eq!(v, "1");
    }

    let back = motion_to_live(&motion, &b, false).expect("motion to live");
    let new_mov = Path::new(&back.outputs[1]);
    let new_src = FileSource::open(new_mov).expect("open new mov");
    assert_eq!(video_samples(&new_src), original, "Motion -> Live changed video samples");
    let r = inspect_path(new_mov).expect("inspect new mov");
    let t = r.still_time_s.expect("still time");
    assert!((t - expect_still).abs() <= 1e-3, "still time {t} vs {expect_still}");
    let s = inspect_path(Path::new(&back.outputs[0])).expect("inspect new still");
    assert_eq!(s.content_id, r.content_id);
    assert_decodes(new_mov);
    if let Some(cid) = exif_tag(new_mov, &["-Keys:ContentIdentifier"]) {
        assert_eq!(Some(cid.as_str()), r.content_id.as_deref());
        assert_eq!(exif_tag(Path::new(&back.outputs[0]), &["-Apple:ContentIdentifier"]).as_deref(), Some(cid.as_str()));
        assert_eq!(exif_tag(new_mov, &["-ee", "-StillImageTime"]).as_deref(), Some("-1"));
    }
    // extract gives the same MP4 and a still that is no longer a motion photo.
    let ex = extract(&motion, &dir.join("extract"), false).expect("extract");
    assert_eq!(std::fs::read(&ex.video).expect("read video"), parts.data[o..o + l].to_vec());
    assert_decodes(Path::new(&ex.video));
    let st = inspect_path(Path::new(&ex.still)).expect("inspect extracted still");
    assert!(st.motion.is_none());
}

#[test]
fn iphone_15_plus_roundtrip() {
    roundtrip("apple_iphone15plus_ios18.2_IMG_3853.HEIC", "apple_iphone15plus_ios18.2_IMG_3853.MOV", "rt3853", 0.900);
}

#[test]
fn iphone_15_pro_max_roundtrip() {
    roundtrip("apple_iphone15promax_ios26.1_apple.HEIC", "apple_iphone15promax_ios26.1_apple.MOV", "rtapple", 1.4333);
}

#[test]
fn samsung_heic_to_live_keeps_video_and_timestamp() {
    let dir = temp_dir("samsung");
    let c = motion_to_live(&sample("samsung_s23ultra_motionphoto.heic"), &dir, false).expect("convert");
    let parts = open_motion(&sample("samsung_s23ultra_motionphoto.heic")).expect("open");
    let inner = Window::new(&parts.data, parts.video.offset, parts.video.len);
    let mov = Path::new(&c.outputs[1]);
    let src = FileSource::open(mov).expect("open");
    assert_eq!(video_samples(&src), video_samples(&inner));
    let r = inspect_path(mov).expect("inspect");
    assert!((r.still_time_s.expect("t") - 2.645552).abs() <= 1e-3);
    assert!(r.audio.is_some(), "AAC audio must be kept");
    let still = inspect_path(Path::new(&c.outputs[0])).expect("still");
    assert_eq!(still.content_id, r.content_id);
    assert!(still.motion.is_none(), "the Live still must not keep the motion video");
    assert_decodes(mov);
}
