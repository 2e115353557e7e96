//! Bilinear sampling of whole runs of 2×2 blocks: the inner loop of the
//! photo-to-video compositor, where most of a render's time goes.
//!
//! Every function here has one meaning, given by its scalar path (the same
//! arithmetic as [`Plane::sample_fixed_rows`] and
//! [`Plane::sample_pair_fixed`]); on x86-64 CPUs with AVX2 the same numbers
//! come from eight lanes at a time, the source pixels fetched with gathers.
//! Tests hold the two paths to identical output. The AVX2 path is the one
//! place in the workspace with `unsafe` code (see `avx2` below for why it is
//! sound).

use super::image::Plane;

/// Output blocks on one pair of output rows that all read one plane.
pub struct LumaRun<'a> {
    /// Source column of each output pixel under the affine part of the
    /// camera (1/256 pixel): two per block, one for a last odd column.
    pub xa: &'a [i32],
    /// Each block's displacement from the affine map (1/256 pixel).
    pub dx: &'a [i32],
    pub dy: &'a [i32],
    /// Each block's luma gain around black (16), 8.8 fixed point.
    pub gain: &'a [i32],
    /// Source rows of the two output rows under the affine map (1/256 pixel).
    pub ya: (i32, i32),
}

/// A luma sample (×256) through a gain around black (8.8 fixed point),
/// rounded and kept in video range.
#[inline(always)]
pub fn graded_luma(v: u32, gain: i32) -> u8 {
    let y = 16 * 256 + ((((v as i32) - 16 * 256) * gain) >> 8);
    ((y + 128) >> 8).clamp(16, 235) as u8
}

/// Samples `plane` for every pixel of `run` on both output rows and writes
/// them, graded, to `row0` and `row1` (each as long as `run.xa`).
pub fn luma_run(plane: &Plane, run: &LumaRun<'_>, row0: &mut [u8], row1: &mut [u8]) {
    let blocks = run.dx.len().min(run.dy.len()).min(run.gain.len());
    debug_assert!(run.xa.len() <= blocks * 2 && row0.len() >= run.xa.len() && row1.len() >= run.xa.len());
    // Blocks the vector path handled (none off x86-64).
    #[cfg(target_arch = "x86_64")]
    let done = if avx2::usable(plane) { avx2::luma(plane, run, row0, row1) } else { 0 };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for b in done..blocks {
        for x in b * 2..(b * 2 + 2).min(run.xa.len()) {
            // Wrapping, as the AVX2 lanes add: the sum is clamped to the
            // plane either way.
            let (v0, v1) = plane.sample_fixed_rows(
                run.xa[x].wrapping_add(run.dx[b]),
                run.ya.0.wrapping_add(run.dy[b]),
                run.ya.1.wrapping_add(run.dy[b]),
            );
            row0[x] = graded_luma(v0, run.gain[b]);
            row1[x] = graded_luma(v1, run.gain[b]);
        }
    }
}

/// Samples `u` and `v` (same size) at positions (`xs[i]`, `ys[i]`) in 1/256
/// pixel; the samples (×256) go to `out_u[i]` and `out_v[i]`.
pub fn pair_run(u: &Plane, v: &Plane, xs: &[i32], ys: &[i32], out_u: &mut [u32], out_v: &mut [u32]) {
    let n = xs.len().min(ys.len()).min(out_u.len()).min(out_v.len());
    #[cfg(target_arch = "x86_64")]
    let done = if avx2::usable(u) && u.width == v.width && u.height == v.height && avx2::usable(v) {
        avx2::pairs(u, v, &xs[..n], &ys[..n], &mut out_u[..n], &mut out_v[..n])
    } else {
        0
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        (out_u[i], out_v[i]) = u.sample_pair_fixed(v, xs[i], ys[i]);
    }
}

