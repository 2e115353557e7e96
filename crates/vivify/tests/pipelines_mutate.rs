//! The whole pipelines (not just the parsers) on damaged inputs: `live`,
//! Motion → Live, Live → Motion and `extract` must fail cleanly, never panic.

mod common;

use common::{fixtures, sample, temp_dir, Rng};
use vivify::livevideo::{make_live_from, LiveOptions};

/// Damages the structure (the `moov` or metadata region) more than the media.
fn damage(base: &[u8], hot: (usize, usize), rng: &mut Rng) -> Vec<u8> {
    let mut d = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        let i = if rng.below(4) > 0 { hot.0 + rng.below(hot.1) } else { rng.below(d.len()) };
        let i = i.min(d.len() - 1);
        match rng.below(3) {
            0 => d[i] ^= 1 << rng.below(8),
            1 => d[i] = rng.next() as u8,
            _ => {
                let v: u32 = [0, 1, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF][rng.below(5)];
                if i + 4 <= d.len() {
                    d[i..i + 4].copy_from_slice(&v.to_be_bytes());
                }
            }
        }
    }
    d
}

fn moov_region(d: &[u8]) -> (usize, usize) {
    let s: &[u8] = d;
    let scan = vivify::bmff::scan::scan(&s).expect("scan");
    let m = scan.first(vivify::bmff::FourCC::MOOV).expect("moov");
    (m.offset as usize, m.size as usize)
}

#[test]
fn live_on_damaged_movies_never_panics() {
    let dir = temp_dir("pipe-live");
    // HEVC rounds are few: decoding 1440p in a test build is slow.
    for (name, seed, rounds) in [("h264_aac.mp4", 7u64, 40), ("samples/apple_iphone15promax_ios26.1_apple.MOV", 11, 8)]
    {
        let base = std::fs::read(fixtures().join(name)).expect("read");
        let hot = moov_region(&base);
        let mut rng = Rng(seed);
        for round in 0..rounds {
            let d = damage(&base, hot, &mut rng);
            let out = dir.join(format!("r{round}"));
            let opts =
                LiveOptions { samsung: round % 2 == 0, reencode: round % 5 == 0, force: true, ..LiveOptions::new(out) };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = make_live_from(std::path::Path::new("damaged"), &d, &opts, &vivify::Quiet);
            }));
            assert!(r.is_ok(), "{name}: round {round} (seed {seed}) panicked");
        }
    }
}

#[test]
fn conversions_of_damaged_files_never_panic() {
    let dir = temp_dir("pipe-conv");
    // A Motion Photo of ours, a Samsung one, and a Live pair's halves.
    let mp = {
        let d = temp_dir("pipe-conv-src");
        let opts = LiveOptions { live: false, samsung: true, force: true, ..LiveOptions::new(&d) };
        vivify::livevideo::make_live(&fixtures().join("h264_aac.mp4"), &opts, &vivify::Quiet).expect("live");
        d.join("h264_aac.MP.jpg")
    };
    let inputs = [mp, sample("samsung_s23ultra_motionphoto.heic")];
    let mut rng = Rng(99);
    for input in &inputs {
        let base = std::fs::read(input).expect("read");
        let hot = (0, base.len().min(64 * 1024));
        for round in 0..30 {
            let d = damage(&base, hot, &mut rng);
            let ext = input.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            let path = dir.join(format!("m{round}.{ext}"));
            std::fs::write(&path, &d).expect("write");
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = vivify::convert::motion_to_live(
                    &path,
                    &dir.join(format!("o{round}")),
                    true,
                    &vivify::provenance::Signing::unsigned(),
                );
                let _ = vivify::convert::extract(&path, &dir.join(format!("x{round}")), true);
                let _ = vivify::inspect::inspect_path(&path);
            }));
            assert!(r.is_ok(), "{}: round {round} panicked", input.display());
        }
    }
    // Live -> Motion with a damaged still or movie.
    let still = std::fs::read(sample("apple_iphone15promax_ios26.1_apple.HEIC")).expect("read");
    let mov = std::fs::read(sample("apple_iphone15promax_ios26.1_apple.MOV")).expect("read");
    let still_hot = (0, 64 * 1024);
    let mov_hot = moov_region(&mov);
    for round in 0..30 {
        let (s, m) = if round % 2 == 0 {
            (damage(&still, still_hot, &mut rng), mov.clone())
        } else {
            (still.clone(), damage(&mov, mov_hot, &mut rng))
        };
        let sp = dir.join(format!("s{round}.HEIC"));
        let mp = dir.join(format!("s{round}.MOV"));
        std::fs::write(&sp, &s).expect("write");
        std::fs::write(&mp, &m).expect("write");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = vivify::convert::live_to_motion(
                &sp,
                &mp,
                &dir.join(format!("lm{round}")),
                round % 3 == 0,
                true,
                &vivify::provenance::Signing::unsigned(),
            );
        }));
        assert!(r.is_ok(), "live to motion round {round} panicked");
    }
    // Hundreds of megabytes of damaged copies: not left behind.
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(temp_dir("pipe-conv-src"));
}
