//! The per-block half of the compositor: for each 2×2 block of a pair of
//! output rows, where it looks in the source, which masks cover it there,
//! and how it will be drawn. Worked out in passes over the row: table
//! lookups first, then the arithmetic in one loop the compiler vectorises,
//! then the masks and the choice of path. Positions come out in 1/256
//! pixel, rounded to the nearest.

use super::params::FrameParams;
use super::{noise_at, BlockGrade, Stage, SHADE_STEP};
use crate::camera::Pose;

/// Blocks along a row between exact evaluations of the fog's noise.
const FOG_STEP: usize = 4;

/// What stays the same for every block row of one frame.
pub(super) struct FrameMap {
    /// Affine map of output pixel centres to source positions (1/256 pixel).
    pub xa: Vec<i32>,
    pub ya: Vec<i32>,
    /// Per block column: its centre's distance from the frame's centre
    /// (output pixels), its source column under the affine map, and its
    /// column in the mask planes before any displacement.
    off_x: Vec<f32>,
    base_x: Vec<f32>,
    mask_x: Vec<usize>,
    /// Per nearness (0..=255): extra spread from the dolly and the parallax
    /// shift.
    near_k: [f32; 256],
    near_ox: [f32; 256],
    near_oy: [f32; 256],
    /// The wind's phase parts per block column (see `FrameParams::wind_col`).
    wind_cols: Vec<[f32; 4]>,
    pose: Pose,
    half_h: f32,
}

impl FrameMap {
    pub fn new(st: &Stage, pose: &Pose, f: &FrameParams) -> FrameMap {
        let (w, h) = (st.width, st.height);
        let (half_w, half_h) = (w as f32 * 0.5, h as f32 * 0.5);
        let xa = (0..w).map(|x| ((pose.cx + (x as f32 + 0.5 - half_w) * pose.spread - 0.5) * 256.0) as i32).collect();
        let ya = (0..h).map(|y| ((pose.cy + (y as f32 + 0.5 - half_h) * pose.spread - 0.5) * 256.0) as i32).collect();
        let cw = w.div_ceil(2);
        let off_x: Vec<f32> = (0..cw).map(|cx| cx as f32 * 2.0 + 1.0 - half_w).collect();
        let base_x: Vec<f32> = off_x.iter().map(|o| pose.cx + o * pose.spread).collect();
        let mask_x = base_x.iter().map(|b| ((b * 0.5) as i32).clamp(0, st.near.width as i32 - 1) as usize).collect();
        let (mut near_k, mut near_ox, mut near_oy) = ([0f32; 256], [0f32; 256], [0f32; 256]);
        for n in 0..256 {
            let dn = n as f32 / 255.0 - pose.focus;
            near_k[n] = pose.spread / (1.0 + pose.dolly * dn).max(0.2) - pose.spread;
            near_ox[n] = pose.shift.0 * dn;
            near_oy[n] = pose.shift.1 * dn;
        }
        let wind_cols = if f.sway_amp != 0.0 { base_x.iter().map(|&x| f.wind_col(x)).collect() } else { Vec::new() };
        FrameMap { xa, ya, off_x, base_x, mask_x, near_k, near_ox, near_oy, wind_cols, pose: *pose, half_h }
    }
}

