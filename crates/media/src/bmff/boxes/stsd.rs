use crate::bmff::{children, full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// One sample description, kept as the exact bytes of its box so a remux
/// copies codec configuration without touching it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleEntry {
    pub kind: FourCC,
    /// The whole box, header included.
    pub raw: Vec<u8>,
}

impl SampleEntry {
    /// The payload after the 8-byte box header.
    pub fn payload(&self) -> &[u8] {
        self.raw.get(8..).unwrap_or(&[])
    }
}

/// `stsd`: sample descriptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stsd {
    pub entries: Vec<SampleEntry>,
}

impl Atom for Stsd {
    const KIND: FourCC = FourCC::STSD;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stsd")?;
        let _count = c.u32()?;
        let mut entries = Vec::new();
        for b in children(c.rest()) {
            let b = b?;
            let mut raw = Vec::with_capacity(b.size());
            raw.put_u32(b.size() as u32);
            raw.extend_from_slice(&b.kind.0);
            // Keep the payload exactly; normalise only an unusual header form.
            raw.extend_from_slice(b.payload);
            if b.header_len != 8 {
                let size = raw.len() as u32;
                raw[..4].copy_from_slice(&size.to_be_bytes());
            }
            entries.push(SampleEntry { kind: b.kind, raw });
        }
        Ok(Stsd { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.entries.len() as u32);
        for e in &self.entries {
            out.extend_from_slice(&e.raw);
        }
    }
}
