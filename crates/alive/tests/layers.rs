//! The foreground layer through the whole compositor (issue 14, item 3):
//! a sharp subject in front of a blurred, striped background. The camera
//! pans with strong parallax; the subject must keep its shape, the
//! background right beside it must move with the rest of the background
//! (not be dragged along and stretched), and nothing of the subject's
//! colour may smear into what it uncovers.

use vivify_alive::prompt::CameraMove;
use vivify_alive::render::{Cover, Stage};
use vivify_alive::scene::Scene;
use vivify_alive::{frame_size, plan, prompt, SizeSpec};
use vivify_codec::Frame;
use vivify_picture::image::Rgb;

const W: usize = 480;
const H: usize = 360;
/// The background's stripes: period in photo pixels.
const PERIOD: f32 = 48.0;
const DISC: (f32, f32, f32) = (240.0, 216.0, 62.0);

fn photo() -> Rgb {
    let mut data = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            let (dx, dy) = (x as f32 - DISC.0, y as f32 - DISC.1);
            let c = if dx.hypot(dy) < DISC.2 {
                // In focus: a fine warm checker.
                if (x / 3 + y / 3) % 2 == 0 {
                    [235, 120, 40]
                } else {
                    [150, 40, 30]
                }
            } else {
                // Out of focus: soft vertical stripes in green-grey.
                let s = (std::f32::consts::TAU * x as f32 / PERIOD).cos();
                let l = 110.0 + 40.0 * s;
                [(l * 0.8) as u8, l as u8, (l * 0.75) as u8]
            };
            data.extend(c);
        }
    }
    Rgb { width: W, height: H, data }
}

/// Disc pixels of a frame: the warm chroma (Cr well above Cb).
fn is_disc(f: &Frame, x: usize, y: usize) -> bool {
    let ci = (y / 2) * f.width.div_ceil(2) + x / 2;
    i32::from(f.v[ci]) - i32::from(f.u[ci]) > 30
}

/// The disc's bounding box and pixel count in a frame.
fn disc_box(f: &Frame) -> (usize, usize, usize, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1, mut n) = (usize::MAX, usize::MAX, 0, 0, 0);
    for y in 0..f.height {
        for x in 0..f.width {
            if is_disc(f, x, y) {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
                n += 1;
            }
        }
    }
    (x0, y0, x1, y1, n)
}

/// Positions of the stripes' bright peaks along row `y`, refined to a
/// fraction of a pixel, away from the disc (by `margin` pixels).
fn peaks(f: &Frame, y: usize, margin: usize) -> Vec<f32> {
    let row: Vec<f32> = f.y[y * f.width..(y + 1) * f.width].iter().map(|&v| f32::from(v)).collect();
    let near_disc = |x: usize| (x.saturating_sub(margin)..(x + margin + 1).min(f.width)).any(|xx| is_disc(f, xx, y));
    let mut out = Vec::new();
    for x in 2..f.width - 2 {
        let (a, b, c) = (row[x - 1], row[x], row[x + 1]);
        // A crest: the highest point of its neighbourhood, well above the
        // stripes' mean.
        if b >= a && b > c && b >= row[x - 2] && b >= row[x + 2] && b > 120.0 && !near_disc(x) {
            let d = a - 2.0 * b + c;
            let off = if d.abs() > 1e-6 { 0.5 * (a - c) / d } else { 0.0 };
            out.push(x as f32 + off.clamp(-0.5, 0.5));
        }
    }
    out
}

