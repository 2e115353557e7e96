//! Object storage shared by many servers (`vivify serve --storage URL`):
//! S3-compatible storage (`s3://bucket/prefix`; credentials, region and
//! endpoint from the usual `AWS_*` variables) or a folder every machine
//! mounts (`file:///shared/path`), both through the `object_store` crate.
//!
//! The store holds what every process must see: uploads (`uploads/ID`) and
//! each published attempt's files (`jobs/ID/attempt-N/NAME`). Each process's
//! data folder is only its working space and cache: a worker renders into
//! it and sends the files up before it publishes the job; an API server
//! streams files back with byte ranges, or sends a share's viewer to a
//! pre-signed URL. Without `--storage` the data folder is the store, as on
//! one machine.
//!
//! `object_store` is async and the workers are threads: every call runs on
//! a small runtime of this module's own, awaited from async handlers and
//! waited for from worker threads alike, so connections live on one
//! runtime whoever asks.

#[cfg(not(feature = "object-storage"))]
mod absent;
#[cfg(feature = "object-storage")]
mod enabled;

#[cfg(not(feature = "object-storage"))]
pub use absent::Objects;
#[cfg(feature = "object-storage")]
pub use enabled::Objects;

/// Files over this go up in parts (S3 takes parts of 5 MiB and more); the
/// part size too, so a worker holds at most this much of a file in memory.
pub const PART_BYTES: usize = 8 << 20;
