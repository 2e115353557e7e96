//! Writing a living moment's files: the MP4, the Live Photo pair and the
//! Motion Photo, each with its XMP source type written in and, when signing,
//! Content Credentials embedded last.

use std::path::Path;
use std::sync::Arc;

use super::render::{Cover, Stage};
use super::{output, sound, AliveOptions, AliveReport, ALIVE_SOURCE_TYPE};
use vivify_media::bmff::mux::{prepare, write_movie, OutMovie};
use vivify_media::claim::{self, write_output, Claim, Ingredient, Relationship};
use vivify_media::error::Result;
use vivify_media::jpeg::edit::{rewrite, JpegEdit};
use vivify_media::jpeg::tiff::Exif;
use vivify_media::jpeg::Jpeg;
use vivify_media::package::live::{self, STILL_SAMPLE};
use vivify_media::package::{motion, new_content_id};
use vivify_media::source::ReadAt;
use vivify_picture::image::Rect;
use vivify_picture::photo::{Photo, PhotoFormat};

/// What the render made, for the writers.
pub(super) struct Made<'a> {
    pub photo: &'a Photo,
    /// The photo's file name (`-` for stdin).
    pub name: &'a Path,
    pub stage: &'a Stage,
    pub video: &'a output::EncodedVideo,
    pub seconds: f64,
    pub crop: Rect,
}

const GENERATED: &str = "a few seconds of motion, light and sound generated around a still photo by vivify alive";

/// A key photo and how it was made.
struct KeyStill {
    bytes: Vec<u8>,
    /// The photo's own pixels (only the content identifier and labels added).
    untouched: bool,
}

/// The key photo of a Live/Motion output: the untouched photo when the rest
/// frame shows all of it, else the rest frame itself as a JPEG. Either way
/// its XMP says what the whole moment is.
fn key_still(m: &Made<'_>, cid: &str, warnings: &mut Vec<String>) -> Result<KeyStill> {
    let (photo, stage, crop) = (m.photo, m.stage, m.crop);
    let whole = crop.x == 0.0 && crop.y == 0.0 && crop.w == photo.rgb.width as f64 && crop.h == photo.rgb.height as f64;
    let kind = Some(ALIVE_SOURCE_TYPE);
    if photo.format == PhotoFormat::Heic && whole && !stage.path.looped {
        let src: &[u8] = &photo.bytes;
        let heif = vivify_media::heic::Heif::parse(&src)?;
        if let Some(mut exif) = heif.exif(&src)?.and_then(|t| Exif::parse(&t).ok()) {
            live::set_exif_content_id(&mut exif, cid);
            let xmp = claim::xmp_packet(heif.xmp(&src)?.as_deref(), kind);
            let edit = vivify_media::heic::HeicEdit {
                exif_tiff: Some(exif.to_bytes()),
                xmp: Some(xmp),
                drop_motion: true,
                ..Default::default()
            };
            return Ok(KeyStill { bytes: vivify_media::heic::rewrite(&src, &heif, &edit)?.0, untouched: true });
        }
        warnings.push("the HEIC has no Exif item to carry the content identifier; the key photo is a JPEG".into());
    }
    if photo.format == PhotoFormat::Jpeg && whole && !stage.path.looped {
        let jpeg = Jpeg::parse(&photo.bytes)?;
        let mut exif = photo.exif.clone().unwrap_or_default();
        live::set_exif_content_id(&mut exif, cid);
        let xmp = claim::xmp_packet(jpeg.xmp(), kind);
        let edit = JpegEdit { exif_tiff: Some(exif.to_bytes()), xmp: Some(Some(xmp)), ..JpegEdit::default() };
        return Ok(KeyStill { bytes: rewrite(&jpeg, &edit)?, untouched: true });
    }
    warnings.push(if whole {
        "the key photo is the rest frame encoded as JPEG (the photo was not a JPEG, or the clip loops)".into()
    } else {
        "the key photo is the cropped rest frame encoded as JPEG (the video shows only part of the photo)".into()
    });
    let mut frame = vivify_codec::Frame::new(stage.width, stage.height)?;
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    stage.render(stage.path.rest_time(), &mut frame, &mut cover);
    let exif: Exif = vivify_picture::still::still_exif(&vivify_picture::still::StillFacts::default(), cid);
    let plain = vivify_picture::still::encode_still(&frame, output::RENDER_COLOR, &exif)?;
    let jpeg = Jpeg::parse(&plain)?;
    let edit = JpegEdit { xmp: Some(Some(claim::xmp_packet(None, kind))), ..JpegEdit::default() };
    Ok(KeyStill { bytes: rewrite(&jpeg, &edit)?, untouched: false })
}

