//! Live → Motion → Live keeps every video sample and the still time.

mod common;

use std::path::Path;

use common::{assert_decodes, exif_binary, exif_tag, sample, temp_dir};
use vivify::bmff::movie::Movie;
use vivify::convert::{extract, live_to_motion, motion_to_live, open_motion};
use vivify::inspect::{inspect_path, Severity};
use vivify::provenance::Signing;
use vivify::source::{FileSource, ReadAt, Window};

fn video_samples(src: &dyn ReadAt) -> Vec<Vec<u8>> {
    let m = Movie::parse(src).expect("parse movie");
    let v = m.video().expect("video track");
    v.samples.iter().map(|s| src.read_vec(s.offset, u64::from(s.size)).expect("read sample")).collect()
}

fn roundtrip(still: &str, mov: &str, name: &str, expect_still: f64) {
    let dir = temp_dir(name);
    let (a, b) = (dir.join("motion"), dir.join("live"));
    let c =
        live_to_motion(&sample(still), &sample(mov), &a, false, false, &Signing::unsigned()).expect("live to motion");
    let motion = Path::new(&c.outputs[0]).to_path_buf();
    let rep = inspect_path(&motion).expect("inspect motion");
    let errors: Vec<_> = rep.issues.iter().filter(|i| i.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!((rep.still_time_s.expect("ts") - expect_still).abs() < 1e-3);
    // iPhone lpcm sound is re-encoded to AAC, the only audio Motion Photos allow.
    let orig = inspect_path(&sample(mov)).expect("inspect original");
    assert_eq!(rep.audio.as_ref().map(|a| a.codec.as_str()), orig.audio.as_ref().map(|_| "mp4a"));

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
        let xmp = exif_binary(&motion, "XMP").expect("xmp");
        let broken = common::motion_rules::check_heic(&parts.data, &String::from_utf8_lossy(&xmp));
        assert!(broken.is_empty(), "{broken:?}");
    }

    let back = motion_to_live(&motion, &b, false, &Signing::unsigned()).expect("motion to live");
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
    let c = motion_to_live(&sample("samsung_s23ultra_motionphoto.heic"), &dir, false, &Signing::unsigned())
        .expect("convert");
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

/// A Motion Photo JPEG we wrote (Google form, and Samsung form) converts back
/// to a Live pair with the same samples and timestamp.
#[test]
fn jpeg_motion_photos_convert_to_live() {
    use vivify::livevideo::{make_live, LiveOptions};
    let dir = temp_dir("jpegmp");
    for samsung in [false, true] {
        let sub = dir.join(if samsung { "samsung" } else { "google" });
        let opts = LiveOptions { live: false, samsung, ..LiveOptions::new(&sub) };
        let r = make_live(&common::fixtures().join("h264_aac.mp4"), &opts, &vivify::Quiet).expect("live");
        let mp = Path::new(&r.outputs[0]).to_path_buf();
        let parts = open_motion(&mp).expect("open");
        let inner = Window::new(&parts.data, parts.video.offset, parts.video.len);
        let c = motion_to_live(&mp, &sub.join("live"), false, &Signing::unsigned()).expect("to live");
        let mov = Path::new(&c.outputs[1]);
        let src = FileSource::open(mov).expect("open");
        assert_eq!(video_samples(&src), video_samples(&inner));
        let rep = inspect_path(mov).expect("inspect");
        assert!((rep.still_time_s.expect("t") - r.still_in_clip_s).abs() <= 1e-3);
        let still = inspect_path(Path::new(&c.outputs[0])).expect("still");
        assert_eq!(still.content_id, rep.content_id);
        assert!(still.motion.is_none(), "the Live still must not carry the video");
        assert_eq!(still.content_id.as_deref(), Some(r.content_id.as_str()), "the still's own identifier is kept");
        assert_decodes(mov);
    }
}

/// Legacy MicroVideo: a JPEG whose XMP gives only `MicroVideoOffset`.
#[test]
fn legacy_microvideo_is_read_and_converted() {
    let dir = temp_dir("micro");
    let jpeg = std::fs::read(sample("exiftool_Apple_iphone7_makernote.jpg")).expect("read");
    let video = std::fs::read(common::fixtures().join("h264_aac.mp4")).expect("read");
    let xmp = format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:GCamera=\"http://ns.google.com/photos/1.0/camera/\" \
GCamera:MicroVideo=\"1\" GCamera:MicroVideoVersion=\"1\" GCamera:MicroVideoOffset=\"{}\" \
GCamera:MicroVideoPresentationTimestampUs=\"1200000\"/></rdf:RDF></x:xmpmeta>",
        video.len()
    );
    let j = vivify::jpeg::Jpeg::parse(&jpeg).expect("jpeg");
    let edit =
        vivify::jpeg::edit::JpegEdit { xmp: Some(Some(xmp.into_bytes())), append: video.clone(), ..Default::default() };
    let file = vivify::jpeg::edit::rewrite(&j, &edit).expect("rewrite");
    let path = dir.join("MVIMG_0001.jpg");
    std::fs::write(&path, &file).expect("write");
    let rep = inspect_path(&path).expect("inspect");
    let m = rep.motion.as_ref().expect("motion");
    assert_eq!(m.kind, vivify::package::motion::MotionKind::MicroVideo);
    assert_eq!(m.video_length as usize, video.len());
    assert!(rep.issues.iter().any(|i| i.rule == "MP-LEGACY"));
    let c = motion_to_live(&path, &dir.join("live"), false, &Signing::unsigned()).expect("to live");
    let r = inspect_path(Path::new(&c.outputs[1])).expect("inspect");
    assert!((r.still_time_s.expect("t") - 1.2).abs() <= 1e-3);
    let orig: &[u8] = &video;
    let src = FileSource::open(Path::new(&c.outputs[1])).expect("open");
    assert_eq!(video_samples(&src), video_samples(&orig));
    // The iPhone 7 MakerNote is kept and gains the identifier.
    let still = std::fs::read(&c.outputs[0]).expect("read");
    let sj = vivify::jpeg::Jpeg::parse(&still).expect("jpeg");
    let exif = vivify::jpeg::tiff::Exif::parse(sj.exif().expect("exif")).expect("tiff");
    let note = vivify::jpeg::makernote::AppleMakerNote::parse(exif.maker_note().expect("note")).expect("apple");
    assert_eq!(note.content_id(), r.content_id);
    assert!(note.ifd.entries.len() > 5, "the original MakerNote tags must survive");
    assert_eq!(sj.trailer().len(), 0, "no video after the still");
    // The clip's place (udta/loci) is carried into the Live movie's mdta keys.
    let movie =
        vivify::bmff::movie::Movie::parse(&FileSource::open(Path::new(&c.outputs[1])).expect("open")).expect("parse");
    let loc = movie.meta.as_ref().and_then(|m| m.get("com.apple.quicktime.location.ISO6709")).map(|d| d.display());
    assert_eq!(loc.as_deref(), Some("+35.7148+139.7967/"));
}

