//! `verify` on any bytes: the XMP readers of every container and the C2PA
//! manifest reader behind them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vivify::provenance::verify::verify_bytes(std::path::Path::new("fuzz"), data, &[]);
});
