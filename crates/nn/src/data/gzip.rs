//! Gzip (RFC 1952) framing around `miniz_oxide`'s raw-deflate decoder, with the CRC-32 and
//! length trailer checked and a hard cap on the decompressed size.

use super::DataError;
use alloc::format;
use alloc::vec::Vec;

/// Largest decompressed size accepted (the full 60k MNIST image file is 47 MB).
pub const MAX_DECOMPRESSED: usize = 128 * 1024 * 1024;

/// Deflate's largest expansion, output bytes per input byte (rounded up from 1032).
const MAX_RATIO: u64 = 1040;

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// True when `bytes` start with the gzip magic `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Decompresses a single-member gzip stream.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let bad = |m: &str| DataError::Gzip(m.into());
    if bytes.len() < 18 {
        return Err(bad("shorter than a gzip header and trailer"));
    }
    if !is_gzip(bytes) {
        return Err(bad("missing the 1f 8b magic"));
    }
    if bytes[2] != 8 {
        return Err(DataError::Gzip(format!("compression method {} is not deflate", bytes[2])));
    }
    let flags = bytes[3];
    let mut pos = 10;
    let need = |pos: usize, n: usize| {
        if pos + n <= bytes.len() {
            Ok(())
        } else {
            Err(bad("header runs past the end"))
        }
    };
    if flags & FEXTRA != 0 {
        need(pos, 2)?;
        let xlen = u16::from_le_bytes([bytes[pos], bytes[pos + 1]]) as usize;
        need(pos + 2, xlen)?;
        pos += 2 + xlen;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end =
                bytes[pos..].iter().position(|&b| b == 0).ok_or_else(|| bad("unterminated file name or comment"))?;
            pos += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        need(pos, 2)?;
        pos += 2;
    }
    if bytes.len() < pos + 8 {
        return Err(bad("no room for the trailer"));
    }
    let body = &bytes[pos..bytes.len() - 8];
    let trailer = &bytes[bytes.len() - 8..];
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    // The trailer gives the size (mod 2^32): refuse beyond the cap before inflating, then
    // inflate into exactly that many bytes — never more than the file promises within the cap
    // (growing a vector by doubling overshot the cap twofold).
    if isize as usize > MAX_DECOMPRESSED {
        return Err(DataError::TooLarge { limit: MAX_DECOMPRESSED });
    }
    // Deflate cannot expand more than about 1032:1 (a 258-byte match costs at least 2 bits), so
    // a trailer promising more than that of this body is damaged: refuse it before allocating.
    if isize as u64 > MAX_RATIO * body.len() as u64 + 64 {
        return Err(DataError::Gzip(format!(
            "the trailer promises {isize} bytes, more than {} bytes of deflate data can hold",
            body.len()
        )));
    }
    let mut out = alloc::vec![0u8; isize as usize];
    let n = miniz_oxide::inflate::decompress_slice_iter_to_slice(&mut out, core::iter::once(body), false, true)
        .map_err(|s| match s {
            // More output than the trailer says: a damaged file, or one past the cap whose size wrapped.
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                DataError::Gzip(format!("the data is longer than the trailer's {isize} bytes"))
            }
            s => DataError::Gzip(format!("deflate stream error {s:?}")),
        })?;
    if n != out.len() {
        return Err(DataError::Gzip(format!("length {n} does not match the trailer's {isize}")));
    }
    if crc32fast::hash(&out) != crc {
        return Err(bad("CRC-32 mismatch"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn wrap(body: &[u8], crc: u32, isize: u32) -> Vec<u8> {
        let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        v.extend_from_slice(body);
        v.extend_from_slice(&crc.to_le_bytes());
        v.extend_from_slice(&isize.to_le_bytes());
        v
    }

    /// Deflate's best case (4 MB of zeros at the strongest level, about 1030:1) still reads;
    /// a trailer promising more than deflate can expand is refused before allocating.
    #[wasm_bindgen_test(unsupported = test)]
    fn the_expansion_bound_admits_deflate_best_case_and_refuses_more() {
        let zeros = vec![0u8; 4 << 20];
        let body = miniz_oxide::deflate::compress_to_vec(&zeros, 10);
        let ratio = zeros.len() as f64 / body.len() as f64;
        assert!(ratio > 1000.0, "zeros compress {ratio:.0}:1");
        let crc = crc32fast::hash(&zeros);
        assert_eq!(gunzip(&wrap(&body, crc, zeros.len() as u32)).unwrap().len(), zeros.len());
        let promise = (MAX_RATIO * body.len() as u64 + 65) as u32;
        match gunzip(&wrap(&body, crc, promise)) {
            Err(DataError::Gzip(m)) => assert!(m.contains("trailer promises"), "{m}"),
            other => panic!("{other:?}"),
        }
        // A 20-byte body cannot hold 100 MB.
        match gunzip(&wrap(&[0; 20], 0, 100_000_000)) {
            Err(DataError::Gzip(m)) => assert!(m.contains("trailer promises"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
