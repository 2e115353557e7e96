//! The foreground layer: the subject cut out along the photo's own edges,
//! so the camera can move it as one flat piece in front of the rest.
//!
//! A rough guess (the head-and-shoulders shapes round found faces, or what
//! is in focus against a blurred background) says where the subject is; it
//! knows nothing of edges. Local colour models and a colour guided filter
//! carry it onto the edges nearby (`local_colour_matte`). Where such edges
//! exist the matte becomes decisive (near 0 or 1) across the band where the
//! guess was unsure; where they do not (a subject that fades into its
//! surroundings) it stays a ramp. The share of the band that became
//! decisive is the layer's edge fit; with the outline's raggedness and its
//! size it decides whether the cut-out is used. Without a layer `alive`
//! keeps the older way (one depth map, dilated round near things so their
//! outline holds).
//!
//! With a layer, the renderer moves the subject rigidly at one nearness and
//! the background at its own smooth depth; what the subject uncovers comes
//! from a background plate, the photo with the subject filled in from
//! around it (see `render.rs`). So no silhouette is ever stretched.

use super::sky::Analysis;
use vivify_picture::image::Field;

/// Share of the rough guess's unsure band that the matte must turn decisive
/// for the cut-out to be used, and the most ragged outline it may have (see
/// `raggedness`). Chosen by looking at the tuning half's sheets
/// (`examples/layer_sheets`): the clean cut-outs there scored edge fit
/// 0.29–0.39 with raggedness 0.7–3.1; the wrong ones (road markings, a
/// lamp, scattered petals, a crowd) edge fit under 0.23 or raggedness of at least
/// 3.8.
const MIN_EDGE_FIT: f32 = 0.25;
const MAX_RAGGEDNESS: f32 = 3.5;
/// Smallest and largest share of the picture a foreground may cover.
const MIN_SHARE: f32 = 0.02;
const MAX_SHARE: f32 = 0.55;
/// How much more detail the sharp part of a picture must hold than the
/// rest for it to count as a subject in focus against a blurred background.
const MIN_FOCUS_RATIO: f32 = 4.0;
/// Largest hole inside the layer that is filled as part of it (share of the
/// picture); larger ones are background seen through the subject.
const MAX_HOLE: f32 = 0.01;

/// The subject as a layer of its own.
#[derive(Clone, Debug)]
pub struct Foreground {
    /// How much of each pixel belongs to the layer (0..=1, analysis size).
    pub matte: Field,
    /// The one nearness the whole layer moves at (0 far, 1 near).
    pub nearness: f32,
}

/// Whether the subject was cut out as a layer, and why (for `--explain`
/// and `--json`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct LayerVerdict {
    /// The subject moves as a layer of its own.
    pub split: bool,
    /// Share of the picture the cut-out covers.
    pub share: f32,
    /// Share of the rough mask's unsure band that the photo's edges decided.
    pub edge_fit: f32,
    /// Length of the cut-out's outline against the outline of a disc of
    /// the same area (1 for a disc; ragged or scattered cut-outs score high).
    pub raggedness: f32,
    pub reason: String,
}

/// One guess at the subject, cut out and judged: the layer if it passed,
/// and the verdict either way.
pub type Attempt = (Option<Foreground>, LayerVerdict);

/// The in-focus guess: what is sharp against a blurred background, cut out
/// and judged. It needs no faces, so `Scene::analyse` runs it while the
/// faces are still being looked for on the other core.
pub fn in_focus(a: &Analysis, sky: &Field, water: &Field, ground: &dyn Fn(f32) -> f32) -> Attempt {
    match focus_seed(a) {
        Ok(seed) => cut_out(a, &clear_of(seed, sky, water), "in focus", sky, water, ground),
        Err(reason) => (None, LayerVerdict { split: false, share: 0.0, edge_fit: 0.0, raggedness: 0.0, reason }),
    }
}

