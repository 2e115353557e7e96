//! The visible "AI-generated" label burnt into generated frames: white
//! letters on a translucent dark pill, so it reads on bright skies and dark
//! streets alike, sized from the frame's short side and placed in a corner.
//!
//! The letters are our own stroke font (lines and arcs on a small grid),
//! drawn with anti-aliased distance-to-stroke coverage at any size; no font
//! file is needed. The label's coverage is computed once per clip and
//! blended into each frame's Y'CbCr planes.

use serde::Serialize;

use vivify_codec::Frame;

pub const LABEL_TEXT: &str = "AI-generated";

/// Which corner the label sits in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    TopLeft,
    TopRight,
    #[default]
    BottomLeft,
    BottomRight,
}

impl std::str::FromStr for Corner {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "top-left" => Ok(Corner::TopLeft),
            "top-right" => Ok(Corner::TopRight),
            "bottom-left" => Ok(Corner::BottomLeft),
            "bottom-right" => Ok(Corner::BottomRight),
            _ => Err(format!("'{s}': expected top-left, top-right, bottom-left or bottom-right")),
        }
    }
}

/// Glyph units: baseline 0, x-height 5, cap height 7, y up.
type Stroke = Vec<(f32, f32)>;

const CAP: f32 = 7.0;
const DESC: f32 = 2.2;
const PEN: f32 = 0.95;
const GAP: f32 = 1.5;

