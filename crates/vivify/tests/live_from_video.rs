//! `live` on generated clips: every output is checked by our reader, by
//! ffmpeg/ffprobe, by ExifTool 13 and by the independent Motion Photo rules.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_decodes, exif_binary, exif_tag, fixtures, motion_rules, temp_dir};
use vivify::convert::open_motion;
use vivify::inspect::{inspect_path, Role, Severity};
use vivify::livevideo::{make_live, LiveOptions, LiveReport};

fn opts(dir: &Path) -> LiveOptions {
    LiveOptions::new(dir)
}

fn out(r: &LiveReport, suffix: &str) -> PathBuf {
    PathBuf::from(
        r.outputs.iter().find(|o| o.ends_with(suffix)).unwrap_or_else(|| panic!("no {suffix} in {:?}", r.outputs)),
    )
}

/// Checks a Live pair and a Motion Photo written by `live`.
fn check_outputs(r: &LiveReport, samsung: bool) {
    let (jpg, mov, mp) = (out(r, ".JPG"), out(r, ".MOV"), out(r, ".MP.jpg"));
    let s = inspect_path(&jpg).expect("inspect still");
    let m = inspect_path(&mov).expect("inspect movie");
    assert_eq!(s.role, Role::LiveStill);
    assert_eq!(m.role, Role::LiveMovie);
    assert_eq!(s.content_id.as_deref(), Some(r.content_id.as_str()));
    assert_eq!(m.content_id, s.content_id);
    let t = m.still_time_s.expect("still time");
    assert!((t - r.still_in_clip_s).abs() <= 1.0 / 600.0 + 1e-9, "still {t} vs {}", r.still_in_clip_s);
    assert!(m.issues.iter().all(|i| i.severity != Severity::Error), "{:?}", m.issues);
    assert_decodes(&mov);
    // ExifTool 13 must see the pairing and the still time.
    if let Some(cid) = exif_tag(&jpg, &["-Apple:ContentIdentifier"]) {
        assert_eq!(cid, r.content_id);
        assert_eq!(exif_tag(&mov, &["-Keys:ContentIdentifier"]).as_deref(), Some(cid.as_str()));
        assert_eq!(exif_tag(&mov, &["-ee", "-StillImageTime"]).as_deref(), Some("-1"));
    }
    // The Motion Photo.
    let data = std::fs::read(&mp).expect("read motion photo");
    let broken = motion_rules::check_jpeg(&data, samsung);
    assert!(broken.is_empty(), "{}: {broken:?}", mp.display());
    let rep = inspect_path(&mp).expect("inspect motion photo");
    assert!(rep.issues.iter().all(|i| i.severity != Severity::Error), "{:?}", rep.issues);
    assert!((rep.still_time_s.expect("ts") - r.still_in_clip_s).abs() < 1e-3);
    let parts = open_motion(&mp).expect("open motion");
    let (o, l) = (parts.video.offset as usize, parts.video.len as usize);
    let video = mp.with_extension("embedded.mp4");
    std::fs::write(&video, &data[o..o + l]).expect("write embedded");
    assert_decodes(&video);
    if let Some(x) = exif_binary(&mp, "MotionPhotoVideo") {
        assert_eq!(exif_tag(&mp, &["-MotionPhoto"]).as_deref(), Some("1"));
        if samsung {
            // Item Length covers the SEF tail too (EOF - Length = video start),
            // and Samsung's own record holds exactly the MP4.
            assert!(x.starts_with(&data[o..o + l]), "MotionPhotoVideo does not start with the appended MP4");
            assert!(
                exif_binary(&mp, "EmbeddedVideoFile").is_some_and(|e| e == data[o..o + l]),
                "Samsung EmbeddedVideoFile differs"
            );
        } else {
            assert!(x == data[o..o + l], "ExifTool's MotionPhotoVideo is not the appended MP4");
        }
    }
}

