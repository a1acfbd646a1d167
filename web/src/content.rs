//! Lessons, scenarios and challenges. A small index is compiled into the app (what the home
//! page and the routes need); each lab's content is a static file (`content/<lab>-<hash>.json`,
//! written by `build.rs`) fetched when a page first needs it (a lesson, a challenge, a compare
//! script) and kept for the session. A page that needs content waits for it with
//! [`use_lab_content`]; the functions here that read content read what is already loaded.

use distlab_core::challenge::{self, Challenge};
use distlab_core::scenario::{Scenario, ScenarioError};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

pub use crate::lesson_format::{parse_lesson, Lesson, LessonStep};

/// What the app knows about a lab's content before fetching it.
#[derive(Debug, PartialEq)]
pub struct LabIndex {
    /// Model name.
    pub lab: &'static str,
    /// Its content file in `content/` (named by a hash of its bytes).
    pub file: &'static str,
    /// Steps of its lesson (0: no lesson).
    pub lesson_steps: usize,
    /// Its challenges' ids, in order.
    pub challenges: &'static [&'static str],
}

mod generated {
    use super::LabIndex;
    include!(concat!(env!("OUT_DIR"), "/content.rs"));
}
pub use generated::INDEX;

/// The index entry of a lab, if it has content in this build.
pub fn index(lab: &str) -> Option<&'static LabIndex> {
    INDEX.iter().find(|i| i.lab == lab)
}

/// The lab a scenario file belongs to (`raft-election.json` → `raft`; a leading
/// `scenarios/` is ignored).
pub fn lab_of_scenario(file: &str) -> &str {
    let file = file.trim().rsplit('/').next().unwrap_or(file);
    file.split(['-', '.']).next().unwrap_or(file)
}

/// One lab's content, as fetched.
#[derive(Debug, PartialEq)]
pub struct LabContent {
    /// Model name.
    pub lab: String,
    /// Its lesson, with the intro and step bodies as HTML (rendered at build time).
    pub lesson: Option<Rc<Lesson>>,
    /// Scenario files: (file name, JSON text).
    scenarios: Vec<(String, String)>,
    /// The challenge file's JSON text (briefs as HTML), if the lab has one.
    challenges: Option<String>,
}

fn text_of(v: &serde_json::Value) -> String {
    // A source file that was not JSON ships as a string: parsing it gives the error.
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

impl LabContent {
    /// Reads a lab's content file; a damaged one is an error saying what is wrong.
    pub fn parse(lab: &str, text: &str) -> Result<LabContent, String> {
        use serde_json::Value;
        let v: Value = serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
        if !v.is_object() {
            return Err("it is not a JSON object".into());
        }
        let str_at = |v: &Value, key: &str, what: &str| v.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("{what} has no text \"{key}\""));
        let lesson = match v.get("lesson") {
            None | Some(Value::Null) => None,
            Some(l) => {
                let steps = l.get("steps").and_then(Value::as_array).ok_or("its lesson has no list of steps")?;
                let steps = steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let what = format!("lesson step {}", i + 1);
                        Ok(LessonStep { title: str_at(s, "title", &what)?, scenario: s.get("scenario").and_then(Value::as_str).map(str::to_string), body: str_at(s, "body", &what)? })
                    })
                    .collect::<Result<_, String>>()?;
                Some(Rc::new(Lesson { title: str_at(l, "title", "its lesson")?, intro: str_at(l, "intro", "its lesson")?, steps }))
            }
        };
        let scenarios = match v.get("scenarios") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), text_of(v))).collect(),
            Some(_) => return Err("its scenarios are not a JSON object".into()),
        };
        let challenges = v.get("challenges").filter(|c| !c.is_null()).map(text_of);
        Ok(LabContent { lab: lab.to_string(), lesson, scenarios, challenges })
    }

    /// A scenario file's text by file name (`election.json`, or `scenarios/election.json`).
    pub fn scenario_text(&self, file: &str) -> Option<&str> {
        let file = file.trim().rsplit('/').next().unwrap_or(file);
        self.scenarios.iter().find(|(name, _)| name == file).map(|(_, text)| text.as_str())
    }

    /// Parses a scenario file by name; the error names the file.
    pub fn scenario(&self, file: &str) -> Result<Scenario, ScenarioError> {
        let text = self.scenario_text(file).ok_or_else(|| ScenarioError(format!("no scenario file named \"{file}\" in content/scenarios/")))?;
        Scenario::parse(text).map_err(|e| ScenarioError(format!("{file}: {}", e.0)))
    }

    /// The scenario files' names.
    pub fn scenario_files(&self) -> impl Iterator<Item = &str> {
        self.scenarios.iter().map(|(f, _)| f.as_str())
    }

    /// The lab's challenges (empty if none); a broken file is an error naming it. Each `brief`
    /// is HTML here (rendered from the file's Markdown at build time, see `build.rs`).
    pub fn challenges(&self) -> Result<Vec<Challenge>, ScenarioError> {
        match &self.challenges {
            Some(text) => challenge::parse(text).map_err(|e| ScenarioError(format!("challenges/{}.json: {}", self.lab, e.0))),
            None => Ok(Vec::new()),
        }
    }
}