/// The photo's capture facts in the MOV keys Apple reads (date, make,
/// model), so Photos files the Live Photo where the photo belongs.
fn capture_meta(exif: Option<&Exif>) -> vivify_media::bmff::boxes::QtMeta {
    use vivify_media::bmff::boxes::DataAtom;
    let mut meta = vivify_media::bmff::boxes::QtMeta::default();
    let Some(exif) = exif else { return meta };
    // "2024:12:28 11:05:31" (+ "+09:00") → "2024-12-28T11:05:31+0900".
    if let Some(d) = exif.ascii(0x9003).filter(|d| d.len() >= 19 && d.is_ascii()) {
        let tz =
            exif.ascii(0x9011).filter(|t| t.len() == 6 && t.is_ascii()).map(|t| t.replace(':', "")).unwrap_or_default();
        let iso = format!("{}-{}-{}T{}{tz}", &d[..4], &d[5..7], &d[8..10], &d[11..19]);
        meta.set("com.apple.quicktime.creationdate", DataAtom::utf8(&iso));
    }
    for (tag, key) in [(0x010F, "com.apple.quicktime.make"), (0x0110, "com.apple.quicktime.model")] {
        if let Some(v) = exif.ascii(tag).filter(|v| !v.trim().is_empty()) {
            meta.set(key, DataAtom::utf8(v.trim()));
        }
    }
    meta
}

fn is_heif(bytes: &[u8]) -> bool {
    vivify_media::probe::sniff(&bytes) == vivify_media::probe::Container::Heif
}

