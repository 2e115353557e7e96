//! What the face motions (`blink.rs`, `glance.rs`, `smile.rs`, `nod.rs`)
//! share: the eyes' lid lines from the face mesh, carried from the photo
//! into the source and then into each frame; the frame's three planes with
//! the scale of each, since every face motion is drawn on the finished
//! frame; and `displace`, the warp by a pull that the smile and the nod use.

use vivify_codec::Frame;

use super::face_mesh::Landmarks;

/// Mesh points along each eye's upper lid and lower lid, corner to corner
/// (the eye on the picture's left, then the one on its right).
const UPPER: [[usize; 9]; 2] =
    [[33, 246, 161, 160, 159, 158, 157, 173, 133], [263, 466, 388, 387, 386, 385, 384, 398, 362]];
const LOWER: [[usize; 9]; 2] =
    [[33, 7, 163, 144, 145, 153, 154, 155, 133], [263, 249, 390, 373, 374, 380, 381, 382, 362]];

/// One eye's lid lines, as points in some picture's pixels.
#[derive(Clone, Debug)]
pub struct EyeLids {
    pub upper: Vec<(f32, f32)>,
    pub lower: Vec<(f32, f32)>,
}

impl EyeLids {
    /// Both eyes of a mesh, its points (fractions of the photo) carried
    /// into pixels by `to`.
    pub fn of(mesh: &Landmarks, to: impl Fn(f32, f32) -> (f32, f32)) -> [EyeLids; 2] {
        [0, 1].map(|e| EyeLids {
            upper: UPPER[e].iter().map(|&k| to(mesh.points[k][0], mesh.points[k][1])).collect(),
            lower: LOWER[e].iter().map(|&k| to(mesh.points[k][0], mesh.points[k][1])).collect(),
        })
    }

    /// The same lids where `to_out` carries each point (into a frame).
    pub fn moved(&self, to_out: impl Fn((f32, f32)) -> (f32, f32)) -> EyeLids {
        EyeLids {
            upper: self.upper.iter().map(|&p| to_out(p)).collect(),
            lower: self.lower.iter().map(|&p| to_out(p)).collect(),
        }
    }
}

/// The height of a lid line at `x`, from its points (corner to corner,
/// in either direction), None outside them.
pub fn line_at(points: &[(f32, f32)], x: f32) -> Option<f32> {
    points.windows(2).find_map(|p| {
        let ((x0, y0), (x1, y1)) = (p[0], p[1]);
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        if x < lo || x > hi || hi - lo < 1e-3 {
            return None;
        }
        Some(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    })
}

/// The frame's planes, each with its width, height and its scale against
/// frame pixels: luma at full size, chroma at half.
pub fn planes(out: &mut Frame) -> [(&mut Vec<u8>, usize, usize, f32); 3] {
    let (w, h) = (out.width, out.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    [(&mut out.y, w, h, 1.0), (&mut out.u, cw, ch, 0.5), (&mut out.v, cw, ch, 0.5)]
}

/// Warps the box `centre` ± `reach` (frame pixels) of every plane by
/// `pull` (frame pixels in, the displacement there out): each pixel takes
/// the colour from where the pull would have brought it from (a small pull
/// is its own inverse to first order), sampled bilinearly from the box as
/// it was. Pixels whose pull is under 0.02 pixel are left alone.
pub fn displace(out: &mut Frame, centre: (f32, f32), reach: (f32, f32), pull: impl Fn(f32, f32) -> (f32, f32)) {
    for (plane, pw, ph, scale) in planes(out) {
        let x0 = ((centre.0 - reach.0) * scale).floor().max(0.0) as usize;
        let x1 = (((centre.0 + reach.0) * scale).ceil().max(0.0) as usize).min(pw);
        let y0 = ((centre.1 - reach.1) * scale).floor().max(0.0) as usize;
        let y1 = (((centre.1 + reach.1) * scale).ceil().max(0.0) as usize).min(ph);
        if x0 >= x1 || y0 >= y1 {
            continue;
        }
        let copy: Vec<f32> =
            (y0..y1).flat_map(|y| plane[y * pw + x0..y * pw + x1].iter().map(|&v| f32::from(v))).collect();
        let (cw, chh) = (x1 - x0, y1 - y0);
        let at = |x: f32, y: f32| {
            let x = (x - x0 as f32).clamp(0.0, (cw - 1) as f32);
            let y = (y - y0 as f32).clamp(0.0, (chh - 1) as f32);
            let (xi, yi) = (x.floor() as usize, y.floor() as usize);
            let (fx, fy) = (x - xi as f32, y - yi as f32);
            let (xj, yj) = ((xi + 1).min(cw - 1), (yi + 1).min(chh - 1));
            let p = |a: usize, b: usize| copy[b * cw + a];
            let top = p(xi, yi) + (p(xj, yi) - p(xi, yi)) * fx;
            let bottom = p(xi, yj) + (p(xj, yj) - p(xi, yj)) * fx;
            top + (bottom - top) * fy
        };
        for y in y0..y1 {
            for x in x0..x1 {
                let (fx, fy) = ((x as f32 + 0.5) / scale - 0.5, (y as f32 + 0.5) / scale - 0.5);
                let (dx, dy) = pull(fx, fy);
                if dx.abs() + dy.abs() < 0.02 {
                    continue;
                }
                let (sx, sy) = ((fx - dx + 0.5) * scale - 0.5, (fy - dy + 0.5) * scale - 0.5);
                plane[y * pw + x] = (at(sx, sy) + 0.5) as u8;
            }
        }
    }
}
