//! Photo → living moment: one photo and an optional prompt in, a few
//! seconds of video out in which the sky drifts and changes colour, water
//! ripples, particles fall and the camera breathes, with ambient sound.
//!
//! The pipeline is: `vivify_picture::photo` (decode, orientation) → [`scene`] (sky, water,
//! subject, depth; no model) → [`prompt`] + [`plan`] (what moves and why) →
//! [`render::Stage`] (per-frame compositor) → [`output`] (H.264 on both
//! cores, AAC ambience from [`sound`]) → MP4, Live Photo pair or Motion
//! Photo. [`make`] runs it all; the pieces are public for the web studio
//! and for tests.
#![forbid(unsafe_code)]

pub mod blink;
pub mod camera;
pub mod classify;
pub mod explain;
pub mod face_mesh;
pub mod face_warp;
pub mod fill;
pub mod foliage;
pub mod glance;
pub mod grade;
pub mod guided;
pub mod ideas;
pub mod label;
pub mod layers;
pub mod life;
pub mod lights;
pub mod meaning;
pub mod nod;
pub mod output;
pub mod particles;
pub mod people;
pub mod plan;
pub mod prompt;
pub mod regions;
pub mod render;
pub mod safety;
pub mod scene;
#[rustfmt::skip]
mod scene_weights;
pub mod sky;
pub mod smile;
pub mod sound;
pub mod steam;
mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use label::{Corner, Label};
use plan::Plan;
use render::Stage;
use scene::{Scene, SceneSummary};
use vivify_media::claim::{Signing, SourceType};
use vivify_media::error::{Error, Result};
use vivify_media::outfile;
use vivify_picture::image::Rect;
use vivify_picture::photo::Photo;

/// The prompt used when none is given.
pub const DEFAULT_PROMPT: &str = "bring this photo to life";
/// Longest side of the default output.
pub const DEFAULT_LONG_SIDE: usize = 1920;
/// Smallest photo side we animate (smaller pictures are icons, not photos,
/// and H.264 needs at least a macroblock).
pub const MIN_SIDE: usize = 32;

/// What a living moment is: the user's real photo with motion, light,
/// particles and sound made by formulas, no trained generative model (see
/// docs/PROVENANCE.md for why this code and when it would change).
pub const ALIVE_SOURCE_TYPE: SourceType = SourceType::CompositeSynthetic;
/// Largest output side we encode.
pub const MAX_SIDE: usize = 3840;

/// A small deterministic generator (SplitMix64) for everything seeded.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
}

use vivify_media::progress::Progress;

/// Output size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeSpec {
    /// The photo's aspect, long side at most 1920 (never enlarged).
    Auto,
    /// The photo's own size (even, at most 3840 on the long side).
    Source,
    /// 1080×1920, framed on the subject.
    Story,
    /// Exactly this size, cropped to its aspect around the subject.
    Exact(usize, usize),
}

impl std::str::FromStr for SizeSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(SizeSpec::Auto),
            "source" => Ok(SizeSpec::Source),
            "story" => Ok(SizeSpec::Story),
            other => {
                let (w, h) = other.split_once('x').ok_or_else(|| format!("'{s}': expected WxH, source or story"))?;
                let (w, h) = (w.parse::<usize>(), h.parse::<usize>());
                match (w, h) {
                    (Ok(w), Ok(h)) => Ok(SizeSpec::Exact(w, h)),
                    _ => Err(format!("'{s}': expected WxH such as 1080x1920")),
                }
            }
        }
    }
}

/// What to make.
#[derive(Clone, Debug)]
pub struct AliveOptions {
    pub prompt: Option<String>,
    /// The MP4 path; Live and Motion outputs take its stem. `-` = stdout (video only).
    pub output: PathBuf,
    pub video: bool,
    pub live: bool,
    pub motion: bool,
    pub duration: f32,
    pub size: SizeSpec,
    pub fps: u32,
    pub looped: bool,
    pub seed: u64,
    pub mute: bool,
    pub force: bool,
    /// Write a contact sheet and the mask/depth image into this folder.
    pub explain: Option<PathBuf>,
    /// Where the visible "AI-generated" label goes; `None` leaves it out,
    /// which is allowed only when the outputs are signed.
    pub label: Option<Corner>,
    /// The identity that signs Content Credentials into every output.
    pub signing: Signing,
    /// The safety checks: policy, database (blocklist and record of
    /// checked outputs) and image classifier.
    pub checks: vivify_safety::Checks,
}

