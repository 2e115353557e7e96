//! Ambient sound made to match the plan: surf, wind, rain, city hum,
//! birdsong-like chirps, crackling fire, crickets and room tone, all from
//! filtered noise and simple oscillators (no samples). Beds are mixed,
//! brought to one loudness, faded, and in a looping clip the tail is
//! cross-faded into the head so the sound loops without a click.

use std::f32::consts::TAU;

use super::plan::SoundBed;
use super::prompt::SoundKind;
use super::Rng;

pub const SAMPLE_RATE: u32 = 48_000;
/// Loudness we aim for (RMS over the clip, dB full scale).
pub const TARGET_DBFS: f32 = -20.0;
/// Peaks stay below this (dB full scale).
pub const PEAK_DBFS: f32 = -1.0;

/// Stereo PCM, one vector per channel, and what was done to it.
pub struct Ambience {
    pub channels: [Vec<f32>; 2],
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
}

/// One-pole low-pass.
struct LowPass {
    a: f32,
    z: f32,
}

impl LowPass {
    fn new(cutoff: f32) -> LowPass {
        LowPass { a: 1.0 - (-TAU * cutoff / SAMPLE_RATE as f32).exp(), z: 0.0 }
    }
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        self.z += self.a * (x - self.z);
        self.z
    }
}

/// Band-pass as the difference of two low-passes.
struct BandPass {
    lo: LowPass,
    hi: LowPass,
}

impl BandPass {
    fn new(low: f32, high: f32) -> BandPass {
        BandPass { lo: LowPass::new(low), hi: LowPass::new(high) }
    }
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        self.hi.run(x) - self.lo.run(x)
    }
}

/// Period near `want` that fits whole into `total`.
fn fitting(total: f32, want: f32) -> f32 {
    total / (total / want).round().max(1.0)
}

fn bed(kind: SoundKind, n: usize, seconds: f32, rng: &mut Rng, ch: usize) -> Vec<f32> {
    let sr = SAMPLE_RATE as f32;
    let mut out = vec![0f32; n];
    match kind {
        SoundKind::Wind => {
            let mut bp = BandPass::new(90.0, 650.0);
            let mut gust = LowPass::new(0.4);
            let (p1, p2) = (fitting(seconds, 4.0), fitting(seconds, 1.7));
            for (i, o) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                let g = 0.55
                    + 0.25 * (TAU * t / p1 + ch as f32).sin()
                    + 0.15 * (TAU * t / p2).sin()
                    + 0.3 * gust.run(rng.signed());
                *o = bp.run(rng.signed()) * g.max(0.05) * 3.0;
            }
        }
        SoundKind::Surf => {
            let period = fitting(seconds, 5.5);
            let mut low = LowPass::new(400.0);
            let mut hiss = BandPass::new(600.0, 5000.0);
            for (i, o) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                let ph = (t / period + 0.13 * ch as f32).fract();
                // A swell that breaks, then washes out.
                let swell = if ph < 0.55 { (ph / 0.55).powi(2) } else { (-(ph - 0.55) * 5.0).exp() };
                let body = low.run(rng.signed()) * (0.35 + 0.65 * swell) * 3.0;
                let foam = hiss.run(rng.signed()) * swell * swell * 0.8;
                *o = body + foam;
            }
        }
        SoundKind::Rain => {
            let mut hiss = BandPass::new(900.0, 9000.0);
            let mut drop_env = 0.0f32;
            let mut drop_lp = LowPass::new(3000.0);
            for o in out.iter_mut() {
                if rng.unit() < 120.0 / sr {
                    drop_env = 0.3 + 0.7 * rng.unit();
                }
                drop_env *= 0.993;
                let d = drop_lp.run(rng.signed()) * drop_env;
                *o = hiss.run(rng.signed()) * 0.6 + d * 1.2;
            }
        }
        SoundKind::City => {
            let mut rumble = LowPass::new(180.0);
            let mut car = BandPass::new(150.0, 900.0);
            let pass = fitting(seconds, 3.0);
            for (i, o) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                let hum = 0.08 * (TAU * 100.0 * t).sin() + 0.04 * (TAU * 150.0 * t).sin();
                let swell = 0.5 + 0.5 * (TAU * (t / pass + 0.3 * ch as f32)).sin();
                *o = rumble.run(rng.signed()) * 4.0 + hum + car.run(rng.signed()) * swell * swell * 1.5;
            }
        }
        SoundKind::Birds => {
            let mut i = (rng.unit() * 0.3 * sr) as usize;
            while i < n {
                // A call: two to five chirps, each a quick pitch sweep.
                let notes = 2 + (rng.unit() * 4.0) as usize;
                let base = 2600.0 + 2200.0 * rng.unit();
                let span = (rng.unit() - 0.4) * 2000.0;
                let len = (0.05 + 0.07 * rng.unit()) * sr;
                let level = 0.15 + 0.2 * rng.unit();
                let mut at = i;
                for _ in 0..notes {
                    let mut phase = 0.0f32;
                    for k in 0..len as usize {
                        let j = at + k;
                        if j >= n {
                            break;
                        }
                        let u = k as f32 / len;
                        let f = base + span * u;
                        phase += TAU * f / sr;
                        let env = (u * std::f32::consts::PI).sin().powi(2);
                        out[j] += level * env * (phase.sin() + 0.2 * (2.0 * phase).sin());
                    }
                    at += (len * (1.3 + rng.unit())) as usize;
                }
                i = at + ((0.3 + 0.9 * rng.unit()) * sr) as usize;
            }
        }
        SoundKind::Fire => {
            let mut rumble = LowPass::new(220.0);
            let mut crack = 0.0f32;
            let mut crack_bp = BandPass::new(1200.0, 7000.0);
            for o in out.iter_mut() {
                if rng.unit() < 9.0 / sr {
                    crack = 0.5 + rng.unit();
                }
                crack *= 0.985;
                *o = rumble.run(rng.signed()) * 3.0 + crack_bp.run(rng.signed()) * crack * 2.0;
            }
        }
        SoundKind::Crickets => {
            let train = fitting(seconds, 0.6);
            let f = 4300.0 + 400.0 * ch as f32;
            for (i, o) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                let in_train = (t / train + 0.37 * ch as f32).fract();
                let pulse = (t * 30.0).fract();
                let on = in_train < 0.25 && pulse < 0.5;
                if on {
                    *o = 0.25 * (TAU * f * t).sin() * (pulse * TAU).sin().abs();
                }
            }
        }
        SoundKind::Room => {
            let mut lp = LowPass::new(250.0);
            for (i, o) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                *o = lp.run(rng.signed()) * 2.0 + 0.02 * (TAU * 50.0 * t).sin();
            }
        }
    }
    out
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

