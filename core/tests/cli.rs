//! The command-line runner (`src/bin/distlab.rs`) as a user meets it: a scenario asking for
//! more than a day of virtual time gets an error naming `run_for`, and output into a pipe whose
//! reader has gone (`distlab models | head`) ends quietly instead of panicking.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn distlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distlab"))
}

/// Writes `text` to a fresh file under the system's temp dir.
fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_for_past_a_day_is_refused_naming_the_field() {
    let path = scenario_file("forever.json", r#"{ "model": "raft", "run_for": 1000000000000000000 }"#);
    for cmd in ["run", "check"] {
        let out = distlab().arg(cmd).arg(&path).output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "`distlab {cmd}` exits 2 for an invalid file; stderr: {err}");
        assert!(err.contains("`run_for`") && err.contains("24 h"), "the error names the field and the cap: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn models_into_a_closed_pipe_exits_quietly() {
    // The read end is closed as soon as the child exists, long before it has built every
    // model's lab to list its settings, so its first write meets a broken pipe.
    for _ in 0..3 {
        let mut child = distlab().arg("models").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(out.status.success(), "exit {:?}, stderr: {err}", out.status);
        assert!(err.is_empty(), "nothing on stderr, got: {err}");
    }
    // And when read in full, it lists every model.
    let out = distlab().arg("models").output().unwrap();
    assert!(out.status.success());
    for m in distlab_core::models::catalog() {
        assert!(text(&out.stdout).contains(&format!("{} — ", m.name)), "lists {}", m.name);
    }
}

#[test]
fn a_trace_cut_short_by_its_reader_keeps_the_verdict() {
    // A minute of Raft prints far more trace than a pipe buffers (64 KiB), so the runner is
    // certainly still writing when the reader stops after its first kilobyte (`| head -c 1024`).
    let path = scenario_file("minute.json", r#"{ "model": "raft", "seed": 3, "run_for": "60s", "expect": [{ "no_violations": true }] }"#);
    let full = distlab().arg("run").arg(&path).arg("--trace").output().unwrap();
    assert!(full.status.success(), "{}", text(&full.stderr));
    assert!(full.stdout.len() > 256 * 1024, "the trace is long enough to fill a pipe: {} bytes", full.stdout.len());

    let mut child = distlab().arg("run").arg(&path).arg("--trace").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut head = [0u8; 1024];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "the scenario passes, so exit 0 although the output was cut; {:?}, stderr: {err}", out.status);
    assert!(err.is_empty(), "nothing on stderr, got: {err}");
}

#[test]
fn explore_from_the_figure_8_prefix_finds_commit_old_terms_and_the_file_replays() {
    // The issue's example: Raft's Figure 8 bug. The scenario's first 800 ms (two leaders, the
    // logs of Figure 8 (b)) run with the clock; breadth-first search in rounds, six choices
    // deep, finds the rest. Exit code 1 on the violation; the written file replays to it.
    let fig8 = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content/scenarios/raft-figure8.json");
    let out_file = std::env::temp_dir().join(format!("distlab-cli-fig8-{}.json", std::process::id()));
    let args = ["explore", "raft", "--from", fig8.to_str().unwrap(), "--until", "800ms", "--rounds", "--strategy", "bfs", "--depth", "6", "--commands", "0", "--states", "30000"];
    let out = distlab().args(args).args(["--set", "commit_old_terms=true", "--out", out_file.to_str().unwrap()]).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a violation: {stdout}{}", text(&out.stderr));
    assert!(stdout.contains("VIOLATION of Leader Completeness"), "{stdout}");
    let replay = distlab().arg("run").arg(&out_file).output().unwrap();
    assert_eq!(replay.status.code(), Some(0), "the counterexample replays: {}", text(&replay.stdout));
    let _ = std::fs::remove_file(&out_file);
    // The control: the same search without the mutation explores every state within depth 6.
    let out = distlab().args(args).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("every state within the bounds explored"), "{stdout}");
    // Bad combinations are refused with a reason.
    let out = distlab().args(["explore", "raft", "--until", "800ms"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--from"), "{}", text(&out.stderr));
    let out = distlab().args(["explore", "paxos", "--from", fig8.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not paxos"), "{}", text(&out.stderr));
}

#[test]
fn explore_on_several_threads_writes_the_same_counterexample() {
    // Breadth-first search in parallel has the one-thread result: the same steps, the same
    // shrunk counterexample file.
    let fig8 = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content/scenarios/raft-figure8.json");
    let args = ["explore", "raft", "--from", fig8.to_str().unwrap(), "--until", "800ms", "--rounds", "--strategy", "bfs", "--depth", "6", "--commands", "0", "--states", "30000", "--set", "commit_old_terms=true"];
    let mut files = Vec::new();
    for threads in ["1", "3"] {
        let file = std::env::temp_dir().join(format!("distlab-cli-threads-{threads}-{}.json", std::process::id()));
        let out = distlab().args(args).args(["--threads", threads, "--out", file.to_str().unwrap()]).output().unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains(&format!("{threads} thread")), "{stdout}");
        files.push(std::fs::read_to_string(&file).unwrap());
        let _ = std::fs::remove_file(&file);
    }
    assert_eq!(files[0], files[1]);
    let out = distlab().args(["explore", "raft", "--threads", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--threads must be between 1 and 64"), "{}", text(&out.stderr));
}