pub(super) fn write_outputs(
    opts: &AliveOptions,
    m: &Made<'_>,
    ambience: Option<&sound::Ambience>,
    report: &mut AliveReport,
) -> Result<()> {
    let (video, seconds) = (m.video, m.seconds);
    let signing = &opts.signing;
    let photo_bytes = Arc::new(m.photo.bytes.clone());
    let photo = Ingredient::new(m.name, Some(photo_bytes), Relationship::InputTo)?;
    let generated = Claim::generated(photo.clone(), ALIVE_SOURCE_TYPE, GENERATED);
    let movie_xmp = claim::xmp_packet(None, Some(ALIVE_SOURCE_TYPE));
    // The sound is encoded once; each container gets its own edit list.
    let audio = ambience.map(|a| output::EncodedAudio::new(&a.channels, sound::SAMPLE_RATE)).transpose()?;
    let audio_arena: &[u8] = audio.as_ref().map_or(&[], |a| a.arena.as_slice());
    // MP4 (video and the Motion Photo's video): movie timescale 1000.
    let mp4_movie = |xmp: bool| -> OutMovie {
        let mut tracks = vec![video.track.clone()];
        tracks.extend(audio.as_ref().map(|a| a.track(seconds, 1000)));
        let mut movie = output::mp4(tracks, 1000);
        movie.xmp = xmp.then(|| movie_xmp.clone());
        movie
    };
    let sources: [&dyn ReadAt; 2] = [&video.arena, &audio_arena];
    if opts.video {
        let movie = mp4_movie(true);
        if opts.to_stdout() {
            let mut bytes = Vec::new();
            write_movie(&movie, &sources, &mut bytes)?;
            report.stdout = Some(signing.sign_bytes(bytes, "video/mp4", "alive.mp4", &generated)?);
            report.outputs.push("-".into());
        } else {
            write_output(&opts.output, opts.force, "video/mp4", signing, &generated, |w| {
                write_movie(&movie, &sources, w).map(|_| ())
            })?;
            report.outputs.push(opts.output.display().to_string());
        }
    }
    if !(opts.live || opts.motion) {
        return Ok(());
    }
    let cid = new_content_id();
    let still = key_still(m, &cid, &mut report.warnings)?;
    let still_is_heic = is_heif(&still.bytes);
    let still_mime = if still_is_heic { "image/heic" } else { "image/jpeg" };
    let rest = f64::from(m.stage.path.rest_time()).min(seconds - 1.0 / f64::from(report.fps));
    if opts.live {
        let mut tracks = vec![video.track.clone()];
        tracks.extend(audio.as_ref().map(|a| a.track(seconds, live::MOV_TIMESCALE)));
        let still_ticks = (rest * f64::from(live::MOV_TIMESCALE)).round() as u64;
        let meta = capture_meta(m.photo.exif.as_ref());
        let mut mov = live::live_movie(tracks, still_ticks, &cid, Some(&meta), 2, 0, 0);
        mov.xmp = Some(movie_xmp.clone());
        let still_sample: &[u8] = &STILL_SAMPLE;
        let sources: [&dyn ReadAt; 3] = [&video.arena, &audio_arena, &still_sample];
        let still_ext = if still_is_heic { ".HEIC" } else { ".JPG" };
        let (jpg, movp) = (opts.stem_path(still_ext), opts.stem_path(".MOV"));
        let still_claim = if still.untouched {
            let what = "added the Live Photo content identifier that pairs this photo with its generated motion \
                        clip, and the source-type label; the pixels are the photo's own";
            Claim::derived(photo.clone(), Some(ALIVE_SOURCE_TYPE), &[("c2pa.edited.metadata", what.into())])
        } else {
            Claim::generated(photo.clone(), ALIVE_SOURCE_TYPE, "the rest frame of a generated living moment")
        };
        claim::write_output_bytes(&jpg, opts.force, still_mime, signing, &still_claim, &still.bytes)?;
        write_output(&movp, opts.force, "video/quicktime", signing, &generated, |w| {
            write_movie(&mov, &sources, w).map(|_| ())
        })?;
        report.outputs.push(jpg.display().to_string());
        report.outputs.push(movp.display().to_string());
    }
    if opts.motion {
        // The still's XMP already carries the source type; the embedded MP4
        // is covered by the signature over the whole file.
        let movie = mp4_movie(false);
        let prepared = prepare(&movie, &sources)?;
        let ts_us = (rest * 1e6).round() as i64;
        let still_src: &[u8] = &still.bytes;
        let (layout, path) = if still_is_heic {
            let heif = vivify_media::heic::Heif::parse(&still_src)?;
            (motion::heic_layout(&still_src, &heif, prepared.len(), ts_us, false)?, opts.stem_path(".MP.heic"))
        } else {
            (motion::jpeg_layout(&still.bytes, prepared.len(), ts_us, false)?, opts.stem_path(".MP.jpg"))
        };
        vivify_media::outfile::check_free(&path, opts.force)?;
        write_output(&path, opts.force, still_mime, signing, &generated, |w| {
            layout.write(&still_src, w, |w| prepared.write_to(&sources, w))
        })?;
        report.outputs.push(path.display().to_string());
    }
    report.content_id = Some(cid);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_date_and_camera_go_into_the_movie_keys() {
        use vivify_media::jpeg::tiff::Entry;
        let mut exif = Exif::new();
        exif.exif.set(Entry::ascii(0x9003, "2024:12:28 11:05:31"));
        exif.exif.set(Entry::ascii(0x9011, "+09:00"));
        exif.ifd0.set(Entry::ascii(0x010F, "Apple"));
        let m = capture_meta(Some(&exif));
        let get = |k: &str| m.get(k).map(vivify_media::bmff::boxes::DataAtom::display);
        assert_eq!(get("com.apple.quicktime.creationdate").as_deref(), Some("2024-12-28T11:05:31+0900"));
        assert_eq!(get("com.apple.quicktime.make").as_deref(), Some("Apple"));
        assert!(get("com.apple.quicktime.model").is_none());
    }
}
