//! The frame compositor. Everything is prepared once in a [`Stage`]; each
//! frame is then one pass over the output in 2×2 blocks (one chroma sample
//! and four luma samples), a pair of rows at a time: the camera maps each
//! block into the source and the masks there say which layers apply
//! (`render/blocks.rs`); blocks only the camera moves are sampled in runs
//! (`vivify_picture::rows`), the rest mix their layers in Y'CbCr here.
//! Particles and stars are drawn afterwards (see `particles.rs`).

use super::camera::{ease, Path, Pose};
use super::fill::push_pull;
use super::grade::GradeYuv;
use super::lights::Flicker;
use super::particles::Particles;
use super::plan::Plan;
use super::scene::Scene;
use super::steam::Steam;
use vivify_codec::Frame;
use vivify_media::error::Result;
use vivify_picture::image::{resize, Field, Plane, Rect, Rgb, Yuv};
use vivify_picture::rows::{luma_run, pair_run, LumaRun};

mod blocks;
mod params;

use blocks::{BlockRow, FrameMap};
use params::FrameParams;

/// Seconds over which motion fades in from the still photo.
const WAKE_S: f32 = 0.6;
/// Source pixels between the worked-out points of the drifting
/// light-and-shadow pattern (its patches are hundreds of pixels wide; the
/// points are blended bilinearly).
const SHADE_TILE: usize = 16;
/// Blocks along a row between exact evaluations of the shade.
const SHADE_STEP: usize = 8;

/// Everything a frame needs, prepared once.
pub struct Stage {
    pub width: usize,
    pub height: usize,
    pub duration: f32,
    src: Yuv,
    /// Masks at the source's chroma size (0..=255).
    sky: Plane,
    /// The sky mask grown a little, for colour grades only.
    grade_sky: Plane,
    water: Plane,
    near: Plane,
    subject: Plane,
    /// Whether each row of `subject` and of `sway` holds anything.
    subject_rows: Vec<bool>,
    sway_rows: Vec<bool>,
    /// How far each place sways in the wind (0..=255), at chroma size.
    sway: Plane,
    flickers: Vec<Flicker>,
    /// Blinks and smiles of the faces whose mesh was found.
    blinks: Option<super::blink::Blinks>,
    smiles: Option<super::smile::Smiles>,
    glances: Option<super::glance::Glances>,
    nods: Option<super::nod::Nods>,
    /// Steam and where it rises from (source pixels).
    steam: Option<(Steam, (f32, f32))>,
    sky_plate: Option<Yuv>,
    water_plate: Option<Yuv>,
    /// The subject as a layer of its own (see `layers.rs`).
    fg: Option<FgLayer>,
    pub path: Path,
    horizon: f32,
    subject_centre: (f32, f32),
    sun: (f32, f32),
    plan: Plan,
    grade: Option<GradeYuv>,
    particles: Particles,
    fog_noise: Vec<f32>,
    /// Mean luma of the sky (for keeping its relief when grading).
    sky_luma: f32,
}

/// The foreground layer at the source's size: it moves as one flat piece at
/// its own nearness; where it uncovers the background, the background plate
/// (the photo with the subject filled in from around it) shows.
struct FgLayer {
    /// How much of each place belongs to the layer (0..=255, chroma size).
    matte: Plane,
    /// Whether each row of `matte` holds anything.
    rows: Vec<bool>,
    /// The layer's nearness (0..=255).
    near: u8,
    plate: Yuv,
}

/// Per-frame scratch: what each 2×2 block of the output shows.
pub struct Cover {
    pub width: usize,
    /// Nearness of the scene at each block (0..=255).
    pub near: Vec<u8>,
    /// Sky weight at each block (0..=255).
    pub sky: Vec<u8>,
}

/// Integral of the wake-up envelope from 0 to `t` (closed form of the
/// smoothstep ramp), so drifts start from rest without a jump.
fn wake_integral(t: f32) -> f32 {
    if t >= WAKE_S {
        t - WAKE_S * 0.5
    } else {
        let u = (t / WAKE_S).max(0.0);
        WAKE_S * (u * u * u - 0.5 * u * u * u * u)
    }
}

/// Period close to `want` that divides `total` a whole number of times.
fn fitting_period(total: f32, want: f32) -> f32 {
    total / (total / want).round().max(1.0)
}

/// A tileable value-noise texture (64×64), for fog.
fn noise_texture(seed: u64) -> Vec<f32> {
    let mut rng = super::Rng::new(seed ^ 0xF06);
    let grid: Vec<f32> = (0..16 * 16).map(|_| rng.unit()).collect();
    let mut out = vec![0f32; 64 * 64];
    for y in 0..64 {
        for x in 0..64 {
            let (gx, gy) = (x as f32 / 4.0, y as f32 / 4.0);
            let (x0, y0) = (gx as usize, gy as usize);
            let (fx, fy) = (ease(gx - x0 as f32), ease(gy - y0 as f32));
            let g = |i: usize, j: usize| grid[(j % 16) * 16 + (i % 16)];
            let top = g(x0, y0) * (1.0 - fx) + g(x0 + 1, y0) * fx;
            let bot = g(x0, y0 + 1) * (1.0 - fx) + g(x0 + 1, y0 + 1) * fx;
            out[y * 64 + x] = top * (1.0 - fy) + bot * fy;
        }
    }
    out
}

