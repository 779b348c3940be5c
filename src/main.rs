use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = canarylint::cli::Cli::parse();
    match canarylint::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