#[test]
fn the_subject_moves_as_one_piece_and_the_background_beside_it_is_not_dragged() {
    let rgb = photo();
    let scene = Scene::analyse(&rgb, false).expect("analysis");
    let verdict = &scene.summary.layers;
    assert!(verdict.split && scene.foreground.is_some(), "the disc should be cut out: {verdict:?}");
    let text = "bring this photo to life";
    let mut pl = plan::build(text, &prompt::parse(text), &scene, 3, true);
    // A pan with strong parallax: the subject slides against what lies
    // behind it, uncovering a strip many pixels wide (a push-in would only
    // grow it over its surroundings).
    pl.camera.motion = CameraMove::PanRight;
    pl.camera.parallax = 0.05;
    let (w, h, crop, _) = frame_size(W, H, SizeSpec::Exact(W, H), scene.summary.subject).expect("size");
    let stage = Stage::new(&rgb, &scene, &pl, crop, w, h, 3.0, 3).expect("stage");
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let mut still = Frame::new(w, h).expect("frame");
    stage.render(0.0, &mut still, &mut cover);
    let (bx0, by0, bx1, by1, area0) = disc_box(&still);
    assert!(area0 > 5000, "the disc is in the still: {area0}");
    let cy = (by0 + by1) / 2;
    // The frame where the disc has moved furthest against the stripes.
    let mut moved = Frame::new(w, h).expect("frame");
    let mut best: Option<(f32, Frame)> = None;
    for i in 1..=12 {
        let t = i as f32 * 0.24;
        stage.render(t, &mut moved, &mut cover);
        let (x0, _, x1, _, _) = disc_box(&moved);
        let disc_x = (x0 + x1) as f32 * 0.5;
        let p = peaks(&moved, cy, 3);
        let far = p.first().copied().unwrap_or(0.0);
        let rel = disc_x - far;
        if best.as_ref().is_none_or(|(r, _)| rel.abs() > r.abs()) {
            best = Some((rel, moved.clone()));
        }
    }
    let (_, frame) = best.expect("frames");
    let (x0, y0, x1, y1, area) = disc_box(&frame);

    // The disc keeps its shape: its aspect and its area go together (a
    // zoom scales both; stretching would change one without the other).
    let aspect = |x0: usize, y0: usize, x1: usize, y1: usize| (x1 - x0 + 1) as f32 / (y1 - y0 + 1) as f32;
    let (a0, a1) = (aspect(bx0, by0, bx1, by1), aspect(x0, y0, x1, y1));
    assert!((a1 / a0 - 1.0).abs() < 0.03, "aspect {a0} -> {a1}");
    let scale = (x1 - x0 + 1) as f32 / (bx1 - bx0 + 1) as f32;
    let want = area0 as f32 * scale * scale;
    assert!((area as f32 / want - 1.0).abs() < 0.06, "area {area0} -> {area}, width scale {scale}");

    // Nothing of the disc smears outside its outline: every disc-coloured
    // pixel lies inside the ellipse of its box, grown by two pixels.
    let (ex, ey) = ((x0 + x1) as f32 * 0.5, (y0 + y1) as f32 * 0.5);
    let (rx, ry) = ((x1 - x0) as f32 * 0.5 + 2.0, (y1 - y0) as f32 * 0.5 + 2.0);
    let mut outside = 0;
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = ((x as f32 - ex) / rx, (y as f32 - ey) / ry);
            if is_disc(&frame, x, y) && dx * dx + dy * dy > 1.0 {
                outside += 1;
            }
        }
    }
    assert!(outside * 200 < area, "{outside} disc pixels outside its outline (of {area})");

    // The background right beside the disc moves with the rest of the
    // background: the stripes keep one spacing on the row through the
    // disc's centre, up to the disc's edge on both sides.
    let row = (y0 + y1) / 2;
    let p = peaks(&frame, row, 2);
    let gaps: Vec<(f32, f32)> =
        p.windows(2).map(|w| (w[0], w[1] - w[0])).filter(|(_, g)| *g < 1.5 * PERIOD * 1.3).collect();
    assert!(gaps.len() >= 4, "stripes found: {p:?}");
    let mut sorted: Vec<f32> = gaps.iter().map(|g| g.1).collect();
    sorted.sort_by(f32::total_cmp);
    let typical = sorted[sorted.len() / 2];
    for (at, gap) in &gaps {
        assert!((gap - typical).abs() < 1.5, "stripe spacing {gap} at x {at} against {typical} (peaks {p:?})");
    }
    // And the subject did move against them (the test can fail).
    let (sx0, _, sx1, _, _) = disc_box(&still);
    let still_peaks = peaks(&still, (by0 + by1) / 2, 2);
    let rel = |disc: f32, peaks: &[f32]| {
        peaks.iter().map(|p| disc - p).fold(f32::MAX, |a, b| if b.abs() < a.abs() { b } else { a })
    };
    let before = rel((sx0 + sx1) as f32 * 0.5, &still_peaks);
    let after = rel((x0 + x1) as f32 * 0.5, &p);
    // Against the stripes, whichever crest is nearest: modulo their period.
    let d = after - before;
    let shift = (d - typical * (d / typical).round()).abs();
    assert!(shift >= 2.0, "the disc moved {shift} px against the stripes");
}
