//! Pictures for people: a contact sheet of frames and a sheet showing the
//! masks and the depth map, so anyone can see what the analysis found.

use std::path::Path;

use super::fill::push_pull;
use super::render::{Cover, Stage};
use super::scene::Scene;
use vivify_codec::Frame;
use vivify_media::error::{Error, Result};
use vivify_media::outfile;
use vivify_picture::image::{resize, Field, Plane, Rect, Rgb};

/// Encodes packed RGB as PNG.
pub fn png_bytes(img: &Rgb) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width as u32, img.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(|e| Error::codec_from("PNG", e))?;
        w.write_image_data(&img.data).map_err(|e| Error::codec_from("PNG", e))?;
    }
    Ok(out)
}

fn paste(dst: &mut Rgb, src: &Rgb, x0: usize, y0: usize) {
    for y in 0..src.height.min(dst.height.saturating_sub(y0)) {
        let n = src.width.min(dst.width.saturating_sub(x0)) * 3;
        let d = ((y0 + y) * dst.width + x0) * 3;
        dst.data[d..d + n].copy_from_slice(&src.data[y * src.width * 3..y * src.width * 3 + n]);
    }
}

fn thumb(img: &Rgb, width: usize) -> Result<Rgb> {
    let h = ((img.height * width) as f64 / img.width as f64).round().max(1.0) as usize;
    resize(img, Rect { x: 0.0, y: 0.0, w: img.width as f64, h: img.height as f64 }, width, h)
}

/// Renders 12 frames spread over the clip into a 4×3 grid (PNG).
pub fn contact_sheet(stage: &Stage, frames: usize, fps: u32, path: &Path, force: bool) -> Result<()> {
    let (cols, rows) = (4usize, 3usize);
    let tw = 320usize;
    let th = ((stage.height * tw) as f64 / stage.width as f64).round() as usize;
    let gap = 4;
    let mut sheet = Rgb::new(cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap)?;
    sheet.data.iter_mut().for_each(|v| *v = 24);
    let mut frame = Frame::new(stage.width, stage.height)?;
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    for k in 0..cols * rows {
        let i = (k * frames.saturating_sub(1)) / (cols * rows - 1).max(1);
        stage.render(i as f32 / fps as f32, &mut frame, &mut cover);
        let rgb = Rgb { width: stage.width, height: stage.height, data: frame.to_rgb(super::output::RENDER_COLOR) };
        let t = thumb(&rgb, tw)?;
        paste(&mut sheet, &t, gap + (k % cols) * (tw + gap), gap + (k / cols) * (th + gap));
    }
    outfile::write_bytes(path, force, &png_bytes(&sheet)?)
}

