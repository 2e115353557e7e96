//! The 468-point face mesh of the face pack (MediaPipe's face landmark
//! model, run by `vivify-models`), for faces that blink and smile.
//!
//! The model looks at a 192×192 square cut round one face: the face box
//! grown 1.5× on its longer side, as MediaPipe cuts it from a detection
//! (our boxes come from the frontal detector, so faces are close to
//! upright and the cut is not turned). It returns each point's x and y in
//! that square's pixels, a depth, and a score for whether a face is there
//! at all.

use std::path::Path;

use vivify_models::packs::{self, FACE};
use vivify_models::tflite::Model;
use vivify_picture::image::{Rect, Rgb};

const MODEL_FILE: &str = "face_landmark.tflite";
const SIDE: usize = 192;
/// Points of the mesh.
pub const POINTS: usize = 468;
/// How much larger than the face box the square the model sees is.
const GROW: f64 = 1.5;

/// Mesh points round the eyes: (upper lid, lower lid, outer corner, inner
/// corner), for the eye on the picture's left and the one on its right.
pub const EYES: [[usize; 4]; 2] = [[159, 145, 33, 133], [386, 374, 263, 362]];
/// Mouth corners (picture left, right) and the lips' middle (upper, lower).
pub const MOUTH: [usize; 4] = [61, 291, 13, 14];

/// The face mesh model, loaded.
pub struct FaceMesh {
    model: Model,
}

/// One face's mesh.
#[derive(Clone, Debug)]
pub struct Landmarks {
    /// Each point as fractions of the photo (x, y) and a relative depth.
    pub points: Vec<[f32; 3]>,
    /// How sure the model is that it saw a face (0..=1).
    pub presence: f32,
}

impl Landmarks {
    fn at(&self, i: usize) -> [f32; 2] {
        [self.points[i][0], self.points[i][1]]
    }

    /// How open each eye is (left and right in the picture): the lids'
    /// distance over the corners' distance, about 0.25–0.35 for an open
    /// eye, under 0.1 for a closed one. `aspect` is the photo's width over
    /// its height (the points are fractions of each).
    pub fn eye_openness(&self, aspect: f32) -> [f32; 2] {
        let dist = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]) * aspect).hypot(a[1] - b[1]);
        EYES.map(|[up, down, outer, inner]| {
            dist(self.at(up), self.at(down)) / dist(self.at(outer), self.at(inner)).max(1e-6)
        })
    }
}

impl FaceMesh {
    /// The model of the installed face pack; None when it is not installed.
    pub fn installed() -> Option<vivify_models::Result<FaceMesh>> {
        match packs::open(&FACE) {
            Ok(pack) => Some(pack.file(MODEL_FILE).and_then(|p| FaceMesh::load(&p))),
            Err(vivify_models::Error::Missing { .. }) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Loads the model from a file.
    pub fn load(path: &Path) -> vivify_models::Result<FaceMesh> {
        let model = Model::load(path)?;
        if model.input_shape(0) != Some(&[1, SIDE, SIDE, 3]) || model.output_shape(0) != Some(&[1, 1, 1, 3 * POINTS]) {
            return Err(vivify_models::Error::Model {
                model: path.display().to_string(),
                problem: "not the 468-point face mesh of mediapipe 0.10.14".into(),
            });
        }
        Ok(FaceMesh { model })
    }

    /// The mesh of the face in `face` (fractions of `photo`).
    pub fn landmarks(&self, photo: &Rgb, face: Rect) -> vivify_models::Result<Landmarks> {
        let (pw, ph) = (photo.width as f64, photo.height as f64);
        // The square the model sees, in photo pixels.
        let side = (face.w * pw).max(face.h * ph) * GROW;
        let (cx, cy) = ((face.x + face.w / 2.0) * pw, (face.y + face.h / 2.0) * ph);
        let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
        let step = side / SIDE as f64;
        let mut input = Vec::with_capacity(SIDE * SIDE * 3);
        for oy in 0..SIDE {
            for ox in 0..SIDE {
                let (x, y) = (x0 + (ox as f64 + 0.5) * step - 0.5, y0 + (oy as f64 + 0.5) * step - 0.5);
                input.extend(bilinear(photo, x, y).map(|v| v / 255.0));
            }
        }
        let out = self.model.run(&[&input])?;
        let (mesh, score) = (&out[0], out.get(1).and_then(|s| s.first()).copied().unwrap_or(f32::NEG_INFINITY));
        let scale = (side / SIDE as f64) as f32;
        let points = mesh
            .chunks_exact(3)
            .map(|p| {
                [
                    ((x0 as f32 + p[0] * scale) / pw as f32),
                    ((y0 as f32 + p[1] * scale) / ph as f32),
                    p[2] * scale / pw as f32,
                ]
            })
            .collect();
        Ok(Landmarks { points, presence: 1.0 / (1.0 + (-score).exp()) })
    }
}

/// The photo's colour at (x, y) in pixels (centres at whole numbers),
/// bilinear, black outside.
fn bilinear(photo: &Rgb, x: f64, y: f64) -> [f32; 3] {
    let (w, h) = (photo.width as i64, photo.height as i64);
    let (xf, yf) = (x.floor(), y.floor());
    let (fx, fy) = ((x - xf) as f32, (y - yf) as f32);
    let px = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        let i = ((yi * w + xi) * 3) as usize;
        [f32::from(photo.data[i]), f32::from(photo.data[i + 1]), f32::from(photo.data[i + 2])]
    };
    let (x0, y0) = (xf as i64, yf as i64);
    let (a, b, c, d) = (px(x0, y0), px(x0 + 1, y0), px(x0, y0 + 1), px(x0 + 1, y0 + 1));
    let mut out = [0f32; 3];
    for k in 0..3 {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        out[k] = top + (bottom - top) * fy;
    }
    out
}
