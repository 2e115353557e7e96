//! Downloads that are more than one file: the Live pair (key photo + MOV)
//! and the `.pvt` package, each as one zip (stored, not compressed: JPEG
//! and video do not shrink), written under a temporary name and renamed.

use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Zips `entries` (name in the zip, file on disk) into `dir/name`.
fn zip_files(dir: &Path, name: &str, entries: &[(String, PathBuf)]) -> vivify::Result<String> {
    let zip_err = |e: zip::result::ZipError| vivify::Error::Internal(format!("writing {name}: {e}"));
    let tmp = dir.join(format!(".{name}.part"));
    let file = std::fs::File::create(&tmp)?;
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
    for (inner, path) in entries {
        w.start_file(inner.as_str(), opts).map_err(zip_err)?;
        let mut src = std::fs::File::open(path)?;
        std::io::copy(&mut src, &mut w)?;
    }
    let mut out = w.finish().map_err(zip_err)?;
    out.flush()?;
    out.get_ref().sync_all()?;
    drop(out);
    std::fs::rename(&tmp, dir.join(name))?;
    Ok(name.to_string())
}

/// The Live pair `stem.JPG|HEIC` + `stem.MOV` in `dir`: (still, movie).
fn live_pair(dir: &Path, stem: &str) -> vivify::Result<(PathBuf, PathBuf)> {
    let find = |exts: &[&str]| exts.iter().map(|e| dir.join(format!("{stem}.{e}"))).find(|p| p.is_file());
    match (find(&["JPG", "jpg", "HEIC", "heic"]), find(&["MOV", "mov"])) {
        (Some(still), Some(mov)) => Ok((still, mov)),
        _ => Err(vivify::Error::Internal(format!("no Live pair named {stem} in {}", dir.display()))),
    }
}

/// The Live pair `stem.JPG|HEIC` + `stem.MOV` in `dir` as `stem.pair.zip`,
/// the two named `download_stem.EXT` inside.
pub fn zip_pair(dir: &Path, stem: &str, download_stem: &str) -> vivify::Result<String> {
    let (still, mov) = live_pair(dir, stem)?;
    let entries: Vec<(String, PathBuf)> = [still, mov]
        .into_iter()
        .map(|p| {
            let ext = p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            (format!("{download_stem}.{ext}"), p)
        })
        .collect();
    zip_files(dir, &format!("{stem}.pair.zip"), &entries)
}

/// The package folder `dir/folder` as `folder.zip`, its files under
/// `root/` inside; the folder is removed.
pub fn zip_folder(dir: &Path, folder: &str, root: &str) -> vivify::Result<String> {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir.join(folder))? {
        let e = e?;
        if e.file_type()?.is_file() {
            entries.push((format!("{root}/{}", e.file_name().to_string_lossy()), e.path()));
        }
    }
    entries.sort();
    let name = zip_files(dir, &format!("{folder}.zip"), &entries)?;
    std::fs::remove_dir_all(dir.join(folder))?;
    Ok(name)
}

/// The Live pair `stem.JPG|HEIC` + `stem.MOV` in `dir` as a zipped `.pvt`
/// package, `stem.pvt.zip` (the package written by the library, then
/// zipped under `download_stem.pvt/`).
pub fn zip_pvt(dir: &Path, stem: &str, download_stem: &str) -> vivify::Result<String> {
    let (still, mov) = live_pair(dir, stem)?;
    let folder = format!("{stem}.pvt");
    vivify::livevideo::write_pvt(&dir.join(&folder), stem, &std::fs::read(still)?, &std::fs::read(mov)?, false)?;
    zip_folder(dir, &folder, &format!("{download_stem}.pvt"))
}
