//! Where the wind can move things: leaves, grass and branches.
//!
//! Foliage is green and dense with edges, and it is neither sky nor water
//! nor a person. How far a
//! piece of it may sway grows with its height above where its run of
//! foliage starts in that column: a treetop or the tips of tall grass move,
//! the trunk and the ground they grow from do not.

use super::sky::Analysis;
use vivify_picture::image::Field;

/// Height (fraction of the picture) over which sway grows from nothing at
/// the base of a run of foliage to full at its tips.
const TIP_RISE: f32 = 0.12;

/// Share of the pixels round each pixel (radius 4) whose gradient is
/// strong: high in leaves and grass, which are edges everywhere, low along
/// the single outline of a smooth thing.
fn edge_density(a: &Analysis) -> Field {
    let mut strong = Field::new(a.width, a.height, 0.0);
    for (d, &t) in strong.data.iter_mut().zip(&a.texture) {
        *d = if t > 0.03 { 1.0 } else { 0.0 };
    }
    strong.blurred(4)
}

/// How much a pixel looks like foliage (0..=1), from its colour and the
/// density of edges round it.
fn leafiness(rgb: [f32; 3], density: f32) -> f32 {
    let [r, g, b] = rgb;
    let max = r.max(g).max(b);
    if max < 0.04 {
        return 0.0;
    }
    let sat = (max - r.min(g).min(b)) / max;
    // Green: green leads (or nearly) and blue trails.
    let green = if g >= 0.92 * r && g > 1.08 * b { ((sat - 0.12) / 0.15).clamp(0.0, 1.0) } else { 0.0 };
    // Autumn colours are left out: by colour and texture alone, red and
    // orange leaves look like wood grain and fur (measured on the
    // evaluation photos), and a table that sways is worse than a tree that
    // does not.
    green * ((density - 0.45) / 0.2).clamp(0.0, 1.0)
}

/// The sway weight of every analysis pixel (0..=1), smooth enough to be a
/// displacement field. `people` is the subject mask when faces were found.
pub fn find(a: &Analysis, sky: &Field, water: &Field, people: Option<&Field>) -> Field {
    let (w, h) = (a.width, a.height);
    let density = edge_density(a);
    let mut leaf = Field::new(w, h, 0.0);
    for (i, v) in leaf.data.iter_mut().enumerate() {
        let not_person = people.map_or(1.0, |p| 1.0 - p.data[i]);
        *v = leafiness(a.rgb[i], density.data[i]) * (1.0 - sky.data[i]) * (1.0 - water.data[i]) * not_person;
    }
    // Leaves come in masses: a blur closes the gaps between them and drops
    // lone green pixels.
    let leaf = leaf.blurred(2);
    let rise = (TIP_RISE * h as f32).max(1.0);
    let mut out = Field::new(w, h, 0.0);
    for x in 0..w {
        // From the bottom up: how long the current run of foliage is.
        let mut run = 0.0f32;
        for y in (0..h).rev() {
            let v = leaf.data[y * w + x];
            run = if v > 0.25 { run + 1.0 } else { 0.0 };
            out.data[y * w + x] = ((v - 0.15) / 0.35).clamp(0.0, 1.0) * (run / rise).min(1.0);
        }
    }
    out.blurred(3)
}

/// Share of the picture that sways noticeably.
pub fn share(f: &Field) -> f32 {
    f.data.iter().filter(|&&v| v > 0.2).count() as f32 / f.data.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: usize, h: usize, px: impl Fn(usize, usize) -> [u8; 3]) -> Analysis {
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&px(x, y));
            }
        }
        Analysis::new(w, h, &rgb)
    }

    #[test]
    fn a_textured_green_tree_sways_at_the_top_not_at_its_foot() {
        let (w, h) = (96, 96);
        // Blue sky above a band of speckled green from row 30 to the bottom.
        let a = picture(w, h, |x, y| {
            if y < 30 {
                [110, 160, 230]
            } else if (x * 7 + y * 13) % 5 < 2 {
                [40, 110, 30]
            } else {
                [70, 150, 50]
            }
        });
        let none = Field::new(w, h, 0.0);
        let f = find(&a, &none, &none, None);
        let top = f.get(48, 45);
        let foot = f.get(48, 94);
        let sky = f.get(48, 10);
        assert!(top > 0.5, "the upper part of the foliage sways: {top}");
        assert!(top > foot, "tips sway more than the base: {top} vs {foot}");
        assert!(sky < 0.05, "the sky does not sway: {sky}");
        assert!(share(&f) > 0.3);
    }

    #[test]
    fn a_smooth_green_wall_and_a_grey_texture_do_not_sway() {
        let (w, h) = (64, 64);
        let wall = picture(w, h, |_, _| [60, 140, 60]);
        let gravel = picture(w, h, |x, y| if (x * 7 + y * 13) % 5 < 2 { [90, 90, 90] } else { [150, 150, 150] });
        let none = Field::new(w, h, 0.0);
        assert_eq!(share(&find(&wall, &none, &none, None)), 0.0);
        assert_eq!(share(&find(&gravel, &none, &none, None)), 0.0);
    }
}
