//! Scenario parsing, building and share links: bad input gets a clear error naming what is
//! wrong, never a panic.

use distlab_core::models::catalog;
use distlab_core::scenario::Scenario;
use distlab_core::share;

fn parse_err(text: &str) -> String {
    Scenario::parse(text).expect_err("should be rejected").0
}

fn build_err(text: &str) -> String {
    match Scenario::parse(text) {
        Ok(s) => match s.build() {
            Ok(_) => panic!("should not build: {text}"),
            Err(e) => e.0,
        },
        Err(e) => e.0,
    }
}

#[test]
fn syntax_errors_name_line_and_column() {
    let e = parse_err("{\n  \"model\": \"raft\",\n  \"seed\": 1,,\n}");
    assert!(e.starts_with("line 3, column"), "{e}");
}

#[test]
fn type_errors_name_the_field() {
    let e = parse_err(r#"{"model": "raft", "timeline": [{"at": "1s", "do": "crash", "node": "two"}]}"#);
    assert!(e.contains("`timeline[0].node`"), "{e}");
    assert!(e.contains("line 1"), "{e}");
    let e = parse_err(r#"{"model": "raft", "seed": -4}"#);
    assert!(e.contains("`seed`"), "{e}");
}

#[test]
fn unknown_fields_are_rejected_by_name() {
    let e = parse_err(r#"{"model": "raft", "sed": 4}"#);
    assert!(e.contains("unknown field `sed`"), "{e}");
    let e = parse_err(r#"{"model": "raft", "timeline": [{"at": "1s", "do": "crash", "nod": 1}]}"#);
    assert!(e.contains("`timeline[0]") && e.contains("nod"), "{e}");
}

#[test]
fn bad_durations_say_what_a_duration_looks_like() {
    let e = parse_err(r#"{"model": "raft", "timeline": [{"at": "soon", "do": "heal"}]}"#);
    assert!(e.contains("`timeline[0].at`") && e.contains("\"soon\" is not a duration"), "{e}");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = format!("{{\"model\": \"raft\", \"title\": \"{}\"}}", "x".repeat(2 << 20));
    assert!(parse_err(&big).contains("limit"));
}

#[test]
fn semantic_errors_name_the_entry() {
    let first = catalog().first().map(|m| m.name).expect("at least one model is registered");
    let e = build_err(r#"{"model": "paxos-prime"}"#);
    assert!(e.starts_with("`model`: unknown model \"paxos-prime\""), "{e}");
    let e = build_err(&format!(r#"{{"model": "{first}", "config": {{"no_such_setting": 3}}}}"#));
    assert!(e.contains("unknown setting `no_such_setting`"), "{e}");
    let e = build_err(&format!(r#"{{"model": "{first}", "timeline": [{{"at": "1s", "do": "heal"}}, {{"at": "2s", "do": "crash", "node": 99}}]}}"#));
    assert!(e.contains("`timeline[1]`") && e.contains("node 99 does not exist"), "{e}");
    let e = build_err(&format!(r#"{{"model": "{first}", "timeline": [{{"at": "1s", "do": "crash"}}]}}"#));
    assert!(e.contains("`timeline[0]`") && e.contains("`node` is required"), "{e}");
    let e = build_err(&format!(r#"{{"model": "{first}", "timeline": [{{"at": "1s", "do": "net", "loss": 2}}]}}"#));
    assert!(e.contains("`timeline[0]`") && e.contains("loss"), "{e}");
}

#[test]
fn out_of_range_settings_are_named() {
    for info in catalog() {
        let lab = distlab_core::models::new_lab(info.name, &[], 1, vec![]).unwrap();
        for p in lab.params() {
            if let distlab_core::ParamKind::Int { max, .. } = p.kind {
                let text = format!(r#"{{"model": "{}", "config": {{"{}": {}}}}}"#, info.name, p.key, max + 1);
                let e = build_err(&text);
                assert!(e.contains(&format!("`{}`", p.key)) && e.contains("between"), "{e}");
            }
        }
    }
}

#[test]
fn expectations_are_checked_against_the_model() {
    let first = catalog().first().map(|m| m.name).expect("a model");
    let text = format!(r#"{{"model": "{first}", "expect": [{{"query": "no_such_query", "eq": 1}}]}}"#);
    let s = Scenario::parse(&text).unwrap();
    let e = distlab_core::scenario::run(&s).unwrap_err().0;
    assert!(e.contains("`expect[0]`") && e.contains("unknown query"), "{e}");
    let text = format!(r#"{{"model": "{first}", "expect": [{{"violation": "Made Up"}}]}}"#);
    let e = distlab_core::scenario::run(&Scenario::parse(&text).unwrap()).unwrap_err().0;
    assert!(e.contains("unknown invariant"), "{e}");
}

fn sample_run() -> Scenario {
    let first = catalog().first().map(|m| m.name).expect("a model");
    let mut lab = distlab_core::models::new_lab(first, &[], 42, vec![]).unwrap();
    lab.run_until(300_000, u64::MAX);
    lab.act(distlab_core::Action::Crash(0)).unwrap();
    lab.run_until(600_000, u64::MAX);
    lab.act(distlab_core::Action::Partition(vec![vec![0, 1]])).unwrap();
    lab.run_until(900_000, u64::MAX);
    Scenario::of_lab(lab.as_ref())
}

#[test]
fn share_links_round_trip_and_reproduce_the_run() {
    let scenario = sample_run();
    let link = share::encode(&scenario);
    assert!(link.len() < 2_000, "a short run makes a short link ({} chars)", link.len());
    let back = share::decode(&link).unwrap();
    assert_eq!(back, scenario);
    let mut a = scenario.build().unwrap();
    let mut b = back.build().unwrap();
    a.run_until(2_000_000, u64::MAX);
    b.run_until(2_000_000, u64::MAX);
    assert_eq!(a.trace_hash(), b.trace_hash());
}

#[test]
fn tampered_links_are_explained_not_panicked_on() {
    let link = share::encode(&sample_run());
    let mut cases: Vec<String> = vec![
        String::new(),
        "garbage".into(),
        "2.AAAA".into(),
        "1.!!!!".into(),
        link[..link.len() / 2].into(),
        link[..link.len() - 3].into(),
        "1.".to_string() + &"A".repeat(300_000),
    ];
    // Flip each character in turn for a sample of positions.
    for i in (2..link.len()).step_by(3) {
        let mut bytes = link.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        cases.push(String::from_utf8(bytes).unwrap());
    }
    let mut refused = 0;
    for case in &cases {
        match share::decode(case) {
            Err(e) => {
                assert!(e.0.starts_with("This share link is damaged: "), "{e}");
                refused += 1;
            }
            // A flip that still decodes must still either build or fail with a reason.
            Ok(s) => {
                let _ = s.build();
            }
        }
    }
    assert!(refused >= 7, "the obviously broken links are refused");
}

#[test]
fn exported_scenarios_parse_back() {
    let s = sample_run();
    assert_eq!(Scenario::parse(&s.to_json()).unwrap(), s);
}
