//! Running a chapter that uses nodes (DESIGN.md §10): each node a scratch cluster of the
//! chapter's own, created just before the snippet that first uses it (empty, a streaming
//! standby, or a restore of an earlier backup), restarted before a `restart` snippet,
//! backed up after a `backup` snippet; and before a snippet on a standby, a wait until it
//! has replayed everything its upstream had written (unless replay is paused, it was
//! promoted or its `primary_conninfo` is empty), failing the snippet if that does not happen
//! within its statement timeout.
//!
//! Each node has its own scheduler (its sessions, its lock monitor): locks never cross
//! servers. Steps still run in document order across nodes. One wait does cross them: a
//! commit on a node waiting for a synchronous standby, which a step on the standby ends by
//! connecting its walreceiver again; after each step on a standby whose upstream has
//! `synchronous_standby_names`, the walreceiver is let to stop or stream as the step left
//! `primary_conninfo`, and the upstream's waiting commits complete during that step. A node problem (a creation
//! that failed, a standby that did not catch up) fails that snippet, as SQL errors do, and
//! the chapter goes on. This module decides *when* node work happens; how clusters are
//! made is `cluster`'s, how statements run is the scheduler's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pgbook_book::node_attrs::{RecoveryTarget, Restart, TargetValue};
use pgbook_book::{Chapter, SnippetOutcome};
use pgbook_psql::{Command, ConnectOptions};

use nix::sys::signal::Signal;

use crate::cluster::{
    cleanup, connect_options_in, server_log_in, Backup, RestoreTarget, WalArchive,
};
use crate::database::{cluster_admin, create_chapter_database};
use crate::nodes::{NodeOrigin, NodePlan};
use crate::scheduler::{Scheduler, SharedVariables};
use crate::steps::Step;
use crate::{ClusterTemplate, EngineError, ScratchCluster, ScratchDir};

/// Settings of every node of a chapter with nodes: full-page writes (backups and standbys
/// of a running cluster need them) and commits that reach the WAL before they return (so
/// what a snippet committed is what a standby, a backup or a crash sees, and synchronous
/// replication waits).
fn node_settings(archive: Option<&WalArchive>) -> Vec<(String, String)> {
    match archive {
        Some(archive) => archive.settings(),
        None => vec![
            ("full_page_writes".into(), "on".into()),
            ("synchronous_commit".into(), "on".into()),
        ],
    }
}

