//! XMP: a small namespace-aware reader for the properties we care about, and
//! the writer for the Motion Photo packet in the exact attribute form that
//! Android's media3 reader needs (one `rdf:Description`, prefixes `GCamera:`,
//! `Container:`, `Item:`).

pub mod read;

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
        self.properties.iter().find(|p| p.namespace == NS_CAMERA && p.name == name).map(|p| p.value.as_str())
    }

    pub fn camera_i64(&self, name: &str) -> Option<i64> {
        self.camera(name).and_then(|v| v.trim().parse().ok())
    }

    /// Any property by namespace and local name.
    pub fn get(&self, ns: &str, name: &str) -> Option<&str> {
        self.properties.iter().find(|p| p.namespace == ns && p.name == name).map(|p| p.value.as_str())
    }

    /// Parses an XMP packet. Tolerates the `<?xpacket?>` wrapper and padding.
    pub fn parse(bytes: &[u8]) -> Result<Xmp> {
        crate::limits::check("XMP size", bytes.len() as u64, crate::limits::MAX_METADATA_BYTES)?;
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

/// Position of the `>` that closes the tag whose body starts at `from`,
/// skipping any `>` inside quoted attribute values.
pub(crate) fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = 0u8;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            return Some(i);
        }
    }
    None
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
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32),
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
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Parses the attributes of a start tag body (after the element name).
pub(crate) fn parse_attrs(body: &str) -> Result<Vec<(String, String)>> {
    let mut attrs = Vec::new();
    let mut s = body.trim_start();
    while !s.is_empty() {
        let Some(eq) = s.find('=') else { break };
        let name = s[..eq].trim().to_string();
        let after = s[eq + 1..].trim_start();
        let q = after.chars().next().ok_or_else(|| Error::invalid("XMP", "attribute without a value"))?;
        if q != '"' && q != '\'' {
            return Err(Error::invalid("XMP", format!("attribute {name} is not quoted")));
        }
        let close =
            after[1..].find(q).ok_or_else(|| Error::invalid("XMP", format!("attribute {name} is not closed")))?;
        attrs.push((name, unescape(&after[1..1 + close])));
        s = after[close + 2..].trim_start();
    }
    Ok(attrs)
}

pub(crate) fn parse_text(text: &str) -> Result<Xmp> {
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
        let i = tag_end(bytes, lt + 1).ok_or_else(|| Error::invalid("XMP", "unterminated tag"))?;
        let tag = &text[lt + 1..i];
        pos = i + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let Some(f) = stack.pop() else {
                return Err(Error::invalid("XMP", format!("closing </{}> without an opening tag", name.trim())));
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
        let frame = Frame { ns: local_ns, name: (el_ns, l.to_string()), text: String::new(), had_children: false };
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
    xmp.properties.push(Property { namespace: ns.to_string(), name: name.to_string(), value });
}

mod motion;
pub mod provenance;

pub use motion::{merge_motion_photo, motion_photo_packet, strip_motion_photo, MotionPhotoFields};

/// Rewrites the single `rdf:Description` of `text`: attributes for which
/// `drop` is true go, `attrs` (already `name="value"` text) are added to its
/// head and `children` right after it; everything else stays as it was.
/// `None` when the packet does not have exactly one `rdf:Description` (the
/// Motion Photo readers on Android need one).
pub(crate) fn merge_into_description(
    text: &str,
    drop: &dyn Fn(&str) -> bool,
    attrs: &str,
    children: &str,
) -> Option<String> {
    if text.matches("<rdf:Description").count() != 1 {
        return None;
    }
    let start = text.find("<rdf:Description")?;
    let bytes = text.as_bytes();
    let i = tag_end(bytes, start)?;
    let self_closing = bytes[i - 1] == b'/';
    let head_end = if self_closing { i - 1 } else { i };
    let head = &text[start + "<rdf:Description".len()..head_end];
    let old_attrs = parse_attrs(head).ok()?;
    let mut out = String::with_capacity(text.len() + attrs.len() + children.len() + 16);
    out.push_str(&text[..start]);
    out.push_str("<rdf:Description");
    for (k, v) in &old_attrs {
        if !drop(k) {
            out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
    }
    out.push_str(&format!(" {attrs}>"));
    out.push_str(children);
    if self_closing {
        out.push_str("</rdf:Description>");
    }
    out.push_str(&text[i + 1..]);
    Some(out)
}
