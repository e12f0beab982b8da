//! `sdmxgw`: the sdmx-gateway command. A thin shell over the library: parse the
//! arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