/// Runs `chapter`'s snippets (split beforehand) on the nodes of `plan`.
pub(crate) fn run_with_nodes(
    template: &ClusterTemplate,
    chapter: &Chapter,
    plans: Vec<Option<Vec<Command>>>,
    plan: &NodePlan,
    database: &str,
    server_version_num: u32,
    default_timeout: Duration,
) -> Result<Vec<Option<SnippetOutcome>>, EngineError> {
    let count = plan.nodes.len();
    // Directories (and so connection options) first: schedulers borrow the options while
    // the clusters behind them come and go.
    let mut dirs: Vec<Option<ScratchDir>> = Vec::with_capacity(count);
    for _ in 0..count {
        dirs.push(Some(template.new_run_dir("node")?));
    }
    let options: Vec<ConnectOptions> = dirs
        .iter()
        .map(|d| connect_options_in(d.as_ref().expect("made above").path(), database))
        .collect();
    let logs: Vec<PathBuf> = dirs
        .iter()
        .map(|d| server_log_in(d.as_ref().expect("made above").path()))
        .collect();
    let archive = match plan.archiving.is_empty() {
        true => None,
        false => Some(template.new_archive()?),
    };
    let index_of = |name: &str| plan.nodes.iter().position(|n| n.name == name);
    let mut clusters: Vec<Option<ScratchCluster>> = (0..count).map(|_| None).collect();
    let mut schedulers: Vec<Option<Scheduler>> = (0..count).map(|_| None).collect();
    let mut backups: BTreeMap<String, (Backup, usize)> = BTreeMap::new();
    let mut outcomes: Vec<Option<SnippetOutcome>> = (0..plans.len()).map(|_| None).collect();
    let concurrent = concurrent_nodes(chapter, plan);
    let has_standbys: Vec<bool> = plan
        .nodes
        .iter()
        .map(|node| {
            plan.nodes.iter().any(
                |other| matches!(&other.origin, NodeOrigin::Standby { upstream } if *upstream == node.name),
            )
        })
        .collect();
    let mut hooks = CancelHooks(Vec::new());
    // Variables belong to the chapter, not to a node (DESIGN.md §4).
    let variables = SharedVariables::default();

    for (index, (snippet, statements)) in chapter.snippets.iter().zip(plans).enumerate() {
        let Some(statements) = statements else {
            continue;
        };
        let timeout = snippet.attrs.timeout.unwrap_or(default_timeout);
        let node = index_of(snippet.attrs.nodes.node_name()).expect("planned");
        let mut problem = None;
        for (i, spec) in plan.nodes.iter().enumerate() {
            let due = spec.created_before == index || (i == 0 && clusters[0].is_none());
            if !due || clusters[i].is_some() || dirs[i].is_none() {
                continue;
            }
            let dir = dirs[i].take().expect("checked");
            let archiving = plan.archiving.contains(&spec.name);
            let made = match &spec.origin {
                NodeOrigin::Main | NodeOrigin::Empty => template
                    .start_in(dir, &node_settings(archive.as_ref().filter(|_| archiving)))
                    .and_then(|c| {
                        create_chapter_database(&c, database, server_version_num).map(|()| c)
                    }),
                NodeOrigin::Standby { upstream } => {
                    match index_of(upstream).and_then(|u| clusters[u].as_ref()) {
                        Some(up) => template
                            .start_standby_in(dir, up, &spec.name)
                            .map(|(c, _)| c),
                        None => Err(not_running(upstream)),
                    }
                }
                NodeOrigin::Restore {
                    backup,
                    source,
                    until,
                } => restore(
                    template,
                    dir,
                    &backups,
                    backup,
                    source,
                    until.as_ref(),
                    archive.as_ref(),
                    &clusters,
                    &index_of,
                ),
            };
            match made {
                Ok(cluster) => {
                    // A cancelled run stops the node at once, ending its statements.
                    let pid = cluster.postmaster_pid();
                    hooks.0.push(cleanup::register_hook(Box::new(move || {
                        if let Some(pid) = pid {
                            cleanup::signal_process(pid, Signal::SIGINT);
                        }
                    })));
                    clusters[i] = Some(cluster);
                }
                Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                Err(e) => problem = Some(format!("cannot create node {}: {e}", spec.name)),
            }
        }
        if problem.is_none() {
            problem = prepare_node(
                snippet.attrs.nodes.restart,
                node,
                plan,
                &mut clusters,
                &mut schedulers,
                &mut outcomes,
                timeout,
            );
        }
        if let Some(problem) = problem {
            outcomes[index] = Some(Step::failed(problem));
            continue;
        }
        let scheduler = schedulers[node].get_or_insert_with(|| {
            let scheduler = Scheduler::sharing(
                &options[node],
                outcomes.len(),
                concurrent[node],
                variables.clone(),
                Some(logs[node].clone()),
            );
            match has_standbys[node] {
                true => scheduler.watching_sync_rep(),
                false => scheduler,
            }
        });
        scheduler.run_step(
            index,
            snippet.line,
            snippet.attrs.session_name(),
            statements,
            timeout,
        );
        if let NodeOrigin::Standby { upstream } = &plan.nodes[node].origin {
            if let Some(up) = index_of(upstream) {
                settle_sync_rep(
                    index,
                    (up, node),
                    &plan.nodes[node].name,
                    &clusters,
                    &mut schedulers,
                    timeout,
                );
            }
        }
        if let (Some(name), Some(cluster)) = (&snippet.attrs.nodes.backup, clusters[node].as_ref())
        {
            match template.take_backup(cluster, name) {
                Ok(backup) => {
                    backups.insert(name.clone(), (backup, node));
                }
                Err(e) => {
                    let failed = Step::failed(format!("cannot take backup {name}: {e}"));
                    outcomes[index].get_or_insert(failed);
                }
            }
        }
    }
    for scheduler in schedulers.into_iter().flatten() {
        merge(&mut outcomes, scheduler.finish());
    }
    drop(hooks);
    // Standbys before their upstreams: a walreceiver whose upstream went first would
    // only log reconnection attempts until it is stopped too.
    for cluster in clusters.into_iter().rev().flatten() {
        cluster.discard();
    }
    Ok(outcomes)
}