thread_local! {
    /// Content loaded this session, by lab.
    static CACHE: RefCell<Vec<Rc<LabContent>>> = const { RefCell::new(Vec::new()) };
}

/// A lab's content if it is loaded (natively, where there is nothing to fetch, the built-in
/// copy).
pub fn cached(lab: &str) -> Option<Rc<LabContent>> {
    if let Some(c) = CACHE.with(|c| c.borrow().iter().find(|c| c.lab == lab).cloned()) {
        return Some(c);
    }
    let (_, text) = generated::BUILT_IN.iter().find(|(l, _)| *l == lab)?;
    LabContent::parse(lab, text).ok().map(keep)
}

fn keep(c: LabContent) -> Rc<LabContent> {
    let c = Rc::new(c);
    CACHE.with(|cache| cache.borrow_mut().push(c.clone()));
    c
}

/// Parses a scenario file by name from its lab's loaded content; the error names the file
/// (or says the lab's content is not loaded).
pub fn scenario(file: &str) -> Result<Scenario, ScenarioError> {
    let lab = lab_of_scenario(file);
    match cached(lab) {
        Some(c) => c.scenario(file),
        None if index(lab).is_some() => Err(ScenarioError(format!("the {lab} lab's content is not loaded, so \"{file}\" cannot be read"))),
        None => Err(ScenarioError(format!("no scenario file named \"{file}\" in content/scenarios/"))),
    }
}

/// Loads a lab's content: from this session's cache, else fetched from `content/` next to the
/// page. The error says what went wrong, for a person.
pub async fn load(lab: &str) -> Result<Rc<LabContent>, String> {
    if let Some(c) = cached(lab) {
        return Ok(c);
    }
    let entry = index(lab).ok_or_else(|| format!("there is no content for {lab} in this build"))?;
    let text = fetch_text(entry.file).await?;
    let content = LabContent::parse(lab, &text).map_err(|e| format!("its file content/{} is damaged: {e}", entry.file))?;
    // Two pages may have asked at once: keep the first copy.
    Ok(cached(lab).unwrap_or_else(|| keep(content)))
}

#[cfg(target_arch = "wasm32")]
async fn fetch_text(file: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    fn why(e: wasm_bindgen::JsValue) -> String {
        e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| "the request failed".into())
    }
    let base = crate::util::base_url();
    let url = format!("{}content/{file}", &base[..base.rfind('/').map_or(0, |i| i + 1)]);
    let window = web_sys::window().ok_or("there is no window")?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url)).await.map_err(why)?.dyn_into().map_err(why)?;
    if !resp.ok() {
        return Err(format!("the server answered {} {} for content/{file}", resp.status(), resp.status_text()).replace("  ", " "));
    }
    JsFuture::from(resp.text().map_err(why)?).await.map_err(why)?.as_string().ok_or_else(|| "the answer was not text".into())
}

#[cfg(not(target_arch = "wasm32"))]
async fn fetch_text(file: &str) -> Result<String, String> {
    Err(format!("content/{file} cannot be fetched outside a browser"))
}

/// A lab's content as a page sees it.
#[derive(Clone, Debug)]
pub enum Loaded {
    /// Being fetched.
    Pending,
    /// Here.
    Ready(Rc<LabContent>),
    /// Could not be fetched or read: why.
    Failed(String),
}

impl PartialEq for Loaded {
    fn eq(&self, o: &Self) -> bool {
        match (self, o) {
            (Loaded::Pending, Loaded::Pending) => true,
            (Loaded::Ready(a), Loaded::Ready(b)) => Rc::ptr_eq(a, b),
            (Loaded::Failed(a), Loaded::Failed(b)) => a == b,
            _ => false,
        }
    }
}