/// Cuts the subject out of the analysis picture `a`: people (`people`, the
/// head-and-shoulders shapes round found faces) first, or else the
/// in-focus guess (`focus`, from [`in_focus`] with the same sky and
/// water). Sky and water never belong to the layer. When neither passes,
/// the verdict is the one whose outline followed the photo's edges best.
/// (The saliency mask was tried as a third guess and dropped: on the
/// tuning half its cut-outs that passed the checks included a patch of
/// sky and a lamp's glare.)
/// `ground` gives the nearness of the ground at a row (0..1 of the height),
/// so a subject standing on it is at least as near as its foot.
pub fn find(
    a: &Analysis,
    people: Option<People<'_>>,
    sky: &Field,
    water: &Field,
    ground: &dyn Fn(f32) -> f32,
    focus: Attempt,
) -> Attempt {
    let (fg, verdict) = match people {
        None => return focus,
        Some(People::Shapes(shapes)) => {
            let shapes = shapes.data.iter().map(|&p| if p >= 0.5 { 1.0 } else { 0.0 }).collect();
            let seed = clear_of(Field { width: a.width, height: a.height, data: shapes }, sky, water);
            cut_out(a, &seed, "a person", sky, water, ground)
        }
        Some(People::Matte(matte)) => from_matte(a, matte, sky, water, ground),
    };
    if fg.is_some() || focus.0.is_none() && focus.1.edge_fit <= verdict.edge_fit {
        (fg, verdict)
    } else {
        focus
    }
}

