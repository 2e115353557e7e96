//! Scene analysis: what is sky, water, subject, and how far away things are,
//! worked out on a small copy of the photo: a hand-made sky finder checked
//! and helped by a small region classifier trained here (`classify`, its
//! weights ours and committed), no downloaded model (faces, with the
//! default `faces` feature, come from a small cascade shipped in a crate).

use super::classify::{self, SkyVerdict};
use super::layers::{Foreground, LayerVerdict};
use super::lights::Light;
use super::people::PersonMatte;
use super::regions;
use super::sky::{self, Analysis, SkyKind};
use vivify_media::error::Result;
use vivify_picture::image::{resize, Field, Rect, Rgb};

/// Long side of the analysis picture.
const ANALYSIS_SIDE: usize = 384;

/// Everything the planner and the renderer need to know about the photo.
/// Fields are at analysis size; positions are fractions of the photo.
pub struct Scene {
    pub sky: Field,
    pub water: Field,
    /// 0 = far (sky), 1 = nearest.
    pub nearness: Field,
    /// Soft mask of the main subject.
    pub subject: Field,
    /// The subject cut out as a layer of its own, when its outline follows
    /// edges in the photo (`nearness` is then the background's depth).
    pub foreground: Option<Foreground>,
    /// How far each place may sway in the wind (foliage, 0..=1).
    pub foliage: Field,
    /// Lights of a dim photo (they flicker).
    pub lights: Vec<Light>,
    /// The face mesh of each face that can blink (open eyes, the face
    /// pack installed; see [`Scene::add_face_meshes`]).
    pub face_meshes: Vec<super::face_mesh::Landmarks>,
    pub summary: SceneSummary,
}

/// The findings in words and numbers (for `--explain` and `--json`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct SceneSummary {
    pub sky_share: f32,
    pub sky_kind: SkyKind,
    /// How the sky was decided (finder and classifier).
    pub sky_verdict: SkyVerdict,
    pub water_share: f32,
    /// Share of the photo that can sway (leaves, grass).
    pub foliage_share: f32,
    /// Lights found in a dim photo.
    pub lights: usize,
    /// Horizon as a fraction of the height, when a skyline was found.
    pub horizon: Option<f32>,
    pub sun: Option<(f32, f32)>,
    /// Box around the subject, in fractions of the photo.
    pub subject: Rect,
    /// Mean brightness 0..=1.
    pub brightness: f32,
    /// Frontal faces found (fractions of the photo).
    pub faces: Vec<vivify_picture::faces::Face>,
    /// Whether the subject moves as a layer of its own, and why.
    pub layers: LayerVerdict,
}

impl Scene {
    /// Analyses an upright photo. `want_water` relaxes the water test.
    pub fn analyse(photo: &Rgb, want_water: bool) -> Result<Scene> {
        Scene::analyse_with(photo, want_water, None)
    }

