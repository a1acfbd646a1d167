use distlab_core::models::new_lab;
use distlab_core::view::Value;
use distlab_core::{Action, TimedAction, MS, SEC};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { let n = LIVE.fetch_add(l.size(), Relaxed) + l.size(); PEAK.fetch_max(n, Relaxed); unsafe { System.alloc(l) } }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { LIVE.fetch_sub(l.size(), Relaxed); unsafe { System.dealloc(p, l) } }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 { if n > l.size() { let x = LIVE.fetch_add(n - l.size(), Relaxed) + n - l.size(); PEAK.fetch_max(x, Relaxed);} else { LIVE.fetch_sub(l.size() - n, Relaxed);} unsafe { System.realloc(p, l, n) } }
}
#[global_allocator] static A: Counting = Counting;
fn main() {
    if std::env::var("WORLD").is_ok() { world_only(std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60)); return; }
    let secs: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let until = secs * SEC;
    let mut acts = Vec::new(); let mut t = SEC; let mut i = 0u64;
    while t < until { acts.push(TimedAction { at: t, action: Action::Command { node: (i % 5) as u32, name: "request".into(), arg: format!("k{}={}", i % 16, i) } }); t += 10 * MS; i += 1; }
    let mut lab = new_lab("raft", &[("servers".into(), Value::Num(5.0))], 1, acts).unwrap();
    let t0 = std::time::Instant::now();
    let mut t = 0; let step = 10 * SEC;
    while t < until { t = (t + step).min(until); lab.run_until(t, u64::MAX);
        println!("{:>5} s  live {:>7.1} MB  peak {:>7.1} MB  wall {:>6.2} s  events {}", t / SEC, LIVE.load(Relaxed) as f64 / 1e6, PEAK.load(Relaxed) as f64 / 1e6, t0.elapsed().as_secs_f64(), lab.events()); }
}
#[allow(dead_code)]
fn world_only(secs: u64) {
    use distlab_core::world::{World, NullSink};
    use distlab_core::models::raft::Raft;
    let until = secs * SEC;
    let mut acts = Vec::new(); let mut t = SEC; let mut i = 0u64;
    while t < until { acts.push(TimedAction { at: t, action: Action::Command { node: (i % 5) as u32, name: "request".into(), arg: format!("k{}={}", i % 16, i) } }); t += 10 * MS; i += 1; }
    let before = LIVE.load(Relaxed);
    let mut w = World::new(Raft::default(), 1);
    w.tracing = false;
    w.run_until(until, &acts, u64::MAX, &mut NullSink);
    let after = LIVE.load(Relaxed);
    let n = w.nodes();
    let logs: Vec<usize> = n.live().map(|(_, x)| x.log.len()).collect();
    println!("world only: {:.1} MB for logs {:?}; {} events; per entry {:.0} B", (after - before) as f64 / 1e6, logs, w.events(), (after - before) as f64 / logs[0] as f64);
    let c = w.clone();
    println!("clone costs {} B", LIVE.load(Relaxed) - after);
    drop(c);
}
