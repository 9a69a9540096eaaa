//! Running a chapter that uses nodes (DESIGN.md §10): each node a scratch cluster of the
//! chapter's own, created just before the snippet that first uses it (empty, a streaming
//! standby, or a restore of an earlier backup), restarted before a `restart` snippet,
//! backed up after a `backup` snippet; and before a snippet on a node that receives changes
//! (a standby, a subscriber) a wait until it has them (`catch_up.rs`: unless replay is
//! paused, the standby was promoted or its `primary_conninfo` is empty), failing the snippet
//! if that does not happen within its statement timeout. Each node's connection string is
//! published as the chapter variable `NAME_conninfo` when it is created, `until=` targets
//! written as variables are read when their node is created, `[execute] role` is made on
//! every writable node, and what was done to each node is recorded for the page
//! (`record.rs`).
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

mod catch_up;
mod record;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pgbook_book::node_attrs::{RecoveryTarget, Restart, TargetValue};
use pgbook_book::{Chapter, NodeActionKind, NodeRecord, Snippet, SnippetOutcome, Subscription};
use pgbook_psql::{Command, ConnectOptions};

use nix::sys::signal::Signal;

use crate::cluster::{
    cleanup, connect_options_in, server_log_in, Backup, RestoreTarget, WalArchive, PORT,
};
use crate::database::{cluster_admin, create_chapter_database};
use crate::nodes::{NodeOrigin, NodePlan};
use crate::role;
use crate::scheduler::{Scheduler, SharedVariables};
use crate::steps::Step;
use crate::{ClusterTemplate, EngineError, ScratchCluster, ScratchDir};

use record::{placeholder, shell_line, Action, Recorder};

/// What running a chapter with nodes produced: the snippets' outcomes, and what was done to
/// each node.
pub(crate) struct NodeRun {
    pub outcomes: Vec<Option<SnippetOutcome>>,
    pub nodes: Vec<NodeRecord>,
}

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

/// Everything about the chapter that stays the same while its nodes run.
pub(crate) struct NodeChapter<'a> {
    pub template: &'a ClusterTemplate,
    pub chapter: &'a Chapter,
    pub plan: &'a NodePlan,
    pub database: &'a str,
    pub server_version_num: u32,
    pub default_timeout: Duration,
    /// `[execute] role`: sessions connect as it, and it is made on every writable node.
    pub role: Option<&'a str>,
}

