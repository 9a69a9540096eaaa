//! Interleaving a chapter's sessions with isolationtester's semantics: steps start in
//! document order; a step that blocks on a lock held by another session of the chapter is
//! marked waiting and the next step starts; a waiting step that a later step releases runs
//! to its end and is attached to the step during which it completed.
//!
//! Determinism rules (what a reader of the book sees, every run):
//! - After each step, the scheduler waits until every unfinished step is blocked by another
//!   session (checked again after any progress) and has been blocked for its session's
//!   `deadlock_timeout` plus a margin. So a released step always completes during the step
//!   that released it, and a step that fails fast while blocked (`lock_timeout` shorter
//!   than that window, deadlock victim) completes in its own step with no `<waiting ...>`.
//! - Deadlocks: every session of a multi-session chapter gets the same short
//!   `deadlock_timeout`, and a blocked step's deadlock check has run (finding no cycle)
//!   before the next step starts. The check of a waiting backend runs only once per wait,
//!   so the step that *closes* a cycle is the one whose check finds it: that step gets
//!   `ERROR:  deadlock detected`, and the earlier waiters are released.
//! - A step on a session whose previous step is still waiting is not run: it fails with a
//!   message saying which step of that session has not completed. A step still waiting when
//!   the chapter's steps run out is cancelled and fails — never a hang.
//!
//! What authors should know: in a chapter with several sessions, `SHOW deadlock_timeout`
//! says 50ms (set out of band), a lock monitor connection named `pgbook lock monitor` shows
//! in `pg_stat_activity`, each wait costs ~300 ms of build time, and a wait that ends on a
//! timer longer than that window (a `lock_timeout` of seconds) completes during whichever
//! step runs when the timer fires — keep such timers short, or make the next step outlast
//! them (`pg_sleep`).
//!
//! A chapter with one session is the degenerate case, and so is the first session of a
//! chapter until a second one opens: with nobody to block on there is no lock monitor, and
//! each step is simply waited for to its end — no lock checks, no settle window.
//!
//! Statements themselves are run by [`crate::steps`]; this module only decides which step
//! is polled when and whether it waits. It knows nothing of Markdown beyond snippet indices
//! and lines.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use pgbook_book::SnippetOutcome;
use pgbook_psql::{Command, ConnectOptions, Variables};

use crate::blocking::LockMonitor;
use crate::session::Session;
use crate::steps::{Progress, Step};

/// How long the step most likely to progress is polled between two lock checks.
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// How long every other unfinished step is polled in the same round.
const SIDE_POLL: Duration = Duration::from_millis(1);

#[derive(Clone, Copy)]
enum Block {
    Running,
    /// Blocked by another session since `since`; `verified` is false when some step made
    /// progress after the last check, which may have released it.
    Blocked {
        since: Instant,
        verified: bool,
    },
}

struct Tracked {
    step: Step,
    block: Block,
}

/// Runs the steps of a chapter, one after the other in document order, on its sessions.
pub(crate) struct Scheduler<'a> {
    options: &'a ConnectOptions,
    /// Whether the chapter has several sessions (see [`Session::new`]).
    concurrent: bool,
    sessions: BTreeMap<String, Session>,
    /// Opened once a second session exists; until then no step can block on another.
    monitor: Option<LockMonitor>,
    /// Unfinished steps, oldest first. Never more than one while `monitor` is `None`.
    active: Vec<Tracked>,
    outcomes: Vec<Option<SnippetOutcome>>,
    /// The chapter's psql variables, shared by all of its sessions.
    variables: SharedVariables,
}

/// A chapter's psql variables, shared by the schedulers of all its nodes: a value `\gset` on
/// one node is visible on every other. Schedulers run one at a time on one thread.
pub(crate) type SharedVariables = Rc<RefCell<Variables>>;

impl<'a> Scheduler<'a> {
    /// A scheduler for `steps` snippets; `concurrent` when they use more than one session.
    pub fn new(options: &'a ConnectOptions, steps: usize, concurrent: bool) -> Scheduler<'a> {
        Scheduler::sharing(options, steps, concurrent, SharedVariables::default())
    }

    /// A scheduler whose variables are `variables`, shared with the chapter's other nodes.
    pub fn sharing(
        options: &'a ConnectOptions,
        steps: usize,
        concurrent: bool,
        variables: SharedVariables,
    ) -> Scheduler<'a> {
        Scheduler {
            options,
            concurrent,
            sessions: BTreeMap::new(),
            monitor: None,
            active: Vec::new(),
            outcomes: (0..steps).map(|_| None).collect(),
            variables,
        }
    }

    /// Runs snippet `index` (at `line`) on session `name`, and returns once every running
    /// step has either finished or settled into a wait.
    pub fn run_step(
        &mut self,
        index: usize,
        line: usize,
        name: &str,
        statements: Vec<Command>,
        timeout: Duration,
    ) {
        if let Some(waiting) = self.active.iter().find(|t| t.step.session == name) {
            let problem = format!(
                "session `{name}` is still waiting on a lock in its step at line {}: a session \
                 runs one step at a time, so another session must release the lock before \
                 this step",
                waiting.step.line
            );
            self.outcomes[index] = Some(Step::failed(problem));
            return;
        }
        if let Err(problem) = self.prepare_session(name, timeout) {
            self.outcomes[index] = Some(Step::failed(problem));
            return;
        }
        let mut step = Step::new(index, line, name.to_string(), statements, timeout);
        let alone = self.monitor.is_none();
        let session = self
            .sessions
            .get_mut(name)
            .expect("session opened before use");
        step.begin(session, &mut self.variables.borrow_mut());
        if alone {
            // No other session is open, so nothing can block this step: waiting for it
            // with lock checks would only cost a monitor query per statement.
            step.run_to_end(session, &mut self.variables.borrow_mut());
            self.outcomes[index] = Some(step.into_outcome(None));
            return;
        }
        self.active.push(Tracked {
            step,
            block: Block::Running,
        });
        self.drive();
        self.take_finished(index);
        for tracked in &mut self.active {
            tracked.step.mark_waiting();
        }
    }

