use std::fmt;

/// A four-character code naming a box, a brand or a codec.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FourCC(pub [u8; 4]);

macro_rules! codes {
    ($($name:ident = $s:literal),* $(,)?) => {
        impl FourCC { $(pub const $name: FourCC = FourCC(*$s);)* }
    };
}

codes! {
    FTYP = b"ftyp", MOOV = b"moov", MDAT = b"mdat", WIDE = b"wide", FREE = b"free", SKIP = b"skip",
    UUID = b"uuid", MVHD = b"mvhd", TRAK = b"trak", TKHD = b"tkhd", EDTS = b"edts", ELST = b"elst",
    MDIA = b"mdia", MDHD = b"mdhd", HDLR = b"hdlr", MINF = b"minf", STBL = b"stbl", STSD = b"stsd",
    STTS = b"stts", CTTS = b"ctts", STSS = b"stss", STSC = b"stsc", STSZ = b"stsz", STZ2 = b"stz2",
    STCO = b"stco", CO64 = b"co64", VMHD = b"vmhd", SMHD = b"smhd", GMHD = b"gmhd", NMHD = b"nmhd",
    DINF = b"dinf", DREF = b"dref", TREF = b"tref", META = b"meta", KEYS = b"keys", ILST = b"ilst",
    DATA = b"data", MDTA = b"mdta", MEBX = b"mebx", KEYD = b"keyd", DTYP = b"dtyp", CDSC = b"cdsc",
    CDEP = b"cdep", MPVD = b"mpvd", SEFD = b"sefd", UDTA = b"udta", XMP_ = b"XMP_", MVEX = b"mvex", MOOF = b"moof",
    VIDE = b"vide", SOUN = b"soun", AVC1 = b"avc1", AVC3 = b"avc3", HVC1 = b"hvc1", HEV1 = b"hev1",
    AVCC = b"avcC", HVCC = b"hvcC", MP4A = b"mp4a", LPCM = b"lpcm", ESDS = b"esds", WAVE = b"wave",
    SOWT = b"sowt", TWOS = b"twos", IINF = b"iinf", INFE = b"infe", ILOC = b"iloc", IPRP = b"iprp",
    IPCO = b"ipco", IPMA = b"ipma", PITM = b"pitm", IREF = b"iref", IDAT = b"idat", EXIF = b"Exif",
    MIME = b"mime", QT = b"qt  ", ISOM = b"isom", MP42 = b"mp42", MP41 = b"mp41", ISO2 = b"iso2",
    AVC1_BRAND = b"avc1", HEIC = b"heic", MIF1 = b"mif1", ALIS = b"alis", MHLR = b"mhlr", DHLR = b"dhlr",
    GMIN = b"gmin", URL = b"url ", COLR = b"colr", PASP = b"pasp", BTRT = b"btrt", CHAN = b"chan",
}

impl fmt::Display for FourCC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if (0x20..0x7f).contains(&b) {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for FourCC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{self}'")
    }
}
