//! XMP: a small namespace-aware reader for the properties we care about, and
//! the writer for the Motion Photo packet in the exact attribute form that
//! Android's media3 reader needs (one `rdf:Description`, prefixes `GCamera:`,
//! `Container:`, `Item:`).

use crate::error::{Error, Result};

pub const NS_CAMERA: &str = "http://ns.google.com/photos/1.0/camera/";
pub const NS_CONTAINER: &str = "http://ns.google.com/photos/1.0/container/";
pub const NS_ITEM: &str = "http://ns.google.com/photos/1.0/container/item/";
const NS_RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// One property value found in the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub namespace: String,
    pub name: String,
    pub value: String,
}

/// One `Container:Item` of a Motion Photo directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DirectoryItem {
    pub mime: Option<String>,
    pub semantic: Option<String>,
    pub length: Option<u64>,
    pub padding: Option<u64>,
}

/// What an XMP packet says.
#[derive(Clone, Debug, Default)]
pub struct Xmp {
    pub properties: Vec<Property>,
    pub items: Vec<DirectoryItem>,
    /// Number of `rdf:Description` elements.
    pub descriptions: usize,
}

impl Xmp {
    /// A camera-namespace property by local name (prefix-independent).
    pub fn camera(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.namespace == NS_CAMERA && p.name == name)
            .map(|p| p.value.as_str())
    }

    pub fn camera_i64(&self, name: &str) -> Option<i64> {
        self.camera(name).and_then(|v| v.trim().parse().ok())
    }

    /// Any property by namespace and local name.
    pub fn get(&self, ns: &str, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.namespace == ns && p.name == name)
            .map(|p| p.value.as_str())
    }

    /// Parses an XMP packet. Tolerates the `<?xpacket?>` wrapper and padding.
    pub fn parse(bytes: &[u8]) -> Result<Xmp> {
        crate::limits::check(
            "XMP size",
            bytes.len() as u64,
            crate::limits::MAX_METADATA_BYTES,
        )?;
        let text = std::str::from_utf8(bytes).map_err(|_| Error::invalid("XMP", "not UTF-8"))?;
        parse_text(text)
    }
}

struct Frame {
    ns: Vec<(String, String)>,
    name: (String, String),
    text: String,
    had_children: bool,
}

fn resolve(stack: &[Frame], local_ns: &[(String, String)], prefix: &str) -> String {
    for (p, uri) in local_ns.iter().rev() {
        if p == prefix {
            return uri.clone();
        }
    }
    for f in stack.iter().rev() {
        for (p, uri) in f.ns.iter().rev() {
            if p == prefix {
                return uri.clone();
            }
        }
    }
    String::new()
}

fn split_name(q: &str) -> (&str, &str) {
    match q.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", q),
    }
}

/// Decodes the five XML entities and numeric character references.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let ent = &after[..end];
        let ch = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16)
                .ok()
                .and_then(char::from_u32),
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes text for an attribute value.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Parses the attributes of a start tag body (after the element name).
fn parse_attrs(body: &str) -> Result<Vec<(String, String)>> {
    let mut attrs = Vec::new();
    let mut s = body.trim_start();
    while !s.is_empty() {
        let Some(eq) = s.find('=') else { break };
        let name = s[..eq].trim().to_string();
        let after = s[eq + 1..].trim_start();
        let q = after
            .chars()
            .next()
            .ok_or_else(|| Error::invalid("XMP", "attribute without a value"))?;
        if q != '"' && q != '\'' {
            return Err(Error::invalid(
                "XMP",
                format!("attribute {name} is not quoted"),
            ));
        }
        let close = after[1..]
            .find(q)
            .ok_or_else(|| Error::invalid("XMP", format!("attribute {name} is not closed")))?;
        attrs.push((name, unescape(&after[1..1 + close])));
        s = after[close + 2..].trim_start();
    }
    Ok(attrs)
}