/// The cancel hooks of the chapter's nodes, forgotten however the chapter ends.
struct CancelHooks(Vec<u64>);

impl Drop for CancelHooks {
    fn drop(&mut self) {
        for hook in self.0.drain(..) {
            cleanup::unregister_hook(hook);
        }
    }
}

fn not_running(node: &str) -> EngineError {
    EngineError::UnexpectedAnswer {
        what: format!("node {node}"),
        answer: "not running".into(),
    }
}

/// Restarts the snippet's node if asked (its sessions start afresh), then waits for a
/// standby to catch up. Returns what went wrong, if anything.
fn prepare_node(
    restart: Option<Restart>,
    node: usize,
    plan: &NodePlan,
    clusters: &mut [Option<ScratchCluster>],
    schedulers: &mut [Option<Scheduler>],
    outcomes: &mut [Option<SnippetOutcome>],
    timeout: Duration,
) -> Option<String> {
    let name = &plan.nodes[node].name;
    if clusters[node].is_none() {
        return Some(format!("node {name} is not running: its creation failed"));
    }
    if let Some(restart) = restart {
        if let Some(scheduler) = schedulers[node].take() {
            merge(outcomes, scheduler.finish());
        }
        let cluster = clusters[node].as_mut().expect("checked");
        if let Err(e) = cluster.restart(restart == Restart::Immediate) {
            return Some(format!("cannot restart node {name}: {e}"));
        }
    }
    // A cascading standby's upstream catches up first, from the top of the chain down, so
    // the snippet sees what the primary had written when it was reached.
    let mut chain = vec![node];
    while let NodeOrigin::Standby { upstream } =
        &plan.nodes[*chain.last().expect("not empty")].origin
    {
        match plan.nodes.iter().position(|n| &n.name == upstream) {
            Some(up) if !chain.contains(&up) => chain.push(up),
            _ => break,
        }
    }
    for pair in chain.windows(2).rev() {
        let (down, up) = (pair[0], pair[1]);
        let (Some(upstream), Some(standby)) = (clusters[up].as_ref(), clusters[down].as_ref())
        else {
            return Some(format!("node {} is not running", plan.nodes[up].name));
        };
        if let Err(e) = catch_up(upstream, standby, timeout) {
            let (down, up) = (&plan.nodes[down].name, &plan.nodes[up].name);
            return Some(format!("node {down} did not catch up with {up}: {e}"));
        }
    }
    None
}

/// After step `index` ran on a standby (`nodes` = (upstream, standby), `name` its
/// `application_name`), when its upstream has `synchronous_standby_names`: waits until the
/// standby's walreceiver has stopped or streams, as its `primary_conninfo` now says — so a
/// commit in the next step waits, or does not, on every run — and then lets the upstream's
/// commits waiting for a synchronous standby finish during this step while one streams.
/// Waits at most `timeout`; a problem here leaves the waits to their statement timeouts.
fn settle_sync_rep(
    index: usize,
    (up, down): (usize, usize),
    name: &str,
    clusters: &[Option<ScratchCluster>],
    schedulers: &mut [Option<Scheduler>],
    timeout: Duration,
) {
    let (Some(upstream), Some(standby)) = (clusters[up].as_ref(), clusters[down].as_ref()) else {
        return;
    };
    let (Ok(mut up_admin), Ok(mut down_admin)) = (cluster_admin(upstream), cluster_admin(standby))
    else {
        return;
    };
    let synchronous = up_admin
        .query_one(
            "SELECT pg_catalog.current_setting('synchronous_standby_names') <> ''",
            &[],
        )
        .is_ok_and(|row| row.get::<_, bool>(0));
    if !synchronous {
        return;
    }
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let wants_stream = down_admin
            .query_one(
                "SELECT pg_catalog.pg_is_in_recovery() \
                     AND pg_catalog.current_setting('primary_conninfo') <> ''",
                &[],
            )
            .map(|row| row.get::<_, bool>(0));
        let state = up_admin
            .query_opt(
                "SELECT state FROM pg_catalog.pg_stat_replication WHERE application_name = $1",
                &[&name],
            )
            .map(|row| row.map(|r| r.get::<_, Option<String>>(0)));
        match (wants_stream, state) {
            (Ok(true), Ok(Some(Some(state)))) if state == "streaming" => break,
            (Ok(false), Ok(None)) => break,
            (Ok(_), Ok(_)) => std::thread::sleep(Duration::from_millis(2)),
            _ => return,
        }
    }
    if let Some(scheduler) = schedulers[up].as_mut() {
        if scheduler.has_sync_rep_waits() {
            scheduler.release_sync_rep_waits(index, deadline, || {
                up_admin
                    .query_one(
                        "SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_replication \
                             WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum'))",
                        &[],
                    )
                    .is_ok_and(|row| row.get::<_, bool>(0))
            });
        }
    }
}

