//! NudeNet 320n (a YOLOv8n detector of exposed and covered body parts) run
//! with `tract`, for the `nsfw` feature. Pre-processing follows the
//! published Python package: the picture is fitted into a black square
//! (padding right and bottom), scaled to 320×320, RGB in 0–1, planar.
//! The output is 4 box values and 18 class scores for each of 2,100
//! anchors; a category's score is the best anchor score of its classes.

use std::path::Path;

use tract_onnx::prelude::*;

use super::classifier::ImageClassifier;
use super::taxonomy::Category;
use vivify_media::error::{Error, Result};
use vivify_picture::image::{resize, Rect, Rgb};

const SIDE: usize = 320;
const ANCHORS: usize = 2100;
const CLASSES: usize = 18;
/// Class indexes (the package's label order) that show exposed intimate
/// parts: buttocks, female breast, female genitalia, anus, male genitalia.
const EXPOSED: [usize; 5] = [2, 3, 4, 6, 14];
/// The model's classes, in its output order.
pub const LABELS: [&str; CLASSES] = [
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
];

pub struct NudeNet {
    plan: std::sync::Arc<TypedRunnableModel>,
}

fn model_error(path: &Path) -> impl Fn(TractError) -> Error + '_ {
    move |e| Error::Invalid { what: "image classifier model", reason: format!("{}: {e}", path.display()) }
}

impl NudeNet {
    /// Loads and optimises the model (about 0.8 s on two cores).
    pub fn load(path: &Path) -> Result<NudeNet> {
        let e = model_error(path);
        // The graph's stored shapes use a symbolic batch that tract's
        // analyser cannot unify with ours; the input fact below says it all.
        let plan = tract_onnx::onnx()
            .with_ignore_output_shapes(true)
            .with_ignore_value_info(true)
            .model_for_path(path)
            .map_err(&e)?
            .with_input_fact(0, f32::fact([1, 3, SIDE, SIDE]).into())
            .map_err(&e)?
            .into_optimized()
            .map_err(&e)?
            .into_runnable()
            .map_err(&e)?;
        Ok(NudeNet { plan })
    }

    /// The network's input for a picture.
    fn input(rgb: &Rgb) -> Result<Tensor> {
        let long = rgb.width.max(rgb.height).max(1);
        let w = (rgb.width * SIDE).div_ceil(long).clamp(1, SIDE);
        let h = (rgb.height * SIDE).div_ceil(long).clamp(1, SIDE);
        let full = Rect { x: 0.0, y: 0.0, w: rgb.width as f64, h: rgb.height as f64 };
        let small = resize(rgb, full, w, h)?;
        let mut planes = vec![0f32; 3 * SIDE * SIDE];
        for y in 0..h {
            for x in 0..w {
                let p = &small.data[(y * w + x) * 3..][..3];
                for (c, v) in p.iter().enumerate() {
                    planes[c * SIDE * SIDE + y * SIDE + x] = f32::from(*v) / 255.0;
                }
            }
        }
        Tensor::from_shape(&[1, 3, SIDE, SIDE], &planes).map_err(|e| Error::codec_from("classifier input", e))
    }
}

impl NudeNet {
    /// The best anchor score of every class (for tests and explanations).
    pub fn class_scores(&self, rgb: &Rgb) -> Result<[f32; CLASSES]> {
        let input = NudeNet::input(rgb)?;
        let out = self.plan.run(tvec!(input.into())).map_err(|e| Error::codec_from("image classifier", e))?;
        let view = out[0].to_plain_array_view::<f32>().map_err(|e| Error::codec_from("image classifier output", e))?;
        if view.shape() != [1, 4 + CLASSES, ANCHORS] {
            return Err(Error::codec(format!("image classifier output has shape {:?}", view.shape())));
        }
        let mut best = [0f32; CLASSES];
        for (c, b) in best.iter_mut().enumerate() {
            for a in 0..ANCHORS {
                *b = b.max(view[[0, 4 + c, a]]);
            }
        }
        Ok(best)
    }
}

impl ImageClassifier for NudeNet {
    fn name(&self) -> String {
        "nudenet 3.4.2 320n (tract)".into()
    }

    fn classify(&self, rgb: &Rgb) -> Result<Vec<(Category, f32)>> {
        let best = self.class_scores(rgb)?;
        let sexual = EXPOSED.iter().map(|&c| best[c]).fold(0f32, f32::max);
        Ok(vec![(Category::Sexual, sexual.clamp(0.0, 1.0))])
    }
}
