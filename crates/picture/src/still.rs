//! The key photo: a decoded frame written as JPEG with Exif carrying the
//! orientation, capture date, location and the Live Photo content identifier.

use vivify_codec::Frame;
use vivify_media::bytes::Endian;
use vivify_media::error::{Error, Result};
use vivify_media::jpeg::edit::{rewrite, JpegEdit};
use vivify_media::jpeg::tiff::{Entry, Exif, Ifd, TAG_ORIENTATION};
use vivify_media::jpeg::Jpeg;
use vivify_media::package::live::set_exif_content_id;

/// Capture facts carried from the video to the still.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StillFacts {
    /// Clockwise rotation of the video (0, 90, 180, 270).
    pub rotation: u16,
    /// ISO 8601 date as QuickTime writes it, e.g. `2024-09-06T18:08:07+0200`.
    pub creation_date: Option<String>,
    /// ISO 6709 location, e.g. `+40.5674+008.3188+009.281/`.
    pub location: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// Exif orientation value for a clockwise display rotation.
pub fn orientation_for(rotation: u16) -> u16 {
    match rotation {
        90 => 6,
        180 => 3,
        270 => 8,
        _ => 1,
    }
}

/// Parses an ISO 6709 string into (latitude, longitude, altitude).
pub fn parse_iso6709(s: &str) -> Option<(f64, f64, Option<f64>)> {
    let s = s.trim_end_matches('/');
    let mut parts = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if (c == '+' || c == '-') && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    let lat: f64 = parts.first()?.parse().ok()?;
    let lon: f64 = parts.get(1)?.parse().ok()?;
    let alt = parts.get(2).and_then(|a| a.parse().ok());
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon, alt))
}

fn dms(v: f64) -> [(u32, u32); 3] {
    let v = v.abs();
    let d = v.floor();
    let m = ((v - d) * 60.0).floor();
    let s = ((v - d) * 60.0 - m) * 60.0;
    [(d as u32, 1), (m as u32, 1), ((s * 10000.0).round() as u32, 10000)]
}

/// Builds the Exif for a still.
pub fn still_exif(facts: &StillFacts, content_id: &str) -> Exif {
    let e = Endian::Big;
    let mut exif = Exif::new();
    exif.ifd0.set(Entry::short(TAG_ORIENTATION, orientation_for(facts.rotation), e));
    exif.ifd0.set(Entry::ascii(0x0131, "vivify"));
    if let Some(m) = &facts.make {
        exif.ifd0.set(Entry::ascii(0x010F, m));
    }
    if let Some(m) = &facts.model {
        exif.ifd0.set(Entry::ascii(0x0110, m));
    }
    if let Some(d) = &facts.creation_date {
        // "2024-09-06T18:08:07+0200" → "2024:09:06 18:08:07" and "+02:00".
        if d.len() >= 19 {
            let dt = format!("{} {}", d[..10].replace('-', ":"), &d[11..19]);
            exif.exif.set(Entry::ascii(0x9003, &dt));
            exif.ifd0.set(Entry::ascii(0x0132, &dt));
            let tz = &d[19..];
            let tz = match tz.len() {
                5 => Some(format!("{}:{}", &tz[..3], &tz[3..])),
                6 => Some(tz.to_string()),
                1 if tz == "Z" => Some("+00:00".into()),
                _ => None,
            };
            if let Some(tz) = tz {
                exif.exif.set(Entry::ascii(0x9011, &tz));
            }
        }
    }
    exif.exif.set(Entry::undefined(0x9000, b"0232".to_vec()));
    if let Some((lat, lon, alt)) = facts.location.as_deref().and_then(parse_iso6709) {
        let mut gps = Ifd::default();
        gps.set(Entry { tag: 0, typ: 1, count: 4, value: vec![2, 3, 0, 0] });
        gps.set(Entry::ascii(1, if lat >= 0.0 { "N" } else { "S" }));
        gps.set(Entry::rationals(2, &dms(lat), e));
        gps.set(Entry::ascii(3, if lon >= 0.0 { "E" } else { "W" }));
        gps.set(Entry::rationals(4, &dms(lon), e));
        if let Some(a) = alt {
            gps.set(Entry { tag: 5, typ: 1, count: 1, value: vec![u8::from(a < 0.0)] });
            gps.set(Entry::rationals(6, &[((a.abs() * 100.0).round() as u32, 100)], e));
        }
        exif.gps = Some(gps);
    }
    set_exif_content_id(&mut exif, content_id);
    exif
}

/// Encodes `frame` as a JPEG (quality 92) carrying `exif`.
pub fn encode_still(frame: &Frame, color: vivify_codec::color::ColorInfo, exif: &Exif) -> Result<Vec<u8>> {
    let rgb = frame.to_rgb(color);
    let (w, h) = (u16::try_from(frame.width), u16::try_from(frame.height));
    let (Ok(w), Ok(h)) = (w, h) else {
        return Err(Error::Unsupported(format!("a {}x{} still is too large for JPEG", frame.width, frame.height)));
    };
    let mut jpg = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut jpg, 92);
    enc.encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb).map_err(|e| Error::codec_from("JPEG encode", e))?;
    let parsed = Jpeg::parse(&jpg)?;
    rewrite(&parsed, &JpegEdit { exif_tiff: Some(exif.to_bytes()), ..JpegEdit::default() })
}

/// A JPEG of a key frame made elsewhere (a browser's own decoder), given
/// `exif` in place of whatever metadata it carried. Refused when it is not
/// a whole JPEG.
pub fn adopt_still(jpeg: &[u8], exif: &Exif) -> Result<Vec<u8>> {
    vivify_media::limits::check("key frame JPEG size", jpeg.len() as u64, vivify_media::limits::MAX_EMBEDDED_VIDEO)?;
    let parsed = Jpeg::parse(jpeg).map_err(|e| match e {
        Error::Invalid { reason, .. } => Error::invalid("key frame JPEG", reason),
        other => other,
    })?;
    rewrite(&parsed, &JpegEdit { exif_tiff: Some(exif.to_bytes()), xmp: Some(None), ..JpegEdit::default() })
}

/// A small JPEG of `frame` for a filmstrip: upright (the video's clockwise
/// `rotation` applied), `height` pixels tall, quality 80, no metadata.
pub fn thumbnail(
    frame: &Frame,
    color: vivify_codec::color::ColorInfo,
    rotation: u16,
    height: usize,
) -> Result<Vec<u8>> {
    use crate::image::{resize, Rect, Rgb};
    let rgb =
        Rgb { width: frame.width, height: frame.height, data: frame.to_rgb(color) }.oriented(orientation_for(rotation));
    let h = height.clamp(16, rgb.height.max(16));
    let w = ((rgb.width as f64 * h as f64 / rgb.height.max(1) as f64).round() as usize).max(16);
    let full = Rect { x: 0.0, y: 0.0, w: rgb.width as f64, h: rgb.height as f64 };
    let small = resize(&rgb, full, w, h)?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(small.width), u16::try_from(small.height)) else {
        return Err(Error::Unsupported("the thumbnail is too large for JPEG".into()));
    };
    let mut jpg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpg, 80)
        .encode(&small.data, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| Error::codec_from("JPEG encode", e))?;
    Ok(jpg)
}
