//! Lessons, scenarios and challenges compiled into the app (see `build.rs`).

use distlab_core::challenge::{self, Challenge};
use distlab_core::scenario::{Scenario, ScenarioError};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/content.rs"));
}
pub use generated::{CHALLENGES, SCENARIOS};

/// A scenario file's text by file name (`election.json`, or `scenarios/election.json`).
pub fn scenario_text(file: &str) -> Option<&'static str> {
    let file = file.trim().rsplit('/').next().unwrap_or(file);
    SCENARIOS.iter().find(|(name, _)| *name == file).map(|(_, text)| *text)
}

/// Parses a scenario file by name; the error names the file.
pub fn scenario(file: &str) -> Result<Scenario, ScenarioError> {
    let text = scenario_text(file).ok_or_else(|| ScenarioError(format!("no scenario file named \"{file}\" in content/scenarios/")))?;
    Scenario::parse(text).map_err(|e| ScenarioError(format!("{file}: {}", e.0)))
}

pub use crate::lesson_format::{parse_lesson, Lesson, LessonStep};

/// The lesson for a model, if there is one, with its intro and step bodies as HTML (rendered
/// at build time).
pub fn lesson(model: &str) -> Option<Lesson> {
    let file = format!("{model}.md");
    generated::LESSONS.iter().find(|l| l.0 == file).map(|&(_, title, intro, steps)| Lesson {
        title: title.into(),
        intro: intro.into(),
        steps: steps.iter().map(|&(title, scenario, body)| LessonStep { title: title.into(), scenario: scenario.map(Into::into), body: body.into() }).collect(),
    })
}

/// The challenges for a model (empty if none); a broken file is an error naming it. Each
/// `brief` is HTML here (rendered from the file's Markdown at build time, see `build.rs`).
pub fn challenges(model: &str) -> Result<Vec<Challenge>, ScenarioError> {
    let file = format!("{model}.json");
    match CHALLENGES.iter().find(|(n, _)| *n == file) {
        Some((_, text)) => challenge::parse(text).map_err(|e| ScenarioError(format!("challenges/{file}: {}", e.0))),
        None => Ok(Vec::new()),
    }
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
    fn built_in_files_parse_and_briefs_are_html() {
        for (file, _) in SCENARIOS {
            assert!(scenario(file).is_ok(), "{file}: {:?}", scenario(file).err());
        }
        let mut briefs = 0;
        for (file, _) in CHALLENGES {
            for c in challenges(file.trim_end_matches(".json")).unwrap() {
                assert!(c.brief.starts_with("<p>") && !c.brief.contains("\n\n"), "{file} {}: {}", c.id, c.brief);
                briefs += 1;
            }
        }
        assert!(briefs >= 20, "{briefs} challenge briefs");
    }
}