    /// [`Scene::analyse`], with the face pack's person matte when given:
    /// then people whose faces are found are cut out along the matte
    /// instead of as head-and-shoulders shapes.
    pub fn analyse_with(photo: &Rgb, want_water: bool, person: Option<&PersonMatte>) -> Result<Scene> {
        // Faces (the slowest part) are looked for on one core while the
        // sky, water and saliency are worked out on the other, and then the
        // in-focus subject, which needs no faces, is cut out there too.
        let (faces, analysed) = std::thread::scope(|scope| {
            let faces = scope.spawn(|| vivify_picture::faces::detect(photo));
            let analysed = analyse_small(photo, want_water).map(|(a, found, subject, verdict)| {
                let focus = super::layers::in_focus(&a, &found.sky, &found.water, &ground_of(&found, &a));
                (a, found, subject, verdict, focus)
            });
            (faces.join().unwrap_or_default(), analysed)
        });
        let (a, mut found, mut subject, sky_verdict, mut focus) = analysed?;
        // A face is never sky or water, however blue or smooth the finder
        // found it (a pale face against a pale sky can join it).
        let mut cleared = false;
        for f in &faces {
            cleared |= clear_box(&mut found.sky, f.rect, 0.2);
            cleared |= clear_box(&mut found.water, f.rect, 0.2);
        }
        if cleared {
            // That changed the sky and water the in-focus guess was kept
            // clear of: it is redone, so the layer is the same as if it had
            // waited for the faces (only a face in the sky or water costs it).
            focus = super::layers::in_focus(&a, &found.sky, &found.water, &ground_of(&found, &a));
        }
        let subject_box = if faces.is_empty() {
            weighted_box(&subject)
        } else {
            add_people(&mut subject, &faces);
            people_box(&faces)
        };
        // The person matte, for the people whose faces were found.
        let matte = match person {
            Some(m) if !faces.is_empty() => m
                .matte(&a)
                .ok()
                .and_then(|f| super::people::found_people(&f, &faces.iter().map(|f| f.rect).collect::<Vec<_>>())),
            _ => None,
        };
        let people = match &matte {
            Some(m) => Some(super::layers::People::Matte(m)),
            None => (!faces.is_empty()).then_some(super::layers::People::Shapes(&subject)),
        };
        let (foreground, mut layers) =
            super::layers::find(&a, people, &found.sky, &found.water, &ground_of(&found, &a), focus);
        if !faces.is_empty() && person.is_none() && !layers.split {
            layers.reason.push_str(
                "; with the face pack, people are cut out along a person matte instead (scripts/install-model-packs face)",
            );
        }
        let nearness = depth(&a, &found.sky, &found.water, &subject, found.horizon, foreground.is_some());
        let foliage = super::foliage::find(&a, &found.sky, &found.water, (!faces.is_empty()).then_some(&subject));
        let lights = super::lights::find(&a);
        let share = |f: &Field| f.data.iter().sum::<f32>() / f.data.len() as f32;
        let summary = SceneSummary {
            sky_share: share(&found.sky),
            sky_kind: found.sky_kind,
            sky_verdict,
            water_share: share(&found.water),
            foliage_share: super::foliage::share(&foliage),
            lights: lights.len(),
            horizon: found.horizon_found.then_some(found.horizon),
            sun: found.sun,
            subject: subject_box,
            brightness: a.luma.iter().sum::<f32>() / a.luma.len() as f32,
            faces,
            layers,
        };
        Ok(Scene {
            sky: found.sky,
            water: found.water,
            nearness,
            subject,
            foreground,
            foliage,
            lights,
            face_meshes: Vec::new(),
            summary,
        })
    }

    /// Finds the face mesh of up to [`MAX_MESHES`] of the largest faces,
    /// keeping those the model is sure of and whose eyes are open (a
    /// closed eye does not blink). Returns how many were kept.
    pub fn add_face_meshes(&mut self, photo: &Rgb, mesh: &super::face_mesh::FaceMesh) -> usize {
        let mut faces = self.summary.faces.clone();
        faces.sort_by(|a, b| (b.rect.w * b.rect.h).total_cmp(&(a.rect.w * a.rect.h)));
        let aspect = photo.width as f32 / photo.height.max(1) as f32;
        self.face_meshes = faces
            .iter()
            .take(MAX_MESHES)
            .filter_map(|f| mesh.landmarks(photo, f.rect).ok())
            .filter(|l| l.presence >= 0.5 && l.eye_openness(aspect).iter().all(|&o| o >= MIN_OPEN_EYE))
            .collect();
        self.face_meshes.len()
    }

    pub fn has_sky(&self) -> bool {
        self.summary.sky_share > 0.03
    }

    pub fn has_water(&self) -> bool {
        self.summary.water_share > 0.01
    }
}

/// The nearness of the ground at a row (0..1 of the height) of the
/// analysis picture `a`, below the horizon `found`.
fn ground_of(found: &sky::SkyWater, a: &Analysis) -> impl Fn(f32) -> f32 {
    let (horizon, h) = (found.horizon, a.height as f32);
    move |fy| ground_nearness(fy * h, horizon * h, h)
}

/// Most faces given a mesh (and blinks).
pub const MAX_MESHES: usize = 6;
/// Eye openness (lids over corners) under which an eye counts as closed.
const MIN_OPEN_EYE: f32 = 0.15;

/// The small picture every analysis works on (long side `ANALYSIS_SIDE`).
pub fn analysis_picture(photo: &Rgb) -> Result<Analysis> {
    let scale = (ANALYSIS_SIDE as f64 / photo.width.max(photo.height) as f64).min(1.0);
    let (w, h) = (
        ((photo.width as f64 * scale).round() as usize).max(8),
        ((photo.height as f64 * scale).round() as usize).max(8),
    );
    let small = resize(photo, Rect { x: 0.0, y: 0.0, w: photo.width as f64, h: photo.height as f64 }, w, h)?;
    Ok(Analysis::new(w, h, &small.data))
}

