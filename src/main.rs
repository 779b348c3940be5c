use std::process::ExitCode;

use canarylint::render::escape;

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
    match canarylint::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Errors quote paths and config values: never raw on a terminal or in a CI log.
            eprintln!("error: {}", escape::display(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
