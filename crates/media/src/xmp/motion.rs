//! Writing the Motion Photo XMP: a fresh packet, a merge into an existing
//! one, and removal when a still stops being a motion photo.

use super::{parse_text, NS_CAMERA, NS_CONTAINER, NS_ITEM};

/// The values written into a Motion Photo's XMP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MotionPhotoFields {
    pub timestamp_us: i64,
    pub primary_mime: &'static str,
    /// Padding of the primary item (8 for HEIC: the `mpvd` header).
    pub primary_padding: u64,
    /// Length of the video item (video plus anything after it up to EOF).
    pub video_length: u64,
    /// Padding of the video item (Samsung: bytes of trailer before the video).
    pub video_padding: u64,
}

fn attrs_and_directory(f: &MotionPhotoFields) -> (String, String) {
    let attrs = format!(
        "GCamera:MotionPhoto=\"1\" GCamera:MotionPhotoVersion=\"1\" GCamera:MotionPhotoPresentationTimestampUs=\"{}\"",
        f.timestamp_us
    );
    let dir = format!(
        "<Container:Directory><rdf:Seq>\
<rdf:li rdf:parseType=\"Resource\"><Container:Item Item:Mime=\"{}\" Item:Semantic=\"Primary\" Item:Length=\"0\" Item:Padding=\"{}\"/></rdf:li>\
<rdf:li rdf:parseType=\"Resource\"><Container:Item Item:Mime=\"video/mp4\" Item:Semantic=\"MotionPhoto\" Item:Length=\"{}\" Item:Padding=\"{}\"/></rdf:li>\
</rdf:Seq></Container:Directory>",
        f.primary_mime, f.primary_padding, f.video_length, f.video_padding
    );
    (attrs, dir)
}

const NS_DECLS: &str = "xmlns:GCamera=\"http://ns.google.com/photos/1.0/camera/\" \
xmlns:Container=\"http://ns.google.com/photos/1.0/container/\" \
xmlns:Item=\"http://ns.google.com/photos/1.0/container/item/\"";

/// A fresh Motion Photo packet.
pub fn motion_photo_packet(f: &MotionPhotoFields) -> String {
    let (attrs, dir) = attrs_and_directory(f);
    format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"vivify\">\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" {NS_DECLS} {attrs}>{dir}</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
}

/// Motion-photo attributes we replace when merging into an existing packet.
const OWN_ATTR_PREFIXES: &[&str] =
    &["GCamera:MotionPhoto", "GCamera:MicroVideo", "Camera:MotionPhoto", "Camera:MicroVideo"];

/// Puts the Motion Photo fields into `existing` when it has exactly one
/// `rdf:Description` (keeping everything else it says), else returns a fresh
/// packet. The second value is true when the old packet was dropped.
pub fn merge_motion_photo(existing: Option<&str>, f: &MotionPhotoFields) -> (String, bool) {
    let Some(old) = existing.filter(|s| !s.trim().is_empty()) else {
        return (motion_photo_packet(f), false);
    };
    match merge_into(old, f) {
        Some(s) => (s, false),
        None => (motion_photo_packet(f), true),
    }
}

/// `text` without its Motion Photo container directory element.
fn without_directory(text: &str) -> String {
    let mut text = text.to_string();
    for tag in ["Container:Directory", "GContainer:Directory"] {
        if let (Some(s), Some(e)) = (text.find(&format!("<{tag}")), text.find(&format!("</{tag}>"))) {
            if e > s {
                text.replace_range(s..e + tag.len() + 3, "");
            }
        }
    }
    text
}

fn merge_into(old: &str, f: &MotionPhotoFields) -> Option<String> {
    // Drop any earlier directory; a second one would confuse readers.
    let text = without_directory(old);
    let (own, dir) = attrs_and_directory(f);
    let drop = |k: &str| {
        OWN_ATTR_PREFIXES.iter().any(|p| k.starts_with(p))
            || matches!(k, "xmlns:GCamera" | "xmlns:Container" | "xmlns:Item")
    };
    super::merge_into_description(&text, &drop, &format!("{NS_DECLS} {own}"), &dir)
}

/// Removes Motion Photo attributes and the container directory from a packet
/// (for a still that stops being a motion photo). Returns `None` when nothing
/// else is left worth keeping.
pub fn strip_motion_photo(old: &str) -> Option<String> {
    let parsed = parse_text(old).ok()?;
    let others = parsed
        .properties
        .iter()
        .any(|p| p.namespace != NS_CAMERA && p.namespace != NS_CONTAINER && p.namespace != NS_ITEM);
    if !others {
        return None;
    }
    let mut text = without_directory(old);
    for p in OWN_ATTR_PREFIXES {
        while let Some(s) = text.find(&format!(" {p}")) {
            let after = &text[s + 1..];
            let Some(q1) = after.find('"') else { break };
            let Some(q2) = after[q1 + 1..].find('"') else {
                break;
            };
            text.replace_range(s..s + 1 + q1 + 1 + q2 + 1, "");
        }
    }
    Some(text)
}
