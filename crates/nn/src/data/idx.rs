//! The IDX format (LeCun's MNIST files): magic `00 00 <type> <dims>`, then `dims` big-endian
//! u32 sizes, then the data. Only unsigned-byte files (type 0x08) with 1 dimension (labels)
//! or 3 dimensions (images) are accepted. Gzip input is detected by its magic and inflated.

use super::gzip::{gunzip, is_gzip};
use super::DataError;
use alloc::borrow::Cow;
use alloc::vec::Vec;

/// What an IDX file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxKind {
    /// `idx1`: one byte per item.
    Labels,
    /// `idx3`: `rows × cols` bytes per item.
    Images,
}

/// A parsed IDX file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxFile {
    /// Labels or images.
    pub kind: IdxKind,
    /// Number of items.
    pub count: usize,
    /// Rows per image (1 for labels).
    pub rows: usize,
    /// Columns per image (1 for labels).
    pub cols: usize,
    /// `count · rows · cols` bytes.
    pub data: Vec<u8>,
}

/// Largest image side accepted.
const MAX_SIDE: u32 = 1024;

/// Parses raw or gzip IDX bytes, expecting `kind`.
pub fn parse_idx(bytes: &[u8], kind: IdxKind) -> Result<IdxFile, DataError> {
    let bytes: Cow<[u8]> = if is_gzip(bytes) { Cow::Owned(gunzip(bytes)?) } else { Cow::Borrowed(bytes) };
    if bytes.len() < 8 {
        return Err(DataError::TooShort { len: bytes.len() });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic[0] != 0 || magic[1] != 0 || !(1..=4).contains(&magic[3]) {
        return Err(DataError::BadMagic { found: magic });
    }
    if magic[2] != 0x08 {
        return Err(DataError::UnsupportedType { code: magic[2] });
    }
    let dims = magic[3];
    let (want, name) = match kind {
        IdxKind::Labels => (1, "a label file (idx1)"),
        IdxKind::Images => (3, "an image file (idx3)"),
    };
    if dims != want {
        return Err(DataError::WrongKind { expected: name, dims });
    }
    let header = 4 + 4 * dims as usize;
    if bytes.len() < header {
        return Err(DataError::TooShort { len: bytes.len() });
    }
    let dim = |i: usize| u32::from_be_bytes([bytes[4 + 4 * i], bytes[5 + 4 * i], bytes[6 + 4 * i], bytes[7 + 4 * i]]);
    let (count, rows, cols) = if dims == 3 { (dim(0), dim(1), dim(2)) } else { (dim(0), 1, 1) };
    if count == 0 || rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        let (r, c) = if dims == 3 { (rows, cols) } else { (0, 0) };
        return Err(DataError::AbsurdDimensions { count, rows: r, cols: c });
    }
    // u64: count·rows·cols can exceed u32 (and usize on wasm32) for a corrupt header.
    let expected = count as u64 * rows as u64 * cols as u64;
    let found = bytes.len() - header;
    if (found as u64) < expected {
        return Err(DataError::Truncated { expected: expected + header as u64, found: bytes.len() });
    }
    if found as u64 > expected {
        return Err(DataError::TrailingBytes { extra: (found as u64 - expected) as usize });
    }
    let data = match bytes {
        Cow::Owned(mut v) => {
            v.drain(..header);
            v
        }
        Cow::Borrowed(b) => b[header..].to_vec(),
    };
    let kind = if dims == 3 { IdxKind::Images } else { IdxKind::Labels };
    Ok(IdxFile { kind, count: count as usize, rows: rows as usize, cols: cols as usize, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn images(count: u32, rows: u32, cols: u32, data_len: usize) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 3];
        for d in [count, rows, cols] {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend(core::iter::repeat_n(7u8, data_len));
        v
    }

    fn labels(vals: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 1];
        v.extend_from_slice(&(vals.len() as u32).to_be_bytes());
        v.extend_from_slice(vals);
        v
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn parses_valid_images_and_labels() {
        let f = parse_idx(&images(2, 3, 4, 24), IdxKind::Images).unwrap();
        assert_eq!((f.count, f.rows, f.cols, f.data.len()), (2, 3, 4, 24));
        let l = parse_idx(&labels(&[1, 2, 3]), IdxKind::Labels).unwrap();
        assert_eq!(l.data, vec![1, 2, 3]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn too_short() {
        assert_eq!(parse_idx(&[0, 0, 8], IdxKind::Labels), Err(DataError::TooShort { len: 3 }));
        assert_eq!(parse_idx(&[], IdxKind::Images), Err(DataError::TooShort { len: 0 }));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_magic() {
        let mut b = images(1, 1, 1, 1);
        b[0] = 0x89; // a PNG, say
        assert!(matches!(parse_idx(&b, IdxKind::Images), Err(DataError::BadMagic { found: [0x89, 0, 8, 3] })));
        let text = b"hello, this is not idx";
        assert!(matches!(parse_idx(text, IdxKind::Labels), Err(DataError::BadMagic { .. })));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn unsupported_element_type() {
        let mut b = images(1, 1, 1, 1);
        b[2] = 0x0d; // float32 IDX
        assert_eq!(parse_idx(&b, IdxKind::Images), Err(DataError::UnsupportedType { code: 0x0d }));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn swapped_images_and_labels() {
        assert!(matches!(parse_idx(&labels(&[1]), IdxKind::Images), Err(DataError::WrongKind { dims: 1, .. })));
        assert!(matches!(parse_idx(&images(1, 1, 1, 1), IdxKind::Labels), Err(DataError::WrongKind { dims: 3, .. })));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn truncated_data() {
        let b = images(10, 28, 28, 5000);
        assert_eq!(parse_idx(&b, IdxKind::Images), Err(DataError::Truncated { expected: 16 + 7840, found: 16 + 5000 }));
        // Header itself cut short.
        assert!(matches!(parse_idx(&images(1, 2, 2, 4)[..10], IdxKind::Images), Err(DataError::TooShort { .. })));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn trailing_bytes() {
        assert_eq!(parse_idx(&images(1, 2, 2, 6), IdxKind::Images), Err(DataError::TrailingBytes { extra: 2 }));
    }

    /// A header claiming 4 billion 1024×1024 images must fail fast on the size check, not
    /// try to allocate.
    #[wasm_bindgen_test(unsupported = test)]
    fn absurd_dimensions_do_not_allocate() {
        let b = images(u32::MAX, 1024, 1024, 16);
        assert!(matches!(parse_idx(&b, IdxKind::Images), Err(DataError::Truncated { .. })));
        assert!(matches!(parse_idx(&images(5, 0, 28, 0), IdxKind::Images), Err(DataError::AbsurdDimensions { .. })));
        assert!(matches!(parse_idx(&images(5, 4096, 28, 0), IdxKind::Images), Err(DataError::AbsurdDimensions { .. })));
        assert!(matches!(parse_idx(&labels(&[]), IdxKind::Labels), Err(DataError::AbsurdDimensions { count: 0, .. })));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn corrupt_gzip() {
        // A gzip header followed by garbage deflate data and a fake trailer.
        let mut b = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        b.extend_from_slice(&[0xff; 20]);
        // Its trailer claims 4 GiB: refused before inflating anything.
        assert!(matches!(parse_idx(&b, IdxKind::Images), Err(DataError::TooLarge { .. })));
        // With a plausible size the garbage stream itself is refused.
        let n = b.len();
        b[n - 4..].copy_from_slice(&100u32.to_le_bytes());
        assert!(matches!(parse_idx(&b, IdxKind::Images), Err(DataError::Gzip(_))));
        assert!(matches!(parse_idx(&[0x1f, 0x8b, 8, 0], IdxKind::Images), Err(DataError::Gzip(_))));
    }
}
