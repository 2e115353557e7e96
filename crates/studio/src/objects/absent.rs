//! A build without object storage (feature `object-storage` off): `--storage`
//! is refused in words at start, and no `Objects` can exist, so the methods
//! below are never reached (their bodies prove it to the compiler).

use std::convert::Infallible;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::error::StudioError;

/// Shared storage for uploads and outputs: not built in.
#[derive(Debug)]
pub struct Objects {
    never: Infallible,
}

impl Objects {
    pub fn open(url: &str) -> Result<Objects, StudioError> {
        Objects::open_with(url, &[])
    }

    pub fn open_with(url: &str, _s3_options: &[(&str, &str)]) -> Result<Objects, StudioError> {
        Err(StudioError::Config(format!(
            "--storage {url}: this vivify was built without object storage \
             (cargo build --release --features vivify-cli/object-storage, or vivify-cli/s3 for S3)"
        )))
    }

    pub fn url(&self) -> &str {
        match self.never {}
    }

    pub fn can_presign(&self) -> bool {
        match self.never {}
    }

    pub fn check(&self) -> Result<(), StudioError> {
        match self.never {}
    }

    pub fn put_file(&self, _rel: &str, _local: &Path) -> Result<u64, StudioError> {
        match self.never {}
    }

    pub async fn put_file_async(&self, _rel: &str, _local: &Path) -> Result<u64, StudioError> {
        match self.never {}
    }

    pub fn fetch(&self, _rel: &str, _local: &Path) -> Result<bool, StudioError> {
        match self.never {}
    }

    pub async fn fetch_async(&self, _rel: &str, _local: &Path) -> Result<bool, StudioError> {
        match self.never {}
    }

    pub async fn size(&self, _rel: &str) -> Result<Option<u64>, StudioError> {
        match self.never {}
    }

    pub async fn stream(
        &self,
        _rel: &str,
        _start: u64,
        _len: u64,
    ) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, StudioError> {
        match self.never {}
    }

    pub async fn presigned(&self, _rel: &str, _ttl: Duration) -> Result<Option<String>, StudioError> {
        match self.never {}
    }

    pub fn delete_folder(&self, _rel: &str) -> Result<usize, StudioError> {
        match self.never {}
    }

    pub fn list(&self, _rel: &str) -> Result<Vec<String>, StudioError> {
        match self.never {}
    }

    pub fn e_tag(&self, _rel: &str) -> Result<Option<String>, StudioError> {
        match self.never {}
    }
}
