//! The rules a Live Photo or Motion Photo must follow, from Android media3's
//! reader, Google's libmotionphoto checker and what iPhones write. Each rule
//! has a stable id so scripts and tests can look for it.

use serde::Serialize;

use super::Report;
use crate::bmff::movie::{Movie, TrackKind};
use crate::bmff::FourCC;
use crate::heic::Heif;
use crate::jpeg::Jpeg;
use crate::package::live::LiveMovInfo;
use crate::package::motion::{MotionKind, MotionVideo};
use crate::source::ReadAt;
use crate::xmp::Xmp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub severity: Severity,
    pub rule: &'static str,
    pub message: String,
}

impl Issue {
    pub fn error(rule: &'static str, message: impl Into<String>) -> Issue {
        Issue { severity: Severity::Error, rule, message: message.into() }
    }
    pub fn warning(rule: &'static str, message: impl Into<String>) -> Issue {
        Issue { severity: Severity::Warning, rule, message: message.into() }
    }
}

fn is_upper_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_digit() || c.is_ascii_uppercase() && c.is_ascii_hexdigit()
            }
        })
}

/// Rules on the XMP text and directory, shared by JPEG and HEIC.
fn xmp_rules(r: &mut Report, text: Option<&str>, x: Option<&Xmp>, mv: &MotionVideo) {
    if matches!(mv.kind, MotionKind::Scanned | MotionKind::Samsung)
        && x.is_none_or(|x| x.camera("MotionPhoto").is_none())
    {
        r.issues
            .push(Issue::error("MP-XMP", "no Motion Photo XMP: Google Photos and Android will not see a motion photo"));
        return;
    }
    let Some(x) = x else { return };
    if let Some(text) = text {
        // media3 matches literal attribute prefixes and rejects the packet at
        // the first rdf:Description without the flag.
        let flagged = [
            "GCamera:MotionPhoto=\"1\"",
            "Camera:MotionPhoto=\"1\"",
            "GCamera:MicroVideo=\"1\"",
            "Camera:MicroVideo=\"1\"",
        ];
        let descs: Vec<&str> =
            text.split("<rdf:Description").skip(1).map(|d| d.split('>').next().unwrap_or("")).collect();
        if descs.iter().any(|d| !flagged.iter().any(|f| d.contains(f))) {
            r.issues.push(Issue::error(
                "MP-MEDIA3-DESC",
                "an rdf:Description start tag lacks the MotionPhoto=\"1\" attribute (Android media3 gives up there)",
            ));
        }
        if x.camera("MotionPhoto").is_some() && !flagged.iter().any(|f| text.contains(f)) {
            r.issues.push(Issue::error("MP-MEDIA3-PREFIX", "MotionPhoto is not an attribute with the prefix GCamera: or Camera: (media3 matches prefixes literally)"));
        }
        let attribute_items = text.contains("Item:Mime=") && text.contains("Item:Semantic=");
        if !x.items.is_empty() && !attribute_items {
            r.issues.push(Issue::error(
                "MP-MEDIA3-ITEM",
                "directory items must carry Item:Mime and Item:Semantic as attributes",
            ));
        }
    }
    if x.camera("MotionPhoto").is_none() {
        r.issues.push(Issue::warning("MP-LEGACY", "only the deprecated MicroVideo fields are present"));
        return;
    }
    if x.camera("MotionPhoto").map(str::trim) != Some("1") {
        r.issues.push(Issue::error("MP-FLAG", "MotionPhoto is not 1"));
    }
    if x.camera("MotionPhotoVersion").map(str::trim) != Some("1") {
        r.issues.push(Issue::error("MP-VERSION", "MotionPhotoVersion is not 1"));
    }
    match x.camera_i64("MotionPhotoPresentationTimestampUs") {
        None => r.issues.push(Issue::warning("MP-TIMESTAMP", "no MotionPhotoPresentationTimestampUs")),
        Some(t) if t < 0 => r.issues.push(Issue::error(
            "MP-TIMESTAMP",
            format!("presentation timestamp is {t} (libmotionphoto rejects negative values)"),
        )),
        _ => {}
    }
    let n = x.items.len();
    let semantics: Vec<&str> = x.items.iter().map(|i| i.semantic.as_deref().unwrap_or("")).collect();
    let shape_ok = (n == 2 && semantics == ["Primary", "MotionPhoto"])
        || (n == 3 && semantics == ["Primary", "GainMap", "MotionPhoto"]);
    if !shape_ok {
        r.issues.push(Issue::error(
            "MP-DIRECTORY",
            format!("directory must be [Primary, (GainMap,) MotionPhoto], found {semantics:?}"),
        ));
    }
    if let Some(p) = x.items.first() {
        if !matches!(p.mime.as_deref(), Some("image/jpeg" | "image/heic" | "image/avif")) {
            r.issues.push(Issue::error(
                "MP-PRIMARY-MIME",
                format!("primary MIME is {}", p.mime.as_deref().unwrap_or("missing")),
            ));
        }
        if p.length.unwrap_or(0) != 0 {
            r.issues.push(Issue::error("MP-PRIMARY-LENGTH", "the primary item's Length must be 0"));
        }
    }
    if let Some(v) = x.items.iter().find(|i| i.semantic.as_deref() == Some("MotionPhoto")) {
        if v.mime.as_deref() != Some("video/mp4") {
            r.issues.push(Issue::error(
                "MP-VIDEO-MIME",
                format!(
                    "video MIME is {}; libmotionphoto accepts only video/mp4",
                    v.mime.as_deref().unwrap_or("missing")
                ),
            ));
        }
        if v.length.unwrap_or(0) == 0 {
            r.issues.push(Issue::error("MP-VIDEO-LENGTH", "the MotionPhoto item has no Length"));
        }
    }
}