impl AliveOptions {
    /// A 3 s, 30 fps MP4 at `output` with every choice left to vivify.
    pub fn new(output: impl Into<PathBuf>) -> AliveOptions {
        AliveOptions {
            prompt: None,
            output: output.into(),
            video: true,
            live: false,
            motion: false,
            duration: 3.0,
            size: SizeSpec::Auto,
            fps: 30,
            looped: false,
            seed: 1,
            mute: false,
            force: false,
            explain: None,
            label: Some(Corner::default()),
            signing: Signing::unsigned(),
            checks: vivify_safety::Checks::default(),
        }
    }

    pub(crate) fn stem_path(&self, suffix: &str) -> PathBuf {
        let stem = self.output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "alive".into());
        self.output.with_file_name(format!("{stem}{suffix}"))
    }

    /// Every file `make` will write, in order. A HEIC photo stays HEIC as
    /// the key photo of Live and Motion outputs.
    pub fn planned_outputs(&self, heic: bool) -> Vec<PathBuf> {
        let mut v = Vec::new();
        if self.video && !self.to_stdout() {
            v.push(self.output.clone());
        }
        if self.live {
            v.push(self.stem_path(if heic { ".HEIC" } else { ".JPG" }));
            v.push(self.stem_path(".MOV"));
        }
        if self.motion {
            v.push(self.stem_path(if heic { ".MP.heic" } else { ".MP.jpg" }));
        }
        if let Some((sheet, masks)) = self.explain_paths() {
            v.push(sheet);
            v.push(masks);
        }
        v
    }

    /// Where `--explain` writes its contact sheet and mask sheet.
    pub fn explain_paths(&self) -> Option<(PathBuf, PathBuf)> {
        let dir = self.explain.as_ref()?;
        let stem = match self.output.file_stem() {
            Some(s) if !self.to_stdout() => s.to_string_lossy().into_owned(),
            _ => "alive".into(),
        };
        Some((dir.join(format!("{stem}.contact.png")), dir.join(format!("{stem}.masks.png"))))
    }

    pub fn to_stdout(&self) -> bool {
        self.output.as_os_str() == "-"
    }
}

/// Loudness of the ambience we wrote.
#[derive(Clone, Debug, Serialize)]
pub struct AudioReport {
    pub beds: Vec<String>,
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
    pub codec: String,
}

/// What was made and why.
#[derive(Clone, Debug, Serialize)]
pub struct AliveReport {
    pub input: String,
    pub outputs: Vec<String>,
    pub width: usize,
    pub height: usize,
    pub fps: u32,
    pub frames: usize,
    pub duration_s: f64,
    /// Time of the frame that is the photo itself (the Live/Motion key photo).
    pub rest_time_s: f64,
    /// The framing of the rest frame in photo pixels.
    pub crop: Rect,
    pub content_id: Option<String>,
    pub scene: SceneSummary,
    pub plan: Plan,
    pub audio: Option<AudioReport>,
    /// Seconds spent per phase.
    pub timings: Vec<(String, f64)>,
    pub warnings: Vec<String>,
    /// Where the visible label is (x, y, width, height in frame pixels).
    pub label: Option<(usize, usize, usize, usize)>,
    /// The digital source type every output declares.
    pub source_type: String,
    /// Who signed the Content Credentials (`None`: unsigned).
    pub signed_by: Option<String>,
    /// What the safety checks said.
    pub safety: Option<safety::SafetyReport>,
    /// The MP4 when the output is `-`.
    #[serde(skip)]
    pub stdout: Option<Vec<u8>>,
}