/// HEIC Motion Photo with Samsung's `sefd` inside `mpvd`: the SEF record
/// points at the MP4, the XMP Length covers the whole `mpvd` payload.
#[test]
fn samsung_heic_motion_photo_is_consistent() {
    let dir = temp_dir("samsheic");
    let c = live_to_motion(
        &sample("apple_iphone15promax_ios26.1_apple.HEIC"),
        &sample("apple_iphone15promax_ios26.1_apple.MOV"),
        &dir,
        true,
        false,
        &Signing::unsigned(),
    )
    .expect("convert");
    let motion = Path::new(&c.outputs[0]);
    let rep = inspect_path(motion).expect("inspect");
    let m = rep.motion.as_ref().expect("motion");
    assert!(m.samsung_trailer);
    assert!(rep.issues.iter().all(|i| i.severity != Severity::Error), "{:?}", rep.issues);
    let parts = open_motion(motion).expect("open");
    // The SEF record inside mpvd agrees with where the MP4 really is.
    let src: &[u8] = &parts.data;
    let heif = vivify::heic::Heif::parse(&src).expect("heif");
    let mpvd = heif.layout.first(vivify::bmff::FourCC::MPVD).expect("mpvd");
    let payload = &parts.data[mpvd.payload_offset() as usize..mpvd.end() as usize];
    let inner = vivify::bmff::scan::scan(&payload).expect("scan mpvd");
    let sefd = inner.first(vivify::bmff::FourCC::SEFD).expect("sefd inside mpvd");
    let sef_bytes = &payload[sefd.payload_offset() as usize..sefd.end() as usize];
    let sef = vivify::sef::Sef::parse(sef_bytes).expect("sef").expect("directory");
    let rec = sef.record(vivify::sef::MOTION_PHOTO_DATA).expect("record");
    let d = &sef_bytes[rec.data_offset..rec.data_offset + rec.data_len];
    assert_eq!(&d[..4], b"mpv2");
    assert_eq!(u64::from(u32::from_be_bytes([d[4], d[5], d[6], d[7]])), parts.video.offset);
    assert_eq!(u64::from(u32::from_be_bytes([d[8], d[9], d[10], d[11]])), parts.video.len);
    if let Some(xmp) = exif_binary(motion, "XMP") {
        let broken = common::motion_rules::check_heic(&parts.data, &String::from_utf8_lossy(&xmp));
        assert!(broken.is_empty(), "{broken:?}");
        // ExifTool (like the real S23 file) reports the whole mpvd payload.
        let mpv = exif_binary(motion, "MotionPhotoVideo").expect("MotionPhotoVideo");
        assert!(mpv == payload, "MotionPhotoVideo is not the mpvd payload");
    }
}