fn analyse_small(photo: &Rgb, want_water: bool) -> Result<(Analysis, sky::SkyWater, Field, SkyVerdict)> {
    let a = analysis_picture(photo)?;
    let (found, verdict) = find_sky(&a, want_water);
    let subject = saliency(&a, &found.sky, &found.water);
    Ok((a, found, subject, verdict))
}

/// Sky (and the water under it): the hand-made finder, checked and helped
/// by the learned region classifier (see [`classify::judge_sky`] and
/// docs/EVAL.md for why this way).
pub fn find_sky(a: &Analysis, want_water: bool) -> (sky::SkyWater, SkyVerdict) {
    let finder = sky::grow(a);
    let r = regions::segment(a);
    let probs: Vec<[f32; 2]> =
        regions::describe(a, &r).iter().map(|f| classify::region(&classify::BUILT_IN, f)).collect();
    let (sky, verdict) = classify::judge_sky(&r, &probs, finder.as_deref(), &|m| sky::plausible(a, m));
    let found = match sky {
        Some(s) => sky::with_sky(a, &s, want_water),
        None => sky::SkyWater::none(a.width, a.height),
    };
    (found, verdict)
}

/// Centre-weighted colour contrast outside sky and water: a cheap estimate
/// of where the eye goes.
fn saliency(a: &Analysis, sky: &Field, water: &Field) -> Field {
    let (w, h) = (a.width, a.height);
    let blurred = {
        let mut f = [Field::new(w, h, 0.0), Field::new(w, h, 0.0), Field::new(w, h, 0.0)];
        for (c, field) in f.iter_mut().enumerate() {
            for (d, p) in field.data.iter_mut().zip(&a.rgb) {
                *d = p[c];
            }
            *field = field.blurred(2);
        }
        f
    };
    let mut mean = [0f32; 3];
    for (c, m) in mean.iter_mut().enumerate() {
        *m = blurred[c].data.iter().sum::<f32>() / (w * h) as f32;
    }
    let mut s = Field::new(w, h, 0.0);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let d = (0..3).map(|c| (blurred[c].data[i] - mean[c]).powi(2)).sum::<f32>().sqrt();
            let (dx, dy) = ((x as f32 + 0.5) / w as f32 - 0.5, (y as f32 + 0.5) / h as f32 - 0.55);
            let centre = (-(dx * dx + dy * dy) / (2.0 * 0.3 * 0.3)).exp();
            // Detail draws the eye too.
            let detail = (a.texture[i] * 8.0).min(1.0);
            s.data[i] = (d + 0.15 * detail) * centre * (1.0 - sky.data[i]) * (1.0 - 0.7 * water.data[i]);
        }
    }
    let s = s.blurred(3);
    let peak = s.data.iter().copied().fold(0.0, f32::max).max(1e-6);
    Field { width: w, height: h, data: s.data.iter().map(|v| ((v / peak - 0.45) / 0.3).clamp(0.0, 1.0)).collect() }
}

/// Sets `f` to zero inside `r` (fractions of the photo) grown by `grow`
/// of its size on every side. True when that changed anything.
fn clear_box(f: &mut Field, r: Rect, grow: f64) -> bool {
    let (w, h) = (f.width as f64, f.height as f64);
    let x0 = ((r.x - r.w * grow) * w).floor().max(0.0) as usize;
    let y0 = ((r.y - r.h * grow) * h).floor().max(0.0) as usize;
    let x1 = (((r.x + r.w * (1.0 + grow)) * w).ceil() as usize).min(f.width);
    let y1 = (((r.y + r.h * (1.0 + grow)) * h).ceil() as usize).min(f.height);
    let mut changed = false;
    for y in y0..y1 {
        for v in &mut f.data[y * f.width + x0.min(x1)..y * f.width + x1] {
            changed |= *v != 0.0;
            *v = 0.0;
        }
    }
    changed
}

/// Marks each face's head and shoulders in the subject mask, so people
/// stay near in the depth map and breathe as one piece.
fn add_people(subject: &mut Field, faces: &[vivify_picture::faces::Face]) {
    let (w, h) = (subject.width as f64, subject.height as f64);
    let mut people = Field::new(subject.width, subject.height, 0.0);
    for f in faces {
        let (cx, cy) = ((f.rect.x + f.rect.w * 0.5) * w, (f.rect.y + f.rect.h * 0.5) * h);
        let (fw, fh) = (f.rect.w * w, f.rect.h * h);
        for y in 0..subject.height {
            for x in 0..subject.width {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                // Head: an ellipse a little larger than the face box.
                let head = ((px - cx) / (0.75 * fw)).powi(2) + ((py - cy) / (0.85 * fh)).powi(2) <= 1.0;
                // Shoulders and chest: a wider ellipse below.
                let body = ((px - cx) / (1.4 * fw)).powi(2) + ((py - (cy + 2.2 * fh)) / (1.8 * fh)).powi(2) <= 1.0;
                if head || body {
                    people.data[y * subject.width + x] = 1.0;
                }
            }
        }
    }
    let people = people.blurred(1);
    for (s, p) in subject.data.iter_mut().zip(&people.data) {
        *s = s.max(*p);
    }
}