/// The AVX2 path.
///
/// Why it is sound: every gather reads four bytes at a byte offset into the
/// plane. Positions are clamped first, exactly as the scalar path clamps
/// them, so the top-left source pixel is at column x0 <= w - 2 and row
/// y0 <= h - 2. The upper gather reads bytes i .. i + 3 with
/// i = y0·w + x0, the last of which is at most (h - 1)·w + 1 < w·h; the
/// lower one reads i + w - 2 .. i + w + 1 (the two wanted bytes are its
/// upper half), at least 0 and at most w·h - 1. `usable` demands w, h >= 2,
/// a buffer of at least w·h bytes and offsets that fit an i32. Slice loads
/// and stores stay inside bounds the loops check.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use super::{LumaRun, Plane};
    use std::arch::x86_64::*;

    /// Whether the AVX2 path may run on `plane` on this CPU.
    pub fn usable(plane: &Plane) -> bool {
        plane.width >= 2
            && plane.height >= 2
            && plane.data.len() >= plane.width * plane.height
            && plane.width * plane.height < (i32::MAX as usize) / 2
            && plane.width < (1 << 22)
            && plane.height < (1 << 22)
            && std::is_x86_feature_detected!("avx2")
    }

    /// Luma for as many whole groups of four blocks as `run` holds; returns
    /// the number of blocks done.
    pub fn luma(plane: &Plane, run: &LumaRun<'_>, row0: &mut [u8], row1: &mut [u8]) -> usize {
        let blocks = run.dx.len().min(run.dy.len()).min(run.gain.len()).min(run.xa.len() / 2) / 4 * 4;
        if blocks * 2 > row0.len().min(row1.len()) {
            return 0;
        }
        // SAFETY: `usable` checked the CPU and the plane (see the module
        // comment); the loops stay within `blocks`, checked just above.
        unsafe { luma_avx2(plane, run, blocks, row0, row1) }
        blocks
    }

    /// Chroma pairs for as many whole groups of eight as there are; returns
    /// how many positions were done.
    pub fn pairs(u: &Plane, v: &Plane, xs: &[i32], ys: &[i32], out_u: &mut [u32], out_v: &mut [u32]) -> usize {
        let n = xs.len().min(ys.len()).min(out_u.len()).min(out_v.len()) / 8 * 8;
        // SAFETY: as for `luma`; `n` is within every slice.
        unsafe { pairs_avx2(u, v, n, xs, ys, out_u, out_v) }
        n
    }

    /// Per-block values of blocks `b..b + 4` spread to the eight pixels.
    #[target_feature(enable = "avx2")]
    unsafe fn per_pixel(s: &[i32], b: usize) -> __m256i {
        debug_assert!(b + 4 <= s.len());
        let four = _mm_loadu_si128(s.as_ptr().add(b).cast());
        _mm256_permutevar8x32_epi32(_mm256_castsi128_si256(four), _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3))
    }

    /// The clamped positions' bilinear samples (×256) of eight lanes.
    #[target_feature(enable = "avx2")]
    unsafe fn bilinear(plane: &Plane, xf: __m256i, yf: __m256i) -> __m256i {
        let w = plane.width as i32;
        let base = plane.data.as_ptr().cast::<i32>();
        let byte = _mm256_set1_epi32(0xff);
        let (fx, fy) = (_mm256_and_si256(xf, byte), _mm256_and_si256(yf, byte));
        let at = _mm256_add_epi32(
            _mm256_mullo_epi32(_mm256_srli_epi32::<8>(yf), _mm256_set1_epi32(w)),
            _mm256_srli_epi32::<8>(xf),
        );
        let top = _mm256_i32gather_epi32::<1>(base, at);
        let bottom = _mm256_i32gather_epi32::<1>(base, _mm256_add_epi32(at, _mm256_set1_epi32(w - 2)));
        let a = _mm256_and_si256(top, byte);
        let b = _mm256_and_si256(_mm256_srli_epi32::<8>(top), byte);
        let c = _mm256_and_si256(_mm256_srli_epi32::<16>(bottom), byte);
        let d = _mm256_srli_epi32::<24>(bottom);
        // a·(256 - fx) + b·fx, rearranged to save a multiplication.
        let upper = _mm256_add_epi32(_mm256_slli_epi32::<8>(a), _mm256_mullo_epi32(_mm256_sub_epi32(b, a), fx));
        let lower = _mm256_add_epi32(_mm256_slli_epi32::<8>(c), _mm256_mullo_epi32(_mm256_sub_epi32(d, c), fx));
        let mixed =
            _mm256_add_epi32(_mm256_slli_epi32::<8>(upper), _mm256_mullo_epi32(_mm256_sub_epi32(lower, upper), fy));
        _mm256_srai_epi32::<8>(mixed)
    }

    #[target_feature(enable = "avx2")]
    unsafe fn clamp(v: __m256i, hi: __m256i) -> __m256i {
        _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), hi)
    }

    /// Limits of fixed-point positions that keep a right and a lower
    /// neighbour (as the scalar path clamps them).
    #[target_feature(enable = "avx2")]
    unsafe fn limits(plane: &Plane) -> (__m256i, __m256i) {
        (
            _mm256_set1_epi32((((plane.width - 1) << 8) - 1) as i32),
            _mm256_set1_epi32((((plane.height - 1) << 8) - 1) as i32),
        )
    }

    #[target_feature(enable = "avx2")]
    unsafe fn luma_avx2(plane: &Plane, run: &LumaRun<'_>, blocks: usize, row0: &mut [u8], row1: &mut [u8]) {
        let (max_x, max_y) = limits(plane);
        let black = _mm256_set1_epi32(16 * 256);
        let half = _mm256_set1_epi32(128);
        let (lo, hi) = (_mm256_set1_epi32(16), _mm256_set1_epi32(235));
        let rows = [_mm256_set1_epi32(run.ya.0), _mm256_set1_epi32(run.ya.1)];
        for b in (0..blocks).step_by(4) {
            let x = b * 2;
            let (dx, dy, gain) = (per_pixel(run.dx, b), per_pixel(run.dy, b), per_pixel(run.gain, b));
            let xf = clamp(_mm256_add_epi32(_mm256_loadu_si256(run.xa.as_ptr().add(x).cast()), dx), max_x);
            for (ya, out) in rows.iter().zip([&mut *row0, &mut *row1]) {
                let yf = clamp(_mm256_add_epi32(*ya, dy), max_y);
                let v = bilinear(plane, xf, yf);
                let graded = _mm256_add_epi32(
                    black,
                    _mm256_srai_epi32::<8>(_mm256_mullo_epi32(_mm256_sub_epi32(v, black), gain)),
                );
                let y =
                    _mm256_min_epi32(_mm256_max_epi32(_mm256_srai_epi32::<8>(_mm256_add_epi32(graded, half)), lo), hi);
                // Eight 32-bit lanes (each 16..=235) to eight bytes.
                let words = _mm256_packus_epi32(y, y);
                let bytes = _mm256_packus_epi16(words, words);
                let first = _mm_cvtsi128_si32(_mm256_castsi256_si128(bytes)) as u32;
                let second = _mm_cvtsi128_si32(_mm256_extracti128_si256::<1>(bytes)) as u32;
                out[x..x + 4].copy_from_slice(&first.to_le_bytes());
                out[x + 4..x + 8].copy_from_slice(&second.to_le_bytes());
            }
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn pairs_avx2(u: &Plane, v: &Plane, n: usize, xs: &[i32], ys: &[i32], out_u: &mut [u32], out_v: &mut [u32]) {
        let (max_x, max_y) = limits(u);
        for i in (0..n).step_by(8) {
            let xf = clamp(_mm256_loadu_si256(xs.as_ptr().add(i).cast()), max_x);
            let yf = clamp(_mm256_loadu_si256(ys.as_ptr().add(i).cast()), max_y);
            _mm256_storeu_si256(out_u.as_mut_ptr().add(i).cast(), bilinear(u, xf, yf));
            _mm256_storeu_si256(out_v.as_mut_ptr().add(i).cast(), bilinear(v, xf, yf));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), enough for test data.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 32) as u32
        }
        fn range(&mut self, lo: i32, hi: i32) -> i32 {
            lo + (self.next() % (hi - lo) as u32) as i32
        }
    }

    fn plane(n: &mut Noise, w: usize, h: usize) -> Plane {
        Plane { width: w, height: h, data: (0..w * h).map(|_| 16 + (n.next() % 220) as u8).collect() }
    }

    #[test]
    fn runs_match_the_scalar_samples_everywhere_including_past_the_edges() {
        let mut n = Noise(0x9e37_79b9_7f4a_7c15);
        for &(w, h) in &[(2, 2), (3, 5), (17, 9), (64, 48), (301, 7)] {
            let p = plane(&mut n, w, h);
            for blocks in [1usize, 4, 5, 12, 37] {
                // Positions from well before the plane to well after it.
                let reach = |n: &mut Noise, size: usize| n.range(-600, (size as i32 + 3) * 256);
                let xa: Vec<i32> = (0..blocks * 2 - usize::from(blocks % 3 == 0)).map(|_| reach(&mut n, w)).collect();
                let dx: Vec<i32> = (0..blocks).map(|_| n.range(-300, 300)).collect();
                let dy: Vec<i32> = (0..blocks).map(|_| n.range(-300, 300)).collect();
                let gain: Vec<i32> = (0..blocks).map(|i| if i % 2 == 0 { 256 } else { n.range(20, 600) }).collect();
                let ya = (reach(&mut n, h), reach(&mut n, h));
                let run = LumaRun { xa: &xa, dx: &dx, dy: &dy, gain: &gain, ya };
                let (mut r0, mut r1) = (vec![0u8; xa.len()], vec![0u8; xa.len()]);
                luma_run(&p, &run, &mut r0, &mut r1);
                for (x, (&a, &b)) in r0.iter().zip(&r1).enumerate() {
                    let k = x / 2;
                    let (v0, v1) = p.sample_fixed_rows(
                        xa[x].wrapping_add(dx[k]),
                        ya.0.wrapping_add(dy[k]),
                        ya.1.wrapping_add(dy[k]),
                    );
                    assert_eq!((a, b), (graded_luma(v0, gain[k]), graded_luma(v1, gain[k])), "{w}x{h} pixel {x}");
                }
                let xs: Vec<i32> = (0..blocks * 3).map(|_| reach(&mut n, w)).collect();
                let ys: Vec<i32> = (0..blocks * 3).map(|_| reach(&mut n, h)).collect();
                let q = plane(&mut n, w, h);
                let (mut u, mut v) = (vec![0; xs.len()], vec![0; xs.len()]);
                pair_run(&p, &q, &xs, &ys, &mut u, &mut v);
                for i in 0..xs.len() {
                    assert_eq!((u[i], v[i]), p.sample_pair_fixed(&q, xs[i], ys[i]), "{w}x{h} pair {i}");
                }
            }
        }
    }

    #[test]
    fn absurd_positions_are_clamped_not_out_of_bounds() {
        let mut n = Noise(7);
        let p = plane(&mut n, 37, 11);
        for extreme in [i32::MAX, i32::MIN, i32::MAX - 5, 1 << 30] {
            let xa = vec![extreme; 16];
            let d = vec![extreme; 8];
            let run = LumaRun { xa: &xa, dx: &d, dy: &d, gain: &[256; 8], ya: (extreme, extreme.wrapping_neg()) };
            let (mut r0, mut r1) = (vec![0u8; 16], vec![0u8; 16]);
            luma_run(&p, &run, &mut r0, &mut r1);
            assert!(r0.iter().chain(&r1).all(|&v| (16..=235).contains(&v)));
            let (mut u, mut v) = (vec![0; 16], vec![0; 16]);
            pair_run(&p, &p, &xa, &xa, &mut u, &mut v);
            assert!(u.iter().all(|&s| s <= 255 * 256));
        }
    }

    #[test]
    fn a_gain_of_one_keeps_video_range_samples_and_others_stay_in_range() {
        for v in (16 * 256..=235 * 256).step_by(97) {
            assert_eq!(graded_luma(v, 256), ((v + 128) >> 8) as u8);
        }
        assert_eq!(graded_luma(235 * 256, 1024), 235);
        assert_eq!(graded_luma(20 * 256, 0), 16);
    }
}