#[test]
fn h264_with_aac_copies_video_and_audio() {
    let dir = temp_dir("aac");
    let r = make_live(&fixtures().join("h264_aac.mp4"), &opts(&dir), &vivify::Quiet).expect("live");
    assert!(r.video_copied, "1 s GOPs allow a copy");
    assert!((1.5 - 1e-6..=3.0 + 1e-6).contains(&(r.end_s - r.start_s)), "window {}..{}", r.start_s, r.end_s);
    check_outputs(&r, false);
    let m = inspect_path(&out(&r, ".MOV")).expect("inspect");
    assert_eq!(m.audio.expect("audio in the Live movie").codec, "mp4a");
    let mp = inspect_path(&out(&r, ".MP.jpg")).expect("inspect");
    assert_eq!(mp.audio.expect("AAC in the Motion Photo").codec, "mp4a");
    // Capture date and place (udta/loci in the clip) reach the still and the MOV.
    let data = std::fs::read(out(&r, ".JPG")).expect("read");
    let j = vivify::jpeg::Jpeg::parse(&data).expect("jpeg");
    let exif = vivify::jpeg::tiff::Exif::parse(j.exif().expect("exif")).expect("tiff");
    assert_eq!(exif.ascii(0x9003).as_deref(), Some("2024:09:06 16:08:07"));
    assert!(exif.gps.is_some());
    if let Some(lat) = exif_tag(&out(&r, ".JPG"), &["-n", "-GPS:GPSLatitude"]) {
        let lat: f64 = lat.parse().expect("number");
        assert!((lat - 35.7148).abs() < 1e-3, "{lat}");
        let loc = exif_tag(&out(&r, ".MOV"), &["-Keys:GPSCoordinates", "-n"]).expect("coords");
        assert!(loc.starts_with("35.7148"), "{loc}");
    }
}

#[test]
fn no_audio_and_pvt_package() {
    let dir = temp_dir("noaudio");
    let mut o = opts(&dir);
    o.pvt = true;
    let r = make_live(&fixtures().join("h264_noaudio.mp4"), &o, &vivify::Quiet).expect("live");
    check_outputs(&r, false);
    let pvt = out(&r, ".pvt");
    let plist = std::fs::read_to_string(pvt.join("metadata.plist")).expect("plist");
    assert!(plist.contains("PFVideoComplementMetadataVersionKey"));
    assert!(pvt.join("h264_noaudio.JPG").is_file() && pvt.join("h264_noaudio.MOV").is_file());
}

#[test]
fn rotation_is_kept_in_matrix_and_orientation() {
    let dir = temp_dir("rot");
    let r = make_live(&fixtures().join("rotated90.mov"), &opts(&dir), &vivify::Quiet).expect("live");
    check_outputs(&r, false);
    let m = inspect_path(&out(&r, ".MOV")).expect("inspect");
    assert_eq!(m.video.expect("video").rotation, 90);
    let s = inspect_path(&out(&r, ".JPG")).expect("inspect");
    assert_eq!(s.image.expect("image").orientation, Some(6));
    if let Some(v) = exif_tag(&out(&r, ".JPG"), &["-Orientation#"]) {
        assert_eq!(v, "6");
    }
}

#[test]
fn variable_frame_rate_and_60fps() {
    for name in ["vfr.mp4", "fps60.mp4"] {
        let dir = temp_dir(name);
        let r = make_live(&fixtures().join(name), &opts(&dir), &vivify::Quiet).expect("live");
        check_outputs(&r, false);
    }
}

#[test]
fn long_gop_odd_size_is_reencoded_when_asked_to_start_mid_gop() {
    let dir = temp_dir("odd");
    let mut o = opts(&dir);
    o.start = Some(1.3);
    o.end = Some(3.0);
    let r = make_live(&fixtures().join("odd_350x198.mp4"), &o, &vivify::Quiet).expect("live");
    assert!(!r.video_copied, "a 1.3 s pre-roll must not be copied");
    check_outputs(&r, false);
    let m = inspect_path(&out(&r, ".MOV")).expect("inspect");
    let v = m.video.expect("video");
    assert_eq!((v.codec.as_str(), v.width, v.height), ("avc1", 350, 198));
    assert_eq!(v.frames, 51);
    if let Some(n) = common::ffprobe_frames(&out(&r, ".MOV")) {
        assert_eq!(n, 51);
    }
}

#[test]
fn explicit_range_inside_a_gop_is_copied_with_an_edit_list() {
    let dir = temp_dir("editlist");
    let mut o = opts(&dir);
    o.start = Some(1.5);
    o.end = Some(3.5);
    o.still = Some(2.5);
    let r = make_live(&fixtures().join("h264_aac.mp4"), &o, &vivify::Quiet).expect("live");
    assert!(r.video_copied);
    assert!((r.start_s - 1.5).abs() < 0.02 && (r.still_in_clip_s - 1.0).abs() < 0.02, "{r:?}");
    check_outputs(&r, false);
    if let Some(n) = common::ffprobe_frames(&out(&r, ".MOV")) {
        // 2 s at 30 fps shown; the pre-roll from the key frame is hidden.
        assert!((59..=61).contains(&n), "ffprobe decoded {n} frames");
    }
}

