//! Object storage through `object_store` (feature `object-storage`; S3
//! with feature `s3`).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
#[cfg(feature = "s3")]
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
#[cfg(feature = "s3")]
use object_store::signer::Signer;
use object_store::{GetOptions, GetRange, ObjectStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::StudioError;

use super::PART_BYTES;

/// Shared storage for uploads and job outputs.
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// The same store as an S3 client, for pre-signed URLs.
    #[cfg(feature = "s3")]
    s3: Option<Arc<AmazonS3>>,
    prefix: Vec<String>,
    url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objects").field("url", &self.url).finish_non_exhaustive()
    }
}

fn failed(what: impl std::fmt::Display, e: impl std::fmt::Display) -> StudioError {
    StudioError::Storage(format!("{what}: {e}"))
}

impl Objects {
    /// Opens `s3://bucket[/prefix]` or `file:///path`. Nothing is sent yet:
    /// a wrong bucket or key shows on first use, which [`Objects::check`]
    /// makes happen at start.
    pub fn open(url: &str) -> Result<Objects, StudioError> {
        Objects::open_with(url, &[])
    }

    /// [`Objects::open`] with S3 settings given here rather than in the
    /// environment: `("endpoint", "http://127.0.0.1:9000")`,
    /// `("allow_http", "true")`, `("access_key_id", …)`, … (the names of
    /// `object_store`'s `AmazonS3ConfigKey`).
    pub fn open_with(url: &str, s3_options: &[(&str, &str)]) -> Result<Objects, StudioError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vivify-storage")
            .enable_all()
            .build()
            .map_err(|e| failed("the storage runtime", e))?;
        let (store, prefix): (Arc<dyn ObjectStore>, &str) = if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StudioError::Config(format!("--storage {url}: no bucket (s3://bucket/prefix)")));
            }
            #[cfg(feature = "s3")]
            {
                let s3 = s3_store(url, bucket, s3_options)?;
                let prefix = split(prefix);
                return Ok(Objects {
                    store: s3.clone(),
                    s3: Some(s3),
                    prefix,
                    url: url.into(),
                    runtime: Some(runtime),
                });
            }
            #[cfg(not(feature = "s3"))]
            {
                let _ = (s3_options, prefix);
                return Err(StudioError::Config(format!(
                    "--storage {url}: this vivify was built without S3 support (cargo build --release --features vivify-cli/s3)"
                )));
            }
        } else if let Some(path) = url.strip_prefix("file://") {
            let root = Path::new(path);
            if !root.is_absolute() {
                return Err(StudioError::Config(format!("--storage {url}: a file:// URL needs an absolute path")));
            }
            std::fs::create_dir_all(root).map_err(|e| StudioError::io(root.display().to_string(), e))?;
            let fs = LocalFileSystem::new_with_prefix(root)
                .map_err(|e| StudioError::Config(format!("--storage {url}: {e}")))?;
            (Arc::new(fs.with_automatic_cleanup(true)), "")
        } else {
            return Err(StudioError::Config(format!(
                "--storage {url}: use s3://bucket/prefix or file:///shared/folder (leave it out for the data folder)"
            )));
        };
        Ok(Objects {
            store,
            #[cfg(feature = "s3")]
            s3: None,
            prefix: split(prefix),
            url: url.to_string(),
            runtime: Some(runtime),
        })
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether pre-signed URLs can be made (S3 only).
    pub fn can_presign(&self) -> bool {
        #[cfg(feature = "s3")]
        return self.s3.is_some();
        #[cfg(not(feature = "s3"))]
        false
    }

    fn key(&self, rel: &str) -> Key {
        Key::from_iter(self.prefix.iter().map(String::as_str).chain(rel.split('/').filter(|p| !p.is_empty())))
    }

    /// Runs `fut` on the storage runtime and awaits it from any runtime.
    async fn run<T: Send + 'static>(&self, fut: impl Future<Output = T> + Send + 'static) -> Result<T, StudioError> {
        let rt = self.runtime.as_ref().ok_or_else(|| failed("storage", "closed"))?;
        rt.spawn(fut).await.map_err(|e| failed("a storage task", e))
    }

    /// Runs `fut` on the storage runtime and waits for it: for threads
    /// outside any runtime (the workers).
    fn wait<T: Send + 'static>(&self, fut: impl Future<Output = T> + Send + 'static) -> Result<T, StudioError> {
        let rt = self.runtime.as_ref().ok_or_else(|| failed("storage", "closed"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| failed("a storage task", "ended without an answer"))
    }

    /// Writes and reads back a small object: a server with the wrong
    /// bucket, endpoint or keys says so at start, not on the first upload.
    pub fn check(&self) -> Result<(), StudioError> {
        let (store, key) = (self.store.clone(), self.key(".vivify-check"));
        let url = self.url.clone();
        self.wait(async move {
            store.put(&key, Bytes::from_static(b"vivify").into()).await.map_err(|e| failed(&url, e))?;
            store.get(&key).await.map_err(|e| failed(&url, e))?.bytes().await.map_err(|e| failed(&url, e))?;
            Ok(())
        })?
    }

    /// Sends the local file up as `rel`, streamed: in [`PART_BYTES`] parts
    /// (a multipart upload) when larger, else in one request. A failed
    /// upload is aborted, so no half object is left. The bytes sent.
    pub fn put_file(&self, rel: &str, local: &Path) -> Result<u64, StudioError> {
        let (store, key, local) = (self.store.clone(), self.key(rel), local.to_path_buf());
        self.wait(put_file(store, key, local))?
    }

    /// As [`Objects::put_file`], from async code.
    pub async fn put_file_async(&self, rel: &str, local: &Path) -> Result<u64, StudioError> {
        let (store, key, local) = (self.store.clone(), self.key(rel), local.to_path_buf());
        self.run(put_file(store, key, local)).await?
    }

    /// Brings `rel` down to `local` unless it is there already (written to
    /// a temporary name, then renamed). False when the store has no `rel`.
    pub fn fetch(&self, rel: &str, local: &Path) -> Result<bool, StudioError> {
        if local.is_file() {
            return Ok(true);
        }
        let (store, key, local) = (self.store.clone(), self.key(rel), local.to_path_buf());
        self.wait(fetch(store, key, local))?
    }

    /// As [`Objects::fetch`], from async code.
    pub async fn fetch_async(&self, rel: &str, local: &Path) -> Result<bool, StudioError> {
        if local.is_file() {
            return Ok(true);
        }
        let (store, key, local) = (self.store.clone(), self.key(rel), local.to_path_buf());
        self.run(fetch(store, key, local)).await?
    }

    /// The size of `rel`, or `None` when the store has no such object.
    pub async fn size(&self, rel: &str) -> Result<Option<u64>, StudioError> {
        let (store, key) = (self.store.clone(), self.key(rel));
        self.run(async move {
            match store.head(&key).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(failed(key, e)),
            }
        })
        .await?
    }

    /// Bytes `start..start + len` of `rel`, as they arrive.
    pub async fn stream(
        &self,
        rel: &str,
        start: u64,
        len: u64,
    ) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, StudioError> {
        let (store, key) = (self.store.clone(), self.key(rel));
        let opts = GetOptions { range: Some(GetRange::Bounded(start..start + len)), ..GetOptions::default() };
        let got = self.run(async move { store.get_opts(&key, opts).await.map_err(|e| failed(key, e)) }).await??;
        // The body is read on the storage runtime too: each chunk is
        // fetched there and handed over.
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let rt = self.runtime.as_ref().ok_or_else(|| failed("storage", "closed"))?;
        rt.spawn(async move {
            let mut body = got.into_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(std::io::Error::other);
                let end = chunk.is_err();
                if tx.send(chunk).await.is_err() || end {
                    break;
                }
            }
        });
        Ok(tokio_stream_of(rx))
    }

    /// A URL anyone may GET `rel` from for `ttl`, without credentials.
    #[cfg(feature = "s3")]
    pub async fn presigned(&self, rel: &str, ttl: Duration) -> Result<Option<String>, StudioError> {
        let Some(s3) = self.s3.clone() else { return Ok(None) };
        let key = self.key(rel);
        let url = self
            .run(async move { s3.signed_url(axum::http::Method::GET, &key, ttl).await.map_err(|e| failed(key, e)) })
            .await??;
        Ok(Some(url.to_string()))
    }

    /// A URL anyone may GET `rel` from: none without S3 support.
    #[cfg(not(feature = "s3"))]
    pub async fn presigned(&self, _rel: &str, _ttl: Duration) -> Result<Option<String>, StudioError> {
        Ok(None)
    }

    /// Deletes every object under `rel/` (an attempt that will not be
    /// published). Best effort: what is left is never referred to.
    pub fn delete_folder(&self, rel: &str) -> Result<usize, StudioError> {
        let (store, key) = (self.store.clone(), self.key(rel));
        self.wait(async move {
            let listed: Vec<_> = store.list(Some(&key)).collect().await;
            let mut n = 0;
            for meta in listed {
                let meta = meta.map_err(|e| failed(&key, e))?;
                store.delete(&meta.location).await.map_err(|e| failed(&meta.location, e))?;
                n += 1;
            }
            Ok(n)
        })?
    }

    /// The names of the objects under `rel/`, for tests and checks.
    pub fn list(&self, rel: &str) -> Result<Vec<String>, StudioError> {
        let (store, key) = (self.store.clone(), self.key(rel));
        let skip = key.parts().count();
        self.wait(async move {
            let listed: Vec<_> = store.list(Some(&key)).collect().await;
            let mut names = Vec::new();
            for meta in listed {
                let meta = meta.map_err(|e| failed(&key, e))?;
                let parts: Vec<String> = meta.location.parts().skip(skip).map(|p| p.as_ref().to_string()).collect();
                names.push(parts.join("/"));
            }
            names.sort();
            Ok(names)
        })?
    }

    /// The entity tag the store gives `rel` (a multipart upload's says how
    /// many parts it had on S3: `"…-3"`).
    pub fn e_tag(&self, rel: &str) -> Result<Option<String>, StudioError> {
        let (store, key) = (self.store.clone(), self.key(rel));
        self.wait(async move { store.head(&key).await.map(|m| m.e_tag).map_err(|e| failed(key, e)) })?
    }
}

