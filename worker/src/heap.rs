//! The worker's allocator: talc, fed by a source that grows the wasm memory in large steps.
//!
//! A breadth-first search keeps most of what it allocates, so the heap climbs by hundreds of
//! megabytes a second. Rust's default wasm allocator (dlmalloc) and talc's own dynamic source
//! both grow the memory by just what the failing allocation needs, a 64 KiB page or a few at a
//! time: thousands of `memory.grow` calls per search, which in Chromium made a fresh worker's
//! first 200 k states run at about a third of the speed of later ones. Growing by half the
//! current size (at least 1 MiB, at most 64 MiB) makes that a few dozen calls, and wastes at
//! most 64 MiB of address space that the search will touch soon anyway.
//!
//! It also counts the bytes in use, which the worker bounds (a wasm memory never shrinks, so
//! its size says how much the largest search so far took, not what this one holds).
//!
//! Install with `#[global_allocator] static HEAP: Heap = Heap::new();` (single-threaded wasm
//! only, which the worker is).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use talc::base::binning::Binning;
use talc::base::{Talc, CHUNK_UNIT};
use talc::cell::TalcSyncCell;
use talc::wasm::WasmBinning;

const PAGE: usize = 64 * 1024;
/// Smallest and largest growth, in wasm pages (1 MiB and 64 MiB).
const GROW_MIN: usize = 16;
const GROW_MAX: usize = 1024;

/// The global allocator: talc on `Growing`, counting the bytes in use.
pub struct Heap(TalcSyncCell<Growing, WasmBinning>);

/// Bytes allocated and not yet freed.
static IN_USE: AtomicUsize = AtomicUsize::new(0);

impl Heap {
    /// The allocator, for a `static` with `#[global_allocator]`.
    pub const fn new() -> Heap {
        Heap(TalcSyncCell::new_wasm(Growing { end: None }))
    }
}

/// Bytes allocated and not yet freed (a wasm memory only grows: this is what is held now).
pub fn in_use() -> usize {
    IN_USE.load(Relaxed)
}

/// The wasm memory's size in bytes.
pub fn memory_size_bytes() -> usize {
    memory_size::<0>() * PAGE
}

// SAFETY: every call goes to talc unchanged; the counter only observes what it returned.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc(layout);
        if !p.is_null() {
            IN_USE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc_zeroed(layout);
        if !p.is_null() {
            IN_USE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.0.dealloc(ptr, layout);
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = self.0.realloc(ptr, layout, new_size);
        if !p.is_null() {
            IN_USE.fetch_add(new_size, Relaxed);
            IN_USE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

/// Pages to grow by when the memory is `current` pages and an allocation needs `need` more.
fn step(current: usize, need: usize) -> usize {
    need.max((current / 2).clamp(GROW_MIN, GROW_MAX))
}

/// Takes memory from the wasm page in geometric steps (see the module doc), extending the
/// heap when the new pages follow it (they do unless something else grew the memory).
#[derive(Debug)]
pub struct Growing {
    /// End of the heap talc manages, once it has one.
    end: Option<NonNull<u8>>,
}

// SAFETY: `acquire` neither allocates nor touches the allocator other than through `talc`, and
// hands talc only pages `memory.grow` has just added, which nothing else uses.
unsafe impl talc::source::Source for Growing {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Room for the chunk, its alignment and talc's tags at both ends.
        let need = (layout.size() + layout.align() + 4 * CHUNK_UNIT).div_ceil(PAGE);
        let want = step(memory_size::<0>(), need);
        // Near the 4 GiB limit a large step may fail where the allocation itself still fits.
        let (first, pages) = match memory_grow::<0>(want) {
            usize::MAX => match memory_grow::<0>(need) {
                usize::MAX => return Err(()),
                first => (first, need),
            },
            first => (first, want),
        };
        let base = (first * PAGE) as *mut u8;
        let bytes = pages * PAGE;
        // SAFETY: [base, base + bytes) was just added to the memory and belongs to no one.
        unsafe {
            if let Some(old) = talc.source.end.take() {
                if old.as_ptr() == base {
                    talc.source.end = Some(talc.extend(old, base.add(bytes)));
                    return Ok(());
                }
            }
            // Returning Ok without new memory would make talc ask again forever.
            talc.source.end = Some(talc.claim(base, bytes).ok_or(())?);
        }
        Ok(())
    }
}