/// Photo with the sky (blue), water (cyan) and subject (orange) outlined
/// and tinted, next to the depth map (white = near) and the sky mask; below,
/// the water mask, how far each place sways in the wind, and the lights
/// that flicker (yellow marks on the darkened photo); last, the layers the
/// camera moves: the subject cut out (on a checkerboard), the background
/// plate that shows where the subject uncovers it, and the depth of both
/// together (the background's depth with the cut-out at its own nearness).
/// Without a cut-out the last row shows the photo, the photo and the depth.
/// The horizon is a red line.
pub fn mask_sheet(photo: &Rgb, scene: &Scene, path: &Path, force: bool) -> Result<()> {
    let (w, h) = (scene.sky.width, scene.sky.height);
    let small = resize(photo, Rect { x: 0.0, y: 0.0, w: photo.width as f64, h: photo.height as f64 }, w, h)?;
    let mut overlay = small.clone();
    let hz = scene.summary.horizon.map(|f| (f * h as f32) as usize);
    let sb = scene.summary.subject;
    let (bx0, by0) = ((sb.x * w as f64) as usize, (sb.y * h as f64) as usize);
    let (bx1, by1) = (((sb.x + sb.w) * w as f64) as usize, ((sb.y + sb.h) * h as f64) as usize);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let o = i * 3;
            let (s, wa) = (scene.sky.data[i], scene.water.data[i]);
            let tint = |c: u8, t: f32, a: f32| (f32::from(c) * (1.0 - a) + t * a) as u8;
            overlay.data[o] = tint(overlay.data[o], 40.0, 0.45 * s + 0.4 * wa);
            overlay.data[o + 1] = tint(overlay.data[o + 1], 120.0 + 100.0 * wa, 0.45 * s + 0.4 * wa);
            overlay.data[o + 2] = tint(overlay.data[o + 2], 255.0, 0.45 * s + 0.4 * wa);
            let on_box = (x == bx0 || x + 1 == bx1) && (by0..by1).contains(&y)
                || (y == by0 || y + 1 == by1) && (bx0..bx1).contains(&x);
            if on_box {
                overlay.data[o..o + 3].copy_from_slice(&[255, 150, 0]);
            }
            if Some(y) == hz {
                overlay.data[o..o + 3].copy_from_slice(&[255, 0, 0]);
            }
        }
    }
    let grey = |f: &vivify_picture::image::Field| Rgb {
        width: w,
        height: h,
        data: f
            .data
            .iter()
            .flat_map(|v| {
                let g = (v.clamp(0.0, 1.0) * 255.0) as u8;
                [g, g, g]
            })
            .collect(),
    };
    let mut lights = small.clone();
    lights.data.iter_mut().for_each(|v| *v /= 3);
    for l in &scene.lights {
        let (lx, ly) = ((l.x * w as f32) as isize, (l.y * h as f32) as isize);
        for d in -2isize..=2 {
            for (x, y) in [(lx + d, ly), (lx, ly + d)] {
                if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
                    let o = (y as usize * w + x as usize) * 3;
                    lights.data[o..o + 3].copy_from_slice(&[255, 220, 0]);
                }
            }
        }
    }
    let (cut_out, plate, layered_depth) = layer_pictures(&small, scene);
    let gap = 4;
    let mut sheet = Rgb::new(3 * w + 4 * gap, 3 * h + 4 * gap)?;
    sheet.data.iter_mut().for_each(|v| *v = 24);
    paste(&mut sheet, &overlay, gap, gap);
    paste(&mut sheet, &grey(&scene.nearness), 2 * gap + w, gap);
    paste(&mut sheet, &grey(&scene.sky), 3 * gap + 2 * w, gap);
    paste(&mut sheet, &grey(&scene.water), gap, 2 * gap + h);
    paste(&mut sheet, &grey(&scene.foliage), 2 * gap + w, 2 * gap + h);
    paste(&mut sheet, &lights, 3 * gap + 2 * w, 2 * gap + h);
    paste(&mut sheet, &cut_out, gap, 3 * gap + 2 * h);
    paste(&mut sheet, &plate, 2 * gap + w, 3 * gap + 2 * h);
    paste(&mut sheet, &grey(&layered_depth), 3 * gap + 2 * w, 3 * gap + 2 * h);
    outfile::write_bytes(path, force, &png_bytes(&sheet)?)
}

/// The foreground cut out over a checkerboard, the background plate (the
/// photo with the cut-out filled in from around it, as the renderer builds
/// it at output size), and the depth of the two layers together.
fn layer_pictures(small: &Rgb, scene: &Scene) -> (Rgb, Rgb, Field) {
    let Some(fg) = &scene.foreground else {
        return (small.clone(), small.clone(), scene.nearness.clone());
    };
    let (w, h) = (small.width, small.height);
    let mut cut = small.clone();
    for (i, px) in cut.data.chunks_exact_mut(3).enumerate() {
        let (x, y) = (i % w, i / w);
        let check = if (x / 8 + y / 8) % 2 == 0 { 90.0 } else { 150.0 };
        let a = fg.matte.data[i];
        for c in px.iter_mut() {
            *c = (f32::from(*c) * a + check * (1.0 - a) + 0.5) as u8;
        }
    }
    let keep = fg.plate_keep().to_plane_window((0.0, 0.0, 1.0, 1.0), w, h);
    let channel =
        |c: usize| Plane { width: w, height: h, data: small.data.iter().skip(c).step_by(3).copied().collect() };
    let filled = [push_pull(&channel(0), &keep), push_pull(&channel(1), &keep), push_pull(&channel(2), &keep)];
    let plate = Rgb {
        width: w,
        height: h,
        data: (0..w * h).flat_map(|i| [filled[0].data[i], filled[1].data[i], filled[2].data[i]]).collect(),
    };
    let depth = Field {
        width: w,
        height: h,
        data: scene.nearness.data.iter().zip(&fg.matte.data).map(|(n, a)| n + (fg.nearness - n) * a).collect(),
    };
    (cut, plate, depth)
}
