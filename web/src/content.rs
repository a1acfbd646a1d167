//! Lessons, scenarios and challenges compiled into the app (see `build.rs`).

use distlab_core::challenge::{self, Challenge};
use distlab_core::scenario::{Scenario, ScenarioError};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/content.rs"));
}
pub use generated::{CHALLENGES, LESSONS, SCENARIOS};

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

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonStep {
    /// Heading.
    pub title: String,
    /// Scenario file behind the step.
    pub scenario: Option<String>,
    /// Markdown prose.
    pub body: String,
}

/// A lesson: `# Title`, an intro, then `## Step` sections whose first line is `scenario: <file>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Title.
    pub title: String,
    /// Markdown before the first step.
    pub intro: String,
    /// Steps.
    pub steps: Vec<LessonStep>,
}

/// Parses a lesson file.
pub fn parse_lesson(text: &str) -> Lesson {
    let mut lesson = Lesson { title: String::new(), intro: String::new(), steps: Vec::new() };
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(t) = line.strip_prefix("## ") {
                lesson.steps.push(LessonStep { title: t.trim().into(), scenario: None, body: String::new() });
                continue;
            }
            if lesson.title.is_empty() && lesson.steps.is_empty() {
                if let Some(t) = line.strip_prefix("# ") {
                    lesson.title = t.trim().into();
                    continue;
                }
            }
        }
        match lesson.steps.last_mut() {
            Some(step) => {
                if step.scenario.is_none() && step.body.trim().is_empty() {
                    if let Some(file) = trimmed.strip_prefix("scenario:") {
                        step.scenario = Some(file.trim().into());
                        continue;
                    }
                }
                step.body.push_str(line);
                step.body.push('\n');
            }
            None => {
                lesson.intro.push_str(line);
                lesson.intro.push('\n');
            }
        }
    }
    lesson
}

/// The lesson for a model, if there is one.
pub fn lesson(model: &str) -> Option<Lesson> {
    let file = format!("{model}.md");
    LESSONS.iter().find(|(n, _)| *n == file).map(|(_, t)| parse_lesson(t))
}

/// The challenges for a model (empty if none); a broken file is an error naming it.
pub fn challenges(model: &str) -> Result<Vec<Challenge>, ScenarioError> {
    let file = format!("{model}.json");
    match CHALLENGES.iter().find(|(n, _)| *n == file) {
        Some((_, text)) => challenge::parse(text).map_err(|e| ScenarioError(format!("challenges/{file}: {}", e.0))),
        None => Ok(Vec::new()),
    }
}

/// Markdown to HTML (tables, strikethrough; raw HTML in the source is escaped).
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|ev| match ev {
        // Content is ours, but escape inline HTML anyway so a typo cannot break the page.
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
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
    fn escapes_html() {
        assert!(!markdown("<script>x</script>").contains("<script>"));
        assert!(markdown("**b**").contains("<strong>b</strong>"));
    }
}