/// Bilinear sample of the tiling noise texture.
fn noise_at(tex: &[f32], x: f32, y: f32) -> f32 {
    // The texture tiles every 64 texels: wrap with a mask (two's complement
    // keeps negative positions in step).
    let (fx, fy) = (x.floor(), y.floor());
    let (ax, ay) = (x - fx, y - fy);
    let (x0, y0) = (fx as i32, fy as i32);
    let at = |x: i32, y: i32| tex[((y & 63) * 64 + (x & 63)) as usize];
    let top = at(x0, y0) * (1.0 - ax) + at(x0 + 1, y0) * ax;
    let bot = at(x0, y0 + 1) * (1.0 - ax) + at(x0 + 1, y0 + 1) * ax;
    top * (1.0 - ay) + bot * ay
}

/// Resizes the `win` of `photo` to `sw`×`sh` and converts it to Y'CbCr,
/// the top and bottom halves on the two cores. The halves are exactly the
/// rows a single pass would give (same filter positions).
fn resize_yuv_parallel(photo: &Rgb, win: Rect, sw: usize, sh: usize) -> Result<Yuv> {
    let top_rows = (sh / 2) & !1;
    if top_rows < 2 {
        return Ok(Yuv::from_rgb(&resize(photo, win, sw, sh)?));
    }
    let row_h = win.h / sh as f64;
    let top = Rect { h: row_h * top_rows as f64, ..win };
    let bottom = Rect { y: win.y + row_h * top_rows as f64, h: row_h * (sh - top_rows) as f64, ..win };
    let parts = vivify_picture::parallel::in_parallel(vec![(top, top_rows), (bottom, sh - top_rows)], |(r, rows)| {
        Ok(Yuv::from_rgb(&resize(photo, r, sw, rows)?))
    })?;
    let mut it = parts.into_iter();
    let (Some(mut a), Some(b)) = (it.next(), it.next()) else {
        return Err(vivify_media::error::Error::codec("a resize thread returned nothing"));
    };
    a.y.data.extend_from_slice(&b.y.data);
    a.y.height += b.y.height;
    a.u.data.extend_from_slice(&b.u.data);
    a.u.height += b.u.height;
    a.v.data.extend_from_slice(&b.v.data);
    a.v.height += b.v.height;
    Ok(a)
}

