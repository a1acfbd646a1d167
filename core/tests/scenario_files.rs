//! Scenario parsing, building and share links: bad input gets a clear error naming what is
//! wrong, never a panic.

use distlab_core::models::catalog;
use distlab_core::scenario::Scenario;
use base64::Engine as _;
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
fn run_for_is_capped_at_a_day_with_an_error_naming_the_field() {
    // The issue's example: a bare number of microseconds, about 31,700 years.
    let e = parse_err(r#"{"model": "raft", "run_for": 1000000000000000000}"#);
    assert!(e.contains("`run_for`") && e.contains("24 h"), "{e}");
    assert!(e.starts_with("line 1, column"), "{e}");
    let e = parse_err(r#"{"model": "raft", "run_for": "86401s"}"#);
    assert!(e.contains("`run_for`") && e.contains("86401.000 s is longer than the 24 h"), "{e}");
    // Digits too many for microseconds in a u64 are refused, not wrapped.
    let e = parse_err(r#"{"model": "raft", "run_for": "99999999999999999999s"}"#);
    assert!(e.contains("`run_for`") && e.contains("not a duration"), "{e}");
    // Exactly a day is fine.
    let s = Scenario::parse(r#"{"model": "raft", "run_for": "1440m"}"#).unwrap();
    assert_eq!(s.duration(), distlab_core::scenario::RUN_FOR_MAX);
    // Other times are bounded the same way, so the default duration (last entry + 2 s) is too.
    let e = parse_err(r#"{"model": "raft", "timeline": [{"at": 18446744073709551615, "do": "heal"}]}"#);
    assert!(e.contains("`timeline[0].at`") && e.contains("24 h"), "{e}");
    let e = parse_err(r#"{"model": "raft", "expect": [{"by": "100000s", "query": "leaders", "eq": 1}]}"#);
    assert!(e.contains("`expect[0].by`") && e.contains("24 h"), "{e}");
    // A share link and a challenge carry the same check (the web's import and links use `parse`).
    let mut long = Scenario::parse(r#"{"model": "raft"}"#).unwrap();
    long.run_for = Some(distlab_core::scenario::Dur(distlab_core::scenario::RUN_FOR_MAX + 1));
    let e = share::decode(&share::encode(&long)).expect_err("a link past a day is refused").0;
    assert!(e.contains("`run_for`") && e.contains("24 h"), "{e}");
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
    assert!(link.starts_with("2."), "links are written in the checksummed format: {link}");
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
        "3.AAAA".into(),
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
    // Every one is refused with a reason: the checksum catches the flips that still inflate.
    for case in &cases {
        match share::decode(case) {
            Err(e) => assert!(e.0.starts_with("This share link is damaged: "), "{e}"),
            Ok(s) => panic!("a damaged link opened a run: {case} -> {s:?}"),
        }
    }
    // The messages name what is wrong.
    let why = |case: &str| share::decode(case).unwrap_err().0;
    assert!(why("3.AAAA").contains("known version"), "{}", why("3.AAAA"));
    assert!(why("2.!!!!").contains("base64"), "{}", why("2.!!!!"));
    // Valid base64 of a stream that lost its last bytes.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let packed = b64.decode(&link[2..]).unwrap();
    let short = format!("2.{}", b64.encode(&packed[..packed.len() - 3]));
    assert!(why(&short).contains("cut short") || why(&short).contains("checksum"), "{}", why(&short));
    let flipped_literal = {
        // Flip one bit inside the stream's data so that it still inflates: only the checksum
        // can tell. (Try positions until one inflates to different bytes.)
        (2..packed.len() - 4)
            .flat_map(|i| (0..8).map(move |b| (i, b)))
            .map(|(i, b)| {
                let mut p = packed.clone();
                p[i] ^= 1 << b;
                p
            })
            .find(|p| miniz_oxide::inflate::decompress_to_vec(&p[2..p.len() - 4]).is_ok_and(|j| serde_json::from_slice::<serde_json::Value>(&j).is_ok()))
            .map(|p| format!("2.{}", b64.encode(p)))
    };
    let l = flipped_literal.expect("some one-bit flip inflates to valid JSON");
    assert!(why(&l).contains("checksum"), "a flip that still inflates to JSON is caught by the checksum: {}", why(&l));
}

#[test]
fn links_of_the_first_format_still_open() {
    let scenario = sample_run();
    let json = serde_json::to_vec(&scenario).unwrap();
    let v1 = format!("1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&json, 9)));
    assert_eq!(share::decode(&v1).unwrap(), scenario);
}

#[test]
fn exported_scenarios_parse_back() {
    let s = sample_run();
    assert_eq!(Scenario::parse(&s.to_json()).unwrap(), s);
}