fn parse_text(text: &str) -> Result<Xmp> {
    let mut xmp = Xmp::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pos = 0usize;
    let bytes = text.as_bytes();
    while let Some(rel) = text[pos..].find('<') {
        let lt = pos + rel;
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&text[pos..lt]);
        }
        if text[lt..].starts_with("<!--") {
            pos = lt + text[lt..].find("-->").map_or(text.len() - lt, |e| e + 3);
            continue;
        }
        if text[lt..].starts_with("<?") || text[lt..].starts_with("<!") {
            pos = lt + text[lt..].find('>').map_or(text.len() - lt, |e| e + 1);
            continue;
        }
        // Find the end of the tag, honouring quotes.
        let mut i = lt + 1;
        let mut quote = 0u8;
        while i < bytes.len() {
            let b = bytes[i];
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'"' || b == b'\'' {
                quote = b;
            } else if b == b'>' {
                break;
            }
            i += 1;
        }
        if i >= bytes.len() {
            return Err(Error::invalid("XMP", "unterminated tag"));
        }
        let tag = &text[lt + 1..i];
        pos = i + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let Some(f) = stack.pop() else {
                return Err(Error::invalid(
                    "XMP",
                    format!("closing </{}> without an opening tag", name.trim()),
                ));
            };
            if !f.had_children && !f.name.0.is_empty() {
                let value = unescape(f.text.trim());
                if !value.is_empty() {
                    push_property(&mut xmp, &f.name.0, &f.name.1, value);
                }
            }
            continue;
        }
        if stack.len() > 64 {
            return Err(Error::Limits("XMP nesting deeper than 64".into()));
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (qname, rest) = match tag.find(|c: char| c.is_whitespace()) {
            Some(w) => (&tag[..w], &tag[w..]),
            None => (tag, ""),
        };
        let attrs = parse_attrs(rest)?;
        let mut local_ns = Vec::new();
        for (k, v) in &attrs {
            if let Some(p) = k.strip_prefix("xmlns:") {
                local_ns.push((p.to_string(), v.clone()));
            } else if k == "xmlns" {
                local_ns.push((String::new(), v.clone()));
            }
        }
        let (p, l) = split_name(qname);
        let el_ns = resolve(&stack, &local_ns, p);
        if let Some(parent) = stack.last_mut() {
            parent.had_children = true;
        }
        if el_ns == NS_RDF && l == "Description" {
            xmp.descriptions += 1;
        }
        if el_ns == NS_CONTAINER && l == "Item" {
            xmp.items.push(DirectoryItem::default());
        }
        for (k, v) in &attrs {
            if k.starts_with("xmlns") {
                continue;
            }
            let (ap, al) = split_name(k);
            if ap.is_empty() {
                continue;
            }
            let ans = resolve(&stack, &local_ns, ap);
            if ans == NS_RDF {
                continue;
            }
            push_property(&mut xmp, &ans, al, v.clone());
        }
        let frame = Frame {
            ns: local_ns,
            name: (el_ns, l.to_string()),
            text: String::new(),
            had_children: false,
        };
        if !self_closing {
            stack.push(frame);
        }
    }
    Ok(xmp)
}

fn push_property(xmp: &mut Xmp, ns: &str, name: &str, value: String) {
    if ns == NS_ITEM {
        if xmp.items.is_empty() {
            xmp.items.push(DirectoryItem::default());
        }
        if let Some(item) = xmp.items.last_mut() {
            match name {
                "Mime" => item.mime = Some(value.clone()),
                "Semantic" => item.semantic = Some(value.clone()),
                "Length" => item.length = value.trim().parse().ok(),
                "Padding" => item.padding = value.trim().parse().ok(),
                _ => {}
            }
        }
    }
    xmp.properties.push(Property {
        namespace: ns.to_string(),
        name: name.to_string(),
        value,
    });
}

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
const OWN_ATTR_PREFIXES: &[&str] = &[
    "GCamera:MotionPhoto",
    "GCamera:MicroVideo",
    "Camera:MotionPhoto",
    "Camera:MicroVideo",
];

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

fn merge_into(old: &str, f: &MotionPhotoFields) -> Option<String> {
    if old.matches("<rdf:Description").count() != 1 {
        return None;
    }
    // Drop any earlier directory; a second one would confuse readers.
    let mut text = old.to_string();
    for tag in ["Container:Directory", "GContainer:Directory"] {
        if let (Some(s), Some(e)) = (
            text.find(&format!("<{tag}")),
            text.find(&format!("</{tag}>")),
        ) {
            if e > s {
                text.replace_range(s..e + tag.len() + 3, "");
            }
        }
    }
    let start = text.find("<rdf:Description")?;
    let bytes = text.as_bytes();
    let mut i = start;
    let mut quote = 0u8;
    while i < bytes.len() {
        let b = bytes[i];
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            break;
        }
        i += 1;
    }
    if i >= bytes.len() {
        return None;
    }
    let self_closing = bytes[i - 1] == b'/';
    let head_end = if self_closing { i - 1 } else { i };
    let head = &text[start + "<rdf:Description".len()..head_end];
    let attrs = parse_attrs(head).ok()?;
    let mut new_head = String::from("<rdf:Description");
    for (k, v) in &attrs {
        if OWN_ATTR_PREFIXES.iter().any(|p| k.starts_with(p))
            || matches!(
                k.as_str(),
                "xmlns:GCamera" | "xmlns:Container" | "xmlns:Item"
            )
        {
            continue;
        }
        new_head.push_str(&format!(" {k}=\"{}\"", escape(v)));
    }
    let (own, dir) = attrs_and_directory(f);
    new_head.push_str(&format!(" {NS_DECLS} {own}>"));
    let mut out = String::new();
    out.push_str(&text[..start]);
    out.push_str(&new_head);
    out.push_str(&dir);
    if self_closing {
        out.push_str("</rdf:Description>");
    }
    out.push_str(&text[i + 1..]);
    Some(out)
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
    let mut text = old.to_string();
    for tag in ["Container:Directory", "GContainer:Directory"] {
        if let (Some(s), Some(e)) = (
            text.find(&format!("<{tag}")),
            text.find(&format!("</{tag}>")),
        ) {
            if e > s {
                text.replace_range(s..e + tag.len() + 3, "");
            }
        }
    }
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
