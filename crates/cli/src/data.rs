//! Loading the train and test sets: the bundled subset (compiled into the binary) or a
//! directory of IDX files named like MNIST's.

use depthlab_nn::data::Dataset;
use std::path::Path;

const BUNDLED: [&[u8]; 4] = [
    include_bytes!("../../../www/data/train-images-idx3-ubyte.gz"),
    include_bytes!("../../../www/data/train-labels-idx1-ubyte.gz"),
    include_bytes!("../../../www/data/test-images-idx3-ubyte.gz"),
    include_bytes!("../../../www/data/test-labels-idx1-ubyte.gz"),
];

/// `(train, test)` from `dir` (files `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
/// and `t10k-…` or `test-…`), or the bundled subset when `dir` is `None`.
pub fn load(dir: Option<&Path>) -> Result<(Dataset, Dataset), String> {
    let Some(dir) = dir else {
        let train = Dataset::from_idx(BUNDLED[0], BUNDLED[1]).map_err(|e| format!("bundled train set: {e}"))?;
        let test = Dataset::from_idx(BUNDLED[2], BUNDLED[3]).map_err(|e| format!("bundled test set: {e}"))?;
        return Ok((train, test));
    };
    let read = |stems: &[&str]| -> Result<(Vec<u8>, String), String> {
        for stem in stems {
            for name in [stem.to_string(), format!("{stem}.gz")] {
                let p = dir.join(&name);
                if p.exists() {
                    return std::fs::read(&p).map(|b| (b, name)).map_err(|e| format!("{}: {e}", p.display()));
                }
            }
        }
        Err(format!("{} has no {}[.gz]", dir.display(), stems.join("[.gz] or ")))
    };
    let pair = |img: &[&str], lbl: &[&str]| -> Result<Dataset, String> {
        let (i, iname) = read(img)?;
        let (l, lname) = read(lbl)?;
        Dataset::from_idx(&i, &l).map_err(|e| format!("{iname} + {lname}: {e}"))
    };
    let train = pair(&["train-images-idx3-ubyte"], &["train-labels-idx1-ubyte"])?;
    let test = pair(
        &["t10k-images-idx3-ubyte", "test-images-idx3-ubyte"],
        &["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"],
    )?;
    Ok((train, test))
}