/// What each block of one block row does; reused from row to row.
pub(super) struct BlockRow {
    /// How each block is drawn: 0 camera only (over the background plate
    /// when the subject is a layer of its own), 1 camera over the sky plate
    /// (a whole-sky block of a one-phase drift, read at an offset), 2 the
    /// full path through every layer, 3 camera only over the photo itself
    /// (a block wholly inside the foreground layer).
    pub kinds: Vec<u8>,
    /// Displacement from the affine map and chroma position (1/256 pixel),
    /// with the sky's drift already in for kind 1.
    pub dxs: Vec<i32>,
    pub dys: Vec<i32>,
    pub chroma_x: Vec<i32>,
    pub chroma_y: Vec<i32>,
    /// Luma gain of the fast path (grade times shade, 8.8 fixed point).
    pub gains: Vec<i32>,
    /// Sky layer, water layer and grade-sky weights (0..=255).
    pub masks: Vec<(u8, u8, u8)>,
    /// Source row of each block (for the sky's colour gradient).
    pub rows: Vec<f32>,
    pub subjects: Vec<u8>,
    /// A grade alone is an affine map per block (see `Stage::block_grade`).
    pub grades: Vec<BlockGrade>,
    /// Light and shadow drifting over the scene: a luma gain per block
    /// (8.8 fixed point), 256 where none falls.
    pub shades: Vec<i32>,
    /// The fog's drifting noise at each block (0..1; only with fog).
    pub fog: Vec<f32>,
    /// Nearness and sky weight (0..=255), for the particles.
    pub near: Vec<u8>,
    pub sky: Vec<u8>,
    /// With a foreground layer: which layer each block shows (0 the
    /// background, 1 the layer's edge over the background, 2 the layer
    /// alone) and, for edge blocks, the layer's own displacement (1/256
    /// pixel).
    pub layer: Vec<u8>,
    pub fg_dxs: Vec<i32>,
    pub fg_dys: Vec<i32>,
    // Working rows.
    k: Vec<f32>,
    ox: Vec<f32>,
    oy: Vec<f32>,
    dx: Vec<f32>,
    dy: Vec<f32>,
    at: Vec<u32>,
    shade_knots: Vec<f32>,
}

impl BlockRow {
    pub fn new(blocks: usize, shade: bool) -> BlockRow {
        BlockRow {
            kinds: vec![0; blocks],
            dxs: vec![0; blocks],
            dys: vec![0; blocks],
            chroma_x: vec![0; blocks],
            chroma_y: vec![0; blocks],
            gains: vec![256; blocks],
            masks: vec![(0, 0, 0); blocks],
            rows: vec![0.0; blocks],
            subjects: vec![0; blocks],
            grades: vec![BlockGrade::IDENTITY; blocks],
            shades: vec![256; blocks],
            fog: vec![0.0; blocks],
            near: vec![0; blocks],
            sky: vec![0; blocks],
            layer: vec![0; blocks],
            fg_dxs: vec![0; blocks],
            fg_dys: vec![0; blocks],
            k: vec![0.0; blocks],
            ox: vec![0.0; blocks],
            oy: vec![0.0; blocks],
            dx: vec![0.0; blocks],
            dy: vec![0.0; blocks],
            at: vec![0; blocks],
            shade_knots: vec![1.0; if shade { blocks / SHADE_STEP + 2 } else { 0 }],
        }
    }

    /// Works out block row `cy` of the frame.
    pub fn plan(&mut self, st: &Stage, map: &FrameMap, f: &FrameParams, cy: usize) {
        let n = self.kinds.len();
        let pose = &map.pose;
        let off_y = cy as f32 * 2.0 + 1.0 - map.half_h;
        let base_y = pose.cy + off_y * pose.spread;
        let mask_row = ((base_y * 0.5) as i32).clamp(0, st.near.height as i32 - 1) as usize;
        let near_row = mask_row * st.near.width;
        // Nearness, and the depth displacement it brings. The subject and
        // sway planes have the near plane's size whenever they are used
        // (see `Stage::new`). Every row slice is cut to `n` first, so
        // indexing them needs no bounds checks in the loops.
        let at_rest = &map.mask_x[..n];
        let (near, k, ox, oy) = (&mut self.near[..n], &mut self.k[..n], &mut self.ox[..n], &mut self.oy[..n]);
        let near_line = &st.near.data[near_row..];
        for i in 0..n {
            let ni = near_line[at_rest[i]];
            near[i] = ni;
            k[i] = map.near_k[usize::from(ni)];
            ox[i] = map.near_ox[usize::from(ni)];
            oy[i] = map.near_oy[usize::from(ni)];
        }
        // A subject cut out as a layer breathes with its layer instead.
        if f.breathe != 0.0 && st.fg.is_none() && st.subject_rows[mask_row] {
            let (subject, base_x) = (&st.subject.data[near_row..], &map.base_x[..n]);
            let (cx, cy) = st.subject_centre;
            for i in 0..n {
                let s = f32::from(subject[at_rest[i]]) / 255.0;
                ox[i] += (base_x[i] - cx) * f.breathe * s;
                oy[i] += (base_y - cy) * f.breathe * s;
            }
        }
        if f.sway_amp != 0.0 && st.sway_rows[mask_row] {
            let wind_row = f.wind_row(base_y);
            let (sway, cols) = (&st.sway.data[near_row..], &map.wind_cols[..n]);
            for i in 0..n {
                let s = sway[at_rest[i]];
                if s > 0 {
                    let (wx, wy) = f.wind(cols[i], wind_row);
                    let s = f32::from(s) / 255.0;
                    ox[i] += wx * s;
                    oy[i] += wy * s;
                }
            }
        }
        self.displace(map, n, off_y, base_y, (st.sky.width, st.sky.height));
        if st.fg.is_some() {
            self.foreground(st, map, f, n, off_y, base_y);
        }
        self.choose(st, map, f, n, base_y);
        if f.fog > 0.0 {
            self.fog_noise(st, f, n, cy);
        }
    }