/// What is known of the people in a photo.
#[derive(Clone, Copy)]
pub enum People<'a> {
    /// Rough head-and-shoulders shapes round found faces (0 or 1).
    Shapes(&'a Field),
    /// A person matte from a model (0..=1), already following outlines.
    Matte(&'a Field),
}

/// Largest share of the picture a person matte may cover: a portrait's
/// person fills much of it, and a model's outline is trusted further than a
/// guess's ([`MAX_SHARE`]).
const MAX_MATTE_SHARE: f32 = 0.8;

/// People cut out along a model's person matte: its edges are only
/// tightened onto the photo's (a colour guided filter, then the same
/// sharpening as a guess's cut-out), never re-decided by colour, since a
/// face may share its colour with the wall behind it. Edge fit here is the
/// share of the matte's soft band that came out decided.
fn from_matte(a: &Analysis, matte: &Field, sky: &Field, water: &Field, ground: &dyn Fn(f32) -> f32) -> Attempt {
    let (w, h) = (a.width, a.height);
    let n = (w * h).max(1) as f32;
    let refined = colour_guided(matte, &a.rgb, 2, 1e-3);
    let mut band = 0usize;
    let mut decided = 0usize;
    let sharp: Vec<f32> = refined
        .iter()
        .zip(&matte.data)
        .zip(sky.data.iter().zip(&water.data))
        .map(|((&q, &raw), (&k, &wa))| {
            let v = smoothstep(0.3, 0.7, q) * (1.0 - k) * (1.0 - wa);
            if raw > 0.1 && raw < 0.9 {
                band += 1;
                decided += usize::from(!(0.1..=0.9).contains(&v));
            }
            v
        })
        .collect();
    let sharp = fill_holes(sharp, w, h, (n * MAX_HOLE) as usize);
    let share = sharp.iter().sum::<f32>() / n;
    let ragged = raggedness(&sharp, w, h);
    let edge_fit = if band == 0 { 1.0 } else { decided as f32 / band as f32 };
    let no = |reason: String| (None, LayerVerdict { split: false, share, edge_fit, raggedness: ragged, reason });
    if ragged > MAX_RAGGEDNESS {
        return no("the person matte's people are ragged or in pieces".into());
    }
    if !(MIN_SHARE..=MAX_MATTE_SHARE).contains(&share) {
        return no("the person matte's people are too small or too large to move as a layer".into());
    }
    let foot = (0..h).rev().find(|&y| sharp[y * w..(y + 1) * w].iter().any(|&m| m > 0.5)).unwrap_or(h - 1);
    let nearness = ground((foot as f32 + 0.5) / h as f32).clamp(0.85, 1.0);
    let reason =
        "people, cut out along the face pack's person matte, move as a layer in front of the background".into();
    let verdict = LayerVerdict { split: true, share, edge_fit, raggedness: ragged, reason };
    (Some(Foreground { matte: Field { width: w, height: h, data: sharp }, nearness }), verdict)
}

/// `seed` with the sky and water taken out of it.
fn clear_of(mut seed: Field, sky: &Field, water: &Field) -> Field {
    for (i, v) in seed.data.iter_mut().enumerate() {
        if sky.data[i] >= 0.5 || water.data[i] >= 0.5 {
            *v = 0.0;
        }
    }
    seed
}

/// `matte` with its small holes (areas under 0.5 enclosed by the layer and
/// not touching the picture's border, of at most `max_area` pixels) filled:
/// an eye, a nose or the inside of an ear that the colours left out would
/// otherwise let the background plate's smooth fill show through the
/// subject.
fn fill_holes(mut matte: Vec<f32>, w: usize, h: usize, max_area: usize) -> Vec<f32> {
    let mut seen = vec![false; w * h];
    for start in 0..w * h {
        if seen[start] || matte[start] >= 0.5 {
            continue;
        }
        // One 4-connected area of "not layer".
        let region = flood(w, h, start, &mut seen, |j| matte[j] < 0.5);
        let border = region.iter().any(|&i| {
            let (x, y) = (i % w, i / w);
            x == 0 || y == 0 || x + 1 == w || y + 1 == h
        });
        if !border && region.len() <= max_area {
            for &i in &region {
                matte[i] = 1.0;
            }
        }
    }
    matte
}

/// The 4-connected area of `inside` pixels round `start` in a `w`×`h`
/// picture, marking each in `seen` (`start` must be inside and unseen).
pub(crate) fn flood(w: usize, h: usize, start: usize, seen: &mut [bool], inside: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut region = Vec::new();
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        region.push(i);
        let (x, y) = (i % w, i / w);
        let neighbours =
            [(x > 0, i.wrapping_sub(1)), (x + 1 < w, i + 1), (y > 0, i.wrapping_sub(w)), (y + 1 < h, i + w)];
        for (ok, j) in neighbours {
            if ok && !seen[j] && inside(j) {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    region
}

/// Outline length of `matte > 0.5` (pixels with a 4-neighbour outside it,
/// the picture's border not counting) against the circumference of a disc
/// of the same area.
fn raggedness(matte: &[f32], w: usize, h: usize) -> f32 {
    let inside = |x: usize, y: usize| matte[y * w + x] > 0.5;
    let (mut area, mut edge) = (0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            if !inside(x, y) {
                continue;
            }
            area += 1;
            let out = (x > 0 && !inside(x - 1, y))
                || (x + 1 < w && !inside(x + 1, y))
                || (y > 0 && !inside(x, y - 1))
                || (y + 1 < h && !inside(x, y + 1));
            edge += usize::from(out);
        }
    }
    if area == 0 {
        return 0.0;
    }
    edge as f32 / (2.0 * (std::f32::consts::PI * area as f32).sqrt())
}

/// What is sharp where the rest of the picture is blurred: local detail
/// (the analysis picture's texture, averaged over a small window) split in
/// two by Otsu's threshold. Only a picture whose sharp part is much more
/// detailed than the rest has a subject in focus.
fn focus_seed(a: &Analysis) -> Result<Field, String> {
    let (w, h) = (a.width, a.height);
    let r = (w.min(h) / 40).max(2);
    let detail = box_mean(&a.texture, w, h, r);
    let top = detail.iter().copied().fold(0.0f32, f32::max);
    if top <= 1e-6 {
        return Err("nothing in focus".into());
    }
    // Otsu over 64 bins of 0..top.
    const BINS: usize = 64;
    let mut hist = [0usize; BINS];
    for &d in &detail {
        hist[((d / top * BINS as f32) as usize).min(BINS - 1)] += 1;
    }
    let total = detail.len() as f64;
    let sum_all: f64 = hist.iter().enumerate().map(|(b, &c)| b as f64 * c as f64).sum();
    let (mut w0, mut sum0, mut best, mut cut) = (0f64, 0f64, -1f64, 0usize);
    for (b, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += b as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            cut = b;
        }
    }
    let threshold = (cut + 1) as f32 / BINS as f32 * top;
    let sharp: Vec<f32> = detail.iter().map(|&d| if d >= threshold { 1.0 } else { 0.0 }).collect();
    let (mut inside, mut outside, mut count) = (0f64, 0f64, 0f64);
    for (d, s) in detail.iter().zip(&sharp) {
        if *s > 0.5 {
            inside += f64::from(*d);
            count += 1.0;
        } else {
            outside += f64::from(*d);
        }
    }
    let ratio = (inside / count.max(1.0)) / (outside / (total - count).max(1.0)).max(1e-9);
    if ratio < f64::from(MIN_FOCUS_RATIO) {
        return Err(format!("no part clearly in focus: the sharpest part has {ratio:.1}x the detail of the rest"));
    }
    // Majority over a window: fills the smooth parts of a sharp subject
    // (a nose, an eye) and drops specks of sharp background.
    let filled = box_mean(&sharp, w, h, 2 * r);
    Ok(Field { width: w, height: h, data: filled.iter().map(|&v| if v > 0.5 { 1.0 } else { 0.0 }).collect() })
}

/// One guess (`seed`, 0 or 1, already clear of sky and water; `what` names
/// it in the verdict) carried onto the photo's edges and judged.
fn cut_out(
    a: &Analysis,
    seed: &Field,
    what: &str,
    sky: &Field,
    water: &Field,
    ground: &dyn Fn(f32) -> f32,
) -> (Option<Foreground>, LayerVerdict) {
    let (w, h) = (a.width, a.height);
    let n = (w * h).max(1) as f32;
    let no = |share, edge_fit, raggedness, reason| {
        (None, LayerVerdict { split: false, share, edge_fit, raggedness, reason })
    };
    let seed_share = seed.data.iter().sum::<f32>() / n;
    if seed_share < MIN_SHARE {
        return no(seed_share, 0.0, 0.0, format!("no clear subject to cut out ({what})"));
    }
    if seed_share > MAX_SHARE {
        return no(seed_share, 0.0, 0.0, format!("the subject fills most of the picture ({what})"));
    }
    let r = (w.min(h) / 24).max(4);
    // Twice: the first pass's cut-out is a better seed than the rough mask
    // (whose "sure" inside may still hold background).
    let (first, _, _) = local_colour_matte(seed, &a.rgb, r);
    let reseeded =
        Field { width: w, height: h, data: first.iter().map(|&q| if q >= 0.5 { 1.0 } else { 0.0 }).collect() };
    let (refined, band, decided) = local_colour_matte(&reseeded, &a.rgb, r);
    let edge_fit = if band == 0 { 0.0 } else { decided as f32 / band as f32 };
    // Sharpened: where the colours said "mostly subject" the layer takes the
    // pixel whole.
    let matte: Vec<f32> = refined
        .iter()
        .zip(sky.data.iter().zip(&water.data))
        .map(|(&q, (&k, &wa))| smoothstep(0.3, 0.7, q) * (1.0 - k) * (1.0 - wa))
        .collect();
    let matte = fill_holes(matte, w, h, (n * MAX_HOLE) as usize);
    let share = matte.iter().sum::<f32>() / n;
    let ragged = raggedness(&matte, w, h);
    if edge_fit < MIN_EDGE_FIT {
        return no(
            share,
            edge_fit,
            ragged,
            format!("the outline of what is {what} does not follow edges in the photo"),
        );
    }
    if ragged > MAX_RAGGEDNESS {
        return no(share, edge_fit, ragged, format!("the cut-out of what is {what} is ragged or in pieces"));
    }
    if !(MIN_SHARE..=MAX_SHARE).contains(&share) {
        return no(share, edge_fit, ragged, format!("the cut-out of what is {what} is too small or too large"));
    }
    // Its foot: the lowest row the layer stands on.
    let foot = (0..h).rev().find(|&y| matte[y * w..(y + 1) * w].iter().any(|&m| m > 0.5)).unwrap_or(h - 1);
    let nearness = ground((foot as f32 + 0.5) / h as f32).clamp(0.85, 1.0);
    let reason = format!("what is {what} moves as a layer in front of the background");
    let verdict = LayerVerdict { split: true, share, edge_fit, raggedness: ragged, reason };
    (Some(Foreground { matte: Field { width: w, height: h, data: matte }, nearness }), verdict)
}

/// The rough mask `seed` (0 or 1) carried onto the photo's edges. Within
/// `r` of the seed's edge nothing is sure; beyond it, inside is subject and
/// outside is background. Each unsure pixel is compared with the mean
/// colour of the sure subject and the sure background near it (within
/// 2r): its alpha is where its colour lies on the line between the two.
/// A colour guided filter then cleans the result. Returns the matte, the
/// number of unsure pixels and how many of them came out decided (alpha
/// under 0.1 or over 0.9): a real edge decides them, a blurred guess or
/// a subject the colour of its surroundings does not.
fn local_colour_matte(seed: &Field, rgb: &[[f32; 3]], r: usize) -> (Vec<f32>, usize, usize) {
    let (w, h) = (seed.width, seed.height);
    // Sure subject: the whole (2r+1)² window round it is seed; sure
    // background: none of it is (a summed-area table makes both O(1)).
    let cover = box_mean(&seed.data, w, h, r);
    let sure_fg: Vec<f32> = cover.iter().map(|&c| if c > 0.999 { 1.0 } else { 0.0 }).collect();
    let sure_bg: Vec<f32> = cover.iter().map(|&c| if c < 0.001 { 1.0 } else { 0.0 }).collect();
    let big = 2 * r;
    let local_mean = |weight: &[f32]| -> ([Vec<f32>; 3], Vec<f32>) {
        let wsum = box_mean(weight, w, h, big);
        let c: [Vec<f32>; 3] = std::array::from_fn(|k| {
            let v: Vec<f32> = weight.iter().zip(rgb).map(|(m, p)| m * p[k]).collect();
            box_mean(&v, w, h, big)
        });
        (c, wsum)
    };
    let (fg_c, fg_w) = local_mean(&sure_fg);
    let (bg_c, bg_w) = local_mean(&sure_bg);
    let mut alpha = seed.data.clone();
    let mut band = 0usize;
    for i in 0..w * h {
        if sure_fg[i] > 0.5 || sure_bg[i] > 0.5 {
            alpha[i] = sure_fg[i];
            continue;
        }
        band += 1;
        if fg_w[i] < 1e-3 || bg_w[i] < 1e-3 {
            alpha[i] = 0.5;
            continue;
        }
        let f: [f32; 3] = std::array::from_fn(|k| fg_c[k][i] / fg_w[i]);
        let b: [f32; 3] = std::array::from_fn(|k| bg_c[k][i] / bg_w[i]);
        let fb: [f32; 3] = std::array::from_fn(|k| f[k] - b[k]);
        let len2 = fb[0] * fb[0] + fb[1] * fb[1] + fb[2] * fb[2];
        // Subject and background of nearly one colour: nothing to decide by.
        if len2 < 0.02 * 0.02 * 3.0 {
            alpha[i] = 0.5;
            continue;
        }
        let p = rgb[i];
        let t = ((p[0] - b[0]) * fb[0] + (p[1] - b[1]) * fb[1] + (p[2] - b[2]) * fb[2]) / len2;
        alpha[i] = t.clamp(0.0, 1.0);
    }
    let cleaned = colour_guided(&Field { width: w, height: h, data: alpha }, rgb, 2, 1e-3);
    let decided = cleaned
        .iter()
        .zip(sure_fg.iter().zip(&sure_bg))
        .filter(|(q, (f, b))| **f <= 0.5 && **b <= 0.5 && (**q < 0.1 || **q > 0.9))
        .count();
    (cleaned, band, decided)
}

impl Foreground {
    /// Where the background plate keeps the photo (1) and where it is
    /// filled from around (0): where the layer is mostly subject, grown by
    /// two analysis pixels so its soft rim (part subject colour) is not
    /// left behind as a ghost outline. Fainter parts of the rim (stray
    /// hairs, fur against a pale ground) stay in the plate as they are:
    /// filled, they would show as a smooth smear through the layer.
    pub fn plate_keep(&self) -> Field {
        let touched = Field {
            width: self.matte.width,
            height: self.matte.height,
            data: self.matte.data.iter().map(|&m| if m > 0.5 { 1.0 } else { 0.0 }).collect(),
        };
        let grown = touched.dilated(2);
        Field { width: grown.width, height: grown.height, data: grown.data.iter().map(|v| 1.0 - v).collect() }
    }
}

fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Mean over the (2r+1)² window round each pixel (clamped at the borders:
/// the window shrinks), from a summed-area table.
fn box_mean(v: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut sat = vec![0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0f64;
        for x in 0..w {
            row += f64::from(v[y * w + x]);
            sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let s = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0] + sat[y0 * (w + 1) + x0];
            out[y * w + x] = (s / ((y1 - y0) * (x1 - x0)) as f64) as f32;
        }
    }
    out
}

/// The guided filter with a colour guide (He, Sun and Tang, section 3.5):
/// `p` filtered so that its edges follow the edges of `rgb`, window radius
/// `r`, `eps` the regulariser (colour variations much below √eps are
/// smoothed over). A colour guide separates a subject from a background of
/// the same brightness, which the grey guide of `guided.rs` cannot.
pub fn colour_guided(p: &Field, rgb: &[[f32; 3]], r: usize, eps: f32) -> Vec<f32> {
    let (w, h) = (p.width, p.height);
    let mean = |f: &dyn Fn(usize) -> f32| -> Vec<f32> {
        let v: Vec<f32> = (0..w * h).map(f).collect();
        box_mean(&v, w, h, r)
    };
    let mi: [Vec<f32>; 3] = std::array::from_fn(|c| mean(&|i| rgb[i][c]));
    let mp = mean(&|i| p.data[i]);
    let mip: [Vec<f32>; 3] = std::array::from_fn(|c| mean(&|i| rgb[i][c] * p.data[i]));
    // The guide's covariance: rr, rg, rb, gg, gb, bb.
    const PAIRS: [(usize, usize); 6] = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];
    let mii: [Vec<f32>; 6] = std::array::from_fn(|k| {
        let (c, d) = PAIRS[k];
        mean(&|i| rgb[i][c] * rgb[i][d])
    });
    let mut coef: [Vec<f32>; 4] = std::array::from_fn(|_| vec![0f32; w * h]);
    for i in 0..w * h {
        let m = [mi[0][i], mi[1][i], mi[2][i]];
        let cov = |k: usize| mii[k][i] - m[PAIRS[k].0] * m[PAIRS[k].1];
        // Σ + eps·I, symmetric.
        let (a, b, c, d, e, f) = (cov(0) + eps, cov(1), cov(2), cov(3) + eps, cov(4), cov(5) + eps);
        let cip = [mip[0][i] - m[0] * mp[i], mip[1][i] - m[1] * mp[i], mip[2][i] - m[2] * mp[i]];
        // Inverse by cofactors (the matrix is positive definite: eps > 0).
        let (c00, c01, c02) = (d * f - e * e, c * e - b * f, b * e - c * d);
        let (c11, c12, c22) = (a * f - c * c, b * c - a * e, a * d - b * b);
        let det = a * c00 + b * c01 + c * c02;
        let inv = if det.abs() > 1e-12 { 1.0 / det } else { 0.0 };
        let k = [
            (c00 * cip[0] + c01 * cip[1] + c02 * cip[2]) * inv,
            (c01 * cip[0] + c11 * cip[1] + c12 * cip[2]) * inv,
            (c02 * cip[0] + c12 * cip[1] + c22 * cip[2]) * inv,
        ];
        coef[0][i] = k[0];
        coef[1][i] = k[1];
        coef[2][i] = k[2];
        coef[3][i] = mp[i] - k[0] * m[0] - k[1] * m[1] - k[2] * m[2];
    }
    let coef: [Vec<f32>; 4] = std::array::from_fn(|k| box_mean(&coef[k], w, h, r));
    (0..w * h)
        .map(|i| {
            let g = rgb[i];
            (coef[0][i] * g[0] + coef[1][i] * g[1] + coef[2][i] * g[2] + coef[3][i]).clamp(0.0, 1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both guesses, as `Scene::analyse` makes them.
    fn find_all(
        a: &Analysis,
        people: Option<&Field>,
        sky: &Field,
        water: &Field,
        ground: &dyn Fn(f32) -> f32,
    ) -> Attempt {
        find(a, people.map(People::Shapes), sky, water, ground, in_focus(a, sky, water, ground))
    }

    /// An analysis picture of a disc of one colour on a background of
    /// another with the same luma (red on a grey-green), plus noise.
    fn disc_picture(w: usize, h: usize, r: f32) -> Analysis {
        let mut rgb8 = Vec::with_capacity(w * h * 3);
        let mut seed = 7u32;
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let jitter = (seed >> 29) as u8;
                let inside = (x as f32 - w as f32 / 2.0).hypot(y as f32 - h as f32 / 2.0) < r;
                let c: [u8; 3] = if inside { [200, 60, 60] } else { [96, 110, 96] };
                rgb8.extend(c.iter().map(|v| v + jitter));
            }
        }
        Analysis::new(w, h, &rgb8)
    }

    #[test]
    fn a_rough_blob_snaps_to_the_disc_it_covers() {
        let (w, h, r) = (120, 90, 22.0);
        let a = disc_picture(w, h, r);
        // The rough mask: a box 20% larger than the disc, blurred.
        let mut rough = Field::new(w, h, 0.0);
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
                if dx.abs() < r * 1.15 && dy.abs() < r * 1.15 {
                    rough.data[y * w + x] = 1.0;
                }
            }
        }
        let rough = rough.blurred(3);
        let none = Field::new(w, h, 0.0);
        let (fg, verdict) = find_all(&a, Some(&rough), &none, &none, &|_| 0.5);
        let fg = fg.unwrap_or_else(|| panic!("no layer: {verdict:?}"));
        assert!(verdict.split && verdict.edge_fit > 0.7, "{verdict:?}");
        // The matte's edge lies on the disc's: a box corner (outside the
        // disc) is out, a point just inside the disc's edge is in.
        let at = |x: f32, y: f32| fg.matte.get(x as usize, y as usize);
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        assert!(at(cx + r * 1.05, cy + r * 1.05) < 0.1, "corner {}", at(cx + r * 1.05, cy + r * 1.05));
        assert!(at(cx + r * 0.85, cy) > 0.9, "inside {}", at(cx + r * 0.85, cy));
        assert!(at(cx + r + 2.0, cy) < 0.1, "outside {}", at(cx + r + 2.0, cy));
        let disc_share = std::f32::consts::PI * r * r / (w * h) as f32;
        assert!((verdict.share - disc_share).abs() < 0.2 * disc_share, "{} vs {disc_share}", verdict.share);
        assert!((fg.nearness - 0.85).abs() < 1e-6);
    }

    #[test]
    fn a_blob_over_a_plain_gradient_is_no_layer() {
        // Nothing in the picture has an edge: the rough mask stays a guess.
        let (w, h) = (120, 90);
        let rgb8: Vec<u8> = (0..w * h).flat_map(|i| [(i % w) as u8 + 60, 100, 120]).collect();
        let a = Analysis::new(w, h, &rgb8);
        let mut rough = Field::new(w, h, 0.0);
        for y in 25..65 {
            for x in 40..80 {
                rough.data[y * w + x] = 1.0;
            }
        }
        let none = Field::new(w, h, 0.0);
        let (fg, verdict) = find_all(&a, Some(&rough.blurred(3)), &none, &none, &|_| 0.5);
        assert!(fg.is_none() && !verdict.split, "{verdict:?}");
        assert!(verdict.edge_fit < MIN_EDGE_FIT);
    }

    #[test]
    fn sky_never_joins_the_layer_and_tiny_subjects_are_left_alone() {
        let (w, h, r) = (120, 90, 22.0);
        let a = disc_picture(w, h, r);
        let all = Field::new(w, h, 1.0);
        let none = Field::new(w, h, 0.0);
        // Everything is subject but also sky: nothing may be cut out.
        let (fg, verdict) = find_all(&a, Some(&all), &all, &none, &|_| 0.5);
        assert!(fg.is_none() && verdict.share < MIN_SHARE, "{verdict:?}");
    }

    #[test]
    fn a_sharp_subject_on_a_blurred_background_is_cut_out_without_help() {
        // A checkered disc (in focus) on smooth colour gradients (out of
        // focus), no people: the focus guess finds it.
        let (w, h, r) = (160usize, 120usize, 30.0f32);
        let mut rgb8 = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let inside = (x as f32 - 80.0).hypot(y as f32 - 60.0) < r;
                let c = if inside {
                    if (x / 3 + y / 3) % 2 == 0 {
                        [230, 200, 40]
                    } else {
                        [120, 60, 20]
                    }
                } else {
                    [40 + (x / 4) as u8, 90 + (y / 4) as u8, 160]
                };
                rgb8.extend(c);
            }
        }
        let a = Analysis::new(w, h, &rgb8);
        let none = Field::new(w, h, 0.0);
        let (fg, verdict) = find_all(&a, None, &none, &none, &|fy| fy);
        let fg = fg.unwrap_or_else(|| panic!("no layer: {verdict:?}"));
        assert!(verdict.reason.contains("in focus"), "{verdict:?}");
        assert!(fg.matte.get(80, 60) > 0.9 && fg.matte.get(80, 60 + 26) > 0.5);
        assert!(fg.matte.get(80 + 36, 60) < 0.1 && fg.matte.get(10, 10) < 0.1);
        // Its foot is the disc's bottom (row 90 of 120), where the ground's
        // nearness (0.75 here) is below the floor every subject gets.
        assert!((fg.nearness - 0.85).abs() < 1e-6, "{}", fg.nearness);
        // Every layer leaves the plate its own outside, grown by a pixel.
        let keep = fg.plate_keep();
        assert_eq!(keep.get(80, 60), 0.0);
        assert_eq!(keep.get(10, 10), 1.0);
    }

    #[test]
    fn box_mean_matches_a_direct_sum() {
        let (w, h, r) = (9, 7, 2);
        let v: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 11) as f32).collect();
        let m = box_mean(&v, w, h, r);
        for y in 0..h {
            for x in 0..w {
                let (mut s, mut c) = (0.0, 0.0);
                for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                        s += v[yy * w + xx];
                        c += 1.0;
                    }
                }
                assert!((m[y * w + x] - s / c).abs() < 1e-4);
            }
        }
    }
}
