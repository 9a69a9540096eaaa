//! Watches the book's sources and reports, debounced, that something an author changed.
//!
//! Only sources count: the paths the pipeline names (book.toml, the chapters, snippets, the
//! theme). Access/open events, metadata-only changes, the output directories, hidden files and
//! editor scratch files (`.swp`, `~`, `4913`, `.#x`, …) are ignored, so a build never triggers
//! another one. Single files are watched through their directory, which survives editors that
//! save by writing a new file and renaming it over the old one. This module never builds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

/// How long a burst of events (an editor's write + rename + delete) may last before a
/// rebuild starts. Short, because it is paid on every save.
pub const DEBOUNCE: Duration = Duration::from_millis(25);

/// Decides which changed paths are the author's sources.
#[derive(Debug)]
pub struct SourceFilter {
    root: PathBuf,
    sources: RwLock<Vec<PathBuf>>,
    ignored: Vec<PathBuf>,
}

impl SourceFilter {
    /// `root` is the book's (absolute) directory; `ignored` are directories whose changes never
    /// matter even when they lie under a source (the output and cache directories).
    pub fn new(root: &Path, ignored: Vec<PathBuf>) -> SourceFilter {
        SourceFilter {
            root: root.to_path_buf(),
            sources: RwLock::new(Vec::new()),
            ignored,
        }
    }

    fn set_sources(&self, sources: &[PathBuf]) {
        *self.sources.write().unwrap_or_else(|e| e.into_inner()) = sources.to_vec();
    }

    /// Whether an event is worth a rebuild.
    pub fn is_relevant(&self, event: &notify::Event) -> bool {
        let content_may_differ = !matches!(
            event.kind,
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
        );
        content_may_differ && event.paths.iter().any(|path| self.is_source(path))
    }

    /// Whether `path` is (under) a source and not something to ignore.
    pub fn is_source(&self, path: &Path) -> bool {
        if self.ignored.iter().any(|dir| path.starts_with(dir)) {
            return false;
        }
        let hidden = path.strip_prefix(&self.root).is_ok_and(|relative| {
            relative
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        });
        if hidden
            || path
                .file_name()
                .is_some_and(|n| is_editor_scratch(&n.to_string_lossy()))
        {
            return false;
        }
        let sources = self.sources.read().unwrap_or_else(|e| e.into_inner());
        sources.iter().any(|source| path.starts_with(source))
    }
}

/// Files editors write next to the one being edited: swap files, backups, lock files, vim's
/// `4913` write probe, JetBrains' and Chromium's temporary copies.
pub fn is_editor_scratch(name: &str) -> bool {
    const SUFFIXES: [&str; 9] = [
        "~",
        ".swp",
        ".swo",
        ".swx",
        ".swpx",
        ".tmp",
        ".bak",
        ".crswap",
        ".kate-swp",
    ];
    name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
        || name.contains("___jb_")
        || SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// The running watcher. Dropping it stops watching.
pub struct SourceWatcher {
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    filter: Arc<SourceFilter>,
    watching: BTreeSet<(PathBuf, bool)>,
}

impl SourceWatcher {
    /// Starts watching; every relevant debounced batch sends `on_change()` into `sender`.
    pub fn start<M: Send + 'static>(
        filter: SourceFilter,
        sender: Sender<M>,
        on_change: fn(Vec<PathBuf>) -> M,
    ) -> anyhow::Result<SourceWatcher> {
        let filter = Arc::new(filter);
        let handler_filter = Arc::clone(&filter);
        let handler = move |result: DebounceEventResult| match result {
            Ok(events) => {
                let changed: Vec<PathBuf> = events
                    .iter()
                    .filter(|event| handler_filter.is_relevant(event))
                    .flat_map(|event| event.paths.iter().cloned())
                    .collect();
                if !changed.is_empty() {
                    let _ = sender.send(on_change(changed));
                }
            }
            Err(errors) => {
                for error in errors {
                    eprintln!("pgbook serve: watching: {error}");
                }
            }
        };
        let debouncer = new_debouncer(DEBOUNCE, None, handler)?;
        Ok(SourceWatcher {
            debouncer,
            filter,
            watching: BTreeSet::new(),
        })
    }

    /// Makes the watched set cover `sources` (called after every build, since a missing
    /// directory such as `snippets/` may have appeared).
    pub fn sync(&mut self, sources: &[PathBuf]) {
        self.filter.set_sources(sources);
        for source in sources {
            let Some((path, recursive)) = watch_target(source) else {
                continue;
            };
            if self.watching.contains(&(path.clone(), recursive)) {
                continue;
            }
            let mode = if recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            match self.debouncer.watch(&path, mode) {
                Ok(()) => {
                    self.watching.insert((path, recursive));
                }
                Err(error) => eprintln!("pgbook serve: cannot watch {}: {error}", path.display()),
            }
        }
    }
}

/// A directory is watched with everything under it; a file (or a path that does not exist
/// yet) through its parent directory, so replacing or creating it is seen.
fn watch_target(source: &Path) -> Option<(PathBuf, bool)> {
    if source.is_dir() {
        return Some((source.to_path_buf(), true));
    }
    let parent = source.parent()?;
    parent.is_dir().then(|| (parent.to_path_buf(), false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind};

    fn filter() -> SourceFilter {
        let filter = SourceFilter::new(
            Path::new("/b"),
            vec![PathBuf::from("/b/book"), PathBuf::from("/tmp/site")],
        );
        filter.set_sources(&[
            PathBuf::from("/b/book.toml"),
            PathBuf::from("/b/content"),
            PathBuf::from("/b/snippets"),
        ]);
        filter
    }

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn sources_count_and_the_rest_does_not() {
        let filter = filter();
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let relevant = [
            "/b/book.toml",
            "/b/content/intro.md",
            "/b/content/part/deep.md",
            "/b/snippets/fixture.sql",
            "/b/content/2024.md",
        ];
        for path in relevant {
            assert!(filter.is_relevant(&event(write, path)), "{path}");
        }
        let irrelevant = [
            "/b/book/index.html",
            "/b/.pgbook-cache/results/x.json",
            "/b/content/.intro.md.swp",
            "/b/content/intro.md~",
            "/b/content/4913",
            "/b/content/.#intro.md",
            "/b/content/#intro.md#",
            "/b/content/intro.md___jb_tmp___",
            "/b/README.md",
            "/b/theme/x.css",
            "/tmp/site/index.html",
        ];
        for path in irrelevant {
            assert!(!filter.is_relevant(&event(write, path)), "{path}");
        }
    }

    #[test]
    fn reading_a_file_or_touching_its_metadata_is_not_a_change() {
        let filter = filter();
        let path = "/b/content/intro.md";
        assert!(!filter.is_relevant(&event(EventKind::Access(AccessKind::Any), path)));
        let chmod = EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions));
        assert!(!filter.is_relevant(&event(chmod, path)));
        assert!(filter.is_relevant(&event(EventKind::Create(CreateKind::File), path)));
    }

    #[test]
    fn a_rename_counts_when_either_side_is_a_source() {
        let filter = filter();
        let rename = notify::Event::new(EventKind::Modify(ModifyKind::Name(
            notify::event::RenameMode::Both,
        )))
        .add_path(PathBuf::from("/b/content/intro.md.tmp"))
        .add_path(PathBuf::from("/b/content/intro.md"));
        assert!(filter.is_relevant(&rename));
    }
}