    /// The fog's noise along the row: two octaves, worked out every
    /// [`FOG_STEP`] blocks and blended between (its finer octave changes
    /// over about six blocks at any output size).
    fn fog_noise(&mut self, st: &Stage, f: &FrameParams, n: usize, cy: usize) {
        let ny = (cy as f32 * 2.0 + 1.0) * f.fog_scale;
        let at = |cx: usize| {
            let nx = (cx as f32 * 2.0 + 1.0) * f.fog_scale + f.fog_drift;
            0.65 * noise_at(&st.fog_noise, nx, ny) + 0.35 * noise_at(&st.fog_noise, nx * 2.3 + 17.0, ny * 2.3)
        };
        let mut from = at(0);
        for (j, run) in self.fog[..n].chunks_mut(FOG_STEP).enumerate() {
            let to = at((j + 1) * FOG_STEP);
            for (t, v) in run.iter_mut().enumerate() {
                *v = from + (to - from) * (t as f32 * (1.0 / FOG_STEP as f32));
            }
            from = to;
        }
    }

    /// Each block's displacement, chroma position and place in the mask
    /// planes (`masks`: their size): plain arithmetic over the row.
    fn displace(&mut self, map: &FrameMap, n: usize, off_y: f32, base_y: f32, masks: (usize, usize)) {
        let (mw, mh) = (masks.0 as i32, masks.1 as i32);
        let (off_x, base_x) = (&map.off_x[..n], &map.base_x[..n]);
        let (k, ox, oy) = (&self.k[..n], &self.ox[..n], &self.oy[..n]);
        let (dx, dy, rows, at) = (&mut self.dx[..n], &mut self.dy[..n], &mut self.rows[..n], &mut self.at[..n]);
        let (dxs, dys) = (&mut self.dxs[..n], &mut self.dys[..n]);
        let (chroma_x, chroma_y) = (&mut self.chroma_x[..n], &mut self.chroma_y[..n]);
        for i in 0..n {
            let (x, y) = (off_x[i] * k[i] + ox[i], off_y * k[i] + oy[i]);
            let (qx, qy) = ((base_x[i] + x) * 0.5 - 0.5, (base_y + y) * 0.5 - 0.5);
            dx[i] = x;
            dy[i] = y;
            rows[i] = base_y + y;
            // Nearest mask sample.
            let (mx, my) = (nearest(qx).clamp(0, mw - 1), nearest(qy).clamp(0, mh - 1));
            at[i] = (my * mw + mx) as u32;
            dxs[i] = nearest(x * 256.0);
            dys[i] = nearest(y * 256.0);
            chroma_x[i] = nearest(qx * 256.0);
            chroma_y[i] = nearest(qy * 256.0);
        }
    }

