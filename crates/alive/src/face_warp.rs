//! What the face motions (`blink.rs`, `glance.rs`, `smile.rs`) share: the
//! eyes' lid lines from the face mesh, carried from the photo into the
//! source and then into each frame, and the frame's three planes with the
//! scale of each, since every face motion is drawn on the finished frame.

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
