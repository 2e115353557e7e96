//! H.264: MP4 samples (length-prefixed NAL units + `avcC`) in, I420 frames
//! out, and back. Natively through OpenH264; a browser build (wasm32) has no
//! C compiler for OpenH264's source, so there H.264 is decoded by the
//! browser itself and these types answer that they are not built in.

use vivify_media::bytes::Cursor;
use vivify_media::error::Result;

#[cfg(not(target_arch = "wasm32"))]
mod openh264;
#[cfg(not(target_arch = "wasm32"))]
pub use openh264::{decode_run, H264Decoder, H264Encoder};

#[cfg(target_arch = "wasm32")]
mod absent;
#[cfg(target_arch = "wasm32")]
pub use absent::{decode_run, H264Decoder, H264Encoder};

/// Converts one MP4 sample (length-prefixed NAL units) to Annex B.
pub fn sample_to_annexb(sample: &[u8], nal_length_size: usize, out: &mut Vec<u8>) -> Result<()> {
    let mut c = Cursor::new(sample, "H.264 sample");
    while c.remaining() >= nal_length_size {
        let len = c.uint_n(nal_length_size)? as usize;
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(c.take(len)?);
    }
    Ok(())
}

/// Longest side OpenH264 encodes (its limit; H.264 level 5.1/5.2 would allow
/// 4096×2304 at most, so OpenH264's is the binding one).
pub const MAX_ENCODE_LONG: usize = 3840;
/// Shortest side's limit: OpenH264 encodes up to 3840×2160 landscape or
/// 2160×3840 portrait.
pub const MAX_ENCODE_SHORT: usize = 2160;

/// Whether OpenH264 can encode frames of `width`×`height`.
pub fn encodable(width: usize, height: usize) -> bool {
    width.max(height) <= MAX_ENCODE_LONG && width.min(height) <= MAX_ENCODE_SHORT
}

/// The largest even size of the same aspect as `width`×`height` (never
/// larger) that the encoder takes.
pub fn fit_encoder(width: usize, height: usize) -> (usize, usize) {
    if encodable(width, height) {
        return (width, height);
    }
    let (long, short) = (width.max(height) as f64, width.min(height).max(1) as f64);
    let s = (MAX_ENCODE_LONG as f64 / long).min(MAX_ENCODE_SHORT as f64 / short);
    let even = |v: f64| (((v * s) / 2.0).floor() as usize * 2).max(2);
    (even(width as f64), even(height as f64))
}

/// One encoded picture as an MP4 sample (4-byte NAL lengths).
pub struct EncodedSample {
    pub data: Vec<u8>,
    pub sync: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_above_the_encoder_limit_shrink_to_the_largest_that_fits() {
        assert_eq!(fit_encoder(4000, 3000), (2880, 2160));
        assert_eq!(fit_encoder(3024, 4032), (2160, 2880));
        assert_eq!(fit_encoder(3840, 3000), (2764, 2160));
        assert_eq!(fit_encoder(3840, 2160), (3840, 2160));
        assert_eq!(fit_encoder(2160, 3840), (2160, 3840));
        let (w, h) = fit_encoder(8000, 1000);
        assert!(encodable(w, h) && w == 3840, "{w}x{h}");
        assert!(!encodable(3842, 2000) && !encodable(2162, 2162));
    }
}