    /// Where each block finds the foreground layer: the layer moves as one
    /// piece (the camera at the layer's nearness, and breathing), so it is
    /// an affine map of the block's position. Blocks the layer covers
    /// wholly take its displacement (and its place in the mask planes);
    /// blocks on its edge are mixed in the full path.
    fn foreground(&mut self, st: &Stage, map: &FrameMap, f: &FrameParams, n: usize, off_y: f32, base_y: f32) {
        let Some(fg) = &st.fg else { return };
        self.layer[..n].fill(0);
        let ni = usize::from(fg.near);
        let (k, ox, oy) = (map.near_k[ni], map.near_ox[ni], map.near_oy[ni]);
        let (scx, scy) = st.subject_centre;
        let y = off_y * k + oy + (base_y - scy) * f.breathe;
        let qy = (base_y + y) * 0.5 - 0.5;
        let (mw, mh) = (fg.matte.width as i32, fg.matte.height as i32);
        let my = nearest(qy);
        // Rows of the matte this block row can read (the nearest and, for
        // the edge's bilinear samples, the next).
        let rows = |r: i32| fg.rows.get(r.clamp(0, mh - 1) as usize).copied().unwrap_or(false);
        if !(rows(my - 1) || rows(my) || rows(my + 1)) {
            return;
        }
        let line = &fg.matte.data[(my.clamp(0, mh - 1) * mw) as usize..][..mw as usize];
        let (off_x, base_x) = (&map.off_x[..n], &map.base_x[..n]);
        for i in 0..n {
            let x = off_x[i] * k + ox + (base_x[i] - scx) * f.breathe;
            let qx = (base_x[i] + x) * 0.5 - 0.5;
            let alpha = line[nearest(qx).clamp(0, mw - 1) as usize];
            if alpha == 0 {
                continue;
            }
            if alpha < 255 {
                self.layer[i] = 1;
                self.fg_dxs[i] = nearest(x * 256.0);
                self.fg_dys[i] = nearest(y * 256.0);
                continue;
            }
            // Wholly the layer: it takes the layer's displacement.
            self.layer[i] = 2;
            self.near[i] = fg.near;
            self.dx[i] = x;
            self.dy[i] = y;
            self.rows[i] = base_y + y;
            let (mx, my) = (nearest(qx).clamp(0, mw - 1), my.clamp(0, mh - 1));
            self.at[i] = (my * mw + mx) as u32;
            self.dxs[i] = nearest(x * 256.0);
            self.dys[i] = nearest(y * 256.0);
            self.chroma_x[i] = nearest(qx * 256.0);
            self.chroma_y[i] = nearest(qy * 256.0);
        }
    }

