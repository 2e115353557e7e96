//! Opening the photo: JPEG, PNG or HEIC, decoded within our limits and turned
//! upright as its Exif orientation asks. The original bytes are kept so a
//! Live Photo or Motion Photo can carry the untouched photo as its still.

use std::path::Path;

use super::image::{check_size, Rgb};
use vivify_media::error::{Error, Result};
use vivify_media::jpeg::tiff::Exif;
use vivify_media::jpeg::Jpeg;
use vivify_media::limits;

use vivify_media::limits::MAX_PHOTO_BYTES;

/// The container the photo came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
    Heic,
}

/// A decoded, upright photo and what we know about it.
pub struct Photo {
    pub format: PhotoFormat,
    /// Upright pixels.
    pub rgb: Rgb,
    /// Exif orientation that was applied (1 when none).
    pub orientation: u16,
    /// The file as read.
    pub bytes: Vec<u8>,
    /// Exif of a JPEG, when it has one that parses.
    pub exif: Option<Exif>,
}

impl Photo {
    /// Reads and decodes a photo file.
    pub fn open(path: &Path) -> Result<Photo> {
        Photo::decode(vivify_media::input::read(path, MAX_PHOTO_BYTES, "photo file size")?)
    }

    /// Decodes a photo held in memory.
    pub fn decode(bytes: Vec<u8>) -> Result<Photo> {
        limits::check("photo file size", bytes.len() as u64, MAX_PHOTO_BYTES)?;
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            decode_jpeg(bytes)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            decode_png(bytes)
        } else if vivify_media::probe::sniff(&bytes) == vivify_media::probe::Container::Heif {
            decode_heic(bytes)
        } else {
            Err(Error::invalid("photo", "not a JPEG, PNG or HEIC file"))
        }
    }
}

fn decode_jpeg(bytes: Vec<u8>) -> Result<Photo> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    // Our own segment walk first: it checks the structure and finds Exif.
    let (orientation, exif) = match Jpeg::parse(&bytes) {
        Ok(j) => {
            let exif = j.exif().and_then(|t| Exif::parse(t).ok());
            (exif.as_ref().and_then(Exif::orientation).unwrap_or(1), exif)
        }
        Err(e) => return Err(e),
    };
    let side = 65_535usize;
    let opts = DecoderOptions::default()
        .set_max_width(side)
        .set_max_height(side)
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_strict_mode(false);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes.as_slice()), opts);
    dec.decode_headers().map_err(|e| Error::invalid("JPEG", e.to_string()))?;
    let info = dec.info().ok_or_else(|| Error::invalid("JPEG", "no frame header"))?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    check_size(w, h).map_err(|e| match e {
        Error::Param(m) => Error::invalid("JPEG", m),
        other => other,
    })?;
    let data = dec.decode().map_err(|e| Error::invalid("JPEG", e.to_string()))?;
    if data.len() != w * h * 3 {
        return Err(Error::invalid("JPEG", format!("decoded {} bytes for a {w}x{h} picture", data.len())));
    }
    let rgb = Rgb { width: w, height: h, data }.oriented(orientation);
    Ok(Photo { format: PhotoFormat::Jpeg, rgb, orientation, bytes, exif })
}

fn decode_png(bytes: Vec<u8>) -> Result<Photo> {
    let limits = png::Limits { bytes: (limits::MAX_PIXELS * 4) as usize };
    let mut dec = png::Decoder::new_with_limits(std::io::Cursor::new(bytes.as_slice()), limits);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| Error::invalid("PNG", e.to_string()))?;
    let (w, h) = (reader.info().width as usize, reader.info().height as usize);
    check_size(w, h).map_err(|e| match e {
        Error::Param(m) => Error::invalid("PNG", m),
        other => other,
    })?;
    let channels = match reader.output_color_type().0 {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(Error::invalid("PNG", "palette was not expanded")),
    };
    let mut rgb = Rgb::new(w, h)?;
    let png_err = |e: png::DecodingError| Error::invalid("PNG", e.to_string());
    if reader.info().interlaced {
        // Interlaced rows arrive in passes: decode the whole frame.
        let size = reader.output_buffer_size().ok_or_else(|| Error::invalid("PNG", "picture too large"))?;
        let mut buf = vec![0u8; size];
        let info = reader.next_frame(&mut buf).map_err(png_err)?;
        for y in 0..h {
            png_row_to_rgb(&buf[y * info.line_size..], channels, &mut rgb.data[y * w * 3..(y + 1) * w * 3]);
        }
    } else {
        // Row by row straight into the picture: no second picture-sized
        // buffer (400 MB at the 100 MP cap).
        for y in 0..h {
            let row =
                reader.next_row().map_err(png_err)?.ok_or_else(|| Error::invalid("PNG", "image data ends early"))?;
            if row.data().len() < w * channels {
                return Err(Error::invalid("PNG", "a row is shorter than the picture is wide"));
            }
            png_row_to_rgb(row.data(), channels, &mut rgb.data[y * w * 3..(y + 1) * w * 3]);
        }
    }
    Ok(Photo { format: PhotoFormat::Png, rgb, orientation: 1, bytes, exif: None })
}

/// One decoded PNG row (8-bit grey, grey+alpha, RGB or RGBA) into RGB;
/// transparent pixels are shown over white, as viewers do.
fn png_row_to_rgb(row: &[u8], channels: usize, out: &mut [u8]) {
    for (p, o) in row.chunks_exact(channels).zip(out.chunks_exact_mut(3)) {
        let (r, g, b, a) = match channels {
            1 => (p[0], p[0], p[0], 255),
            2 => (p[0], p[0], p[0], p[1]),
            3 => (p[0], p[1], p[2], 255),
            _ => (p[0], p[1], p[2], p[3]),
        };
        let over = |c: u8| ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
        o.copy_from_slice(&[over(r), over(g), over(b)]);
    }
}

fn decode_heic(bytes: Vec<u8>) -> Result<Photo> {
    let src: &[u8] = &bytes;
    let heif = vivify_media::heic::Heif::parse(&src)?;
    if let Some((w, h)) = heif.primary_size() {
        limits::check("HEIC picture size in pixels", u64::from(w) * u64::from(h), limits::MAX_PIXELS)?;
    }
    let (w, h, data) = crate::heic_image::decode_primary(&src, &heif)?;
    let mut rgb = Rgb { width: w, height: h, data };
    // HEIF turns pictures with irot/imir; its Exif orientation is only a note.
    let transforms = crate::heic_image::primary_transforms(&heif);
    for t in &transforms {
        rgb = rgb.oriented(*t);
    }
    let exif = heif.exif(&src).ok().flatten().and_then(|t| Exif::parse(&t).ok());
    let orientation = if transforms.len() == 1 { transforms[0] } else { 1 };
    Ok(Photo { format: PhotoFormat::Heic, rgb, orientation, bytes, exif })
}