impl Stage {
    /// Prepares the source at output scale, the masks, the plates and the
    /// camera path. `crop` is the rest framing in photo pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        photo: &Rgb,
        scene: &Scene,
        plan: &Plan,
        crop: Rect,
        width: usize,
        height: usize,
        duration: f32,
        seed: u64,
    ) -> Result<Stage> {
        let k = width as f64 / crop.w;
        let (pw, ph) = (photo.width as f64, photo.height as f64);
        // Only the part of the photo the camera can reach is prepared: the
        // rest framing plus a margin for the move (the path zooms in a bit
        // more if a move would need more than that).
        let m = 0.1 + f64::from(plan.camera.amount) + 3.0 * f64::from(plan.camera.parallax);
        let (mx, my) = (m * crop.w, m * crop.h);
        let wx0 = (crop.x - mx).max(0.0).floor();
        let wy0 = (crop.y - my).max(0.0).floor();
        let wx1 = (crop.x + crop.w + mx).min(pw).ceil();
        let wy1 = (crop.y + crop.h + my).min(ph).ceil();
        let win = Rect { x: wx0, y: wy0, w: wx1 - wx0, h: wy1 - wy0 };
        let sw = ((win.w * k).round() as usize).max(width);
        let sh = ((win.h * k).round() as usize).max(height);
        let src = resize_yuv_parallel(photo, win, sw, sh)?;
        let (cw, ch) = (src.u.width, src.u.height);
        let frac = (win.x / pw, win.y / ph, win.w / pw, win.h / ph);
        // The masks at the source's chroma size, on the two cores.
        let window = |f: &Field| f.to_plane_window(frac, cw, ch);
        let unused = || Plane::filled(1, 1, 0);
        let ((sky, grade_sky, water), (near, subject, sway)) = std::thread::scope(|scope| {
            let masks = scope.spawn(|| {
                let sky = window(&scene.sky);
                let grade_sky = if plan.grade.is_some() { window(&scene.sky.dilated(1).blurred(1)) } else { unused() };
                let water = if plan.water.is_some() { window(&scene.water) } else { unused() };
                (sky, grade_sky, water)
            });
            let near = window(&scene.nearness);
            let moves = plan.breathe > 0.0 || plan.light_sweep > 0.0;
            let subject = if moves { window(&scene.subject) } else { unused() };
            let sway = if plan.sway > 0.0 { window(&scene.foliage) } else { unused() };
            masks
                .join()
                .map(|m| (m, (near, subject, sway)))
                .map_err(|_| vivify_media::error::Error::Internal("a mask thread panicked".into()))
        })?;
        // Rows of the subject and sway planes with anything in them: the
        // per-block work for breathing and wind skips the rest.
        let any_in_rows = |p: &Plane| p.data.chunks(p.width.max(1)).map(|r| r.iter().any(|&v| v > 0)).collect();
        let (subject_rows, sway_rows) = (any_in_rows(&subject), any_in_rows(&sway));
        let plate = |keep_chroma: &Plane| -> Yuv {
            // One keep mask at chroma size serves the luma too (the masks
            // come from a 384-pixel analysis: finer would add nothing).
            // Luma and chroma on the two cores.
            std::thread::scope(|scope| {
                let y = scope.spawn(|| push_pull(&src.y, keep_chroma));
                let u = push_pull(&src.u, keep_chroma);
                let v = push_pull(&src.v, keep_chroma);
                let y = y.join().unwrap_or_else(|_| src.y.clone());
                Yuv { y, u, v }
            })
        };
        let sky_plate = plan.clouds.is_some().then(|| plate(&sky));
        let water_plate = plan.water.is_some().then(|| plate(&water));
        let fg = scene.foreground.as_ref().filter(|_| plan.camera.parallax > 0.0 || plan.breathe > 0.0).map(|l| {
            let matte = window(&l.matte);
            let rows = any_in_rows(&matte);
            let plate = plate(&window(&l.plate_keep()));
            FgLayer { matte, rows, near: (l.nearness * 255.0).round().clamp(0.0, 255.0) as u8, plate }
        });
        // Photo fractions → source pixels of the window.
        let to_src = |fx: f64, fy: f64| (((fx * pw - win.x) * k) as f32, ((fy * ph - win.y) * k) as f32);
        let rest =
            (((crop.x - win.x) * k) as f32 + width as f32 * 0.5, ((crop.y - win.y) * k) as f32 + height as f32 * 0.5);
        let sb = scene.summary.subject;
        let subject_centre = to_src(sb.x + sb.w * 0.5, sb.y + sb.h * 0.5);
        // The camera pivots on the subject's depth: a cut-out subject holds
        // still while what lies behind it glides.
        let focus = match &fg {
            Some(l) => f32::from(l.near) / 255.0,
            None => scene.nearness.sample(
                (sb.x + sb.w * 0.5) as f32 * scene.nearness.width as f32,
                (sb.y + sb.h * 0.5) as f32 * scene.nearness.height as f32,
            ),
        };
        let path = Path {
            motion: plan.camera.motion,
            amount: plan.camera.amount,
            parallax: plan.camera.parallax,
            looped: plan.looped,
            duration,
            out: (width as f32, height as f32),
            src: (sw as f32, sh as f32),
            rest,
            focus: focus.clamp(0.2, 0.8),
        };
        let horizon = to_src(0.0, f64::from(scene.summary.horizon.unwrap_or(0.4))).1;
        let sun = scene.summary.sun.map_or_else(
            || to_src(crop.x / pw + 0.72 * crop.w / pw, crop.y / ph + 0.12 * crop.h / ph),
            |(x, y)| to_src(f64::from(x), f64::from(y)),
        );
        let in_window = |(x, y): (f32, f32)| x >= 0.0 && y >= 0.0 && x < sw as f32 && y < sh as f32;
        // One lid motion a clip: a laugh's narrowed eyes, else a wink, else blinks.
        let style = if plan.laugh {
            Some(super::blink::Style::Squint)
        } else if plan.wink {
            Some(super::blink::Style::Wink)
        } else {
            plan.blink.then_some(super::blink::Style::Blink)
        };
        let blinks = style.and_then(|style| {
            super::blink::Blinks::new(&scene.face_meshes, |x, y| to_src(f64::from(x), f64::from(y)), duration, style)
        });
        let smiles = super::smile::Smiles::new(
            &scene.face_meshes,
            |x, y| to_src(f64::from(x), f64::from(y)),
            duration,
            plan.looped,
            plan.smile,
        );
        let glances = if plan.glance {
            super::glance::Glances::new(&scene.face_meshes, |x, y| to_src(f64::from(x), f64::from(y)), duration, seed)
        } else {
            None
        };
        let nod = if plan.laugh { Some(super::nod::Style::Laugh) } else { plan.nod.then_some(super::nod::Style::Nod) };
        let nods = nod.and_then(|style| {
            super::nod::Nods::new(&scene.face_meshes, |x, y| to_src(f64::from(x), f64::from(y)), duration, style)
        });
        let flickers = if plan.flicker > 0.0 {
            let placed: Vec<_> = scene
                .lights
                .iter()
                .map(|l| {
                    let at = to_src(f64::from(l.x), f64::from(l.y));
                    let r = (f64::from(l.r) * pw * k) as f32;
                    (*l, at, (r * 1.5).max(2.0 * (width.min(height) as f32 / 1080.0).max(0.6)))
                })
                .filter(|(_, at, _)| in_window(*at))
                .collect();
            Flicker::new(&placed, plan.flicker, duration, plan.looped, seed)
        } else {
            Vec::new()
        };
        let steam = plan.steam.map(|s| {
            let at = to_src(f64::from(s.origin.0), f64::from(s.origin.1));
            let wide = (f64::from(s.width) * pw * k) as f32;
            (Steam::new(wide, height as f32, s.strength, 0.0, duration, plan.looped, seed), at)
        });
        let particles = Particles::new(&plan.particles, plan.stars, width, height, duration, plan.looped, seed);
        let sky_luma = {
            let (mut s, mut c) = (0.0f64, 0.0f64);
            for (i, m) in sky.data.iter().enumerate() {
                if *m > 200 {
                    let (x, y) = ((i % cw) * 2, (i / cw) * 2);
                    s += f64::from(src.y.data[y.min(sh - 1) * sw + x.min(sw - 1)]);
                    c += 1.0;
                }
            }
            if c > 0.0 {
                (s / c) as f32
            } else {
                128.0
            }
        };
        Ok(Stage {
            width,
            height,
            duration,
            src,
            sky,
            grade_sky,
            water,
            near,
            subject,
            subject_rows,
            sway,
            sway_rows,
            flickers,
            blinks,
            smiles,
            glances,
            nods,
            steam,
            sky_plate,
            water_plate,
            fg,
            path,
            horizon,
            subject_centre,
            sun,
            grade: plan.grade.map(|g| GradeYuv::new(g.grade)),
            plan: plan.clone(),
            particles,
            fog_noise: noise_texture(seed),
            sky_luma,
        })
    }

    /// What the camera shows behind the foreground layer: the background
    /// plate when the subject is a layer of its own, else the photo.
    fn behind(&self) -> &Yuv {
        self.fg.as_ref().map_or(&self.src, |fg| &fg.plate)
    }

    /// How awake the scene is at `t` (0 at the still, 1 once moving).
    fn wake(&self, t: f32) -> f32 {
        if self.path.looped {
            1.0
        } else {
            ease(t / WAKE_S)
        }
    }

    /// Renders the frame at `t` seconds into `out` (which must have the
    /// stage's size); `cover` is reused between frames.
    ///
    /// The camera is split into an affine part, the same for every pixel of
    /// a row or column (kept as fixed-point tables), and a per-block
    /// displacement from depth (parallax, dolly, breathing) looked up by
    /// nearness. A pixel that no layer touches costs two additions and one
    /// fixed-point bilinear sample.
    pub fn render(&self, t: f32, out: &mut Frame, cover: &mut Cover) {
        let (w, h) = (self.width, self.height);
        let pose = self.path.pose(t);
        let wake = self.wake(t);
        let f = FrameParams::new(self, t, wake, &pose);
        let map = FrameMap::new(self, &pose, &f);
        let (xa, ya) = (&map.xa, &map.ya);
        let cw = w.div_ceil(2);
        cover.width = cw;
        cover.near.resize(cw * h.div_ceil(2), 0);
        cover.sky.resize(cw * h.div_ceil(2), 0);
        let sky_src = self.sky_plate.as_ref().unwrap_or(&self.src);
        let behind = self.behind();
        let mut row = BlockRow::new(cw, !f.shade.is_empty());
        // Fast-path chroma samples (×256) per block.
        let (mut fast_u, mut fast_v) = (vec![0u32; cw], vec![0u32; cw]);
        // The second output row when the frame's height is odd (unused).
        let mut spare_row = if h % 2 == 1 { vec![0u8; w] } else { Vec::new() };
        for cy in 0..h.div_ceil(2) {
            let (y0, y1) = (cy * 2, (cy * 2 + 1).min(h - 1));
            row.plan(self, &map, &f, cy);
            cover.near[cy * cw..(cy + 1) * cw].copy_from_slice(&row.near);
            cover.sky[cy * cw..(cy + 1) * cw].copy_from_slice(&row.sky);
            // Camera-only blocks, in runs that read one plane: two additions
            // and one fixed-point sample per pixel (eight at a time where the
            // CPU allows). Sources are in video range already, and so is any
            // mix of them.
            let (row0, rest) = out.y[y0 * w..].split_at_mut(w);
            let row1: &mut [u8] = if y1 > y0 { &mut rest[..w] } else { &mut spare_row };
            let kinds = &row.kinds;
            let mut b = 0;
            while b < cw {
                let kind = kinds[b];
                let end = kinds[b..].iter().position(|&k| k != kind).map_or(cw, |n| b + n);
                if kind != 2 {
                    let planes = match kind {
                        0 => behind,
                        1 => sky_src,
                        _ => &self.src,
                    };
                    let (x0, x1) = (b * 2, (end * 2).min(w));
                    let run = LumaRun {
                        xa: &xa[x0..x1],
                        dx: &row.dxs[b..end],
                        dy: &row.dys[b..end],
                        gain: &row.gains[b..end],
                        ya: (ya[y0], ya[y1]),
                    };
                    luma_run(&planes.y, &run, &mut row0[x0..x1], &mut row1[x0..x1]);
                    pair_run(
                        &planes.u,
                        &planes.v,
                        &row.chroma_x[b..end],
                        &row.chroma_y[b..end],
                        &mut fast_u[b..end],
                        &mut fast_v[b..end],
                    );
                }
                b = end;
            }
            for cx in 0..cw {
                let ci = cy * cw + cx;
                if kinds[cx] == 2 {
                    self.full_block(
                        (cx, cy),
                        ((row.dxs[cx], row.dys[cx]), row.masks[cx], (row.near[cx], row.fog[cx]), row.shades[cx]),
                        (row.layer[cx], (row.fg_dxs[cx], row.fg_dys[cx])),
                        (xa, ya),
                        &pose,
                        &f,
                        out,
                    );
                    continue;
                }
                let (u, v) = (fast_u[cx], fast_v[cx]);
                // Only a grade alone makes per-block grades (see `BlockRow`).
                match &row.grades[cx] {
                    g if f.grade_only && *g != BlockGrade::IDENTITY => {
                        let (u, v) = (u as f32 / 256.0, v as f32 / 256.0);
                        out.u[ci] = (u * g.chroma + g.u_offset + 0.5).clamp(16.0, 240.0) as u8;
                        out.v[ci] = (v * g.chroma + g.v_offset + 0.5).clamp(16.0, 240.0) as u8;
                    }
                    _ => {
                        out.u[ci] = ((u + 128) >> 8) as u8;
                        out.v[ci] = ((v + 128) >> 8) as u8;
                    }
                }
                if f.any_finish && !f.grade_only && (f.finish_everywhere || row.subjects[cx] > 0) {
                    self.finish_in_place(
                        (cx, cy),
                        row.rows[cx],
                        row.masks[cx],
                        row.subjects[cx],
                        (row.near[cx], row.fog[cx]),
                        &f,
                        out,
                    );
                }
            }
        }
        let night = match self.plan.grade {
            Some(g) if matches!(g.grade, super::prompt::Grade::Night | super::prompt::Grade::BlueHour) => f.grade,
            _ => 0.0,
        };
        if let Some(b) = &self.blinks {
            b.draw(t, out, |p| self.to_out(&pose, p));
        }
        if let Some(s) = &self.smiles {
            s.draw(t, out, |p| self.to_out(&pose, p));
        }
        if let Some(g) = &self.glances {
            g.draw(t, out, |p| self.to_out(&pose, p));
        }
        // Last of the face motions: the nod carries the eyes and mouth
        // drawn above with the head.
        if let Some(n) = &self.nods {
            n.draw(t, out, |p| self.to_out(&pose, p));
        }
        for fl in &self.flickers {
            fl.draw(t, wake, self.to_out(&pose, (fl.x, fl.y)), out);
        }
        if let Some((steam, at)) = &self.steam {
            steam.draw(t, wake, self.to_out(&pose, *at), out);
        }
        self.particles.draw(t, wake, night, out, cover);
    }

    /// Where a source point appears in the output under `pose`, with the
    /// parallax of its depth (the inverse of the block mapping).
    fn to_out(&self, pose: &Pose, (x, y): (f32, f32)) -> (f32, f32) {
        let (qx, qy) = (x * 0.5 - 0.5, y * 0.5 - 0.5);
        let n = match &self.fg {
            Some(fg) if fg.matte.at(qx, qy) >= 128 => f32::from(fg.near) / 255.0,
            _ => f32::from(self.near.at(qx, qy)) / 255.0,
        };
        let dn = n - pose.focus;
        let k = pose.spread / (1.0 + pose.dolly * dn).max(0.2);
        (
            self.width as f32 * 0.5 + (x - pose.cx - pose.shift.0 * dn) / k,
            self.height as f32 * 0.5 + (y - pose.cy - pose.shift.1 * dn) / k,
        )
    }

    /// One 2×2 block through every layer (sky, water, grade, light, fog).
    #[allow(clippy::too_many_arguments)]
    fn full_block(
        &self,
        (cx, cy): (usize, usize),
        ((dxf, dyf), (ms8, mw8, gs8), (ni, fog), shade): FullBlockInputs,
        (layer, (fg_dx, fg_dy)): (u8, (i32, i32)),
        (xa, ya): (&[i32], &[i32]),
        pose: &Pose,
        f: &FrameParams,
        out: &mut Frame,
    ) {
        let (w, h) = (self.width, self.height);
        let (bx, by) = (cx as f32 * 2.0 + 1.0, cy as f32 * 2.0 + 1.0);
        let sx = pose.cx + (bx - w as f32 * 0.5) * pose.spread + dxf as f32 / 256.0;
        let sy = pose.cy + (by - h as f32 * 0.5) * pose.spread + dyf as f32 / 256.0;
        let (qx, qy) = (sx * 0.5 - 0.5, sy * 0.5 - 0.5);
        let (ms, mw) = (f32::from(ms8) / 255.0, f32::from(mw8) / 255.0);
        let subj = if f.sweep > 0.0 { f32::from(self.subject.at(qx, qy)) / 255.0 } else { 0.0 };
        let pos = block_pixels(cx, cy, w, h);
        // What lies under this block: the photo itself where the foreground
        // layer covers it, the background plate elsewhere.
        let base = if layer == 2 { &self.src } else { self.behind() };
        let mut ys = [0f32; 4];
        for (j, &(x, y)) in pos.iter().enumerate() {
            let (px, py) = ((xa[x] + dxf) as f32 / 256.0, (ya[y] + dyf) as f32 / 256.0);
            ys[j] = self.layered_y(base, px, py, sy, ms, mw, f);
        }
        if shade != 256 {
            let g = shade as f32 / 256.0;
            for y in ys.iter_mut() {
                *y = 16.0 + (*y - 16.0) * g;
            }
        }
        let (mut u, mut v) = self.layered_uv(base, qx, qy, sx, sy, ms, mw, f);
        if let (1, Some(fg)) = (layer, &self.fg) {
            // The layer's edge over the background: each pixel takes the
            // layer as much as the matte says there, where the layer is.
            for (j, &(x, y)) in pos.iter().enumerate() {
                let (px, py) = ((xa[x] + fg_dx) as f32 / 256.0, (ya[y] + fg_dy) as f32 / 256.0);
                let a = fg.matte.sample(px * 0.5 - 0.5, py * 0.5 - 0.5) / 255.0;
                ys[j] += (self.src.y.sample(px, py) - ys[j]) * a;
            }
            let fx = pose.cx + (bx - w as f32 * 0.5) * pose.spread + fg_dx as f32 / 256.0;
            let fy = pose.cy + (by - h as f32 * 0.5) * pose.spread + fg_dy as f32 / 256.0;
            let (qx, qy) = (fx * 0.5 - 0.5, fy * 0.5 - 0.5);
            let a = fg.matte.sample(qx, qy) / 255.0;
            u += (self.src.u.sample(qx, qy) - u) * a;
            v += (self.src.v.sample(qx, qy) - v) * a;
        }
        if f.any_finish {
            let gs = f32::from(gs8) / 255.0;
            self.finish(&mut ys, &mut u, &mut v, (bx, by), sy, (ms, mw, gs), (f32::from(ni) / 255.0, fog), subj, f);
        }
        store(out, &pos, &ys, cy * w.div_ceil(2) + cx, (u, v));
    }

    /// The grade of `finish` for one fast-path block, as an affine map: it
    /// only scales luma around black and moves chroma, so it can be applied
    /// while the samples are written.
    fn block_grade(&self, sy: f32, gs8: u8, f: &FrameParams) -> BlockGrade {
        let Some(g) = &self.grade else { return BlockGrade::IDENTITY };
        let a = f.grade;
        let target = g.sky_at(sy / self.horizon.max(1.0));
        let sa = a * (f32::from(gs8) / 255.0 * 2.5).min(1.0);
        let fa = a - sa;
        let gain_sky = ((target[0] - 16.0) / (self.sky_luma - 16.0).max(8.0)).clamp(0.08, 1.6);
        let luma = 1.0 + (gain_sky - 1.0) * sa + (g.scene_gain - 1.0) * fa;
        // u' = u + (t + (u - 128)·0.3 - u)·sa + du·fa = u·(1 - 0.7·sa) + …
        let chroma = 1.0 - 0.7 * sa;
        BlockGrade {
            luma: (luma * 256.0).round() as i32,
            chroma,
            u_offset: (target[1] - 38.4) * sa + g.scene_du * fa,
            v_offset: (target[2] - 38.4) * sa + g.scene_dv * fa,
        }
    }

    /// Grade, light and fog on a block already sampled by the fast path.
    #[allow(clippy::too_many_arguments)]
    fn finish_in_place(
        &self,
        (cx, cy): (usize, usize),
        sy: f32,
        (ms8, mw8, gs8): (u8, u8, u8),
        subj8: u8,
        (ni, fog): (u8, f32),
        f: &FrameParams,
        out: &mut Frame,
    ) {
        let (w, h) = (self.width, self.height);
        let pos = block_pixels(cx, cy, w, h);
        let mut ys = pos.map(|(x, y)| f32::from(out.y[y * w + x]));
        let ci = cy * w.div_ceil(2) + cx;
        let (mut u, mut v) = (f32::from(out.u[ci]), f32::from(out.v[ci]));
        let (ms, mw) = (f32::from(ms8) / 255.0, f32::from(mw8) / 255.0);
        let (bx, by) = (cx as f32 * 2.0 + 1.0, cy as f32 * 2.0 + 1.0);
        let subj = f32::from(subj8) / 255.0;
        let gs = f32::from(gs8) / 255.0;
        self.finish(&mut ys, &mut u, &mut v, (bx, by), sy, (ms, mw, gs), (f32::from(ni) / 255.0, fog), subj, f);
        store(out, &pos, &ys, ci, (u, v));
    }

    /// Luma with the sky and water layers at sample position (`px`, `py`);
    /// `sy` is the block's source row (for the sky's perspective).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn layered_y(&self, base: &Yuv, px: f32, py: f32, sy: f32, ms: f32, mw: f32, f: &FrameParams) -> f32 {
        let sky = self.sky_plate.as_ref().filter(|_| ms > 0.0);
        let mut y = if ms >= 0.999 && sky.is_some() { 0.0 } else { base.y.sample(px, py) };
        if let Some(plate) = sky {
            let (ax, ay, bx, by, wa) = f.sky_offsets(sy);
            let mut s = plate.y.sample(px - ax, py - ay);
            if wa < 1.0 {
                s = s * wa + plate.y.sample(px - bx, py - by) * (1.0 - wa);
            }
            y += (s - y) * ms;
        }
        if let (Some(plate), true) = (&self.water_plate, mw > 0.0) {
            let (rx, ry, shimmer) = f.ripple(px, py, self.horizon, self.src.y.height as f32);
            let (ax, ay, bx, by, wa) = f.water_offsets();
            let (x, yy) = (px + rx, py + ry);
            let mut s = plate.y.sample(x - ax, yy - ay);
            if wa < 1.0 {
                s = s * wa + plate.y.sample(x - bx, yy - by) * (1.0 - wa);
            }
            y += (s + shimmer - y) * mw;
        }
        y
    }

    /// Chroma with the sky and water layers at chroma position (`qx`, `qy`).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn layered_uv(
        &self,
        base: &Yuv,
        qx: f32,
        qy: f32,
        sx: f32,
        sy: f32,
        ms: f32,
        mw: f32,
        f: &FrameParams,
    ) -> (f32, f32) {
        let sky = self.sky_plate.as_ref().filter(|_| ms > 0.0);
        let (mut u, mut v) =
            if ms >= 0.999 && sky.is_some() { (0.0, 0.0) } else { (base.u.sample(qx, qy), base.v.sample(qx, qy)) };
        if let Some(plate) = sky {
            let (ax, ay, bx, by, wa) = f.sky_offsets(sy);
            let (x, y) = (qx - ax * 0.5, qy - ay * 0.5);
            let (mut pu, mut pv) = (plate.u.sample(x, y), plate.v.sample(x, y));
            if wa < 1.0 {
                let (x, y) = (qx - bx * 0.5, qy - by * 0.5);
                pu = pu * wa + plate.u.sample(x, y) * (1.0 - wa);
                pv = pv * wa + plate.v.sample(x, y) * (1.0 - wa);
            }
            u += (pu - u) * ms;
            v += (pv - v) * ms;
        }
        if let (Some(plate), true) = (&self.water_plate, mw > 0.0) {
            let (dx, dy, _) = f.ripple(sx, sy, self.horizon, self.src.y.height as f32);
            let (ax, ay, _, _, _) = f.water_offsets();
            let (x, y) = ((sx + dx - ax) * 0.5 - 0.5, (sy + dy - ay) * 0.5 - 0.5);
            u += (plate.u.sample(x, y) - u) * mw;
            v += (plate.v.sample(x, y) - v) * mw;
        }
        (u, v)
    }

    /// Colour grade, glow, light leak, light sweep and fog on one block.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn finish(
        &self,
        ys: &mut [f32; 4],
        u: &mut f32,
        v: &mut f32,
        (bx, by): (f32, f32),
        sy: f32,
        (ms, mw, gs): (f32, f32, f32),
        (n, fog_noise): (f32, f32),
        subj: f32,
        f: &FrameParams,
    ) {
        if let (Some(g), true) = (&self.grade, f.grade > 0.0) {
            let a = f.grade;
            let target = g.sky_at(sy / self.horizon.max(1.0));
            // Sky: the target's colour with the photo's own relief. The mask
            // is taken steeply, so skyline pixels that still hold some of
            // the old sky colour take the new one (no fringe).
            let sa = a * (gs * 2.5).min(1.0);
            let fa = a - sa;
            let gain_sky = (target[0] - 16.0) / (self.sky_luma - 16.0).max(8.0);
            for y in ys.iter_mut() {
                let sky_y = 16.0 + (*y - 16.0) * gain_sky.clamp(0.08, 1.6);
                let scene_y = 16.0 + (*y - 16.0) * g.scene_gain;
                *y += (sky_y - *y) * sa + (scene_y - *y) * fa;
            }
            // Water takes its colour from the mirrored sky below instead.
            *u += (target[1] + (*u - 128.0) * 0.3 - *u) * sa + g.scene_du * fa * (1.0 - mw);
            *v += (target[2] + (*v - 128.0) * 0.3 - *v) * sa + g.scene_dv * fa * (1.0 - mw);
            if mw > 0.0 {
                // Water mirrors the new colour of the sky at the horizon.
                let h = g.sky_at(1.0);
                let r = 0.3 * a * mw;
                *u += (h[1] - *u) * r;
                *v += (h[2] - *v) * r;
                for y in ys.iter_mut() {
                    *y += (h[0] * 0.7 - *y) * 0.15 * a * mw;
                }
            }
        }
        let mut light = 0.0;
        for blob in &f.blobs {
            let d2 = ((bx - blob.x) * (bx - blob.x) + (by - blob.y) * (by - blob.y)) * blob.inv_r2;
            if d2 < 6.0 {
                let p = (-d2).exp() * blob.strength;
                light += p;
                *u += blob.du * p;
                *v += blob.dv * p;
            }
        }
        if f.sweep > 0.0 && subj > 0.0 {
            let diagonal = (bx + by) as usize / 2 - 1;
            light += f.sweep * subj * f.sweep_band.get(diagonal).copied().unwrap_or(0.0);
        }
        if light > 0.0 {
            for y in ys.iter_mut() {
                // Screen-like: bright areas saturate gently.
                *y += light * (235.0 - *y) * 0.9;
            }
        }
        if f.haze > 0.0 {
            // Dreamy: shadows lifted, contrast and colour softened.
            for y in ys.iter_mut() {
                *y += (0.8 * *y + 44.0 - *y) * f.haze;
            }
            *u += (128.0 - *u) * 0.3 * f.haze;
            *v += (128.0 - *v) * 0.3 * f.haze;
        }
        if f.fog > 0.0 {
            let noise = fog_noise;
            // (1 - n)^1.2 without a powf per block: close enough for fog.
            // Fog lies low: over the sky it only veils.
            let far = 1.0 - n;
            let a = (f.fog * far * (0.85 + 0.15 * far) * (1.0 - 0.6 * ms) * (0.5 + 0.5 * noise)).min(0.9);
            for y in ys.iter_mut() {
                *y += (200.0 - *y) * a;
            }
            *u += (128.0 - *u) * a;
            *v += (128.0 - *v) * a;
        }
    }
}

