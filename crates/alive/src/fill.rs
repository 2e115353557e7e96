//! Push-pull hole filling: pixels outside a mask get a smooth extension of
//! the pixels inside it. Used to build the sky and water plates, so that
//! drifting clouds and rippling water never drag in the buildings or the
//! shore beside them.

use vivify_picture::image::Plane;

/// Returns `plane` with every pixel whose `keep` weight (0..=255) is below
/// half replaced by a smooth fill from the kept ones. `keep` may be smaller
/// than `plane` (e.g. at chroma size for a luma plane); it is then read at
/// the nearest position.
pub fn push_pull(plane: &Plane, keep: &Plane) -> Plane {
    let (w, h) = (plane.width, plane.height);
    // Where each pixel's keep flag is, as one index per column and per row;
    // the flags are worked out once, a row at a time.
    let kx: Vec<usize> = (0..w).map(|x| (x * keep.width / w).min(keep.width - 1)).collect();
    let mut kept = vec![false; w * h];
    for (y, row) in kept.chunks_exact_mut(w.max(1)).enumerate() {
        let line = &keep.data[(y * keep.height / h).min(keep.height - 1) * keep.width..];
        for (k, &x) in row.iter_mut().zip(&kx) {
            *k = line[x] >= 128;
        }
    }
    let mut levels: Vec<(usize, usize, Vec<f32>, Vec<f32>)> = Vec::new();
    let wt: Vec<f32> = kept.iter().map(|&k| if k { 1.0 } else { 0.0 }).collect();
    let val: Vec<f32> = plane.data.iter().zip(&wt).map(|(&p, &k)| f32::from(p) * k).collect();
    levels.push((w, h, val, wt));
    // Push: halve until one pixel, summing weighted values.
    while {
        let (lw, lh, _, _) = levels[levels.len() - 1];
        lw > 1 || lh > 1
    } {
        let (lw, lh, v, k) = &levels[levels.len() - 1];
        let (nw, nh) = (lw.div_ceil(2), lh.div_ceil(2));
        let mut nv = vec![0f32; nw * nh];
        let mut nk = vec![0f32; nw * nh];
        for y in 0..*lh {
            for x in 0..*lw {
                let i = y * lw + x;
                let j = (y / 2) * nw + x / 2;
                nv[j] += v[i];
                nk[j] += k[i];
            }
        }
        // Keep weights as averages capped at 1 so sparse areas stay sparse.
        for j in 0..nw * nh {
            if nk[j] > 0.0 {
                nv[j] /= nk[j];
                nk[j] = (nk[j] / 4.0).min(1.0);
                nv[j] *= nk[j];
            }
        }
        levels.push((nw, nh, nv, nk));
    }
    // Pull: from coarse to fine, fill what a level lacks from the level above.
    for li in (0..levels.len() - 1).rev() {
        let (cw, ch) = (levels[li + 1].0, levels[li + 1].1);
        let coarse: Vec<f32> = {
            let (_, _, v, k) = &levels[li + 1];
            v.iter().zip(k).map(|(v, k)| if *k > 0.0 { v / k } else { 0.0 }).collect()
        };
        let (lw, lh, v, k) = &mut levels[li];
        // Bilinear from the coarser level: where each column and row reads
        // it, worked out once.
        let at = |p: usize, size: usize| {
            let f = ((p as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (size - 1) as f32);
            let p0 = f as usize;
            (p0, (p0 + 1).min(size - 1), f - p0 as f32)
        };
        let cols: Vec<(usize, usize, f32)> = (0..*lw).map(|x| at(x, cw)).collect();
        for y in 0..*lh {
            let (y0, y1, ay) = at(y, ch);
            let (top, bottom) = (&coarse[y0 * cw..(y0 + 1) * cw], &coarse[y1 * cw..(y1 + 1) * cw]);
            let (v, k) = (&mut v[y * *lw..(y + 1) * *lw], &mut k[y * *lw..(y + 1) * *lw]);
            for ((v, k), &(x0, x1, ax)) in v.iter_mut().zip(k.iter_mut()).zip(&cols) {
                // Fully known pixels keep their own value (most of level 0).
                if *k >= 1.0 {
                    continue;
                }
                let c = (top[x0] * (1.0 - ax) + top[x1] * ax) * (1.0 - ay)
                    + (bottom[x0] * (1.0 - ax) + bottom[x1] * ax) * ay;
                let own = *k;
                let own_v = if own > 0.0 { *v / own } else { 0.0 };
                *v = own_v * own + c * (1.0 - own);
                *k = 1.0;
            }
        }
    }
    let (_, _, v, _) = &levels[0];
    let data = plane
        .data
        .iter()
        .zip(v)
        .zip(&kept)
        .map(|((p, f), &k)| if k { *p } else { (f + 0.5).clamp(0.0, 255.0) as u8 })
        .collect();
    Plane { width: w, height: h, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_take_the_colour_around_them() {
        let (w, h) = (32, 16);
        let mut p = Plane::filled(w, h, 200);
        let mut keep = Plane::filled(w, h, 255);
        for y in 4..12 {
            for x in 8..24 {
                p.data[y * w + x] = 0;
                keep.data[y * w + x] = 0;
            }
        }
        let f = push_pull(&p, &keep);
        assert!(f.data.iter().all(|&v| (i32::from(v) - 200).abs() <= 2), "{:?}", &f.data[4 * w..5 * w]);
    }
}