fn db(v: f32) -> f32 {
    20.0 * v.max(1e-9).log10()
}

/// Synthesises `seconds` of stereo sound for `beds`. Looping clips get a
/// seamless wrap; others fade in and out.
pub fn synthesise(beds: &[SoundBed], seconds: f32, looped: bool, seed: u64) -> Ambience {
    let sr = SAMPLE_RATE as f32;
    let n = (seconds * sr).round().max(1.0) as usize;
    let tail = if looped { ((0.5f32).min(seconds * 0.25) * sr) as usize } else { 0 };
    let mut channels = [vec![0f32; n], vec![0f32; n]];
    for (b, bed_plan) in beds.iter().enumerate() {
        for (c, chan) in channels.iter_mut().enumerate() {
            let mut rng = Rng::new(seed ^ ((b as u64 + 1) << 8) ^ ((c as u64 + 1) * 0x9E37));
            let mut x = bed(bed_plan.kind, n + tail, seconds, &mut rng, c);
            // Each bed at its own level before the mix is normalised.
            let r = rms(&x).max(1e-6);
            let gain = bed_plan.level / r;
            x.iter_mut().for_each(|v| *v *= gain);
            if tail > 0 {
                // Fold the extra tail over the head with an equal-power fade.
                for k in 0..tail {
                    let a = k as f32 / tail as f32;
                    let (fi, fo) = ((a * std::f32::consts::FRAC_PI_2).sin(), (a * std::f32::consts::FRAC_PI_2).cos());
                    x[k] = x[k] * fi + x[n + k] * fo;
                }
            }
            for (o, v) in chan.iter_mut().zip(&x) {
                *o += v;
            }
        }
    }
    let r = (rms(&channels[0]) + rms(&channels[1])) * 0.5;
    let mut gain = if r > 0.0 { 10f32.powf(TARGET_DBFS / 20.0) / r } else { 0.0 };
    let peak = channels.iter().flat_map(|c| c.iter()).fold(0.0f32, |m, v| m.max(v.abs())) * gain;
    let limit = 10f32.powf(PEAK_DBFS / 20.0);
    if peak > limit {
        gain *= limit / peak;
    }
    let fade_in = if looped { 0 } else { (0.25 * sr) as usize };
    let fade_out = if looped { 0 } else { (0.4 * sr) as usize };
    for chan in &mut channels {
        let len = chan.len();
        for (i, v) in chan.iter_mut().enumerate() {
            let mut g = gain;
            if i < fade_in {
                g *= i as f32 / fade_in as f32;
            }
            if i + fade_out > len {
                g *= (len - i) as f32 / fade_out as f32;
            }
            *v *= g;
        }
    }
    let rms_dbfs = db((rms(&channels[0]) + rms(&channels[1])) * 0.5);
    let peak_dbfs = db(channels.iter().flat_map(|c| c.iter()).fold(0.0f32, |m, v| m.max(v.abs())));
    Ambience { channels, rms_dbfs, peak_dbfs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bed_is_audible_and_never_clips() {
        for kind in [
            SoundKind::Surf,
            SoundKind::Wind,
            SoundKind::Rain,
            SoundKind::City,
            SoundKind::Birds,
            SoundKind::Fire,
            SoundKind::Crickets,
            SoundKind::Room,
        ] {
            let a = synthesise(&[SoundBed { kind, level: 1.0 }], 3.0, false, 7);
            assert!(a.peak_dbfs <= PEAK_DBFS + 0.01, "{kind:?} peak {}", a.peak_dbfs);
            assert!(a.rms_dbfs > -32.0, "{kind:?} too quiet: {}", a.rms_dbfs);
            assert_eq!(a.channels[0].len(), 144_000);
        }
    }

    #[test]
    fn looped_sound_wraps_without_a_jump() {
        let a = synthesise(&[SoundBed { kind: SoundKind::Wind, level: 1.0 }], 3.0, true, 3);
        let c = &a.channels[0];
        let step = (c[c.len() - 1] - c[0]).abs();
        let typical = c.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f32>() / c.len() as f32;
        assert!(step < typical * 8.0 + 1e-3, "wrap step {step} vs typical {typical}");
    }
}