/// A lab's content for a page: ready at once if loaded this session, else fetched (the page
/// renders `Pending` meanwhile). `None` when the page needs no content. The callback fetches
/// again after a failure.
#[hook]
pub fn use_lab_content(lab: Option<String>) -> (Option<Loaded>, Callback<()>) {
    let init = lab.clone();
    let state = use_state_eq(move || init.map(|l| cached(&l).map_or(Loaded::Pending, Loaded::Ready)));
    let attempt = use_state(|| 0u32);
    {
        let state = state.clone();
        use_effect_with((lab.clone(), *attempt), move |(lab, _)| {
            match lab.clone() {
                None => state.set(None),
                Some(l) => match cached(&l) {
                    Some(c) => state.set(Some(Loaded::Ready(c))),
                    None => {
                        state.set(Some(Loaded::Pending));
                        wasm_bindgen_futures::spawn_local(async move {
                            let r = load(&l).await;
                            state.set(Some(r.map_or_else(Loaded::Failed, Loaded::Ready)));
                        });
                    }
                },
            }
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_| attempt.set(*attempt + 1))
    };
    ((*state).clone(), retry)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn parses_lessons() {
        let l = parse_lesson("# Raft\nIntro text.\n\n## Election\nscenario: election.json\nA *leader*.\n\n## Commit\n\nscenario: commit.json\nMore.\n```\n## not a step\n```\n");
        assert_eq!(l.title, "Raft");
        assert_eq!(l.intro.trim(), "Intro text.");
        assert_eq!(l.steps.len(), 2);
        assert_eq!(l.steps[0].scenario.as_deref(), Some("election.json"));
        assert_eq!(l.steps[1].scenario.as_deref(), Some("commit.json"));
        assert!(l.steps[1].body.contains("## not a step"));
    }

    #[test]
    fn each_labs_file_parses_matches_the_index_and_briefs_are_html() {
        assert!(INDEX.len() >= 7, "{} labs with content", INDEX.len());
        let mut briefs = 0;
        for entry in INDEX {
            assert!(entry.file.starts_with(&format!("{}-", entry.lab)) && entry.file.ends_with(".json"), "{}", entry.file);
            let c = cached(entry.lab).unwrap_or_else(|| panic!("{}: built-in content parses", entry.lab));
            assert_eq!(c.lesson.as_ref().map_or(0, |l| l.steps.len()), entry.lesson_steps, "{}", entry.lab);
            if let Some(l) = &c.lesson {
                assert!(l.intro.starts_with('<') && l.steps.iter().all(|s| s.body.contains("</")), "{}: lesson is HTML", entry.lab);
                for s in l.steps.iter().filter_map(|s| s.scenario.as_deref()) {
                    assert!(scenario(s).is_ok(), "{}: step scenario {s}: {:?}", entry.lab, scenario(s).err());
                }
            }
            for file in c.scenario_files() {
                assert_eq!(lab_of_scenario(file), entry.lab);
                assert!(c.scenario(file).is_ok(), "{file}: {:?}", c.scenario(file).err());
            }
            let list = c.challenges().unwrap();
            assert_eq!(list.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), entry.challenges, "{}", entry.lab);
            for ch in list {
                assert!(ch.brief.starts_with("<p>") && !ch.brief.contains("\n\n"), "{} {}: {}", entry.lab, ch.id, ch.brief);
                briefs += 1;
            }
        }
        assert!(briefs >= 20, "{briefs} challenge briefs");
    }

    #[test]
    fn damaged_content_is_an_error_not_a_panic() {
        for bad in ["", "nope", "[]", r#"{"lesson": 5}"#, r#"{"lesson": {"title": "T", "intro": "", "steps": [{"title": 1}]}}"#, r#"{"scenarios": []}"#] {
            assert!(LabContent::parse("x", bad).is_err(), "{bad:?} is refused");
        }
        assert!(LabContent::parse("x", "{}").is_ok_and(|c| c.lesson.is_none() && c.scenario_files().count() == 0));
        let c = LabContent::parse("x", r#"{"scenarios": {"x-a.json": "not json"}, "challenges": {"not": "a list"}}"#).unwrap();
        assert!(c.scenario("x-a.json").is_err() && c.scenario("x-b.json").unwrap_err().0.contains("x-b.json"));
        assert!(c.challenges().unwrap_err().0.contains("challenges/x.json"));
        assert!(scenario("nolab-a.json").unwrap_err().0.contains("nolab-a.json"));
    }
}
