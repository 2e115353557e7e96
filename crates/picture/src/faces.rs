//! Frontal face boxes, with the SeetaFace cascade that ships inside the
//! `rustface` crate (pure Rust; feature `faces`, on by default). Faces keep
//! people near in the depth map, frame `--size story` crops, and make a
//! photo a portrait for the plan. Without the feature nothing is found.

use super::image::{Rect, Rgb};

/// Long side of the picture the detector sees first: faces smaller than
/// about 1/32 of it are not looked for (a speed and false-alarm trade-off).
#[cfg(feature = "faces")]
const DETECT_SIDE: usize = 640;
/// When the first look finds a group, a second look at this size finds the
/// smaller faces in the back rows.
#[cfg(feature = "faces")]
const GROUP_SIDE: usize = 1024;

/// A face as fractions of the photo, with the detector's score.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Face {
    pub rect: Rect,
    pub score: f64,
}

/// Finds frontal faces in an upright photo.
#[cfg(feature = "faces")]
pub fn detect(photo: &Rgb) -> Vec<Face> {
    let first = detect_at(photo, DETECT_SIDE);
    if first.len() >= 2 && photo.width.max(photo.height) > DETECT_SIDE {
        return detect_at(photo, GROUP_SIDE);
    }
    first
}

/// Finds frontal faces looking at the photo scaled to `side` pixels on its
/// long side (smaller = faster, larger = smaller faces found).
#[cfg(feature = "faces")]
pub fn detect_at(photo: &Rgb, side: usize) -> Vec<Face> {
    use rustface::ImageData;
    static MODEL: &[u8] = include_bytes!("../models/seeta_fd_frontal_v1.0.bin");
    let Ok(model) = rustface::read_model(MODEL) else { return Vec::new() };
    let scale = (side as f64 / photo.width.max(photo.height) as f64).min(1.0);
    let (w, h) = (
        ((photo.width as f64 * scale).round() as usize).max(1),
        ((photo.height as f64 * scale).round() as usize).max(1),
    );
    // The detector needs a window of at least 20 pixels to fit.
    if w < 24 || h < 24 {
        return Vec::new();
    }
    let Ok(small) =
        super::image::resize(photo, Rect { x: 0.0, y: 0.0, w: photo.width as f64, h: photo.height as f64 }, w, h)
    else {
        return Vec::new();
    };
    let gray: Vec<u8> = small
        .data
        .chunks_exact(3)
        .map(|p| ((u32::from(p[0]) * 54 + u32::from(p[1]) * 183 + u32::from(p[2]) * 19) >> 8) as u8)
        .collect();
    let mut det = rustface::create_detector_with_model(model);
    det.set_min_face_size(20);
    det.set_score_thresh(2.0);
    det.set_pyramid_scale_factor(0.8);
    det.set_slide_window_step(4, 4);
    let found = det.detect(&ImageData::new(&gray, w as u32, h as u32));
    found
        .iter()
        .map(|f| {
            let b = f.bbox();
            Face {
                rect: Rect {
                    x: (f64::from(b.x()) / w as f64).clamp(0.0, 1.0),
                    y: (f64::from(b.y()) / h as f64).clamp(0.0, 1.0),
                    w: f64::from(b.width()) / w as f64,
                    h: f64::from(b.height()) / h as f64,
                },
                score: f.score(),
            }
        })
        .collect()
}

/// Without the `faces` feature: no faces.
#[cfg(not(feature = "faces"))]
pub fn detect(_photo: &Rgb) -> Vec<Face> {
    Vec::new()
}

/// Without the `faces` feature: no faces.
#[cfg(not(feature = "faces"))]
pub fn detect_at(_photo: &Rgb, _side: usize) -> Vec<Face> {
    Vec::new()
}