/// The even size at or just below `v` (H.264 4:2:0 needs even sides; never
/// a pixel more than the photo has).
fn even(v: f64) -> usize {
    ((v / 2.0).floor() as usize * 2).max(2)
}

/// Output size and the rest framing (in photo pixels) for `spec`, and a
/// note when the size asked for was above what the H.264 encoder takes and
/// was scaled down (same framing) to the largest that fits. Decided before
/// any work, so a 12 MP photo at `--size source` never fails at the end.
pub fn frame_size(pw: usize, ph: usize, spec: SizeSpec, subject: Rect) -> Result<(usize, usize, Rect, Option<String>)> {
    let full = Rect { x: 0.0, y: 0.0, w: pw as f64, h: ph as f64 };
    let fit_long = |long: usize| {
        let s = (long as f64 / pw.max(ph) as f64).min(1.0);
        (even(pw as f64 * s), even(ph as f64 * s))
    };
    let (w, h, crop_aspect) = match spec {
        SizeSpec::Auto => {
            let (w, h) = fit_long(DEFAULT_LONG_SIDE);
            (w, h, None)
        }
        SizeSpec::Source => {
            let (w, h) = fit_long(MAX_SIDE);
            (w, h, None)
        }
        SizeSpec::Story => (1080, 1920, Some(1080.0 / 1920.0)),
        SizeSpec::Exact(w, h) => {
            if !(16..=MAX_SIDE).contains(&w) || !(16..=MAX_SIDE).contains(&h) {
                return Err(Error::Param(format!("--size {w}x{h}: each side must be 16 to {MAX_SIDE}")));
            }
            (w & !1, h & !1, Some(w as f64 / h as f64))
        }
    };
    let crop = match crop_aspect {
        None => full,
        Some(a) => {
            // The largest window of aspect `a`, centred on the subject.
            let (cw, ch) =
                if pw as f64 / ph as f64 > a { (ph as f64 * a, ph as f64) } else { (pw as f64, pw as f64 / a) };
            let cx = (subject.x + subject.w * 0.5) * pw as f64;
            let cy = (subject.y + subject.h * 0.5) * ph as f64;
            Rect {
                x: (cx - cw * 0.5).clamp(0.0, pw as f64 - cw),
                y: (cy - ch * 0.5).clamp(0.0, ph as f64 - ch),
                w: cw,
                h: ch,
            }
        }
    };
    let (fw, fh) = vivify_codec::h264::fit_encoder(w, h);
    let note = ((fw, fh) != (w, h)).then(|| {
        format!(
            "{w}x{h} is above the H.264 encoder's limit ({}x{} or {}x{}); the clip is {fw}x{fh}, the same framing",
            vivify_codec::h264::MAX_ENCODE_LONG,
            vivify_codec::h264::MAX_ENCODE_SHORT,
            vivify_codec::h264::MAX_ENCODE_SHORT,
            vivify_codec::h264::MAX_ENCODE_LONG
        )
    });
    Ok((fw, fh, crop, note))
}

fn check_options(o: &AliveOptions) -> Result<()> {
    if !(0.5..=30.0).contains(&o.duration) {
        return Err(Error::Param(format!("--duration {}: choose 0.5 to 30 seconds", o.duration)));
    }
    if !(1..=60).contains(&o.fps) {
        return Err(Error::Param(format!("--fps {}: choose 1 to 60", o.fps)));
    }
    if !(o.video || o.live || o.motion) {
        return Err(Error::Param("nothing to make: choose video, live or motion".into()));
    }
    if o.label.is_none() && !o.signing.is_signing() {
        return Err(Error::Param(
            "the visible AI label can be left out only when the outputs carry signed Content Credentials".into(),
        ));
    }
    if o.to_stdout() && (o.live || o.motion) {
        return Err(Error::Param("-o - writes only the MP4; Live and Motion outputs need a file name".into()));
    }
    Ok(())
}

