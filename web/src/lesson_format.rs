//! The lesson file format, shared by the app and `build.rs` (which pre-renders the Markdown).
//! `# Title`, an intro, then one `## Step title` per step whose first line is
//! `scenario: <file>.json` (a file in content/scenarios/), then Markdown prose.

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonStep {
    /// Heading.
    pub title: String,
    /// Scenario file behind the step.
    pub scenario: Option<String>,
    /// Prose: Markdown in the file; HTML (rendered at build time) in the lab's content file (`content::LabContent`).
    pub body: String,
}

/// A lesson: `# Title`, an intro, then `## Step` sections whose first line is `scenario: <file>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Title.
    pub title: String,
    /// What comes before the first step: Markdown in the file; HTML in the lab's content file (`content::LabContent`).
    pub intro: String,
    /// Steps.
    pub steps: Vec<LessonStep>,
}

/// Parses a lesson file. Headings inside code fences are prose, not steps.
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