#[test]
fn samsung_trailer_keeps_length_and_padding_consistent() {
    let dir = temp_dir("sams");
    let mut o = opts(&dir);
    o.samsung = true;
    let r = make_live(&fixtures().join("h264_aac.mp4"), &o, &vivify::Quiet).expect("live");
    check_outputs(&r, true);
    let data = std::fs::read(out(&r, ".MP.jpg")).expect("read");
    let sef = vivify::sef::Sef::parse(&data).expect("sef").expect("a SEF trailer");
    let rec = sef.record(vivify::sef::MOTION_PHOTO_DATA).expect("MotionPhoto_Data");
    let parts = open_motion(&out(&r, ".MP.jpg")).expect("open");
    assert_eq!(rec.data_offset as u64, parts.video.offset);
    assert!(parts.video.has_sef);
}

#[test]
fn scene_cut_is_avoided() {
    let dir = temp_dir("cut");
    let r = make_live(&fixtures().join("scene_cut.mp4"), &opts(&dir), &vivify::Quiet).expect("live");
    assert!(r.end_s <= 2.0 + 1e-3 || r.start_s >= 2.0 - 1e-3, "window {}..{} spans the cut at 2 s", r.start_s, r.end_s);
    check_outputs(&r, false);
}

#[test]
fn still_outside_range_and_existing_outputs_are_refused() {
    let dir = temp_dir("refuse");
    let mut o = opts(&dir);
    o.start = Some(0.5);
    o.end = Some(2.0);
    o.still = Some(3.0);
    let e = make_live(&fixtures().join("h264_aac.mp4"), &o, &vivify::Quiet).expect_err("still outside");
    assert_eq!(e.class(), vivify::ErrorClass::Usage);
    o.still = None;
    make_live(&fixtures().join("h264_aac.mp4"), &o, &vivify::Quiet).expect("first run");
    let before = std::fs::read(dir.join("h264_aac.MOV")).expect("read");
    let e = make_live(&fixtures().join("h264_aac.mp4"), &o, &vivify::Quiet).expect_err("second run must not overwrite");
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read(dir.join("h264_aac.MOV")).expect("read"), before);
}

#[test]
fn iphone_hevc_clip_is_decoded_in_pure_rust_and_copied() {
    let dir = temp_dir("hevc");
    let input = common::sample("apple_iphone15promax_ios26.1_apple.MOV");
    let r = make_live(&input, &opts(&dir), &vivify::Quiet).expect("live");
    assert!(r.video_copied);
    check_outputs(&r, false);
    let m = inspect_path(&out(&r, ".MOV")).expect("inspect");
    let v = m.video.expect("video");
    assert_eq!((v.codec.as_str(), v.rotation), ("hvc1", 90));
    let s = inspect_path(&out(&r, ".JPG")).expect("inspect");
    let img = s.image.expect("image");
    assert_eq!((img.width, img.height, img.orientation), (1920, 1440, Some(6)));
}

#[test]
fn iphone_hevc_clip_can_be_reencoded_to_h264() {
    let dir = temp_dir("hevc-re");
    let mut o = opts(&dir);
    o.reencode = true;
    o.motion = false;
    let input = common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV");
    let r = make_live(&input, &o, &vivify::Quiet).expect("live");
    assert!(!r.video_copied);
    let mov = out(&r, ".MOV");
    let m = inspect_path(&mov).expect("inspect");
    let v = m.video.expect("video");
    assert_eq!((v.codec.as_str(), v.width, v.height), ("avc1", 1920, 1440));
    assert_eq!(m.audio.expect("lpcm kept").codec, "lpcm");
    assert_decodes(&mov);
}

/// Decodes the first audio stream of `file` to mono s16 at 44.1 kHz with ffmpeg.
fn pcm_of(file: &Path) -> Option<Vec<i16>> {
    let ff = common::ffmpeg()?;
    let out = std::process::Command::new(ff)
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:a", "-f", "s16le", "-ac", "1", "-ar", "44100", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
}

