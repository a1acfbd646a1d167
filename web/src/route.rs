//! Hash routes, so the lab works on any static host and under any sub-path:
//! `#/`, `#/lab/<model>`, `#/lab/<model>?s=<share payload>`, `#/lesson/<model>/<step>`,
//! `#/challenge/<model>/<id>`.

/// A page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The catalogue.
    Home,
    /// A lab, optionally from a share link.
    Lab {
        /// Model name.
        model: String,
        /// Share-link payload (`s=`), if any.
        share: Option<String>,
    },
    /// A lesson step (0-based in the URL as 1-based).
    Lesson {
        /// Model name.
        model: String,
        /// Step, 1-based.
        step: usize,
    },
    /// A challenge.
    Challenge {
        /// Model name.
        model: String,
        /// Challenge id.
        id: String,
    },
    /// Two runs of a model side by side (compare mode); `query` as in
    /// [`crate::components::compare::CompareSpec::parse`].
    Compare {
        /// Model name.
        model: String,
        /// `a=key=value&b=key=value&…`, if any.
        query: Option<String>,
    },
    /// Anything else.
    NotFound(String),
}

impl Route {
    /// Parses a location hash (with or without the leading `#`).
    pub fn parse(hash: &str) -> Route {
        let h = hash.trim_start_matches('#');
        let (path, query) = match h.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (h, None),
        };
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [] => Route::Home,
            ["lab", model] => {
                let share = query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("s="))).map(str::to_string);
                Route::Lab { model: model.to_string(), share }
            }
            ["lesson", model] => Route::Lesson { model: model.to_string(), step: 1 },
            ["lesson", model, step] => match step.parse::<usize>() {
                Ok(n) if n >= 1 => Route::Lesson { model: model.to_string(), step: n },
                _ => Route::NotFound(h.to_string()),
            },
            ["compare", model] => Route::Compare { model: model.to_string(), query: query.filter(|q| !q.is_empty()).map(str::to_string) },
            ["challenge", model, id] => Route::Challenge { model: model.to_string(), id: id.to_string() },
            _ => Route::NotFound(h.to_string()),
        }
    }

    /// The hash for this route, with the leading `#`.
    pub fn to_hash(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Lab { model, share: None } => format!("#/lab/{model}"),
            Route::Lab { model, share: Some(s) } => format!("#/lab/{model}?s={s}"),
            Route::Lesson { model, step } => format!("#/lesson/{model}/{step}"),
            Route::Challenge { model, id } => format!("#/challenge/{model}/{id}"),
            Route::Compare { model, query: None } => format!("#/compare/{model}"),
            Route::Compare { model, query: Some(q) } => format!("#/compare/{model}?{q}"),
            Route::NotFound(h) => format!("#{h}"),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for r in [
            Route::Home,
            Route::Lab { model: "raft".into(), share: None },
            Route::Lab { model: "raft".into(), share: Some("1.abc-_".into()) },
            Route::Lesson { model: "balance".into(), step: 3 },
            Route::Challenge { model: "raft".into(), id: "split-vote".into() },
            Route::Compare { model: "balance".into(), query: Some("a=algorithm=round_robin&b=algorithm=p2c".into()) },
        ] {
            assert_eq!(Route::parse(&r.to_hash()), r);
        }
        assert_eq!(Route::parse(""), Route::Home);
        assert!(matches!(Route::parse("#/lesson/raft/0"), Route::NotFound(_)));
    }
}
