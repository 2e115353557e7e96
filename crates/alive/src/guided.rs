//! The guided filter (He, Sun and Tang): a mask smoothed so that its edges
//! follow the edges of a guide picture. Used to carry a coarse mask (one
//! decision per superpixel) onto the photo's own skyline.

use vivify_picture::image::Field;

/// `mask` filtered with `guide` (same size), window radius `r`, and `eps`
/// the edge threshold: variations of the guide much smaller than √eps are
/// smoothed over, larger ones are kept as edges.
pub fn filter(mask: &Field, guide: &Field, r: usize, eps: f32) -> Field {
    let (w, h) = (mask.width, mask.height);
    let mul = |a: &Field, b: &Field| Field {
        width: w,
        height: h,
        data: a.data.iter().zip(&b.data).map(|(x, y)| x * y).collect(),
    };
    let mean_i = guide.blurred(r);
    let mean_p = mask.blurred(r);
    let corr_ip = mul(guide, mask).blurred(r);
    let corr_ii = mul(guide, guide).blurred(r);
    let mut a = Field::new(w, h, 0.0);
    let mut b = Field::new(w, h, 0.0);
    for i in 0..w * h {
        let var = corr_ii.data[i] - mean_i.data[i] * mean_i.data[i];
        let cov = corr_ip.data[i] - mean_i.data[i] * mean_p.data[i];
        a.data[i] = cov / (var + eps);
        b.data[i] = mean_p.data[i] - a.data[i] * mean_i.data[i];
    }
    let (a, b) = (a.blurred(r), b.blurred(r));
    Field {
        width: w,
        height: h,
        data: (0..w * h).map(|i| (a.data[i] * guide.data[i] + b.data[i]).clamp(0.0, 1.0)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocky_mask_snaps_to_the_guide_edge() {
        // The guide has an edge at x = 20; the mask's edge is at x = 24.
        let (w, h) = (48, 16);
        let guide =
            Field { width: w, height: h, data: (0..w * h).map(|i| if i % w < 20 { 0.9 } else { 0.2 }).collect() };
        let mask =
            Field { width: w, height: h, data: (0..w * h).map(|i| if i % w < 24 { 1.0 } else { 0.0 }).collect() };
        let out = filter(&mask, &guide, 6, 1e-3);
        let row = |x: usize| out.get(x, 8);
        // The mask's sharpest step moves to the guide's edge (19 -> 20),
        // where a plain blur would ramp smoothly round x = 24.
        let steepest = (1..w).max_by(|&a, &b| (row(a - 1) - row(a)).total_cmp(&(row(b - 1) - row(b)))).unwrap_or(0);
        assert_eq!(steepest, 20, "{:?}", (14..30).map(row).collect::<Vec<_>>());
        assert!(row(19) > 0.95 && row(20) < 0.7, "{} {}", row(19), row(20));
        assert!(row(40) < 0.1);
    }
}
