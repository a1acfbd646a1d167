//! `distlab`: runs scenario files natively and reports whether their expectations hold.
//!
//! ```text
//! distlab run content/scenarios/raft-election.json [more.json ...] [--trace]
//! distlab check FILE...        # parse and validate only
//! distlab models               # list models, their settings, queries, metrics, invariants
//! ```
//! Exit code: 0 when every scenario passes, 1 when an expectation fails or an invariant is
//! violated (with no expectation naming it), 2 for unreadable or invalid files.
//!
//! When the reader of the output goes away (`distlab models | head`), the rest of the output is
//! dropped quietly and the exit code is still the verdict.

use distlab_core::scenario::{self, Scenario};
use distlab_core::time::fmt_time;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Standard output that never panics: `println!` panics on a closed pipe ("failed printing to
/// stdout: Broken pipe"). After a broken pipe the rest is dropped; any other write error is
/// reported once on stderr and makes the exit code 2.
struct Out {
    stdout: std::io::StdoutLock<'static>,
    closed: bool,
    failed: bool,
}

impl Out {
    fn new() -> Out {
        Out { stdout: std::io::stdout().lock(), closed: false, failed: false }
    }

    fn line(&mut self, args: std::fmt::Arguments) {
        if self.closed {
            return;
        }
        let written = self.stdout.write_fmt(args).and_then(|()| self.stdout.write_all(b"\n"));
        if let Err(e) = written {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: std::io::Error) {
        self.closed = true;
        if e.kind() != ErrorKind::BrokenPipe {
            self.failed = true;
            eprintln!("error: cannot write the output: {e}");
        }
    }

    /// Flushes; the exit code for `code` given how writing went.
    fn finish(mut self, code: u8) -> ExitCode {
        if !self.closed {
            if let Err(e) = self.stdout.flush() {
                self.fail(e);
            }
        }
        ExitCode::from(if self.failed { code.max(2) } else { code })
    }
}

/// `println!` into an [`Out`].
macro_rules! out {
    ($out:expr, $($arg:tt)*) => { $out.line(format_args!($($arg)*)) };
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models");
        return ExitCode::from(2);
    };
    let files: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
    let show_trace = args.iter().any(|a| a == "--trace");
    let mut out = Out::new();
    match cmd.as_str() {
        "models" => {
            list_models(&mut out);
            out.finish(0)
        }
        "run" | "check" if !files.is_empty() => {
            let mut worst = 0u8;
            for file in files {
                worst = worst.max(run_file(&mut out, file, cmd == "check", show_trace));
            }
            out.finish(worst)
        }
        _ => {
            eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models");
            ExitCode::from(2)
        }
    }
}

fn load(file: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
    Scenario::parse(&text).map_err(|e| format!("{file}: {e}"))
}

fn run_file(out: &mut Out, file: &str, check_only: bool, show_trace: bool) -> u8 {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if check_only {
        return match scenario.build() {
            Ok(_) => {
                out!(out, "ok    {file}");
                0
            }
            Err(e) => {
                eprintln!("error: {file}: {e}");
                2
            }
        };
    }
    if show_trace {
        if let Ok(mut lab) = scenario.build() {
            lab.run_until(scenario.duration(), u64::MAX);
            for e in lab.trace() {
                out!(out, "{:>12} #{:<6} {:?} {}", fmt_time(e.time), e.event, e.kind, e.text);
            }
        }
    }
    let report = match scenario::run(&scenario) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {file}: {e}");
            return 2;
        }
    };
    let title = scenario.title.as_deref().unwrap_or("");
    out!(out, "{file}  {title}");
    out!(out, 
        "  {} events, {} virtual, trace hash {:016x}",
        report.events,
        fmt_time(report.time),
        report.trace_hash
    );
    for o in &report.outcomes {
        out!(out, "  [{}] {} ({})", if o.passed { "pass" } else { "FAIL" }, o.what, o.observed);
    }
    for (name, time, detail) in &report.violations {
        out!(out, "  violation at {}: {name}: {detail}", fmt_time(*time));
    }
    let passed = report.passed();
    out!(out, "  {}", if passed { "PASSED" } else { "FAILED" });
    if passed {
        0
    } else {
        1
    }
}

fn list_models(out: &mut Out) {
    for info in distlab_core::models::catalog() {
        out!(out, "{} — {}: {}", info.name, info.title, info.pitch);
        if let Ok(lab) = distlab_core::models::new_lab(info.name, &[], 0, Vec::new()) {
            out!(out, "  settings:");
            for p in lab.params() {
                out!(out, "    {:<24} {:?} = {} — {}", p.key, p.kind, p.value.to_text(), p.help);
            }
        }
        out!(out, "  invariants:");
        for i in info.invariants {
            out!(out, "    {} ({})", i.name, i.source);
        }
        out!(out, "  queries: {}", info.queries.iter().map(|q| q.name).collect::<Vec<_>>().join(", "));
        out!(out, "  metrics: {}", info.metrics.iter().map(|m| m.name).collect::<Vec<_>>().join(", "));
        out!(out, "  commands: {}", info.commands.iter().map(|c| c.name).collect::<Vec<_>>().join(", "));
    }
}