    /// Fails the steps still waiting, closes every connection and returns the outcomes.
    pub fn finish(mut self) -> Vec<Option<SnippetOutcome>> {
        for tracked in std::mem::take(&mut self.active) {
            let name = tracked.step.session.clone();
            let index = tracked.step.index;
            let problem =
                format!("still waiting on a lock when the chapter ended (session {name})");
            let session = self
                .sessions
                .get_mut(&name)
                .expect("session opened before use");
            let outcome = tracked
                .step
                .abandon(session, &mut self.variables.borrow_mut(), problem);
            self.outcomes[index] = Some(outcome);
        }
        for session in self.sessions.values_mut() {
            session.close();
        }
        if let Some(monitor) = self.monitor.take() {
            monitor.close();
        }
        self.outcomes
    }

    /// Opens (or reopens) the session, applies its timeouts, and opens the lock monitor once
    /// a second session exists.
    fn prepare_session(&mut self, name: &str, timeout: Duration) -> Result<(), String> {
        let (options, concurrent) = (self.options, self.concurrent);
        self.sessions
            .entry(name.to_string())
            .or_insert_with(|| Session::new(options.clone(), concurrent))
            .prepare(timeout)?;
        let monitor_gone = self.monitor.as_ref().is_none_or(|m| !m.is_usable());
        if self.sessions.len() > 1 && monitor_gone {
            self.monitor = Some(LockMonitor::open(self.options)?);
        }
        Ok(())
    }

    /// Polls the unfinished steps and watches their locks until every one of them has
    /// finished or settled into a wait.
    fn drive(&mut self) {
        loop {
            if self.poll_round() {
                for tracked in &mut self.active {
                    if let Block::Blocked { verified, .. } = &mut tracked.block {
                        *verified = false;
                    }
                }
            }
            self.check_locks();
            if self.is_quiet() {
                return;
            }
        }
    }

    /// One poll of every unfinished step; true when any of them made progress.
    fn poll_round(&mut self) -> bool {
        let focus = self
            .active
            .iter()
            .position(|t| !t.step.is_finished() && matches!(t.block, Block::Running))
            .unwrap_or(0);
        let mut progressed = false;
        for (position, tracked) in self.active.iter_mut().enumerate() {
            if tracked.step.is_finished() {
                continue;
            }
            let wait = if position == focus {
                POLL_INTERVAL
            } else {
                SIDE_POLL
            };
            let session = self
                .sessions
                .get_mut(&tracked.step.session)
                .expect("session of an active step");
            match tracked
                .step
                .advance(session, &mut self.variables.borrow_mut(), wait)
            {
                Progress::Idle => {}
                Progress::Advanced | Progress::Finished => {
                    tracked.block = Block::Running;
                    progressed = true;
                }
            }
        }
        progressed
    }

    /// Asks the monitor about every unfinished step not known to be blocked.
    fn check_locks(&mut self) {
        let Some(monitor) = self.monitor.as_mut() else {
            return;
        };
        let pids: BTreeMap<&str, i32> = self
            .sessions
            .iter_mut()
            .filter_map(|(name, session)| {
                let pid = session.connection_mut()?.backend_pid();
                Some((name.as_str(), pid))
            })
            .collect();
        for tracked in &mut self.active {
            if tracked.step.is_finished()
                || matches!(tracked.block, Block::Blocked { verified: true, .. })
            {
                continue;
            }
            let name = tracked.step.session.as_str();
            let Some(&pid) = pids.get(name) else {
                continue;
            };
            let others: Vec<i32> = pids
                .iter()
                .filter(|(other, _)| **other != name)
                .map(|(_, pid)| *pid)
                .collect();
            // A monitor that fails leaves steps to their statement timeouts.
            let blocked = monitor.is_blocked(pid, &others).unwrap_or(false);
            tracked.block = match (blocked, tracked.block) {
                (false, _) => Block::Running,
                (true, Block::Blocked { since, .. }) => Block::Blocked {
                    since,
                    verified: true,
                },
                (true, Block::Running) => Block::Blocked {
                    since: Instant::now(),
                    verified: true,
                },
            };
        }
    }

    /// Every unfinished step is blocked by another session, and has been for long enough
    /// that its deadlock check has run.
    fn is_quiet(&self) -> bool {
        let now = Instant::now();
        self.active.iter().all(|tracked| {
            if tracked.step.is_finished() {
                return true;
            }
            let settle = self.sessions[&tracked.step.session].settle();
            match tracked.block {
                Block::Blocked {
                    since,
                    verified: true,
                } => now >= since + settle,
                _ => false,
            }
        })
    }

    /// Moves finished steps to the outcomes; those that had waited completed during step
    /// `current`.
    fn take_finished(&mut self, current: usize) {
        let (finished, unfinished): (Vec<Tracked>, Vec<Tracked>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(|t| t.step.is_finished());
        self.active = unfinished;
        for tracked in finished {
            let index = tracked.step.index;
            let during = (index != current).then_some(current);
            self.outcomes[index] = Some(tracked.step.into_outcome(during));
        }
    }
}