fn name_rule(r: &mut Report) {
    let name = std::path::Path::new(&r.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem_ok = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        stem.ends_with("MP")
            && ["jpg", "jpeg", "heic", "avif"].contains(&ext.to_ascii_lowercase().as_str())
            && !stem.starts_with(char::is_whitespace)
    });
    if !stem_ok {
        r.issues.push(Issue::warning("MP-NAME", "the name does not end in MP.jpg/MP.heic; readers may ignore it (spec: ^[^\\s/\\\\][^/\\\\]*MP\\.(JPG|jpg|...))"));
    }
}

pub(super) fn motion_jpeg(
    r: &mut Report,
    data: &[u8],
    jpeg: &Jpeg<'_>,
    text: Option<&str>,
    x: Option<&Xmp>,
    mv: &MotionVideo,
) {
    xmp_rules(r, text, x, mv);
    name_rule(r);
    let len = data.len() as u64;
    if let Some(x) = x.filter(|x| x.camera("MotionPhoto").is_some()) {
        let pad = x.items.first().and_then(|p| p.padding).unwrap_or(0);
        let vlen: u64 = x.items.iter().skip(1).map(|i| i.length.unwrap_or(0)).sum();
        if jpeg.eoi_end as u64 + pad + vlen != len {
            r.issues.push(Issue::error(
                "MP-SIZE-SUM",
                format!(
                    "image ({}) + Padding ({pad}) + Length ({vlen}) = {} but the file has {len} bytes",
                    jpeg.eoi_end,
                    jpeg.eoi_end as u64 + pad + vlen
                ),
            ));
        }
    }
    if mv.offset + mv.len != len && !mv.has_sef {
        r.issues.push(Issue::error(
            "MP-TAIL",
            format!("{} bytes follow the video; the video must end the file", len - mv.offset - mv.len),
        ));
    }
}

