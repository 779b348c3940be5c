//! The command line's front: flags -> `run` -> exit code (ripgrep's `main`). `run` writes
//! each command's output; a run that cannot start is one error, printed here (exit code 2).

use std::io::IsTerminal;
use std::process::ExitCode;

use canarylint::cli::{CheckArgs, Cli, Color, Command, Format, ListFormat};
use canarylint::render::{self, escape};
use canarylint::{config, output, settings, text, Error};

/// Whether file descriptor 1 is closed (`canarylint check . >&-`). It must be asked before
/// `main`: Rust's runtime opens `/dev/null` on a closed standard descriptor first
/// (`sanitize_standard_fds` in rust-lang/rust `library/std/src/sys/pal/unix/mod.rs`), after
/// which every write succeeds and is lost. A constructor in `.init_array` (or
/// `__mod_init_func`) runs before the runtime's initialisation.
#[cfg(unix)]
mod stdout_check {
    use std::sync::atomic::{AtomicBool, Ordering};

    pub static CLOSED: AtomicBool = AtomicBool::new(false);

    extern "C" fn check() {
        // SAFETY: `fcntl(F_GETFD)` only reads the descriptor's flags; it fails with EBADF
        // when the descriptor is not open.
        let flags = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) };
        if flags == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF) {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }

    #[used]
    #[cfg_attr(target_vendor = "apple", link_section = "__DATA,__mod_init_func")]
    #[cfg_attr(not(target_vendor = "apple"), link_section = ".init_array")]
    static CHECK: extern "C" fn() = check;
}

fn main() -> ExitCode {
    #[cfg(unix)]
    if stdout_check::CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        canarylint::output::mark_stdout_closed();
    }
    let cli = match canarylint::cli::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Errors quote paths and config values: never raw on a terminal or in a CI log.
            eprintln!("error: {}", escape::display(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// Runs the command line; returns the process exit code.
fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Check(args) => {
            let result = check(&args);
            if let Err(e) = &result {
                output::discard(&args.outputs, &e.to_string());
            }
            result
        }
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Text => render::rules::table(),
                ListFormat::Json => render::rules::json(),
                ListFormat::Markdown => render::rules::markdown(),
            };
            write_out(&text)?;
            Ok(0)
        }
        Command::Explain { rule } => {
            write_out(settings::rule_named(&rule)?.doc())?;
            Ok(0)
        }
        Command::ConfigSchema => {
            write_out(&config::schema())?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "canarylint",
                &mut out,
            );
            write_out(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Clean { dry_run } => {
            let cleaned = canarylint::clean_cache(dry_run)?;
            write_out(&cleaned.summary(dry_run))?;
            Ok(0)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(Error::stdout)?;
            write_out(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
    }
}

/// `canarylint check`: lints, then writes each format where it goes.
fn check(args: &CheckArgs) -> Result<u8, Error> {
    if output::stdout_closed() && args.outputs.iter().any(|(_, path)| path.is_none()) {
        return Err(Error::StdoutClosed);
    }
    let mut outcome = canarylint::lint(args)?;
    if outcome.workspace.stats.files == 0 {
        eprintln!("warning: {}", escape::display(&no_files_warning(args)));
    }
    let t = std::time::Instant::now();
    let report = outcome.report();
    // Once the reader of standard output has gone, the files are still written.
    let mut stdout_open = true;
    for (format, path) in &args.outputs {
        if path.is_none() && !stdout_open {
            continue;
        }
        let text = match format {
            Format::Json => render::json::render(&report),
            Format::Sarif => render::sarif::render(&report),
            Format::Github => render::github::render(&report),
            Format::Gitlab => render::gitlab::render(&report),
            Format::Junit => render::junit::render(&report),
            Format::Text if args.statistics => render::text::statistics(&report),
            Format::Text => render::text::render(&report, colored(args.color, path.is_none())),
        };
        match path {
            Some(p) => output::replace_file(p, text.as_bytes()).map_err(|source| Error::Write {
                path: p.clone(),
                source,
            })?,
            None => stdout_open = output::write_stdout(&text).map_err(Error::stdout)?,
        }
    }
    // A run that writes the baseline records its findings as known: it does not fail.
    if let Some(path) = &args.write_baseline {
        let text = canarylint::known::render(&report);
        output::replace_file(path, text.as_bytes()).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        eprintln!(
            "wrote {} to the baseline `{}`",
            match report.diagnostics.len() {
                1 => "1 finding".to_string(),
                n => format!("{n} findings"),
            },
            escape::display(&path.to_string_lossy())
        );
    }
    let failed = args.write_baseline.is_none() && outcome.failed(args.fail_on);
    if args.timings {
        outcome.timings.record("render", t);
        eprint!("{}", outcome.timings.render());
    }
    // The process ends here: freeing every tree one by one would only cost time.
    std::mem::forget(outcome);
    // A closed pipe ends the run quietly, as the end of `| head` is no failure.
    Ok(if stdout_open { u8::from(failed) } else { 0 })
}

/// Whether text output is in colour: as asked, or on a terminal unless `NO_COLOR` is set.
fn colored(color: Color, to_stdout: bool) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// What a run that read no file says, on standard error.
fn no_files_warning(args: &CheckArgs) -> String {
    if let Some(rev) = &args.changed_since {
        return format!("no YAML files changed since `{rev}`");
    }
    let paths: Vec<String> = args
        .paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    format!("no YAML files under {}", text::backtick_list(&paths))
}

/// Writes a command's text to standard output; a reader that has gone ends it quietly.
fn write_out(text: &str) -> Result<(), Error> {
    if output::stdout_closed() {
        return Err(Error::StdoutClosed);
    }
    output::write_stdout(text)
        .map(|_| ())
        .map_err(Error::stdout)
}
