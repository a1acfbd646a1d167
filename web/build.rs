//! Turns `content/` into one static file per lab, fetched by the app when that lab's content is
//! first needed (a lesson, a challenge, a compare script), plus a small index compiled into the
//! app (what the home page and the routes need). Adding a content file needs no code change.
//!
//! Each lab's file is `<lab>-<hash>.json` (the hash of its bytes, so a redeployed site never
//! serves new code old content): `{"lesson": {title, intro, steps: [{title, scenario, body}]} |
//! null, "scenarios": {file: scenario}, "challenges": [...] | null}`, with the lesson's Markdown
//! and each challenge's brief rendered to HTML here (neither a Markdown parser nor the Markdown
//! source is in the app). The files of every lab are written to `<target>/lab-content/`, which
//! Trunk's post-build hook (Trunk.toml) copies to `dist/content/`; the index lists only the labs
//! whose cargo feature is on (scripts/size-labs.sh builds without one). Native builds (tests)
//! also compile the files in, since they have nothing to fetch from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/lesson_format.rs"]
#[allow(dead_code)]
mod lesson_format;

use serde_json::{json, Map, Value};

/// Markdown to HTML; raw HTML in the source is escaped so a typo cannot break the page.
fn markdown(text: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

/// The files in `dir` ending in `.ext`: (file name, path), sorted so every machine builds the
/// same bytes.
fn list(dir: &Path, ext: &str) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == ext) && p.is_file())
            .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), p))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// The lab a content file belongs to: its name up to the first `-` or `.`.
fn lab_of(file: &str) -> &str {
    file.split(['-', '.']).next().unwrap_or(file)
}

/// Whether a lab is in this build: with the `all-labs` feature (the default) every lab;
/// otherwise only those whose feature is on, so a build without a lab leaves its content out.
fn wanted(lab: &str) -> bool {
    std::env::var_os("CARGO_FEATURE_ALL_LABS").is_some() || std::env::var_os(format!("CARGO_FEATURE_{}", lab.to_uppercase().replace('-', "_"))).is_some()
}

/// A content file's JSON as shipped, with `brief_html` each list element's `brief` rendered
/// from Markdown to HTML. Text that is not JSON ships as a string, so the app's error points
/// into it (the core's content tests report it first).
fn ship_json(text: &str, brief_html: bool) -> Value {
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return Value::String(text.to_string());
    };
    if brief_html {
        if let Value::Array(list) = &mut value {
            for c in list {
                if let Some(b) = c.get_mut("brief") {
                    if let Some(md) = b.as_str() {
                        *b = Value::String(markdown(md));
                    }
                }
            }
        }
    }
    value
}

/// FNV-1a, 64 bits: names a file by its bytes (no cryptographic need).
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// What the index says about one lab.
struct Entry {
    lab: String,
    file: String,
    steps: usize,
    challenges: Vec<String>,
}

/// Writes `bytes` to `path` unless it already holds them (through a temporary file, so a
/// concurrent build never reads half a file).
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let content = manifest.join("../content");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed={}", content.display());
    println!("cargo:rerun-if-changed=src/lesson_format.rs");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    // Every lab with any content file, and its files.
    let lessons = list(&content.join("lessons"), "md");
    let scenarios = list(&content.join("scenarios"), "json");
    let challenges = list(&content.join("challenges"), "json");
    for dir in ["lessons", "scenarios", "challenges"] {
        println!("cargo:rerun-if-changed={}", content.join(dir).display());
    }
    let mut labs: Vec<String> = lessons.iter().chain(&scenarios).chain(&challenges).map(|(f, _)| lab_of(f).to_string()).collect();
    labs.sort();
    labs.dedup();

    let mut bundles: Vec<(Entry, Vec<u8>)> = Vec::new();
    for lab in &labs {
        let read = |p: &Path| {
            println!("cargo:rerun-if-changed={}", p.display());
            std::fs::read_to_string(p).unwrap_or_default()
        };
        let lesson = lessons.iter().find(|(f, _)| f == &format!("{lab}.md")).map(|(_, p)| lesson_format::parse_lesson(&read(p)));
        let lesson_json = lesson.as_ref().map_or(Value::Null, |l| {
            let steps: Vec<Value> = l.steps.iter().map(|s| json!({ "title": s.title, "scenario": s.scenario, "body": markdown(&s.body) })).collect();
            json!({ "title": l.title, "intro": markdown(&l.intro), "steps": steps })
        });
        let mut scen = Map::new();
        for (f, p) in scenarios.iter().filter(|(f, _)| lab_of(f) == lab) {
            scen.insert(f.clone(), ship_json(&read(p), false));
        }
        let chal = challenges.iter().find(|(f, _)| f == &format!("{lab}.json")).map_or(Value::Null, |(_, p)| ship_json(&read(p), true));
        let listed: Vec<String> = chal.as_array().map(|l| l.iter().map(|c| c["id"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default();
        let bytes = json!({ "lesson": lesson_json, "scenarios": scen, "challenges": chal }).to_string().into_bytes();
        let file = format!("{lab}-{:016x}.json", fnv64(&bytes));
        bundles.push((Entry { lab: lab.clone(), file, steps: lesson.map_or(0, |l| l.steps.len()), challenges: listed }, bytes));
    }

    // The files Trunk's hook ships: every lab's (the same set whatever the features, so builds
    // with different features never fight over it), and nothing stale.
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(t) if t.is_absolute() => t,
        Some(t) => manifest.join("..").join(t),
        None => manifest.join("../target"),
    };
    for dir in [target.join("lab-content"), out_dir.join("lab-content")] {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        for (e, bytes) in &bundles {
            write_if_changed(&dir.join(&e.file), bytes);
        }
        for (name, p) in list(&dir, "json") {
            if !bundles.iter().any(|(e, _)| e.file == name) {
                let _ = std::fs::remove_file(p);
            }
        }
    }

    let mut out = String::from("// Generated by web/build.rs from content/. Do not edit.\n");
    let _ = writeln!(out, "/// Each lab with content in this build: what the home page and the routes need.");
    let _ = writeln!(out, "pub static INDEX: &[LabIndex] = &[");
    for (e, _) in bundles.iter().filter(|(e, _)| wanted(&e.lab)) {
        let _ = writeln!(out, "    LabIndex {{ lab: {:?}, file: {:?}, lesson_steps: {}, challenges: &{:?} }},", e.lab, e.file, e.steps, e.challenges);
    }
    let _ = writeln!(out, "];");
    // Natively (tests) there is no server: each lab's file is compiled in.
    let wasm = std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32"));
    let _ = writeln!(out, "/// Each lab's content file, compiled in (native builds only: the browser fetches it).");
    let _ = writeln!(out, "#[allow(dead_code)]");
    let _ = writeln!(out, "pub static BUILT_IN: &[(&str, &str)] = &[");
    if !wasm {
        for (e, _) in bundles.iter().filter(|(e, _)| wanted(&e.lab)) {
            let _ = writeln!(out, "    ({:?}, include_str!({:?})),", e.lab, out_dir.join("lab-content").join(&e.file).display().to_string());
        }
    }
    let _ = writeln!(out, "];");
    std::fs::write(out_dir.join("content.rs"), out).expect("write generated content module");
}
