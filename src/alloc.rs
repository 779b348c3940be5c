//! The heap. Builds for Linux and macOS on x86-64 and ARM64 (every release target but
//! Windows) allocate with jemalloc: a run allocates and frees millions of small nodes (span
//! trees, renders), which glibc's allocator serves more slowly, and musl's (the static Linux
//! release binaries) far more slowly. On the 10-copy bench tree, a first run took
//! 0.77-0.85 s with jemalloc against 1.81-2.37 s with musl's allocator, and 15 interleaved
//! pairs against glibc's gave 709 against 827 ms (a median difference of 132 ms, about a
//! sixth). Elsewhere the system's allocator is kept.
//!
//! The condition is the one in `Cargo.toml` that brings the jemalloc crates.

pub(crate) use heap::release_freed_memory;

#[cfg(all(
    any(target_os = "linux", target_os = "macos"),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod heap {
    #[global_allocator]
    static HEAP: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

    /// Gives the heap pages freed so far back to the system, and says whether the
    /// allocator did. jemalloc keeps freed pages for reuse a while: without this, the
    /// renders' shared parse, freed at the end of the overlays phase, stays resident, and
    /// indexing grows on top of it (peak 151-154 MB on the 10-copy bench tree, 142-143 MB
    /// with it).
    pub(crate) fn release_freed_memory() -> bool {
        // `arena.<i>.purge` with `MALLCTL_ARENAS_ALL` (4096) purges the unused dirty pages
        // of every arena (jemalloc 5: `doc/jemalloc.xml.in`, and `MALLCTL_ARENAS_ALL` in
        // `include/jemalloc/jemalloc_macros.h.in`).
        // SAFETY: the name is a NUL-terminated string; the control reads and writes
        // nothing (null pointers, length 0).
        let status = unsafe {
            tikv_jemalloc_sys::mallctl(
                c"arena.4096.purge".as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        };
        status == 0
    }
}

#[cfg(not(all(
    any(target_os = "linux", target_os = "macos"),
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod heap {
    /// Gives the heap pages freed so far back to the system, and says whether the
    /// allocator did: glibc's keeps pages it cannot return on its own (`malloc_trim` took
    /// the bench tree's peak from 297 to 267 MB, before jemalloc).
    pub(crate) fn release_freed_memory() -> bool {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only hands free pages of the heap back to the system; it is
        // safe to call at any time, from any thread.
        unsafe {
            libc::malloc_trim(0);
            true
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    fn freed_memory_is_handed_back() {
        // Something freed first, so that there are pages to hand back.
        drop(vec![vec![0u8; 4096]; 1024]);
        assert!(super::release_freed_memory());
    }
}
