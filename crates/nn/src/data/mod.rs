//! Data: the MNIST IDX reader (raw or gzip), the in-memory [`Dataset`] and the seeded
//! [`Batcher`]. Everything here reads untrusted bytes and returns a [`DataError`] a user can
//! act on — never a panic, never an allocation larger than the input justifies.

mod batcher;
mod dataset;
mod error;
mod gzip;
mod idx;

pub use batcher::Batcher;
pub use dataset::{Dataset, PIXELS, SIDE};
pub use error::DataError;
pub use gzip::{gunzip, MAX_DECOMPRESSED};
pub use idx::{parse_idx, IdxFile, IdxKind};
