//! Progress events of a pipeline run: how many chapters will execute, and when each starts
//! and finishes. The pipeline only emits them, through the caller's [`ProgressSink`]; the
//! commands decide whether and how to show them (`crate::progress`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// One thing that happened in the execute stage.
#[derive(Debug, Clone, Copy)]
pub enum ProgressEvent<'a> {
    /// Execution is about to begin: this many chapters with this many snippets will run.
    Planned { chapters: usize, snippets: usize },
    /// A chapter began running (its path as shown in diagnostics).
    Started { path: &'a Path },
    /// A chapter's snippets have run; `snippets` is how many it has.
    Finished { path: &'a Path, snippets: usize },
}

/// Where progress events go. Called from the engine's worker threads, so it must be cheap
/// and thread-safe.
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Arc<Listener>>);

type Listener = dyn Fn(ProgressEvent<'_>) + Send + Sync;

impl ProgressSink {
    pub fn new(f: impl Fn(ProgressEvent<'_>) + Send + Sync + 'static) -> ProgressSink {
        ProgressSink(Some(Arc::new(f)))
    }

    pub(crate) fn emit(&self, event: ProgressEvent<'_>) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressSink(..)"
        } else {
            "ProgressSink(none)"
        })
    }
}
