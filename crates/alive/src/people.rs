//! People cut out by the face pack's person matte (MediaPipe's selfie
//! segmentation, run by `vivify-models`), when the pack is installed.
//!
//! Without it, people are guessed as head-and-shoulders shapes round their
//! faces, too rough to cut out along the photo's edges (docs/EVAL.md,
//! "Layers"). The matte model sees the whole picture at 256×256 and marks
//! every person; only the people whose faces were found are kept, so a
//! matte speck elsewhere never becomes a layer.

use std::path::Path;

use vivify_models::packs::{self, FACE};
use vivify_models::tflite::Model;
use vivify_picture::image::Field;

use super::sky::Analysis;

/// The file of the face pack this uses.
const MODEL_FILE: &str = "selfie_segmentation.tflite";
/// The model's square input side.
const SIDE: usize = 256;

/// The person matte model, loaded.
pub struct PersonMatte {
    model: Model,
}

impl PersonMatte {
    /// The model of the installed face pack; None when the pack is not
    /// installed, Err when it is there but will not load.
    pub fn installed() -> Option<vivify_models::Result<PersonMatte>> {
        match packs::open(&FACE) {
            Ok(pack) => Some(pack.file(MODEL_FILE).and_then(|p| PersonMatte::load(&p))),
            Err(vivify_models::Error::Missing { .. }) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Loads the model from a file.
    pub fn load(path: &Path) -> vivify_models::Result<PersonMatte> {
        let model = Model::load(path)?;
        if model.input_shape(0) != Some(&[1, SIDE, SIDE, 3]) || model.output_shape(0) != Some(&[1, SIDE, SIDE, 1]) {
            return Err(vivify_models::Error::Model {
                model: path.display().to_string(),
                problem: "not the 256×256 person matte of mediapipe 0.10.14".into(),
            });
        }
        Ok(PersonMatte { model })
    }

    /// How much each pixel of the analysis picture is a person (0..=1).
    pub fn matte(&self, a: &Analysis) -> vivify_models::Result<Field> {
        let input = sample(&a.rgb, a.width, a.height, SIDE, SIDE);
        let out = self.model.run(&[&input])?;
        let small = out.into_iter().next().filter(|m| m.len() == SIDE * SIDE).ok_or_else(|| {
            vivify_models::Error::Model { model: MODEL_FILE.into(), problem: "no 256×256 matte came out".into() }
        })?;
        Ok(Field { width: a.width, height: a.height, data: sample_plane(&small, SIDE, SIDE, a.width, a.height) })
    }
}

/// Bilinear resample of an RGB picture to `ow`×`oh`, interleaved.
fn sample(rgb: &[[f32; 3]], w: usize, h: usize, ow: usize, oh: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(ow * oh * 3);
    for oy in 0..oh {
        let (y0, y1, fy) = source(oy, oh, h);
        for ox in 0..ow {
            let (x0, x1, fx) = source(ox, ow, w);
            let (p00, p01, p10, p11) = (rgb[y0 * w + x0], rgb[y0 * w + x1], rgb[y1 * w + x0], rgb[y1 * w + x1]);
            for (((a, b), c), d) in p00.iter().zip(&p01).zip(&p10).zip(&p11) {
                let top = a + (b - a) * fx;
                let bottom = c + (d - c) * fx;
                out.push(top + (bottom - top) * fy);
            }
        }
    }
    out
}

/// Bilinear resample of one plane (`w`×`h`, not empty) to `ow`×`oh`,
/// pixel centres aligned.
fn sample_plane(v: &[f32], w: usize, h: usize, ow: usize, oh: usize) -> Vec<f32> {
    let plane = Field { width: w, height: h, data: v.to_vec() };
    let at = |o: usize, out: usize, len: usize| (o as f32 + 0.5) * len as f32 / out as f32 - 0.5;
    (0..oh)
        .flat_map(|oy| (0..ow).map(move |ox| (ox, oy)))
        .map(|(ox, oy)| plane.sample(at(ox, ow, w), at(oy, oh, h)))
        .collect()
}

/// The two source samples round output sample `o` of `out` (pixel
/// centres aligned) on an axis of `len`, and the weight of the second.
fn source(o: usize, out: usize, len: usize) -> (usize, usize, f32) {
    let s = ((o as f32 + 0.5) * len as f32 / out as f32 - 0.5).clamp(0.0, (len - 1) as f32);
    let lo = s.floor() as usize;
    (lo, (lo + 1).min(len - 1), s - lo as f32)
}

/// The matte's people that a found face belongs to (`faces` as boxes in
/// fractions of the picture): the matte there, 0 elsewhere; None when no
/// face lies on the matte.
pub fn found_people(matte: &Field, faces: &[vivify_picture::image::Rect]) -> Option<Field> {
    let (w, h) = (matte.width, matte.height);
    let on = |i: usize| matte.data[i] >= 0.5;
    let mut seed = vec![0f32; w * h];
    let mut seen = vec![false; w * h];
    let mut any = false;
    for f in faces {
        // The centre of the face box: the start of that person's region.
        let (cx, cy) = (((f.x + f.w / 2.0) * w as f64) as usize, ((f.y + f.h / 2.0) * h as f64) as usize);
        let start = cy.min(h - 1) * w + cx.min(w - 1);
        if !on(start) || seen[start] {
            continue;
        }
        any = true;
        for i in super::layers::flood(w, h, start, &mut seen, on) {
            seed[i] = matte.data[i];
        }
    }
    any.then_some(Field { width: w, height: h, data: seed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vivify_picture::image::Rect;

    #[test]
    fn only_people_with_a_found_face_are_kept() {
        // Two blobs on the matte; a face lies on the left one only.
        let (w, h) = (40, 20);
        let mut matte = Field::new(w, h, 0.0);
        for y in 5..15 {
            for x in (3..12).chain(25..35) {
                matte.data[y * w + x] = 0.9;
            }
        }
        let face = Rect { x: 5.0 / 40.0, y: 6.0 / 20.0, w: 4.0 / 40.0, h: 4.0 / 20.0 };
        let seed = found_people(&matte, &[face]).expect("a person");
        assert_eq!(seed.get(6, 10), 0.9);
        assert_eq!(seed.get(30, 10), 0.0, "the blob without a face is left out");
        let elsewhere = Rect { x: 0.45, y: 0.0, w: 0.05, h: 0.1 };
        assert!(found_people(&matte, &[elsewhere]).is_none());
    }

    #[test]
    fn resampling_keeps_a_constant_and_a_ramp() {
        let ramp: Vec<f32> = (0..8).map(|x| x as f32).collect();
        let up = sample_plane(&ramp, 8, 1, 16, 1);
        assert!(up.windows(2).all(|p| p[1] >= p[0]) && up[0] == 0.0 && up[15] == 7.0);
        let rgb = vec![[0.25f32, 0.5, 0.75]; 12];
        let out = sample(&rgb, 4, 3, 5, 7);
        assert!(out.chunks(3).all(|p| p == [0.25, 0.5, 0.75]));
    }
}