    /// The masks under each block, the path it takes, and its shade and
    /// grade.
    fn choose(&mut self, st: &Stage, map: &FrameMap, f: &FrameParams, n: usize, base_y: f32) {
        let pose = &map.pose;
        let sky_layer = st.sky_plate.is_some();
        let water_layer = st.water_plate.is_some();
        let graded = st.grade.is_some();
        // The drifting shade changes over hundreds of pixels: worked out
        // every SHADE_STEP blocks along the row and blended between.
        if !f.shade.is_empty() {
            for (j, k) in self.shade_knots.iter_mut().enumerate() {
                let x = pose.cx + ((j * SHADE_STEP) as f32 * 2.0 + 1.0 - st.width as f32 * 0.5) * pose.spread;
                *k = f.shade_at(x, base_y);
            }
        }
        let scene_grade = if f.grade_only { st.block_grade(0.0, 0, f) } else { BlockGrade::IDENTITY };
        let row_sky_grade = if f.grade_only { st.block_grade(base_y, 255, f) } else { BlockGrade::IDENTITY };
        let (at, sky, masks, kinds) = (&self.at[..n], &mut self.sky[..n], &mut self.masks[..n], &mut self.kinds[..n]);
        let (subjects, grades, rows) = (&mut self.subjects[..n], &mut self.grades[..n], &self.rows[..n]);
        let (dx, dy, base_x) = (&self.dx[..n], &self.dy[..n], &map.base_x[..n]);
        let (dxs, dys) = (&mut self.dxs[..n], &mut self.dys[..n]);
        let (chroma_x, chroma_y) = (&mut self.chroma_x[..n], &mut self.chroma_y[..n]);
        let layer = &self.layer[..n];
        for i in 0..n {
            let at = at[i] as usize;
            let sky8 = st.sky.data[at];
            let ms8 = if sky_layer { sky8 } else { 0 };
            let mw8 = if water_layer { st.water.data[at] } else { 0 };
            sky[i] = sky8;
            // The grade's own sky mask: grown by one analysis pixel,
            // because the sky finder stops short of edges (their gradient
            // looks like texture) and a strong grade would leave a rim of
            // the old sky there.
            let gs8 = if graded { st.grade_sky.data[at] } else { sky8 };
            masks[i] = (ms8, mw8, gs8);
            if f.sweep > 0.0 {
                subjects[i] = st.subject.data[at];
            }
            let kind = if mw8 > 0 || (ms8 > 0 && (ms8 < 255 || f.sky_w < 1.0)) {
                2
            } else if ms8 == 255 {
                // Whole-sky blocks of a one-phase drift read the sky plate
                // at an offset: as cheap as the camera alone.
                let (ax, ay, _, _, _) = f.sky_offsets(base_y + dy[i]);
                let (x, y) = (dx[i], dy[i]);
                let (qx, qy) = ((base_x[i] + x) * 0.5 - 0.5, (base_y + y) * 0.5 - 0.5);
                dxs[i] = nearest((x - ax) * 256.0);
                dys[i] = nearest((y - ay) * 256.0);
                chroma_x[i] = nearest((qx - ax * 0.5) * 256.0);
                chroma_y[i] = nearest((qy - ay * 0.5) * 256.0);
                1
            } else {
                0
            };
            let kind = match (layer[i], kind) {
                (1, _) => 2,
                (2, 0) => 3,
                _ => kind,
            };
            kinds[i] = kind;
            if f.grade_only && kind != 2 {
                // Most blocks are all scene or all sky: their grade is the
                // same along the row.
                grades[i] = match gs8 {
                    0 => scene_grade,
                    255 => row_sky_grade,
                    _ => st.block_grade(rows[i], gs8, f),
                };
            }
        }
        if !f.shade.is_empty() {
            // Shadows fall on the scene, not on the sky: a gain in 8.8
            // fixed point, scaled down where the block is sky.
            let runs = self.shades[..n].chunks_mut(SHADE_STEP).zip(self.sky[..n].chunks(SHADE_STEP));
            for ((shades, sky), knots) in runs.zip(self.shade_knots.windows(2)) {
                let (from, step) = (knots[0] - 1.0, (knots[1] - knots[0]) * (1.0 / SHADE_STEP as f32));
                for (t, (shade, &sky8)) in shades.iter_mut().zip(sky).enumerate() {
                    let g = from + step * t as f32;
                    *shade = 256 + nearest(g * f32::from(255 - sky8) * (256.0 / 255.0));
                }
            }
        }
        if f.grade_only {
            for ((gain, grade), shade) in self.gains[..n].iter_mut().zip(&self.grades[..n]).zip(&self.shades[..n]) {
                *gain = (grade.luma * shade) >> 8;
            }
        } else {
            // No grade: the gain is the shade's.
            self.gains[..n].copy_from_slice(&self.shades[..n]);
        }
    }
}

/// `v` rounded to the nearest integer, for |v| < 2^22 (larger values give
/// some other integer, which the clamps after this keep in bounds): adding
/// 1.5·2^23 leaves the integer in the low mantissa bits. Unlike `as i32`
/// (which saturates and maps NaN to 0) this is plain arithmetic, so the
/// loop it sits in is vectorised.
#[inline(always)]
fn nearest(v: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    ((v + MAGIC).to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn nearest_rounds_to_the_closest_integer_on_both_sides_of_zero() {
        for (v, want) in [(0.0, 0), (0.4, 0), (0.6, 1), (-0.6, -1), (-3.2, -3), (255.7, 256), (-70_000.3, -70_000)] {
            assert_eq!(nearest(v), want, "{v}");
        }
        for i in -4_000_000..4_000_000 {
            if i % 997 == 0 {
                let v = i as f32 + 0.25;
                assert_eq!(nearest(v), i, "{v}");
            }
        }
    }
}
