//! The native CLI's allocator (mimalloc) with counters, for the native bench
//! (`core/benches/kernel.rs`) and the checker's profiling example (`core/examples/checker.rs`):
//! allocation calls and bytes in use, so they can report heap per state.
//!
//! Each thread counts on its own cache line, with plain loads and stores. One counter for all,
//! updated by atomic adds, made the parallel checker's threads fight over one cache line at
//! every allocation (half as much CPU time again), and an uncontended atomic add per
//! allocation still cost the one-thread figures several per cent.
#![allow(dead_code)] // each includer uses part of it

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// mimalloc, counting. Install with `#[global_allocator] static A: Counting = Counting;`.
pub struct Counting;

/// One thread's counts (a thread past the 16th shares a slot: counts may then be lost, never
/// memory).
#[repr(align(128))]
struct Slot {
    calls: AtomicUsize,
    in_use: AtomicUsize,
}

const SLOTS: usize = 16;
static COUNTS: [Slot; SLOTS] = [const { Slot { calls: AtomicUsize::new(0), in_use: AtomicUsize::new(0) } }; SLOTS];
static THREADS: AtomicUsize = AtomicUsize::new(0);
thread_local!(static MINE: Cell<usize> = const { Cell::new(usize::MAX) });

/// This thread's slot. (A `const` thread local needs no allocation, so the allocator may use it.)
fn slot() -> &'static Slot {
    let i = MINE
        .try_with(|m| {
            if m.get() == usize::MAX {
                m.set(THREADS.fetch_add(1, Relaxed) % SLOTS);
            }
            m.get()
        })
        .unwrap_or(SLOTS - 1);
    &COUNTS[i]
}

/// Adds to a counter only this thread writes (wrapping: bytes freed on another thread than
/// they were allocated on make a slot's own count go below zero; the sum does not).
fn bump(c: &AtomicUsize, n: usize) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

/// Allocation calls so far (`alloc` and `realloc`), every thread's.
pub fn calls() -> usize {
    COUNTS.iter().fold(0, |n, s| n.wrapping_add(s.calls.load(Relaxed)))
}

/// Bytes in use on the heap, every thread's.
pub fn in_use() -> usize {
    COUNTS.iter().fold(0, |n, s| n.wrapping_add(s.in_use.load(Relaxed)))
}

// SAFETY: every call is passed straight to mimalloc; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = slot();
        bump(&s.calls, 1);
        bump(&s.in_use, layout.size());
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&slot().in_use, layout.size().wrapping_neg());
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let s = slot();
        bump(&s.calls, 1);
        bump(&s.in_use, new.wrapping_sub(layout.size()));
        unsafe { MiMalloc.realloc(ptr, layout, new) }
    }
}
