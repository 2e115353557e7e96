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

/// The codec configuration boxes of real files, read from the box folder,
/// agree with what ffprobe reports: the H.264 profile and level in `avcC`,
/// the HEVC parameter sets in `hvcC`, the AAC channels and rate in `esds`.
#[test]
fn codec_configuration_boxes_of_real_files_agree_with_ffprobe() {
    use vivify::bmff::boxes::{AvcConfig, Esds, HevcConfig};
    use vivify::bmff::movie::{Movie, TrackKind};
    use vivify::source::FileSource;
    let probe = |file: &std::path::Path, stream: &str, entries: &str| -> Option<String> {
        let out = std::process::Command::new(common::ffprobe()?)
            .args(["-v", "error", "-select_streams", stream, "-show_entries", entries, "-of", "csv=p=0"])
            .arg(file)
            .output()
            .expect("run ffprobe");
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let mp4 = common::fixtures().join("h264_aac.mp4");
    let m = Movie::parse(&FileSource::open(&mp4).expect("open")).expect("parse");
    let video = m.video().expect("video");
    let avc = AvcConfig::from_sample_entry(video.stsd.entries[0].payload()).expect("avcC");
    assert!(!avc.sps.is_empty() && !avc.pps.is_empty() && avc.nal_length_size == 4);
    let audio = m.tracks.iter().find(|t| t.kind() == TrackKind::Audio).expect("audio");
    let esds = Esds::from_sample_entry(audio.stsd.entries[0].payload()).expect("esds");
    assert_eq!(esds.object_type, 0x40, "MPEG-4 audio");
    let asc = &esds.decoder_specific;
    assert!(asc.len() >= 2, "AudioSpecificConfig {asc:?}");
    let rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
    let rate = rates[usize::from(((asc[0] & 7) << 1) | (asc[1] >> 7))];
    let channels = (asc[1] >> 3) & 15;
    if let Some(level) = probe(&mp4, "v:0", "stream=level") {
        assert_eq!(level, avc.level.to_string(), "H.264 level");
    }
    if let Some(a) = probe(&mp4, "a:0", "stream=sample_rate,channels") {
        assert_eq!(a, format!("{rate},{channels}"), "AAC rate and channels");
    }
    let mov = sample("apple_iphone15plus_ios18.2_IMG_3853.MOV");
    let m = Movie::parse(&FileSource::open(&mov).expect("open")).expect("parse");
    let hevc = HevcConfig::from_sample_entry(m.video().expect("video").stsd.entries[0].payload()).expect("hvcC");
    let nal_types: Vec<u8> = hevc.parameter_sets.iter().map(|p| (p[0] >> 1) & 0x3f).collect();
    for t in [32, 33, 34] {
        assert!(nal_types.contains(&t), "VPS, SPS and PPS present: {nal_types:?}");
    }
}