#[test]
fn iphone_lpcm_becomes_time_aligned_aac_in_the_motion_photo() {
    let dir = temp_dir("lpcm-aac");
    let mut o = opts(&dir);
    o.live = false;
    let input = common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV");
    let r = make_live(&input, &o, &vivify::Quiet).expect("live");
    let mp = out(&r, ".MP.jpg");
    let rep = inspect_path(&mp).expect("inspect");
    assert_eq!(rep.audio.expect("audio").codec, "mp4a");
    let parts = open_motion(&mp).expect("open");
    let video = dir.join("embedded.mp4");
    std::fs::write(&video, &parts.data[parts.video.offset as usize..(parts.video.offset + parts.video.len) as usize])
        .expect("write");
    let (Some(aac), Some(pcm)) = (pcm_of(&video), pcm_of(&input)) else { return };
    // The whole clip is used, so the AAC must line up with the original
    // sound sample for sample (the edit list skips the encoder priming).
    let n = aac.len().min(pcm.len());
    assert!(n > 44100, "only {n} samples");
    let (mut sig, mut err) = (0f64, 0f64);
    for i in 2048..n - 2048 {
        let (a, b) = (f64::from(aac[i]), f64::from(pcm[i]));
        sig += b * b;
        err += (a - b) * (a - b);
    }
    let snr = 10.0 * (sig / err.max(1.0)).log10();
    assert!(snr > 15.0, "AAC vs original PCM: {snr:.1} dB");
}

#[test]
fn camera_shake_loses_to_calm_subject_motion() {
    // 0–3 s: a jittering pan (global motion); 3–6 s: a still scene with one
    // small moving square (local motion). A 6 s clip also exercises the
    // coarse pass over GOP starts.
    let dir = temp_dir("shake");
    let mut o = opts(&dir);
    o.motion = false;
    let r = make_live(&fixtures().join("shake_then_calm.mp4"), &o, &vivify::Quiet).expect("live");
    assert!(
        r.start_s >= 3.0 - 1e-3,
        "window {}..{} includes the shaky part; reasons: {:?}",
        r.start_s,
        r.end_s,
        r.reasons
    );
    assert!(r.reasons.iter().any(|x| x.contains("sampled")), "{:?}", r.reasons);
    check_outputs_live_only(&r);
}

fn check_outputs_live_only(r: &LiveReport) {
    let m = inspect_path(&out(r, ".MOV")).expect("inspect");
    assert_eq!(m.content_id.as_deref(), Some(r.content_id.as_str()));
    assert_decodes(&out(r, ".MOV"));
}

/// PSNR (RGB average) between our still and ffmpeg's own decode of the
/// frame at `t`, both taken to RGB by ffmpeg.
fn still_psnr(still: &Path, video: &Path, t: f64) -> Option<f64> {
    let ff = common::ffmpeg()?;
    let out = std::process::Command::new(ff)
        .args(["-v", "info", "-i"])
        .arg(still)
        .args(["-ss", &format!("{t:.4}"), "-i"])
        .arg(video)
        .args([
            "-frames:v",
            "1",
            "-lavfi",
            "[0:v]format=rgb24[a];[1:v]trim=end_frame=1,format=rgb24[b];[a][b]psnr",
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr);
    let at = text.find("average:")? + 8;
    text[at..].split_whitespace().next()?.parse().ok()
}

#[test]
fn the_still_is_the_frame_ffmpeg_decodes_at_the_still_time() {
    // B-frame H.264 and iPhone HEVC: the key photo must be exactly the frame
    // shown at the still time (JPEG loss aside), not a neighbour.
    for (name, still) in [("h264_aac.mp4", 2.5), ("samples/apple_iphone15promax_ios26.1_apple.MOV", 1.0)] {
        let dir = temp_dir(&format!("psnr-{}", name.replace('/', "_")));
        let mut o = opts(&dir);
        o.motion = false;
        o.start = Some(0.5);
        o.end = Some(2.0_f64.max(still + 0.5));
        o.still = Some(still);
        let input = fixtures().join(name);
        let r = make_live(&input, &o, &vivify::Quiet).expect("live");
        let Some(psnr) = still_psnr(&out(&r, ".JPG"), &input, r.still_s) else { return };
        assert!(psnr > 33.0, "{name}: still vs ffmpeg's frame at {} s: {psnr} dB", r.still_s);
        // A neighbouring frame must match clearly worse, or the check proves nothing.
        let other = still_psnr(&out(&r, ".JPG"), &input, r.still_s + 0.2).expect("psnr");
        assert!(other + 3.0 < psnr, "{name}: neighbour {other} dB vs {psnr} dB");
    }
}
