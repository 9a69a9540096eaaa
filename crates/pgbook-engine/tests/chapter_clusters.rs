//! Every chapter on a scratch cluster of its own: chapters that change cluster-wide state
//! (roles, `ALTER SYSTEM`, transaction ids) do not see each other, whichever runs first
//! and however many run at once, and a chapter's database has the same name on every run.

mod common;

use std::sync::{Mutex, MutexGuard};

use pgbook_book::ChapterOutcome;

use common::{chapter, engine};

/// The tests of this file one at a time, so that one can count what another left.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a new user writes in two chapters: the same role, a cluster-wide setting, and
/// what the cluster says about itself.
const CLUSTER_WIDE: &str = "```sql\nCREATE ROLE app_reader;\n\
    ALTER SYSTEM SET work_mem = '7MB';\nSELECT pg_reload_conf();\n```\n\n\
    ```sql\nSELECT txid_current();\nSELECT current_database();\n\
    SELECT count(*) FROM pg_roles WHERE rolname LIKE 'app%';\n\
    SELECT count(*) FROM pg_database;\n```\n";

fn transcripts(outcome: &ChapterOutcome) -> Vec<String> {
    outcome
        .snippets
        .iter()
        .map(|s| s.as_ref().expect("executed").transcript.clone())
        .collect()
}

#[test]
fn chapters_changing_cluster_wide_state_do_not_see_each_other() {
    let _turn = one_at_a_time();
    let a = chapter("guide/roles-a", CLUSTER_WIDE);
    let b = chapter("guide/roles-b", CLUSTER_WIDE);
    let c = chapter("guide/roles-c", CLUSTER_WIDE);
    let mut first: Option<Vec<Vec<String>>> = None;
    for _ in 0..3 {
        let runs: Vec<Vec<String>> = engine()
            .run_chapters(&[&a, &b, &c])
            .into_iter()
            .map(|r| transcripts(&r.expect("chapter ran")))
            .collect();
        for run in &runs {
            assert!(!run.join("").contains("ERROR"), "{run:#?}");
            assert!(
                run[1].contains("-------\n     1\n"),
                "one app role: {}",
                run[1]
            );
        }
        // The same transaction ids and counts in each chapter: only the name differs.
        let normalised: Vec<String> = runs
            .iter()
            .map(|run| {
                run[1]
                    .replace("roles_b", "roles_a")
                    .replace("roles_c", "roles_a")
            })
            .collect();
        assert_eq!(normalised[0], normalised[1]);
        assert_eq!(normalised[0], normalised[2]);
        assert!(runs[0][1].contains(" guide_roles_a\n"), "{}", runs[0][1]);
        // And the same on every run.
        match &first {
            None => first = Some(runs),
            Some(first) => assert_eq!(first, &runs),
        }
    }
}

/// This process's run directories in the engine's run base (the tests' default, /dev/shm).
fn our_run_dirs() -> Vec<String> {
    let prefix = format!("pgbook-run-{}-", std::process::id());
    let base = engine()
        .scratch_cluster()
        .expect("a scratch engine")
        .socket_dir()
        .parent()
        .expect("run base")
        .to_path_buf();
    let mut names: Vec<String> = std::fs::read_dir(base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&prefix))
        .collect();
    names.sort();
    names
}

#[test]
fn nothing_of_a_chapter_cluster_is_left_once_it_ends() {
    let _turn = one_at_a_time();
    let before = our_run_dirs();
    // Only the engine's reference cluster.
    assert_eq!(before.len(), 1, "{before:?}");
    let outcome = engine()
        .run_chapter(&chapter(
            "leftovers",
            "```sql\nSELECT pg_backend_pid() > 0;\n```\n",
        ))
        .expect("chapter ran");
    assert!(transcripts(&outcome)[0].contains(" t\n"));
    assert_eq!(our_run_dirs(), before);
}
