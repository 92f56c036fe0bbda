//! Gzip (RFC 1952) framing around `miniz_oxide`'s raw-deflate decoder, with the CRC-32 and
//! length trailer checked and a hard cap on the decompressed size.

use super::DataError;
use alloc::format;
use alloc::vec::Vec;

/// Largest decompressed size accepted (the full 60k MNIST image file is 47 MB).
pub const MAX_DECOMPRESSED: usize = 128 * 1024 * 1024;

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
    let out =
        miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_DECOMPRESSED).map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => DataError::TooLarge { limit: MAX_DECOMPRESSED },
            s => DataError::Gzip(format!("deflate stream error {s:?}")),
        })?;
    if out.len() as u32 != isize {
        return Err(DataError::Gzip(format!("length {} does not match the trailer's {isize}", out.len())));
    }
    if crc32fast::hash(&out) != crc {
        return Err(bad("CRC-32 mismatch"));
    }
    Ok(out)
}