fn arc(cx: f32, cy: f32, r: f32, from_deg: f32, to_deg: f32) -> Stroke {
    let n = (((to_deg - from_deg).abs() / 12.0).ceil() as usize).max(2);
    (0..=n)
        .map(|i| {
            let a = (from_deg + (to_deg - from_deg) * i as f32 / n as f32).to_radians();
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// The strokes and advance width of one character.
fn glyph(c: char) -> (Vec<Stroke>, f32) {
    let bowl = || arc(2.5, 2.5, 2.5, 0.0, 360.0);
    match c {
        'A' => (vec![vec![(0.0, 0.0), (3.0, CAP), (6.0, 0.0)], vec![(1.2, 2.4), (4.8, 2.4)]], 6.0),
        'I' => (vec![vec![(0.5, 0.0), (0.5, CAP)]], 1.0),
        '-' => (vec![vec![(0.2, 2.9), (2.8, 2.9)]], 3.0),
        'a' => (vec![bowl(), vec![(5.0, 5.0), (5.0, 0.0)]], 5.0),
        'd' => (vec![bowl(), vec![(5.0, CAP + 0.3), (5.0, 0.0)]], 5.0),
        'e' => {
            let mut s = vec![(0.0, 2.5), (5.0, 2.5)];
            s.extend(arc(2.5, 2.5, 2.5, 0.0, 315.0));
            (vec![s], 5.0)
        }
        'g' => {
            let mut stem = vec![(5.0, 5.0), (5.0, -0.4)];
            stem.extend(arc(2.5, -0.4, 2.5, 0.0, -150.0).into_iter().skip(1));
            (vec![bowl(), stem], 5.0)
        }
        'n' => {
            let mut arch = vec![(0.0, 2.6)];
            arch.extend(arc(2.5, 2.6, 2.5, 180.0, 0.0));
            arch.push((5.0, 0.0));
            (vec![vec![(0.0, 0.0), (0.0, 5.0)], arch], 5.0)
        }
        'r' => {
            let mut arch = vec![(0.0, 2.6)];
            arch.extend(arc(2.6, 2.6, 2.4, 180.0, 70.0));
            (vec![vec![(0.0, 0.0), (0.0, 5.0)], arch], 3.6)
        }
        't' => {
            let mut s = vec![(1.3, CAP - 0.4), (1.3, 1.2)];
            s.extend(arc(2.5, 1.2, 1.2, 180.0, 270.0).into_iter().skip(1));
            s.push((3.3, 0.0));
            (vec![s, vec![(0.0, 5.0), (3.3, 5.0)]], 3.3)
        }
        _ => (Vec::new(), 3.0),
    }
}

/// A rendered label: per-pixel coverage of the pill and of the letters
/// (0–256) over a rectangle of the frame.
#[derive(Clone, Debug)]
pub struct Label {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
    pill: Vec<u16>,
    ink: Vec<u16>,
}

/// How dark the pill is (of 256).
const PILL_ALPHA: f32 = 150.0;

fn segment_distance(px: f32, py: f32, a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (qx, qy) = (a.0 + t * dx - px, a.1 + t * dy - py);
    (qx * qx + qy * qy).sqrt()
}

impl Label {
    /// Lays the label out for a `width`×`height` frame in `corner`.
    /// `None` when the frame is too small to hold it legibly.
    pub fn new(width: usize, height: usize, corner: Corner) -> Option<Label> {
        let short = width.min(height) as f32;
        // The pill is 4.2 % of the short side (45 px on 1080p), at least 22 px
        // (letters about 10 px high: the smallest that stays readable).
        let pill_h = (short * 0.042).clamp(22.0, 160.0).round();
        let unit = pill_h * 0.46 / CAP; // pixels per glyph unit
        let glyphs: Vec<_> = LABEL_TEXT.chars().map(glyph).collect();
        let text_w = glyphs.iter().map(|g| g.1).sum::<f32>() + GAP * (glyphs.len() - 1) as f32;
        let pad = pill_h * 0.5;
        let pill_w = (text_w * unit + 2.0 * pad).round();
        let margin = (pill_h * 0.6).round();
        if pill_w + 2.0 * margin > width as f32 || pill_h + 2.0 * margin > height as f32 {
            return None;
        }
        let (w, h) = (pill_w as usize, pill_h as usize);
        let x = match corner {
            Corner::TopLeft | Corner::BottomLeft => margin as usize,
            Corner::TopRight | Corner::BottomRight => width - margin as usize - w,
        };
        let y = match corner {
            Corner::TopLeft | Corner::TopRight => margin as usize,
            Corner::BottomLeft | Corner::BottomRight => height - margin as usize - h,
        };
        // Strokes in label pixels: baseline so that cap height + descender sit centred.
        let baseline = (pill_h + (CAP - DESC) * unit) / 2.0;
        let mut segments = Vec::new();
        let mut pen_x = pad;
        for (strokes, advance) in &glyphs {
            for s in strokes {
                for pair in s.windows(2) {
                    let p = |q: (f32, f32)| (pen_x + q.0 * unit, baseline - q.1 * unit);
                    segments.push((p(pair[0]), p(pair[1])));
                }
            }
            pen_x += (advance + GAP) * unit;
        }
        let half_pen = PEN * unit / 2.0;
        let radius = pill_h / 2.0;
        let mut pill = vec![0u16; w * h];
        let mut ink = vec![0u16; w * h];
        for j in 0..h {
            for i in 0..w {
                let (px, py) = (i as f32 + 0.5, j as f32 + 0.5);
                // Rounded ends: distance from the pill's centre line.
                let cx = px.clamp(radius, w as f32 - radius);
                let d_pill = ((px - cx).powi(2) + (py - radius).powi(2)).sqrt();
                let a_pill = (radius - d_pill + 0.5).clamp(0.0, 1.0);
                pill[j * w + i] = (a_pill * PILL_ALPHA) as u16;
                let d = segments.iter().map(|&(a, b)| segment_distance(px, py, a, b)).fold(f32::MAX, f32::min);
                ink[j * w + i] = ((half_pen - d + 0.5).clamp(0.0, 1.0) * 256.0) as u16;
            }
        }
        Some(Label { x, y, width: w, height: h, pill, ink })
    }

    /// Blends the label into a video-range BT.709 frame.
    pub fn apply(&self, frame: &mut Frame) {
        const BLACK: u32 = 16;
        const WHITE: u32 = 235;
        let fw = frame.width;
        for j in 0..self.height {
            let row = (self.y + j) * fw + self.x;
            for i in 0..self.width {
                let k = j * self.width + i;
                let (p, t) = (u32::from(self.pill[k]), u32::from(self.ink[k]));
                let y = &mut frame.y[row + i];
                let v = (u32::from(*y) * (256 - p) + BLACK * p) >> 8;
                *y = ((v * (256 - t) + WHITE * t) >> 8) as u8;
            }
        }
        // Chroma: pull towards grey as much as the label covers the 2×2 block.
        let cw = frame.chroma_width();
        let ch = frame.v.len() / cw.max(1);
        for cj in self.y / 2..((self.y + self.height).div_ceil(2)).min(ch) {
            for ci in self.x / 2..((self.x + self.width).div_ceil(2)).min(cw) {
                let mut cover = 0u32;
                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let (fx, fy) = (ci * 2 + dx, cj * 2 + dy);
                    if fx >= self.x && fx < self.x + self.width && fy >= self.y && fy < self.y + self.height {
                        let k = (fy - self.y) * self.width + fx - self.x;
                        let (p, t) = (u32::from(self.pill[k]), u32::from(self.ink[k]));
                        cover += (p + t - ((p * t) >> 8)).min(256);
                    }
                }
                let a = cover / 4;
                let idx = cj * cw + ci;
                for plane in [&mut frame.u, &mut frame.v] {
                    plane[idx] = ((u32::from(plane[idx]) * (256 - a) + 128 * a) >> 8) as u8;
                }
            }
        }
    }

    /// The rectangle the label covers, in frame pixels (x, y, width, height).
    pub fn rect(&self) -> (usize, usize, usize, usize) {
        (self.x, self.y, self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(w: usize, h: usize, luma: u8) -> Frame {
        let mut f = Frame::new(w, h).expect("frame");
        f.y.fill(luma);
        f.u.fill(128);
        f.v.fill(128);
        f
    }

    #[test]
    fn reads_on_white_and_on_black_and_scales_with_the_frame() {
        for (w, h) in [(1080, 1920), (1920, 1080), (640, 360)] {
            let label = Label::new(w, h, Corner::BottomLeft).expect("fits");
            for bg in [235u8, 16] {
                let mut f = filled(w, h, bg);
                label.apply(&mut f);
                // Letters are near white, the pill around them near black.
                let (mut ink, mut pill) = (Vec::new(), Vec::new());
                for j in 0..label.height {
                    for i in 0..label.width {
                        let k = j * label.width + i;
                        let y = f.y[(label.y + j) * w + label.x + i];
                        if label.ink[k] >= 220 {
                            ink.push(f32::from(y));
                        } else if label.ink[k] == 0 && label.pill[k] as f32 >= PILL_ALPHA - 1.0 {
                            pill.push(f32::from(y));
                        }
                    }
                }
                let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
                assert!(ink.len() > 60 && pill.len() > 100, "{w}x{h}: {} ink, {} pill", ink.len(), pill.len());
                assert!(mean(&ink) - mean(&pill) > 90.0, "{w}x{h} on {bg}: {} vs {}", mean(&ink), mean(&pill));
                // Nothing outside the label changed.
                assert_eq!(f.y[0], bg);
            }
        }
        let small = Label::new(640, 360, Corner::TopRight).expect("fits");
        let big = Label::new(3840, 2160, Corner::TopRight).expect("fits");
        assert!(big.height > small.height * 2);
        assert_eq!(big.x + big.width + (big.height as f32 * 0.6).round() as usize, 3840);
        assert!(Label::new(40, 40, Corner::TopLeft).is_none());
    }
}