/// Waits until `standby` has replayed what `upstream` had written (its flush position, or
/// what it had replayed itself if it is a standby too) — unless `standby` was promoted or
/// its replay is paused. Not the insert position: after a segment switch (which ends every
/// `pg_basebackup`) it stands past the new segment's page header, which a standby replays only
/// when the next record comes, up to 15 s later.
fn catch_up(
    upstream: &ScratchCluster,
    standby: &ScratchCluster,
    timeout: Duration,
) -> Result<(), String> {
    let mut up = cluster_admin(upstream).map_err(|e| e.to_string())?;
    let lsn: String = up
        .query_one(
            "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() \
                     ELSE pg_current_wal_flush_lsn() END)::text",
            &[],
        )
        .map_err(|e| e.to_string())?
        .get(0);
    let mut down = cluster_admin(standby).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    loop {
        let row = down
            .query_one(
                "SELECT NOT pg_is_in_recovery() \
                     OR pg_is_wal_replay_paused() \
                     OR current_setting('primary_conninfo') = '' \
                     OR coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)",
                &[&lsn],
            )
            .map_err(|e| e.to_string())?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("it had not replayed up to {lsn} after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[allow(clippy::too_many_arguments)]
fn restore(
    template: &ClusterTemplate,
    dir: ScratchDir,
    backups: &BTreeMap<String, (Backup, usize)>,
    backup: &str,
    source: &str,
    until: Option<&RecoveryTarget>,
    archive: Option<&WalArchive>,
    clusters: &[Option<ScratchCluster>],
    index_of: &dyn Fn(&str) -> Option<usize>,
) -> Result<ScratchCluster, EngineError> {
    let (Some((backup, _)), Some(archive)) = (backups.get(backup), archive) else {
        return Err(not_running(&format!("backup {backup}")));
    };
    let literal = |v: &TargetValue| match v {
        TargetValue::Literal(text) => Ok(text.clone()),
        TargetValue::Variable(name) => Err(EngineError::UnexpectedAnswer {
            what: format!("the recovery target :{name}"),
            answer: "chapter variables are not available yet".into(),
        }),
    };
    let target = match until {
        None => RestoreTarget::End,
        Some(RecoveryTarget::Immediate) => RestoreTarget::Immediate,
        Some(RecoveryTarget::Name(name)) => RestoreTarget::Name(name.clone()),
        Some(RecoveryTarget::Lsn(v)) => RestoreTarget::Lsn(literal(v)?),
        Some(RecoveryTarget::Xid(v)) => RestoreTarget::Xid(literal(v)?),
        Some(RecoveryTarget::Time(v)) => RestoreTarget::Time(literal(v)?),
    };
    // Everything the source wrote so far must be in the archive.
    if let Some(source) = index_of(source).and_then(|i| clusters[i].as_ref()) {
        source.archive_now()?;
    }
    template
        .start_restored_in(dir, backup, archive, &target)
        .map(|(cluster, _)| cluster)
}

/// Per node, whether more than one session runs on it.
fn concurrent_nodes(chapter: &Chapter, plan: &NodePlan) -> Vec<bool> {
    plan.nodes
        .iter()
        .map(|node| {
            let sessions: std::collections::BTreeSet<&str> = chapter
                .snippets
                .iter()
                .filter(|s| !s.attrs.ignore && s.attrs.nodes.node_name() == node.name)
                .map(|s| s.attrs.session_name())
                .collect();
            sessions.len() > 1
        })
        .collect()
}

fn merge(into: &mut [Option<SnippetOutcome>], from: Vec<Option<SnippetOutcome>>) {
    for (slot, outcome) in into.iter_mut().zip(from) {
        if let Some(outcome) = outcome {
            *slot = Some(outcome);
        }
    }
}
