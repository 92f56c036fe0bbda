//! `depthlab`: train, inspect and compare Depthlab models natively, on the bundled MNIST
//! subset or on a directory of IDX files.
//!
//! ```text
//! depthlab train --model resnet --depth 20 --epochs 10 --metrics run.csv
//! depthlab train --spec my-model.json --optimizer sgd --lr 0.1 --schedule cosine
//! depthlab inspect --model inception
//! depthlab sweep --steps 500 resnet:32 plain:32 resnet:32:no-shortcuts --out sweep.csv
//! depthlab export --model resnet --load resnet.safetensors --pytorch resnet-pt/
//! ```

mod args;
mod data;
mod run;
mod threads;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => run::train(a),
        Command::Inspect(a) => run::inspect(a),
        Command::Sweep(a) => run::sweep(a),
        Command::Export(a) => run::export(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
