//! H.264 in a build without OpenH264 (WebAssembly): every entry point says
//! so, and the page decodes H.264 with the browser's own decoder instead.

use super::EncodedSample;
use crate::Frame;
use vivify_media::bmff::boxes::AvcConfig;
use vivify_media::error::{Error, Result};

fn not_built(what: &str) -> Error {
    Error::Unsupported(format!(
        "H.264 {what} is not part of this build (the browser build has no OpenH264; the page uses the browser's decoder)"
    ))
}

/// Always fails: there is no H.264 decoder in this build.
pub fn decode_run(
    _config: &AvcConfig,
    _samples: &mut dyn Iterator<Item = Result<Vec<u8>>>,
    _sink: &mut dyn FnMut(Frame) -> bool,
) -> Result<()> {
    Err(not_built("decoding"))
}

/// Cannot be built in this build; see [`decode_run`].
pub struct H264Decoder(());

impl H264Decoder {
    pub fn new(_config: &AvcConfig) -> Result<H264Decoder> {
        Err(not_built("decoding"))
    }

    pub fn run(
        &mut self,
        _samples: &mut dyn Iterator<Item = Result<Vec<u8>>>,
        _sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<()> {
        Err(not_built("decoding"))
    }
}

/// Cannot be built in this build: no H.264 encoder.
pub struct H264Encoder(());

impl H264Encoder {
    pub fn new(_width: usize, _height: usize, _fps: f32, _color: crate::color::ColorInfo) -> Result<Self> {
        Err(not_built("encoding"))
    }

    pub fn encode(&mut self, _f: &Frame) -> Result<EncodedSample> {
        Err(not_built("encoding"))
    }

    pub fn config(&self) -> Option<&AvcConfig> {
        None
    }
}