/// Runs the whole job on a photo file.
pub fn make(input: &Path, opts: &AliveOptions, progress: &dyn Progress) -> Result<AliveReport> {
    let run = || {
        make_from(
            input,
            vivify_media::input::read(input, vivify_media::limits::MAX_PHOTO_BYTES, "photo file size")?,
            opts,
            progress,
        )
    };
    run().map_err(|e| e.in_file(input))
}

/// With the text pack, reads the clauses the grammar could not use by
/// meaning (see [`meaning`]). Returns a note when that could not be done.
fn read_by_meaning(text: &str, intent: &mut prompt::Intent) -> Option<String> {
    if intent.ignored.is_empty() {
        return None;
    }
    match meaning::Meaning::installed() {
        Some(Ok(m)) => {
            m.read(text, intent);
            None
        }
        Some(Err(e)) => Some(format!("prompt: not read by meaning: {e}")),
        None => Some(format!(
            "prompt: words the grammar does not know ({}) could be read by meaning with the text pack (scripts/install-model-packs text)",
            intent.ignored.join(", ")
        )),
    }
}

/// Runs the job on photo bytes already read (stdin); `name` names the input.
pub fn make_from(name: &Path, bytes: Vec<u8>, opts: &AliveOptions, progress: &dyn Progress) -> Result<AliveReport> {
    check_options(opts)?;
    // The prompt is checked before anything else happens to the photo. A
    // sexual request is refused either way, but on a photo of people it is
    // intimate-image abuse (tier 0): the faces decide which refusal it gets.
    let mut sexual_refusal = None;
    if let Some(p) = opts.prompt.as_deref() {
        let verdict = vivify_safety::prompt::check_prompt(p, None, &opts.checks.policy)?;
        if let Some(r) = verdict.refusal() {
            if verdict.category != Some(vivify_safety::Category::Sexual) {
                return Err(Error::Refused(Box::new(r)));
            }
            sexual_refusal = Some(r);
        }
    }
    let heic = vivify_media::probe::sniff(&bytes) == vivify_media::probe::Container::Heif;
    for p in opts.planned_outputs(heic) {
        outfile::refuse_input(&p, &[name])?;
        outfile::check_free(&p, opts.force)?;
    }
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |what: &str, timings: &mut Vec<(String, f64)>| {
        let now = Instant::now();
        timings.push((what.to_string(), ((now - clock).as_secs_f64() * 1000.0).round() / 1000.0));
        clock = now;
    };
    progress.phase("decoding the photo", 0);
    let photo = Photo::decode(bytes).map_err(|e| e.in_file(name))?;
    if photo.rgb.width.min(photo.rgb.height) < MIN_SIDE {
        return Err(Error::Unsupported(format!(
            "the photo is {}x{}; at least {MIN_SIDE} pixels a side are needed",
            photo.rgb.width, photo.rgb.height
        ))
        .in_file(name));
    }
    lap("decode", &mut timings);
    if let Some(r) = sexual_refusal {
        let faces = vivify_picture::faces::detect(&photo.rgb).len();
        safety::check_prompt_with_faces(opts.prompt.as_deref(), faces, &opts.checks)?;
        return Err(Error::Refused(Box::new(r)));
    }
    progress.phase("checking the photo", 0);
    let mut store = opts.checks.db.as_ref().map(vivify_safety::store::Store::open_at).transpose()?;
    let (photo_facts, photo_verdict) =
        safety::check_photo(&photo.bytes, &photo.rgb, &opts.checks, store.as_ref()).map_err(|e| e.in_file(name))?;
    lap("photo check", &mut timings);
    progress.phase("looking at the scene", 0);
    let prompt_text = opts.prompt.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| DEFAULT_PROMPT.into());
    let mut intent = prompt::parse(&prompt_text);
    let meaning_note = read_by_meaning(&prompt_text, &mut intent);
    let want_water = intent.water.is_some_and(|w| w.on);
    // The face pack's person matte, when installed; a damaged pack is
    // said in the notes and the clip made without it.
    let (person, pack_note) = match people::PersonMatte::installed() {
        None => (None, None),
        Some(Ok(m)) => (Some(m), None),
        Some(Err(e)) => (None, Some(format!("people: the person matte was not used: {e}"))),
    };
    let mut scene = Scene::analyse_with(&photo.rgb, want_water, person.as_ref())?;
    if !scene.summary.faces.is_empty() {
        if let Some(Ok(mesh)) = face_mesh::FaceMesh::installed() {
            scene.add_face_meshes(&photo.rgb, &mesh);
        }
    }
    let faces = scene.summary.faces.len();
    let prompt_verdict = safety::check_prompt_with_faces(opts.prompt.as_deref(), faces, &opts.checks)?;
    intent.looped |= opts.looped;
    let mut plan = plan::build(&prompt_text, &intent, &scene, opts.seed, opts.mute);
    plan.notes.extend(pack_note);
    plan.notes.extend(meaning_note);
    lap("analyse", &mut timings);
    let (w, h, crop, size_note) = frame_size(photo.rgb.width, photo.rgb.height, opts.size, scene.summary.subject)?;
    progress.phase("preparing the layers", 0);
    let stage = Stage::new(&photo.rgb, &scene, &plan, crop, w, h, opts.duration, opts.seed)?;
    lap("prepare", &mut timings);
    let frames = ((opts.duration * opts.fps as f32).round() as usize).max(1);
    progress.phase("rendering and encoding", frames as u64);
    let label = opts.label.and_then(|c| Label::new(w, h, c));
    let sampler = vivify_safety::output::FrameSampler::new(
        frames,
        opts.fps,
        output::RENDER_COLOR,
        opts.checks.classifier.as_deref(),
    );
    let video = output::encode(&stage, label.as_ref(), opts.fps, frames, progress, Some(&sampler))?;
    lap("render+encode", &mut timings);
    progress.phase("checking the video", 0);
    let output_check = safety::check_output(sampler.finish()?, &photo_facts, faces, &opts.checks, store.as_ref())?;
    lap("output check", &mut timings);
    let seconds = frames as f64 / f64::from(opts.fps);
    let mut audio_report = None;
    let ambience =
        (!plan.sound.is_empty()).then(|| sound::synthesise(&plan.sound, seconds as f32, plan.looped, opts.seed));
    if let Some(a) = &ambience {
        audio_report = Some(AudioReport {
            beds: plan.sound.iter().map(|b| format!("{:?}", b.kind).to_lowercase()).collect(),
            rms_dbfs: (a.rms_dbfs * 10.0).round() / 10.0,
            peak_dbfs: (a.peak_dbfs * 10.0).round() / 10.0,
            codec: "AAC-LC 48 kHz stereo".into(),
        });
    }
    lap("sound", &mut timings);
    progress.phase("writing", 0);
    let rest = stage.path.rest_time();
    let mut report = AliveReport {
        input: name.display().to_string(),
        outputs: Vec::new(),
        width: w,
        height: h,
        fps: opts.fps,
        frames,
        duration_s: seconds,
        rest_time_s: f64::from(rest),
        crop,
        content_id: None,
        scene: scene.summary.clone(),
        plan: plan.clone(),
        audio: audio_report,
        timings: Vec::new(),
        warnings: Vec::new(),
        label: None,
        source_type: ALIVE_SOURCE_TYPE.uri(),
        signed_by: opts.signing.signer(),
        safety: None,
        stdout: None,
    };
    if !plan.ignored.is_empty() {
        report.warnings.push(format!("ignored: {}", plan.ignored.join(", ")));
    }
    if let Some(n) = size_note {
        report.warnings.push(n);
    }
    report.label = label.as_ref().map(Label::rect);
    if opts.label.is_some() && label.is_none() {
        report.warnings.push(
            "the frame is too small for a legible visible label; only the metadata says it is AI-generated".into(),
        );
    }
    let made = write::Made { photo: &photo, name, stage: &stage, video: &video, seconds, crop };
    // The MP4, the Live pair and the Motion Photo appear together or not at all.
    outfile::all_or_nothing(|| write::write_outputs(opts, &made, ambience.as_ref(), &mut report))?;
    lap("write", &mut timings);
    let items = match store.as_mut() {
        Some(s) => safety::record(
            s,
            &report.outputs,
            &opts.output,
            report.stdout.as_deref(),
            &photo_facts,
            &output_check,
            faces,
            label.is_some(),
            &opts.checks,
        )?,
        None => Vec::new(),
    };
    let review_case = match store.as_mut() {
        Some(s) => safety::flag_for_review(
            s,
            &items,
            &[prompt_verdict.as_ref(), Some(&photo_verdict), Some(&output_check.verdict)],
        )?,
        None => None,
    };
    report.safety = Some(safety::SafetyReport {
        prompt: prompt_verdict,
        photo: photo_verdict,
        output: Some(output_check),
        faces,
        classifier: opts.checks.classifier.as_ref().map(|c| c.name()),
        items,
        review_case,
        database: store.as_ref().map(|s| s.location().to_string()),
    });
    if let Some((sheet, masks)) = opts.explain_paths() {
        progress.phase("writing the explain images", 0);
        if let Some(dir) = sheet.parent() {
            std::fs::create_dir_all(dir)?;
        }
        explain::contact_sheet(&stage, frames, opts.fps, &sheet, opts.force)?;
        explain::mask_sheet(&photo.rgb, &scene, &masks, opts.force)?;
        report.outputs.push(sheet.display().to_string());
        report.outputs.push(masks.display().to_string());
        lap("explain", &mut timings);
    }
    report.timings = timings;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: Rect = Rect { x: 0.4, y: 0.4, w: 0.2, h: 0.2 };

    #[test]
    fn sizes_are_even_never_larger_than_the_photo_and_framed_on_the_subject() {
        assert_eq!(frame_size(33, 35, SizeSpec::Auto, CENTRE).expect("size").0, 32);
        let (w, h, c, _) = frame_size(4032, 3024, SizeSpec::Auto, CENTRE).expect("size");
        assert_eq!((w, h), (1920, 1440));
        assert_eq!((c.w, c.h), (4032.0, 3024.0));
        let (w, h, c, _) =
            frame_size(4000, 3000, SizeSpec::Story, Rect { x: 0.8, y: 0.4, w: 0.1, h: 0.2 }).expect("size");
        assert_eq!((w, h), (1080, 1920));
        assert!((c.w / c.h - 1080.0 / 1920.0).abs() < 1e-9);
        // Subject on the right: the window moves right, as far as the photo allows.
        assert!(c.x > 2000.0 && c.x + c.w <= 4000.0 + 1e-9, "{c:?}");
        let (w, h, _, _) = frame_size(800, 600, SizeSpec::Exact(641, 479), CENTRE).expect("size");
        assert_eq!((w, h), (640, 478));
        assert!(frame_size(800, 600, SizeSpec::Exact(8, 8), CENTRE).is_err());
        let (w, h, _, note) = frame_size(6000, 1000, SizeSpec::Source, CENTRE).expect("size");
        assert_eq!((w, h), (3840, 640));
        assert!(note.is_none());
        // A 12 MP phone photo at its own size is scaled to what the encoder takes, and says so.
        for (pw, ph, want) in [(4000, 3000, (2880, 2160)), (4032, 3024, (2880, 2160)), (3024, 4032, (2160, 2880))] {
            let (w, h, _, note) = frame_size(pw, ph, SizeSpec::Source, CENTRE).expect("size");
            assert_eq!((w, h), want);
            assert!(note.is_some_and(|n| n.contains("encoder")));
        }
        let (w, h, _, note) = frame_size(4000, 3000, SizeSpec::Exact(3840, 3000), CENTRE).expect("size");
        assert_eq!((w, h), (2764, 2160));
        assert!(note.is_some());
    }

    #[test]
    fn size_words_parse() {
        assert_eq!("story".parse::<SizeSpec>(), Ok(SizeSpec::Story));
        assert_eq!("1080x1920".parse::<SizeSpec>(), Ok(SizeSpec::Exact(1080, 1920)));
        assert!("huge".parse::<SizeSpec>().is_err());
    }
}
