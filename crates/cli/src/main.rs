//! The `vivify` command line: parses arguments, calls the library, prints.
#![forbid(unsafe_code)]

mod args;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    progress::install_signal_handlers();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (e.g. `vivify inspect --json | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // The error, then each cause it carries (a codec's or SQLite's
            // own words), each said once.
            eprintln!("vivify: {}", vivify::error::chain_text(e.as_ref()));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The exit codes, documented once in README.md ("Exit codes") and in
/// `vivify --help`: 0 ok, 1 failure, 2 usage, 3 invalid, unsupported or
/// unreadable input or bad signing credentials, 6 refused by the safety
/// policy, 7 a moderation conflict, 8 an output already exists, 130
/// cancelled, 143 terminated (4 and 5 come from `verify` itself).
pub(crate) fn exit_code(e: &anyhow::Error) -> u8 {
    e.downcast_ref::<vivify::Error>().map_or(1, code_of)
}

/// The exit code of a library error.
pub(crate) fn code_of(e: &vivify::Error) -> u8 {
    if matches!(e, vivify::Error::Cancelled) {
        return 130;
    }
    match e.class() {
        vivify::ErrorClass::BadInput => 3,
        vivify::ErrorClass::Usage => 2,
        vivify::ErrorClass::Refused => 6,
        vivify::ErrorClass::Conflict => 7,
        vivify::ErrorClass::Exists => 8,
        vivify::ErrorClass::Failure => 1,
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Alive(a) => commands::alive(a),
        Command::Inspect(a) => commands::inspect(a),
        Command::Extract(a) => commands::extract(a),
        Command::Live(a) => commands::live(a),
        Command::Convert(a) => commands::convert(a),
        Command::Demo(a) => commands::demo(a),
        Command::Verify(a) => credentials::verify(a),
        Command::Keys(a) => credentials::keys(a),
        Command::Moderate(a) => moderate::moderate(a),
        Command::Share(a) => moderate::share(a),
        Command::Report(a) => reports::report(a),
        Command::Reports(a) => reports::reports(a),
        Command::Appeal(a) => reports::appeal(a),
        Command::Blocklist(a) => reports::blocklist(a),
        Command::Models(a) => commands::models(a),
        Command::Serve(a) => serve::serve(a),
    }
}

mod commands;
mod credentials;
mod moderate;
mod reports;
mod serve;
