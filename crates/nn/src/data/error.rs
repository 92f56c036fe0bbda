//! The error every data reader returns; each variant's message says what is wrong and what
//! to do about it.

use alloc::string::String;
use core::fmt;

/// Why a data file was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// Fewer bytes than the smallest header.
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// The first bytes are not an IDX magic number.
    BadMagic {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// The IDX element type is not unsigned bytes (0x08).
    UnsupportedType {
        /// The type code found.
        code: u8,
    },
    /// Images were expected (3 dimensions) but labels came, or the other way round.
    WrongKind {
        /// What the caller asked for.
        expected: &'static str,
        /// Number of dimensions in the file.
        dims: u8,
    },
    /// Dimensions that cannot be a digit set (zero, or images larger than 1024×1024).
    AbsurdDimensions {
        /// Item count.
        count: u32,
        /// Rows per image (0 for label files).
        rows: u32,
        /// Columns per image (0 for label files).
        cols: u32,
    },
    /// The header promises more data than the file holds.
    Truncated {
        /// Bytes the header implies.
        expected: u64,
        /// Bytes present.
        found: usize,
    },
    /// The file holds more data than the header describes.
    TrailingBytes {
        /// Extra bytes after the data.
        extra: usize,
    },
    /// Image and label files disagree on the number of items.
    CountMismatch {
        /// Images in the image file.
        images: usize,
        /// Labels in the label file.
        labels: usize,
    },
    /// A label outside 0..=9.
    LabelOutOfRange {
        /// Position of the label.
        index: usize,
        /// Its value.
        value: u8,
    },
    /// Images of a size the models cannot take.
    WrongImageSize {
        /// Rows found.
        rows: usize,
        /// Columns found.
        cols: usize,
    },
    /// Corrupt or unsupported gzip stream.
    Gzip(String),
    /// Decompressing would exceed [`super::MAX_DECOMPRESSED`] bytes.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::TooShort { len } => write!(f, "file is only {len} bytes; an IDX file starts with a header of at least 8 bytes — is this the right file?"),
            DataError::BadMagic { found } => write!(
                f,
                "not an IDX file: it starts with bytes {:02x} {:02x} {:02x} {:02x}, expected 00 00 08 01 (labels) or 00 00 08 03 (images); pick an MNIST *-idx1-ubyte or *-idx3-ubyte file, raw or .gz",
                found[0], found[1], found[2], found[3]
            ),
            DataError::UnsupportedType { code } => write!(f, "IDX element type 0x{code:02x} is not supported; only unsigned bytes (0x08), as in MNIST, are"),
            DataError::WrongKind { expected, dims } => {
                let got = match dims {
                    1 => "a label file (1 dimension)",
                    3 => "an image file (3 dimensions)",
                    _ => "a file with an unexpected number of dimensions",
                };
                write!(f, "expected {expected} but this is {got}; did you swap the image and label files?")
            }
            DataError::AbsurdDimensions { count, rows, cols } => {
                write!(f, "implausible IDX dimensions (count {count}, rows {rows}, cols {cols}): counts must be at least 1 and images at most 1024×1024; the header is probably corrupt")
            }
            DataError::Truncated { expected, found } => write!(f, "file is truncated: its header promises {expected} bytes but only {found} are present; download it again"),
            DataError::TrailingBytes { extra } => write!(f, "file has {extra} unexpected bytes after the data its header describes; it is probably not an IDX file or was concatenated"),
            DataError::CountMismatch { images, labels } => write!(f, "the image file holds {images} images but the label file holds {labels} labels; choose matching files (e.g. train-images with train-labels)"),
            DataError::LabelOutOfRange { index, value } => write!(f, "label {value} at position {index} is not a digit 0–9; is this an MNIST label file?"),
            DataError::WrongImageSize { rows, cols } => write!(f, "images are {rows}×{cols}, but the models take 28×28 digits (MNIST format)"),
            DataError::Gzip(msg) => write!(f, "the gzip data is corrupt ({msg}); download the file again or give the uncompressed file"),
            DataError::TooLarge { limit } => write!(f, "the file decompresses to more than {} MB, far larger than any MNIST file; refusing to load it", limit / 1_000_000),
        }
    }
}

impl core::error::Error for DataError {}

impl crate::error::Coded for DataError {
    fn code(&self) -> &'static str {
        match self {
            DataError::TooShort { .. } => "data.too_short",
            DataError::BadMagic { .. } => "data.bad_magic",
            DataError::UnsupportedType { .. } => "data.type",
            DataError::WrongKind { .. } => "data.wrong_kind",
            DataError::AbsurdDimensions { .. } => "data.dimensions",
            DataError::Truncated { .. } => "data.truncated",
            DataError::TrailingBytes { .. } => "data.trailing",
            DataError::CountMismatch { .. } => "data.count_mismatch",
            DataError::LabelOutOfRange { .. } => "data.label",
            DataError::WrongImageSize { .. } => "data.image_size",
            DataError::Gzip(_) => "data.gzip",
            DataError::TooLarge { .. } => "data.too_large",
        }
    }

    fn params(&self) -> alloc::vec::Vec<(&'static str, String)> {
        use alloc::string::ToString;
        use alloc::vec;
        match self {
            DataError::TooShort { len } => vec![("len", len.to_string())],
            DataError::BadMagic { found } => {
                vec![("found", alloc::format!("{:02x} {:02x} {:02x} {:02x}", found[0], found[1], found[2], found[3]))]
            }
            DataError::UnsupportedType { code } => vec![("type", alloc::format!("0x{code:02x}"))],
            DataError::WrongKind { expected, dims } => {
                let kind = if expected.contains("label") { "labels" } else { "images" };
                vec![("expected", kind.to_string()), ("dims", dims.to_string())]
            }
            DataError::AbsurdDimensions { count, rows, cols } => {
                vec![("count", count.to_string()), ("rows", rows.to_string()), ("cols", cols.to_string())]
            }
            DataError::Truncated { expected, found } => {
                vec![("expected", expected.to_string()), ("found", found.to_string())]
            }
            DataError::TrailingBytes { extra } => vec![("extra", extra.to_string())],
            DataError::CountMismatch { images, labels } => {
                vec![("images", images.to_string()), ("labels", labels.to_string())]
            }
            DataError::LabelOutOfRange { index, value } => {
                vec![("index", index.to_string()), ("value", value.to_string())]
            }
            DataError::WrongImageSize { rows, cols } => vec![("rows", rows.to_string()), ("cols", cols.to_string())],
            DataError::Gzip(msg) => vec![("detail", msg.clone())],
            DataError::TooLarge { limit } => vec![("mb", (limit / 1_000_000).to_string())],
        }
    }
}
