//! Puts the offline page's bundle into the binary gzipped: 2.3 MB of
//! script and base64 WebAssembly become under 0.9 MB, and are sent as they
//! are to every browser (all accept gzip). The file in `offline/` stays
//! plain, for opening the page from disk.

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let src = "offline/bundle.js";
    println!("cargo:rerun-if-changed={src}");
    let bytes = std::fs::read(src).unwrap_or_else(|e| panic!("{src}: {e} (scripts/build-offline makes it)"));
    // No name and no time in the header: the same bundle gives the same bytes.
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).and_then(|()| gz.try_finish()).unwrap_or_else(|e| panic!("gzip: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_else(|| panic!("cargo sets OUT_DIR")));
    std::fs::write(out.join("bundle.js.gz"), gz.get_ref())
        .unwrap_or_else(|e| panic!("writing the gzipped bundle: {e}"));
}
