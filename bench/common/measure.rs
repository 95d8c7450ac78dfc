//! Measurement primitives shared by every bench program (the two consumers and the raw-socket
//! floor in `bench/server`), included with `#[path]` rather than being a crate so that they add
//! nothing to anyone's dependency tree: a counting global allocator, process CPU time and peak RSS
//! through `getrusage`, and the `REPORT` lines that `cargo xtask bench` parses.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting every allocation and reallocation of every thread of the
/// process (tokio workers and connection tasks included).
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation is a trip to the allocator like any other, so it counts as one.
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[repr(C)]
struct TimeVal {
    sec: i64,
    usec: i64,
}

/// `struct rusage` of Linux on 64-bit targets: two timevals, then fourteen longs.
#[repr(C)]
struct RUsage {
    utime: TimeVal,
    stime: TimeVal,
    rest: [i64; 14],
}

extern "C" {
    fn getrusage(who: i32, usage: *mut RUsage) -> i32;
}

/// CPU time and peak resident set of this process so far.
#[derive(Clone, Copy)]
pub struct Usage {
    /// User CPU time, microseconds.
    pub user_us: u64,
    /// System CPU time, microseconds.
    pub sys_us: u64,
    /// Peak resident set size, KiB.
    pub maxrss_kb: u64,
}

/// CPU time from `getrusage(RUSAGE_SELF)` (all threads, microsecond resolution) and the peak
/// resident set from `VmHWM` in `/proc/self/status`. Not `ru_maxrss`: Linux carries that across
/// `exec`, so a program started by a large parent would report the parent's size.
pub fn usage() -> Usage {
    let mut ru = RUsage { utime: TimeVal { sec: 0, usec: 0 }, stime: TimeVal { sec: 0, usec: 0 }, rest: [0; 14] };
    // SAFETY: `ru` is a valid, writable `struct rusage`; RUSAGE_SELF is 0.
    let rc = unsafe { getrusage(0, &mut ru) };
    if rc != 0 {
        fail("getrusage failed");
    }
    let us = |t: &TimeVal| (t.sec.max(0) as u64) * 1_000_000 + t.usec.max(0) as u64;
    Usage { user_us: us(&ru.utime), sys_us: us(&ru.stime), maxrss_kb: peak_rss_kb() }
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_else(|_| fail("reading /proc/self/status"));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| fail("no VmHWM in /proc/self/status"))
}

/// Prints `message` and exits with status 1: a bench run that went wrong must not report numbers.
pub fn fail(message: &str) -> ! {
    eprintln!("bench consumer: {message}");
    std::process::exit(1)
}

/// Counters taken at the start of a measured section.
pub struct Meter {
    start: Instant,
    usage: Usage,
    allocs: u64,
    bytes: u64,
}

impl Meter {
    /// Starts measuring.
    pub fn start() -> Meter {
        Meter {
            usage: usage(),
            allocs: ALLOCS.load(Ordering::Relaxed),
            bytes: ALLOC_BYTES.load(Ordering::Relaxed),
            start: Instant::now(),
        }
    }

    /// Prints the report line of `n` requests measured since [`Meter::start`].
    pub fn report_requests(self, n: u64) {
        let wall = self.start.elapsed().as_secs_f64();
        // Counters first: reading the usage allocates.
        let allocs = ALLOCS.load(Ordering::Relaxed) - self.allocs;
        let bytes = ALLOC_BYTES.load(Ordering::Relaxed) - self.bytes;
        let end = usage();
        let user = end.user_us.saturating_sub(self.usage.user_us);
        let sys = end.sys_us.saturating_sub(self.usage.sys_us);
        let per = |x: u64| x as f64 / n.max(1) as f64;
        println!(
            "REPORT requests={n} wall_s={wall:.4} rps={:.1} user_us={user} sys_us={sys} cpu_us_per_req={:.3} allocs_per_req={:.2} alloc_bytes_per_req={:.1} maxrss_kb={}",
            n as f64 / wall,
            per(user + sys),
            per(allocs),
            per(bytes),
            end.maxrss_kb
        );
    }

    /// Prints the report line of `latencies.len()` calls made concurrently since
    /// [`Meter::start`]: the [`report_requests`](Self::report_requests) fields plus the median and
    /// 99th percentile latency.
    pub fn report_concurrent(self, latencies: &mut [u64]) {
        let wall = self.start.elapsed().as_secs_f64();
        let allocs = ALLOCS.load(Ordering::Relaxed) - self.allocs;
        let end = usage();
        latencies.sort_unstable();
        let n = latencies.len() as u64;
        let pct = |p: f64| latencies.get(((n as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0) as f64 / 1e3;
        let cpu = end.user_us.saturating_sub(self.usage.user_us) + end.sys_us.saturating_sub(self.usage.sys_us);
        println!(
            "REPORT requests={n} wall_s={wall:.4} rps={:.1} cpu_us_per_req={:.3} allocs_per_req={:.2} p50_us={:.1} p99_us={:.1} maxrss_kb={}",
            n as f64 / wall,
            cpu as f64 / n.max(1) as f64,
            allocs as f64 / n.max(1) as f64,
            pct(0.50),
            pct(0.99),
            end.maxrss_kb
        );
    }

    /// Prints the report line of a pagination walk that yielded `items` items.
    pub fn report_items(self, items: u64) {
        let wall = self.start.elapsed().as_secs_f64();
        println!("REPORT items={items} wall_s={wall:.4} maxrss_kb={}", usage().maxrss_kb);
    }
}

/// Prints the report line of a cold start: wall time from `process_start` (taken first thing in
/// `main`) to now, the process's CPU time so far and its peak RSS.
///
/// `cpu_ms` adds up the scheduler's run time of every live thread (`/proc/self/task/*/schedstat`,
/// nanoseconds): `getrusage` is accounted in scheduler ticks on this kernel, too coarse for a
/// process that lives a few milliseconds (it is printed too, as `rusage_cpu_ms`). Threads that
/// already ended would be missing; the runtime's threads are all alive at the first response.
pub fn report_cold(process_start: Instant) {
    let wall = process_start.elapsed().as_secs_f64();
    let u = usage();
    let mut run_ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            run_ns += stat.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    println!(
        "REPORT wall_ms={:.3} cpu_ms={:.3} rusage_cpu_ms={:.3} maxrss_kb={}",
        wall * 1e3,
        run_ns as f64 / 1e6,
        (u.user_us + u.sys_us) as f64 / 1e3,
        u.maxrss_kb
    );
}