/// The box around all faces with room for shoulders.
fn people_box(faces: &[vivify_picture::faces::Face]) -> Rect {
    let x0 = faces.iter().map(|f| f.rect.x - f.rect.w * 0.5).fold(1.0, f64::min).max(0.0);
    let y0 = faces.iter().map(|f| f.rect.y - f.rect.h * 0.5).fold(1.0, f64::min).max(0.0);
    let x1 = faces.iter().map(|f| f.rect.x + f.rect.w * 1.5).fold(0.0, f64::max).min(1.0);
    let y1 = faces.iter().map(|f| f.rect.y + f.rect.h * 3.0).fold(0.0, f64::max).min(1.0);
    Rect { x: x0, y: y0, w: (x1 - x0).max(0.05), h: (y1 - y0).max(0.05) }
}

/// A box around the weight of `f` (mean ± 1.5 standard deviations).
fn weighted_box(f: &Field) -> Rect {
    let (w, h) = (f.width as f64, f.height as f64);
    let mut sum = 0.0;
    let (mut mx, mut my) = (0.0, 0.0);
    for y in 0..f.height {
        for x in 0..f.width {
            let v = f64::from(f.get(x, y));
            sum += v;
            mx += v * (x as f64 + 0.5);
            my += v * (y as f64 + 0.5);
        }
    }
    if sum < 1e-6 {
        return Rect { x: 0.25, y: 0.25, w: 0.5, h: 0.5 };
    }
    mx /= sum;
    my /= sum;
    let (mut vx, mut vy) = (0.0, 0.0);
    for y in 0..f.height {
        for x in 0..f.width {
            let v = f64::from(f.get(x, y));
            vx += v * (x as f64 + 0.5 - mx).powi(2);
            vy += v * (y as f64 + 0.5 - my).powi(2);
        }
    }
    let (sx, sy) = ((vx / sum).sqrt() * 1.5, (vy / sum).sqrt() * 1.5);
    let x0 = ((mx - sx) / w).clamp(0.0, 1.0);
    let y0 = ((my - sy) / h).clamp(0.0, 1.0);
    let x1 = ((mx + sx) / w).clamp(0.0, 1.0);
    let y1 = ((my + sy) / h).clamp(0.0, 1.0);
    Rect { x: x0, y: y0, w: (x1 - x0).max(0.05), h: (y1 - y0).max(0.05) }
}

/// Nearness of open ground at row `fy` of a picture `h` rows high whose
/// horizon is at row `hz`: far at the horizon, nearest at the bottom edge.
pub fn ground_nearness(fy: f32, hz: f32, h: f32) -> f32 {
    if fy > hz {
        0.15 + 0.85 * ((fy - hz) / (h - hz).max(1.0)).powf(0.8)
    } else {
        0.15
    }
}

/// Layered depth from priors: sky far, ground coming nearer towards the
/// bottom edge, things standing above the horizon at the distance of the
/// horizon, the subject near; then smoothed and dilated so near silhouettes
/// keep their outline when the camera moves. With a foreground layer
/// (`layered`) the subject is not in it: this is the depth of what lies
/// behind it, smooth, so the background never tears or stretches.
fn depth(a: &Analysis, sky: &Field, water: &Field, subject: &Field, horizon: f32, layered: bool) -> Field {
    let (w, h) = (a.width, a.height);
    let mut n = Field::new(w, h, 0.0);
    for y in 0..h {
        let ground = ground_nearness(y as f32 + 0.5, horizon * h as f32, h as f32);
        for x in 0..w {
            let i = y * w + x;
            let s = sky.data[i];
            // Water lies flat: it follows the ground ramp but never pops out.
            let base = ground * (1.0 - 0.2 * water.data[i]);
            let pop = if layered { 0.0 } else { 0.85 * subject.data[i] * (1.0 - water.data[i]) };
            n.data[i] = base.max(pop) * (1.0 - s);
        }
    }
    if layered {
        n.blurred(2)
    } else {
        n.blurred(2).dilated(2)
    }
}
