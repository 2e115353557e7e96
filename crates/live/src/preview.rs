//! What a person sees before a Live Photo is made from their video: the
//! moment `make_live` would choose on its own (with its reasons) and a strip
//! of small frames to move the range and the key frame over.

use std::path::Path;

use serde::Serialize;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::error::{Error, Result};
use vivify_media::progress::Progress;
use vivify_media::source::FileSource;
use vivify_picture::still::thumbnail;

use super::{analyse_decoded, analysis_range, facts_of, pick_moment, read_samples, step, video_of, Input, LiveOptions};
use vivify_codec::VideoDecoder;

/// Clips up to this long are decoded once, start to end, for the strip;
/// longer ones get one frame per key frame nearest each mark.
const DECODE_WHOLE_S: f64 = 12.0;

/// Most frames a strip may ask for.
pub const MAX_THUMBS: usize = 48;

/// One frame of the strip.
#[derive(Clone, Debug, Serialize)]
pub struct Thumb {
    /// Where it is in the video (movie time, seconds).
    pub time_s: f64,
    /// The frame as a small JPEG.
    #[serde(skip)]
    pub jpeg: Vec<u8>,
}

/// The automatic choice and the strip.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub duration_s: f64,
    /// Upright size of the picture.
    pub width: u32,
    pub height: u32,
    /// The moment `make_live` picks when not told.
    pub start_s: f64,
    pub end_s: f64,
    pub still_s: f64,
    /// Why, in words.
    pub reasons: Vec<String>,
    pub frames: Vec<Thumb>,
}

/// Analyses the video at `input` as `make_live` would and draws `count`
/// frames spread over it, `height` pixels tall.
pub fn preview(input: &Path, count: usize, height: usize, progress: &dyn Progress) -> Result<Preview> {
    let src = FileSource::open(input)?;
    run(&src, count, height, progress).map_err(|e| e.in_file(input))
}

fn run(src: &Input, count: usize, height: usize, progress: &dyn Progress) -> Result<Preview> {
    if !(1..=MAX_THUMBS).contains(&count) {
        return Err(Error::Param(format!("{count} frames: choose 1 to {MAX_THUMBS}")));
    }
    let movie = Movie::parse(src)?;
    let (video, duration) = video_of(&movie)?;
    step(progress, "analysing motion")?;
    let opts = LiveOptions::new("");
    let (range, analysed_until, note) = analysis_range(src, &movie, video, duration, &opts)?;
    let frames = analyse_decoded(src, &movie, video, range)?;
    let mut moment = pick_moment(&frames, analysed_until, &opts)?;
    if let Some(n) = note {
        moment.reasons.insert(0, n);
    }
    step(progress, "drawing the filmstrip")?;
    let marks: Vec<f64> = (0..count).map(|i| (i as f64 + 0.5) * duration / count as f64).collect();
    let facts = facts_of(&movie, video);
    let color = vivify_codec::color::color_info(video, facts.make.as_deref() == Some("Apple"));
    let rotation = facts.rotation;
    let mut thumbs = Vec::with_capacity(count);
    let mut draw = |t: f64, f: &vivify_codec::Frame| -> Result<()> {
        thumbs.push(Thumb { time_s: (t * 1000.0).round() / 1000.0, jpeg: thumbnail(f, color, rotation, height)? });
        progress.advance(thumbs.len() as u64, count as u64);
        Ok(())
    };
    if duration <= DECODE_WHOLE_S {
        whole(src, &movie, video, &marks, progress, &mut draw)?;
    } else {
        for &m in &marks {
            progress.check()?;
            let (t, f) = at_key_frame(src, &movie, video, m)?;
            draw(t, &f)?;
        }
    }
    let (w, h) = vivify_media::inspect::entry_size(video);
    let (width, height) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
    Ok(Preview {
        duration_s: duration,
        width,
        height,
        start_s: moment.start,
        end_s: moment.end,
        still_s: moment.still,
        reasons: moment.reasons,
        frames: thumbs,
    })
}

/// Decodes the clip once and hands over, for each mark, the first frame
/// shown at or after it.
fn whole(
    src: &Input,
    movie: &Movie,
    v: &Track,
    marks: &[f64],
    progress: &dyn Progress,
    draw: &mut dyn FnMut(f64, &vivify_codec::Frame) -> Result<()>,
) -> Result<()> {
    let ts = movie.mvhd.timescale;
    let times: Vec<Option<f64>> =
        v.presentation_order().iter().map(|&i| v.movie_seconds(v.samples[i].pts(), ts)).collect();
    let cfg = VideoDecoder::for_track(v)?;
    let mut k = 0usize;
    let mut next = 0usize;
    let mut failed = None;
    cfg.decode_run(&mut read_samples(src, v, 0..v.samples.len()), &mut |f| {
        let t = times.get(k).copied().flatten();
        k += 1;
        let Some(t) = t else { return true };
        // The last frame stands for every mark after it.
        let last = k == times.len();
        while next < marks.len() && (t + 1e-4 >= marks[next] || last) {
            if let Err(e) = draw(t, &f) {
                failed = Some(e);
                return false;
            }
            next += 1;
        }
        next < marks.len() && !progress.cancelled()
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    progress.check()
}

/// The key frame at or before `t` (decoded alone, so cheap on long clips)
/// and its time.
fn at_key_frame(src: &Input, movie: &Movie, v: &Track, t: f64) -> Result<(f64, vivify_codec::Frame)> {
    let ts = movie.mvhd.timescale;
    let sync = (0..v.samples.len())
        .filter(|&i| v.samples[i].sync)
        .filter_map(|i| v.movie_seconds(v.samples[i].pts(), ts).map(|s| (i, s)))
        .filter(|&(_, s)| s <= t + 1e-4)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .or_else(|| v.samples.iter().position(|s| s.sync).map(|i| (i, 0.0)))
        .ok_or_else(|| Error::invalid("video", "no key frames"))?;
    let frame = super::keyframe::decode_frame_at(src, movie, v, sync.1)?;
    Ok((sync.1, frame))
}