/// Runs the chapter's snippets (split beforehand into `plans`) on the nodes of its plan.
pub(crate) fn run_with_nodes(
    run: &NodeChapter,
    plans: Vec<Option<Vec<Command>>>,
) -> Result<NodeRun, EngineError> {
    let NodeChapter {
        template,
        chapter,
        plan,
        database,
        ..
    } = *run;
    let count = plan.nodes.len();
    // Directories (and so connection options) first: schedulers borrow the options while
    // the clusters behind them come and go.
    let mut dirs: Vec<Option<ScratchDir>> = Vec::with_capacity(count);
    for _ in 0..count {
        dirs.push(Some(template.new_run_dir("node")?));
    }
    let socket_dirs: Vec<std::path::PathBuf> = dirs
        .iter()
        .map(|d| d.as_ref().expect("made above").path().to_path_buf())
        .collect();
    let options: Vec<ConnectOptions> = socket_dirs
        .iter()
        .map(|dir| role::connect_as(connect_options_in(dir, database), run.role))
        .collect();
    let logs: Vec<PathBuf> = dirs
        .iter()
        .map(|d| server_log_in(d.as_ref().expect("made above").path()))
        .collect();
    let archive = match plan.archiving.is_empty() {
        true => None,
        false => Some(template.new_archive()?),
    };
    let node_dirs: Vec<(&str, &Path)> = plan
        .nodes
        .iter()
        .zip(&socket_dirs)
        .map(|(n, d)| (n.name.as_str(), d.as_path()))
        .collect();
    let mut recorder = Recorder::new(template.bin_dir(), SUPERUSER, &node_dirs);
    if let Some(archive) = &archive {
        recorder.add_placeholder(archive.path(), "$ARCHIVE", "the WAL archive directory");
    }
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
    let watch_subscriptions = mentions_subscriptions(chapter);

    for (index, (snippet, statements)) in chapter.snippets.iter().zip(plans).enumerate() {
        let Some(statements) = statements else {
            continue;
        };
        let timeout = snippet.attrs.timeout.unwrap_or(run.default_timeout);
        let node = index_of(snippet.attrs.nodes.node_name()).expect("planned");
        let mut problem = None;
        for (i, spec) in plan.nodes.iter().enumerate() {
            let due = spec.created_before == index || (i == 0 && clusters[0].is_none());
            if !due || clusters[i].is_some() || dirs[i].is_none() {
                continue;
            }
            // A target written as a variable is read now, when the node is made.
            let until = match &spec.origin {
                NodeOrigin::Restore {
                    until: Some(until), ..
                } => match until.resolve(|v| variables.borrow().get(v).map(str::to_string)) {
                    Ok(resolved) => Some(resolved),
                    Err(message) => {
                        dirs[i] = None;
                        problem = Some(format!("cannot create node {}: {message}", spec.name));
                        continue;
                    }
                },
                _ => None,
            };
            let dir = dirs[i].take().expect("checked");
            let made = create_node(
                run,
                i,
                dir,
                archive.as_ref(),
                &clusters,
                &backups,
                until,
                &mut recorder,
                index,
            );
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
                    // The superuser's: subscriptions and other servers connect with it.
                    variables.borrow_mut().set(
                        &format!("{}_conninfo", spec.name),
                        conninfo(&socket_dirs[i], database),
                    );
                }
                Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                Err(e) => problem = Some(format!("cannot create node {}: {e}", spec.name)),
            }
        }
        if problem.is_none() {
            if let Some(restart) = snippet.attrs.nodes.restart {
                problem = restart_node(
                    restart,
                    node,
                    plan,
                    &mut clusters,
                    &mut schedulers,
                    &mut outcomes,
                    &mut recorder,
                    index,
                );
            }
        }
        if problem.is_none() {
            problem = catch_up(
                node,
                plan,
                &clusters,
                &socket_dirs,
                watch_subscriptions,
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
        // Recorded as they are made, not only at the end: the topology shows a subscription
        // the chapter drops again.
        if watch_subscriptions && mentions_subscription(snippet) {
            record_subscriptions(plan, &clusters, &socket_dirs, &mut recorder);
        }
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
                    recorder.add_placeholder(
                        &backup.data(),
                        &placeholder(&format!("backup_{name}"), "DIR"),
                        &format!("the directory of backup {name}"),
                    );
                    recorder.did(
                        &plan.nodes[node].name,
                        index,
                        NodeActionKind::BackedUp {
                            backup: name.clone(),
                        },
                        Action {
                            commands: vec![shell_line(&backup.command)],
                            settings: Vec::new(),
                        },
                    );
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
    if watch_subscriptions {
        record_subscriptions(plan, &clusters, &socket_dirs, &mut recorder);
    }
    // Standbys before their upstreams: a walreceiver whose upstream went first would
    // only log reconnection attempts until it is stopped too.
    for cluster in clusters.into_iter().rev().flatten() {
        cluster.discard();
    }
    Ok(NodeRun {
        outcomes,
        nodes: recorder.into_records(),
    })
}

/// The superuser every node's server is initialised with.
const SUPERUSER: &str = "postgres";

/// The connection string of a node's chapter database, as the `NAME_conninfo` variable.
fn conninfo(socket_dir: &Path, database: &str) -> String {
    format!(
        "host={} port={PORT} user={SUPERUSER} dbname={database}",
        socket_dir.display()
    )
}

/// Whether any snippet could make a subscription: only then are nodes asked for theirs.
fn mentions_subscriptions(chapter: &Chapter) -> bool {
    chapter.snippets.iter().any(mentions_subscription)
}

/// Whether `snippet` could make (or change) a subscription.
fn mentions_subscription(snippet: &Snippet) -> bool {
    !snippet.attrs.ignore && snippet.sql.to_ascii_lowercase().contains("subscription")
}

/// Creates node `i` of the chapter in `dir` (a restore up to `until`, its variables already
/// read), prepares it for the chapter's sessions and records what was done.
#[allow(clippy::too_many_arguments)]
fn create_node(
    run: &NodeChapter,
    i: usize,
    dir: ScratchDir,
    archive: Option<&WalArchive>,
    clusters: &[Option<ScratchCluster>],
    backups: &BTreeMap<String, (Backup, usize)>,
    until: Option<RecoveryTarget>,
    recorder: &mut Recorder,
    snippet: usize,
) -> Result<ScratchCluster, EngineError> {
    let NodeChapter {
        template,
        plan,
        database,
        ..
    } = *run;
    let spec = &plan.nodes[i];
    let name = spec.name.as_str();
    let index_of = |name: &str| plan.nodes.iter().position(|n| n.name == name);
    let running = |node: &str| index_of(node).and_then(|u| clusters[u].as_ref());
    let start = [recorder.pg_ctl(name, "start")];
    match &spec.origin {
        NodeOrigin::Main | NodeOrigin::Empty => {
            let archiving = archive.filter(|_| plan.archiving.contains(&spec.name));
            let settings = node_settings(archiving);
            let cluster = template.start_in(dir, &settings)?;
            create_chapter_database(&cluster, database, run.server_version_num)?;
            let mut commands = vec![format!(
                "initdb --pgdata={} {}",
                placeholder(name, "DATA"),
                template.initdb_args().join(" ")
            )];
            commands.extend(start);
            commands.push(format!("createdb {} {database}", recorder.connection(name)));
            if let Some(role) = run.role {
                role::prepare(&mut cluster_admin(&cluster)?, role, database)?;
                commands.push(role_commands(recorder, name, role, database));
            }
            let origin = match spec.origin {
                NodeOrigin::Main => pgbook_book::NodeOrigin::Main,
                _ => pgbook_book::NodeOrigin::Empty,
            };
            recorder.created(name, origin, snippet, Action { commands, settings });
            Ok(cluster)
        }
        NodeOrigin::Standby { upstream } => {
            let up = running(upstream).ok_or_else(|| not_running(upstream))?;
            // The role, if any, replicates from the primary: a standby is read-only.
            let (cluster, recipe) = template.start_standby_in(dir, up, name)?;
            let mut commands = vec![shell_line(&recipe.basebackup)];
            commands.push(format!(
                "touch {}/standby.signal",
                placeholder(name, "DATA")
            ));
            commands.extend(start);
            recorder.created(
                name,
                pgbook_book::NodeOrigin::Standby {
                    upstream: upstream.clone(),
                },
                snippet,
                Action {
                    commands,
                    settings: recipe.settings,
                },
            );
            Ok(cluster)
        }
        NodeOrigin::Restore { backup, source, .. } => {
            let (Some((taken, _)), Some(archive)) = (backups.get(backup), archive) else {
                return Err(not_running(&format!("backup {backup}")));
            };
            let target = restore_target(until.as_ref());
            // Everything the source wrote so far must be in the archive.
            let mut commands = Vec::new();
            if let Some(source_cluster) = running(source) {
                source_cluster.archive_now()?;
                commands.push(format!(
                    "psql {} --command='SELECT pg_switch_wal()'",
                    recorder.connection(source)
                ));
                commands.push(
                    "# wait until pg_stat_archiver.last_archived_wal reaches that segment"
                        .to_string(),
                );
            }
            let (cluster, settings) = template.start_restored_in(dir, taken, archive, &target)?;
            if let Some(role) = run.role {
                // There already (it was in the backup); the database is handed to it again.
                role::prepare(&mut cluster_admin(&cluster)?, role, database)?;
            }
            let data = placeholder(name, "DATA");
            commands.push(format!(
                "cp -a {} {data}",
                placeholder(&format!("backup_{backup}"), "DIR")
            ));
            commands.push(format!("touch {data}/recovery.signal"));
            commands.extend(start);
            commands.push(
                "# recovery ends at the target and promotes; wait until \
                 pg_is_in_recovery() is false"
                    .to_string(),
            );
            recorder.created(
                name,
                pgbook_book::NodeOrigin::Restore {
                    backup: backup.clone(),
                    source: source.clone(),
                    target: until.map(|t| t.to_string()),
                },
                snippet,
                Action { commands, settings },
            );
            Ok(cluster)
        }
    }
}

/// What `role::prepare` does, as a reader would do it with psql.
fn role_commands(recorder: &Recorder, node: &str, role: &str, database: &str) -> String {
    let ident = crate::database::quote_ident(role);
    let sql = format!(
        "CREATE ROLE {ident} LOGIN; ALTER DATABASE {} OWNER TO {ident}",
        crate::database::quote_ident(database)
    );
    format!(
        "psql {} --dbname=postgres --command={}",
        recorder.connection(node),
        shell_line(&[sql])
    )
}

/// The target `start_restored_in` stops at, from a resolved `until=`.
fn restore_target(until: Option<&RecoveryTarget>) -> RestoreTarget {
    // Resolved: a variable's name is left only if resolving was skipped, and then it is
    // passed on as written for PostgreSQL to refuse.
    let literal = |v: &TargetValue| match v {
        TargetValue::Literal(text) | TargetValue::Variable(text) => text.clone(),
    };
    match until {
        None => RestoreTarget::End,
        Some(RecoveryTarget::Immediate) => RestoreTarget::Immediate,
        Some(RecoveryTarget::Name(name)) => RestoreTarget::Name(name.clone()),
        Some(RecoveryTarget::Lsn(v)) => RestoreTarget::Lsn(literal(v)),
        Some(RecoveryTarget::Xid(v)) => RestoreTarget::Xid(literal(v)),
        Some(RecoveryTarget::Time(v)) => RestoreTarget::Time(literal(v)),
    }
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

/// Restarts node `node` before snippet `snippet` (its sessions start afresh). Returns what
/// went wrong, if anything.
#[allow(clippy::too_many_arguments)]
fn restart_node(
    restart: Restart,
    node: usize,
    plan: &NodePlan,
    clusters: &mut [Option<ScratchCluster>],
    schedulers: &mut [Option<Scheduler>],
    outcomes: &mut [Option<SnippetOutcome>],
    recorder: &mut Recorder,
    snippet: usize,
) -> Option<String> {
    let name = &plan.nodes[node].name;
    let Some(cluster) = clusters[node].as_mut() else {
        return Some(format!("node {name} is not running: its creation failed"));
    };
    if let Some(scheduler) = schedulers[node].take() {
        merge(outcomes, scheduler.finish());
    }
    let immediate = restart == Restart::Immediate;
    if let Err(e) = cluster.restart(immediate) {
        return Some(format!("cannot restart node {name}: {e}"));
    }
    let mode = if immediate { "immediate" } else { "fast" };
    let commands = vec![
        recorder.pg_ctl(name, &format!("stop --mode={mode}")),
        recorder.pg_ctl(name, "start"),
    ];
    recorder.did(
        name,
        snippet,
        NodeActionKind::Restarted { immediate },
        Action {
            commands,
            settings: Vec::new(),
        },
    );
    None
}

/// Waits until node `node` has what its upstreams had written: a standby (after its own
/// upstream, from the top of a cascade down), and each enabled subscription of a node that
/// reads from another node of the chapter. Returns what went wrong, if anything.
fn catch_up(
    node: usize,
    plan: &NodePlan,
    clusters: &[Option<ScratchCluster>],
    socket_dirs: &[std::path::PathBuf],
    watch_subscriptions: bool,
    timeout: Duration,
) -> Option<String> {
    let name = &plan.nodes[node].name;
    let Some(here) = clusters[node].as_ref() else {
        return Some(format!("node {name} is not running: its creation failed"));
    };
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
        if let Err(e) = catch_up::standby(upstream, standby, timeout) {
            let (down, up) = (&plan.nodes[down].name, &plan.nodes[up].name);
            return Some(format!("node {down} did not catch up with {up}: {e}"));
        }
    }
    // A standby's subscriptions are its primary's, and run nowhere until it is promoted.
    if !watch_subscriptions || chain.len() > 1 {
        return None;
    }
    let found = match catch_up::subscriptions(here) {
        Ok(found) => found,
        Err(e) => return Some(format!("cannot read the subscriptions of node {name}: {e}")),
    };
    for subscription in found.iter().filter(|s| s.enabled) {
        let Some(publisher) = publisher_of(subscription, socket_dirs) else {
            continue;
        };
        let Some(upstream) = clusters[publisher].as_ref() else {
            continue;
        };
        if let Err(e) = catch_up::subscription(upstream, here, subscription, timeout) {
            let publisher = &plan.nodes[publisher].name;
            return Some(format!(
                "node {name} did not catch up with {publisher}: {e}"
            ));
        }
    }
    None
}

/// The chapter node a subscription connects to, found by its socket directory.
fn publisher_of(
    subscription: &catch_up::FoundSubscription,
    socket_dirs: &[std::path::PathBuf],
) -> Option<usize> {
    let host = Path::new(subscription.host()?);
    socket_dirs.iter().position(|dir| dir == host)
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

/// Records, for the page, the subscriptions each writable node has now, added to those it
/// had before.
fn record_subscriptions(
    plan: &NodePlan,
    clusters: &[Option<ScratchCluster>],
    socket_dirs: &[std::path::PathBuf],
    recorder: &mut Recorder,
) {
    for (spec, cluster) in plan.nodes.iter().zip(clusters) {
        if matches!(spec.origin, NodeOrigin::Standby { .. }) {
            continue;
        }
        let Some(found) = cluster
            .as_ref()
            .and_then(|c| catch_up::subscriptions(c).ok())
        else {
            continue;
        };
        let subscriptions = found
            .iter()
            .map(|s| Subscription {
                name: s.name.clone(),
                publisher: publisher_of(s, socket_dirs).map(|p| plan.nodes[p].name.clone()),
            })
            .collect();
        recorder.subscriptions(&spec.name, subscriptions);
    }
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