pub(super) fn motion_heic(r: &mut Report, src: &dyn ReadAt, heif: &Heif, x: Option<&Xmp>, mv: &MotionVideo) {
    let text = heif.xmp(src).ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned());
    xmp_rules(r, text.as_deref(), x, mv);
    name_rule(r);
    let Some(mpvd) = heif.layout.first(FourCC::MPVD) else {
        r.issues.push(Issue::error("MP-HEIC-MPVD", "HEIC motion photos must hold the video in a top-level 'mpvd' box"));
        return;
    };
    if mpvd.end() != src.len() {
        r.issues.push(Issue::error(
            "MP-HEIC-LAST",
            format!("'mpvd' ends at {} but the file has {} bytes: it must be the last box", mpvd.end(), src.len()),
        ));
    }
    if let Some(x) = x.filter(|x| x.items.len() >= 2) {
        if x.items[0].padding != Some(mpvd.header_len) {
            r.issues.push(Issue::error(
                "MP-HEIC-PADDING",
                format!(
                    "primary Padding is {}; it must equal the mpvd header size {}",
                    x.items[0].padding.map_or_else(|| "missing".to_string(), |p| p.to_string()),
                    mpvd.header_len
                ),
            ));
        }
        let vlen = x.items.last().and_then(|i| i.length);
        if vlen != Some(mpvd.payload_len()) {
            r.issues.push(Issue::error(
                "MP-HEIC-LENGTH",
                format!(
                    "video Length is {} but the mpvd payload is {} bytes",
                    vlen.map_or_else(|| "missing".to_string(), |l| l.to_string()),
                    mpvd.payload_len()
                ),
            ));
        }
    }
}

pub(super) fn motion_video(r: &mut Report, m: &Movie) {
    let videos = m.tracks.iter().filter(|t| t.kind() == TrackKind::Video).count();
    let audios: Vec<_> = m.tracks.iter().filter(|t| t.kind() == TrackKind::Audio).collect();
    if videos == 0 {
        r.issues.push(Issue::error("MP-VIDEO-TRACK", "the embedded video has no video track"));
    } else if videos > 2 {
        r.issues.push(Issue::warning("MP-VIDEO-TRACK", format!("{videos} video tracks (at most 2 expected)")));
    }
    if audios.len() > 1 {
        r.issues.push(Issue::warning("MP-AUDIO", format!("{} audio tracks (at most 1 expected)", audios.len())));
    }
    if let Some(a) = audios.first() {
        if a.codec() != Some(FourCC::MP4A) {
            r.issues.push(Issue::warning(
                "MP-AUDIO",
                format!(
                    "audio is '{}', the format allows only AAC",
                    a.codec().map(|c| c.to_string()).unwrap_or_default()
                ),
            ));
        }
    }
    if let Some(v) = m.video() {
        if !matches!(v.codec().map(|c| c.0), Some(c) if [*b"avc1", *b"avc3", *b"hvc1", *b"hev1", *b"av01"].contains(&c))
        {
            r.issues.push(Issue::error("MP-CODEC", "video codec must be AVC, HEVC or AV1"));
        }
    }
    if m.is_quicktime() {
        r.issues.push(Issue::warning("MP-MP4", "the embedded video is QuickTime, not MP4"));
    }
}

pub(super) fn live_movie(r: &mut Report, m: &Movie, info: &LiveMovInfo) {
    if let Some(cid) = &info.content_id {
        if !is_upper_uuid(cid) {
            r.issues
                .push(Issue::warning("LP-CID-FORM", "content identifier is not an upper-case UUID as iPhones write"));
        }
    }
    if info.still_time.is_none() {
        r.issues.push(Issue::warning(
            "LP-STILL-TRACK",
            "no still-image-time track; iPhones may not treat the pair as a Live Photo",
        ));
    } else if !info.still_has_cdsc {
        r.issues
            .push(Issue::warning("LP-STILL-CDSC", "the still-image-time track has no 'cdsc' reference to the video"));
    }
    if info.auto && info.vitality.is_none_or(|v| v < 0.5) {
        r.issues.push(Issue::warning(
            "LP-VITALITY",
            "live-photo.auto is set with a vitality score below 0.5: players may hide the motion",
        ));
    }
    if m.video().is_none() {
        r.issues.push(Issue::error("LP-VIDEO", "no video track"));
    }
}

pub(super) fn live_still_cid_form(r: &mut Report) {
    if let Some(cid) = &r.content_id {
        if !is_upper_uuid(cid) {
            r.issues
                .push(Issue::warning("LP-CID-FORM", "content identifier is not an upper-case UUID as iPhones write"));
        }
    }
}
