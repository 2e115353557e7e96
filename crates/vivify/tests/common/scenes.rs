//! Test photos drawn here, so their sky and water are known exactly: a
//! seascape with a cloudy sky, a rocky headland standing in front of sky and
//! sea, and a sandy beach in the foreground.

/// A drawn photo and where its sky and water are.
pub struct Drawn {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
    pub sky: Vec<bool>,
    pub water: Vec<bool>,
}

fn hash(x: i64, y: i64, seed: u64) -> f32 {
    let mut h = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ seed;
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 29;
    (h >> 40) as f32 / (1u64 << 24) as f32
}

/// Smooth value noise at scale `cell` pixels.
fn noise(x: f32, y: f32, cell: f32, seed: u64) -> f32 {
    let (gx, gy) = (x / cell, y / cell);
    let (x0, y0) = (gx.floor() as i64, gy.floor() as i64);
    let (fx, fy) = (gx - x0 as f32, gy - y0 as f32);
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(fx), s(fy));
    let a = hash(x0, y0, seed) * (1.0 - sx) + hash(x0 + 1, y0, seed) * sx;
    let b = hash(x0, y0 + 1, seed) * (1.0 - sx) + hash(x0 + 1, y0 + 1, seed) * sx;
    a * (1.0 - sy) + b * sy
}

fn fbm(x: f32, y: f32, cell: f32, seed: u64) -> f32 {
    let mut v = 0.0;
    let mut amp = 0.5;
    let mut c = cell;
    for o in 0..5 {
        v += amp * noise(x, y, c, seed + o);
        amp *= 0.5;
        c *= 0.5;
    }
    v
}

/// A seascape of `w`×`h`: horizon at 45 %, clouds, a headland on the left,
/// a beach along the bottom.
pub fn seascape(w: usize, h: usize) -> Drawn {
    let (wf, hf) = (w as f32, h as f32);
    let horizon = 0.45 * hf;
    let beach = 0.84 * hf;
    let mut rgb = vec![0u8; w * h * 3];
    let mut sky = vec![false; w * h];
    let mut water = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            // The headland: a ragged ridge falling from the left edge.
            let ridge =
                0.22 * hf + (fx / (0.32 * wf)).powf(1.6) * 0.5 * hf + 12.0 * noise(fx, 0.0, 9.0, 5) * hf / 400.0;
            let foot = 0.62 * hf - (fx / wf) * 0.1 * hf;
            let on_land = fx < 0.34 * wf && fy > ridge && fy < foot.max(horizon);
            let c: [f32; 3] = if on_land {
                let n = fbm(fx, fy, 14.0, 11);
                [70.0 + 80.0 * n, 62.0 + 60.0 * n, 50.0 + 40.0 * n]
            } else if fy < horizon {
                sky[y * w + x] = true;
                let v = fy / horizon;
                let base = [40.0 + 120.0 * v, 95.0 + 100.0 * v, 175.0 + 55.0 * v];
                let cloud = ((fbm(fx * 0.6, fy * 1.6, 90.0, 3) - 0.48) * 4.0).clamp(0.0, 1.0) * (1.0 - v * 0.6);
                let shade = 0.85 + 0.15 * fbm(fx, fy, 20.0, 4);
                [
                    base[0] + (240.0 * shade - base[0]) * cloud,
                    base[1] + (240.0 * shade - base[1]) * cloud,
                    base[2] + (245.0 * shade - base[2]) * cloud,
                ]
            } else if fy < beach {
                water[y * w + x] = true;
                let p = (fy - horizon) / (beach - horizon);
                let streak = noise(fx * 0.05, fy * (3.0 - 2.0 * p), 1.0, 8);
                let glint = if streak > 0.85 { 40.0 * (streak - 0.85) / 0.15 } else { 0.0 };
                [20.0 + 20.0 * p + glint, 75.0 + 30.0 * p + glint, 120.0 + 15.0 * p + glint]
            } else {
                let n = fbm(fx, fy, 6.0, 21);
                [190.0 + 40.0 * n, 170.0 + 35.0 * n, 130.0 + 30.0 * n]
            };
            let o = (y * w + x) * 3;
            for k in 0..3 {
                rgb[o + k] = c[k].clamp(0.0, 255.0) as u8;
            }
        }
    }
    Drawn { width: w, height: h, rgb, sky, water }
}

/// PNG bytes of a drawn photo (written with the png crate directly, so
/// the helpers serve crates below `vivify` too).
pub fn png(d: &Drawn) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, d.width as u32, d.height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().and_then(|mut w| w.write_image_data(&d.rgb)).expect("png");
    out
}

/// Baseline JPEG bytes of a drawn photo (quality 95, with the encoder we ship).
pub fn jpeg(d: &Drawn) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&d.rgb, d.width as u16, d.height as u16, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg");
    out
}
