//! The provenance fields of an XMP packet: IPTC `DigitalSourceType` (how the
//! media was made, as a NewsCodes URI) and `xmp:CreatorTool` (which
//! software made it). Written into every output before it is signed.

use super::{escape, merge_into_description};

pub const NS_IPTC_EXT: &str = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
pub const NS_XMP_BASIC: &str = "http://ns.adobe.com/xap/1.0/";

const DST: &str = "Iptc4xmpExt:DigitalSourceType";
const TOOL: &str = "xmp:CreatorTool";

/// What we say about an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvenanceFields<'a> {
    /// A digital source type URI; `None` leaves whatever the packet said.
    pub source_type: Option<&'a str>,
    pub creator_tool: &'a str,
}

fn attrs(f: &ProvenanceFields<'_>) -> String {
    let mut a = format!("xmlns:Iptc4xmpExt=\"{NS_IPTC_EXT}\" xmlns:xmp=\"{NS_XMP_BASIC}\"");
    if let Some(t) = f.source_type {
        a.push_str(&format!(" {DST}=\"{}\"", escape(t)));
    }
    a.push_str(&format!(" {TOOL}=\"{}\"", escape(f.creator_tool)));
    a
}

/// A fresh packet with just our fields.
pub fn provenance_packet(f: &ProvenanceFields<'_>) -> String {
    format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"vivify\">\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" {}/></rdf:RDF></x:xmpmeta>",
        attrs(f)
    )
}

/// Removes `<name …>…</name>` and `<name …/>` elements.
fn without_element(text: &str, name: &str) -> String {
    let mut out = text.to_string();
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut from = 0;
    while let Some(rel) = out[from..].find(&open) {
        let s = from + rel;
        // `<xmp:CreatorToolX` is another element.
        let next = out.as_bytes().get(s + open.len()).copied().unwrap_or(b'>');
        if !(next == b'>' || next == b'/' || next.is_ascii_whitespace()) {
            from = s + open.len();
            continue;
        }
        let Some(gt) = out[s..].find('>').map(|g| s + g) else { break };
        let end = if out.as_bytes()[gt - 1] == b'/' {
            gt + 1
        } else if let Some(c) = out[gt..].find(&close) {
            gt + c + close.len()
        } else {
            break;
        };
        out.replace_range(s..end, "");
        from = s;
    }
    out
}

/// Removes ` name="…"` attributes wherever they are.
fn without_attribute(text: &str, name: &str) -> String {
    let mut out = text.to_string();
    let pat = format!(" {name}=");
    while let Some(s) = out.find(&pat) {
        let q = s + pat.len();
        let Some(quote) = out.as_bytes().get(q).copied().filter(|&c| c == b'"' || c == b'\'') else { break };
        let Some(e) = out[q + 1..].find(quote as char) else { break };
        out.replace_range(s..q + 1 + e + 1, "");
    }
    out
}

/// Puts our fields into `existing` (keeping everything else), or makes a
/// fresh packet when there is none or it cannot be edited safely.
pub fn merge_provenance(existing: Option<&str>, f: &ProvenanceFields<'_>) -> String {
    let Some(old) = existing.filter(|s| s.contains("<rdf:RDF")) else {
        return provenance_packet(f);
    };
    let mut text = old.to_string();
    if f.source_type.is_some() {
        text = without_element(&text, DST);
    }
    text = without_element(&text, TOOL);
    let drop =
        |k: &str| k == TOOL || (f.source_type.is_some() && k == DST) || k == "xmlns:Iptc4xmpExt" || k == "xmlns:xmp";
    if let Some(merged) = merge_into_description(&text, &drop, &attrs(f), "") {
        return merged;
    }
    // Several descriptions: take our properties out of all of them and add
    // one more description that holds them.
    if f.source_type.is_some() {
        text = without_attribute(&text, DST);
    }
    text = without_attribute(&text, TOOL);
    match text.rfind("</rdf:RDF>") {
        Some(end) => {
            text.insert_str(end, &format!("<rdf:Description rdf:about=\"\" {}/>", attrs(f)));
            text
        }
        None => provenance_packet(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmp::Xmp;

    const AI: &str = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic";

    fn read(p: &str) -> Xmp {
        Xmp::parse(p.as_bytes()).expect("parses")
    }

    #[test]
    fn fresh_merged_and_replaced_fields_read_back() {
        let f = ProvenanceFields { source_type: Some(AI), creator_tool: "vivify 0.1.0" };
        let x = read(&provenance_packet(&f));
        assert_eq!(x.get(NS_IPTC_EXT, "DigitalSourceType"), Some(AI));
        assert_eq!(x.get(NS_XMP_BASIC, "CreatorTool"), Some("vivify 0.1.0"));

        // An element-form value from another tool is replaced, other fields stay.
        let old = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:CreatorTool=\"Camera 1\">\
<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture</Iptc4xmpExt:DigitalSourceType>\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Temple</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>";
        let merged = merge_provenance(Some(old), &f);
        let x = read(&merged);
        let dsts: Vec<_> = x.properties.iter().filter(|p| p.name == "DigitalSourceType").collect();
        assert_eq!(dsts.len(), 1, "{merged}");
        assert_eq!(dsts[0].value, AI);
        assert_eq!(x.get(NS_XMP_BASIC, "CreatorTool"), Some("vivify 0.1.0"));
        assert!(x.properties.iter().any(|p| p.value == "Temple"), "{merged}");
        assert_eq!(x.descriptions, 1);

        // Without a source type, an existing one is kept.
        let keep = merge_provenance(Some(old), &ProvenanceFields { source_type: None, creator_tool: "vivify" });
        assert!(read(&keep).get(NS_IPTC_EXT, "DigitalSourceType").is_some_and(|v| v.ends_with("digitalCapture")));

        // Two descriptions: one more is added and the old values are gone.
        let two = old.replace("</rdf:RDF>", "<rdf:Description rdf:about=\"\" xmp:CreatorTool=\"Other\"/></rdf:RDF>");
        let x = read(&merge_provenance(Some(&two), &f));
        assert_eq!(x.properties.iter().filter(|p| p.name == "CreatorTool").count(), 1);
        assert_eq!(x.get(NS_IPTC_EXT, "DigitalSourceType"), Some(AI));
    }
}