/// What the full path takes of a block from its row: displacement (1/256
/// pixel), sky, water and grade-sky weights, nearness and fog noise, shade.
type FullBlockInputs = ((i32, i32), (u8, u8, u8), (u8, f32), i32);

/// A colour grade on one block as an affine map.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BlockGrade {
    /// Luma gain around black (16), 8.8 fixed point.
    luma: i32,
    chroma: f32,
    u_offset: f32,
    v_offset: f32,
}

impl BlockGrade {
    const IDENTITY: BlockGrade = BlockGrade { luma: 256, chroma: 1.0, u_offset: 0.0, v_offset: 0.0 };
}

/// The four pixels of block (`cx`, `cy`), repeated at a right or bottom
/// edge of odd size.
fn block_pixels(cx: usize, cy: usize, w: usize, h: usize) -> [(usize, usize); 4] {
    let (x0, x1) = (cx * 2, (cx * 2 + 1).min(w - 1));
    let (y0, y1) = (cy * 2, (cy * 2 + 1).min(h - 1));
    [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
}

/// Writes a finished block (four luma values at `pos`, chroma at `ci`),
/// rounded and kept in video range.
fn store(out: &mut Frame, pos: &[(usize, usize); 4], ys: &[f32; 4], ci: usize, (u, v): (f32, f32)) {
    let w = out.width;
    for (&(x, y), yv) in pos.iter().zip(ys) {
        out.y[y * w + x] = (yv + 0.5).clamp(16.0, 235.0) as u8;
    }
    out.u[ci] = (u + 0.5).clamp(16.0, 240.0) as u8;
    out.v[ci] = (v + 0.5).clamp(16.0, 240.0) as u8;
}