impl Drop for Objects {
    /// Dropping a runtime blocks, which an async thread (where the last
    /// handle to the settings may go) must not: it is let go instead.
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// `a/b/` as its parts.
fn split(prefix: &str) -> Vec<String> {
    prefix.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// An S3 client for `bucket`: the `AWS_*` environment, then `options`.
#[cfg(feature = "s3")]
fn s3_store(url: &str, bucket: &str, options: &[(&str, &str)]) -> Result<Arc<AmazonS3>, StudioError> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (name, value) in options {
        let key = name
            .parse::<AmazonS3ConfigKey>()
            .map_err(|e| StudioError::Config(format!("--storage {url}: S3 setting {name}: {e}")))?;
        builder = builder.with_config(key, *value);
    }
    Ok(Arc::new(builder.build().map_err(|e| StudioError::Config(format!("--storage {url}: {e}")))?))
}

async fn put_file(store: Arc<dyn ObjectStore>, key: Key, local: PathBuf) -> Result<u64, StudioError> {
    let mut file = tokio::fs::File::open(&local).await.map_err(|e| failed(local.display(), e))?;
    let mut writer = BufWriter::with_capacity(store, key.clone(), PART_BYTES);
    let mut buf = vec![0u8; 1 << 20];
    let mut sent = 0u64;
    let copied: Result<(), StudioError> = async {
        loop {
            let n = file.read(&mut buf).await.map_err(|e| failed(local.display(), e))?;
            if n == 0 {
                break;
            }
            writer.write_all(&buf[..n]).await.map_err(|e| failed(&key, e))?;
            sent += n as u64;
        }
        writer.shutdown().await.map_err(|e| failed(&key, e))
    }
    .await;
    if let Err(e) = copied {
        let _ = writer.abort().await;
        return Err(e);
    }
    Ok(sent)
}

async fn fetch(store: Arc<dyn ObjectStore>, key: Key, local: PathBuf) -> Result<bool, StudioError> {
    let got = match store.get(&key).await {
        Ok(g) => g,
        Err(object_store::Error::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(failed(&key, e)),
    };
    if let Some(dir) = local.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(|e| failed(dir.display(), e))?;
    }
    let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A name of its own per fetch: two requests (or two workers of one
    // process) may bring the same file down at once; the last rename wins
    // with the same bytes.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = local.with_file_name(format!(".{name}.{}-{n}.part", std::process::id()));
    let written: Result<(), StudioError> = async {
        let mut out = tokio::fs::File::create(&tmp).await.map_err(|e| failed(tmp.display(), e))?;
        let mut body = got.into_stream();
        while let Some(chunk) = body.next().await {
            out.write_all(&chunk.map_err(|e| failed(&key, e))?).await.map_err(|e| failed(tmp.display(), e))?;
        }
        out.sync_all().await.map_err(|e| failed(tmp.display(), e))?;
        tokio::fs::rename(&tmp, &local).await.map_err(|e| failed(local.display(), e))
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written.map(|()| true)
}

/// A receiver as a stream.
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The S3 test server's settings (moto: any keys, plain HTTP).
    pub(crate) fn s3_options(endpoint: &str) -> Vec<(&str, &str)> {
        vec![
            ("endpoint", endpoint),
            ("allow_http", "true"),
            ("access_key_id", "test"),
            ("secret_access_key", "test"),
            ("region", "us-east-1"),
        ]
    }

    /// A folder store always; an S3 store when `VIVIFY_TEST_S3` names a
    /// server (scripts/s3-throwaway; required under VIVIFY_REQUIRE_TOOLS).
    fn stores(name: &str) -> Vec<Objects> {
        let id = crate::store::new_id().expect("id");
        let dir = std::env::temp_dir().join(format!("vivify-objects-{name}-{id}"));
        let mut out = vec![Objects::open(&format!("file://{}", dir.display())).expect("a folder store")];
        match std::env::var("VIVIFY_TEST_S3") {
            Ok(endpoint) if cfg!(feature = "s3") => out.push(
                Objects::open_with(&format!("s3://vivify-test/{name}-{id}"), &s3_options(&endpoint)).expect("S3"),
            ),
            _ if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
                panic!("VIVIFY_TEST_S3 and feature s3 are required (VIVIFY_REQUIRE_TOOLS=1): scripts/test has both")
            }
            _ => {
                let line = "the object storage tests on S3 (build with --features vivify-studio/s3, set VIVIFY_TEST_S3; scripts/s3-throwaway starts moto)";
                eprintln!("\n!!! SKIPPED: {line} !!!\n");
                if let Ok(log) = std::env::var("VIVIFY_SKIP_LOG") {
                    use std::io::Write;
                    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).create(true).open(log) {
                        let _ = writeln!(f, "SKIPPED: {line}");
                    }
                }
            }
        }
        out
    }

    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn collect(objects: &Objects, rel: &str, start: u64, len: u64) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let mut s = objects.stream(rel, start, len).await.expect("a stream");
            let mut out = Vec::new();
            while let Some(chunk) = s.next().await {
                out.extend_from_slice(&chunk.expect("a chunk"));
            }
            out
        })
    }

    #[test]
    fn files_go_up_in_parts_and_come_back_whole_and_in_ranges() {
        let dir = std::env::temp_dir().join(format!("vivify-objects-local-{}", crate::store::new_id().expect("id")));
        std::fs::create_dir_all(&dir).expect("dir");
        let big = noise(2 * PART_BYTES + 4321, 7);
        let small = noise(1000, 9);
        std::fs::write(dir.join("big.bin"), &big).expect("write");
        std::fs::write(dir.join("small.bin"), &small).expect("write");
        for objects in stores("parts") {
            let what = objects.url().to_string();
            assert_eq!(
                objects.put_file("jobs/j1/attempt-1/big.bin", &dir.join("big.bin")).expect("up"),
                big.len() as u64
            );
            objects.put_file("jobs/j1/attempt-1/sub/small.bin", &dir.join("small.bin")).expect("up");
            if objects.can_presign() {
                // S3 names a multipart upload's tag after its part count.
                let tag = objects.e_tag("jobs/j1/attempt-1/big.bin").expect("head").expect("a tag");
                assert!(tag.trim_matches('"').ends_with("-3"), "{what}: {tag} is not a three-part upload's");
                let tag = objects.e_tag("jobs/j1/attempt-1/sub/small.bin").expect("head").expect("a tag");
                assert!(!tag.contains('-'), "{what}: {tag}: a small file goes up in one request");
            }
            assert_eq!(objects.list("jobs/j1").expect("list"), ["attempt-1/big.bin", "attempt-1/sub/small.bin"]);
            let back = dir.join(format!("back-{}.bin", objects.can_presign()));
            assert!(objects.fetch("jobs/j1/attempt-1/big.bin", &back).expect("down"));
            assert!(std::fs::read(&back).expect("read") == big, "{what}: the file came back changed");
            let part = collect(&objects, "jobs/j1/attempt-1/big.bin", PART_BYTES as u64 - 10, 5000);
            assert!(part == big[PART_BYTES - 10..PART_BYTES + 4990], "{what}: a range across parts");
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            assert_eq!(rt.block_on(objects.size("jobs/j1/attempt-1/big.bin")).expect("size"), Some(big.len() as u64));
            assert_eq!(rt.block_on(objects.size("jobs/j1/none")).expect("size"), None);
            assert!(!objects.fetch("jobs/j1/none", &dir.join("none")).expect("a miss"), "{what}");
            assert_eq!(objects.delete_folder("jobs/j1/attempt-1").expect("delete"), 2);
            assert!(objects.list("jobs/j1").expect("list").is_empty(), "{what}: nothing left");
            objects.check().expect("the start check");
        }
    }

    #[test]
    fn presigned_urls_fetch_without_credentials() {
        let dir = std::env::temp_dir().join(format!("vivify-objects-sign-{}", crate::store::new_id().expect("id")));
        std::fs::create_dir_all(&dir).expect("dir");
        let body = noise(3000, 3);
        std::fs::write(dir.join("clip.mp4"), &body).expect("write");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        for objects in stores("sign") {
            objects.put_file("jobs/j/attempt-1/clip.mp4", &dir.join("clip.mp4")).expect("up");
            let url =
                rt.block_on(objects.presigned("jobs/j/attempt-1/clip.mp4", Duration::from_secs(60))).expect("sign");
            let Some(url) = url else {
                assert!(!objects.can_presign(), "only a folder store cannot sign");
                continue;
            };
            assert!(url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=60"), "{url}");
            let mut got = Vec::new();
            let r = ureq::get(&url).call().expect("GET the signed URL");
            std::io::Read::read_to_end(&mut r.into_body().as_reader(), &mut got).expect("body");
            assert!(got == body, "the signed URL gives the file");
        }
    }
}
