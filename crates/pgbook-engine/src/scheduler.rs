//! Interleaving a chapter's sessions with isolationtester's semantics: steps start in
//! document order; a step that blocks on a lock held by another session of the chapter is
//! marked waiting and the next step starts; a waiting step that a later step releases runs
//! to its end and is attached to the step during which it completed.
//!
//! Determinism rules (what a reader of the book sees, every run):
//! - After each step, the scheduler waits until every unfinished step is *settled*: blocked
//!   by another session (checked again after any progress) and past the one deadlock check
//!   its wait gets — observed in the server's log, or assumed after a timer where there is
//!   no log ([`crate::blocking`] says how). So a released step always completes during the
//!   step that released it, and a step that fails fast while blocked (a `lock_timeout`
//!   shorter than the chapter's 10 ms `deadlock_timeout`, a deadlock victim) completes in
//!   its own step with no `<waiting ...>`.
//! - Deadlocks: every session of a multi-session chapter gets the same short
//!   `deadlock_timeout`, and a blocked step's deadlock check has run (finding no cycle)
//!   before the next step starts. The check of a waiting backend runs only once per wait,
//!   so the step that *closes* a cycle is the one whose check finds it: that step gets
//!   `ERROR:  deadlock detected`, and the earlier waiters are released.
//! - A step on a session whose previous step is still waiting first waits for that step to
//!   finish, as isolationtester does: up to the new step's statement timeout, polling every
//!   unfinished step meanwhile (those that finish complete during the new step). Only if
//!   the earlier step is still waiting then does the new step fail, with a message naming
//!   the earlier step's line. A step still waiting when the chapter's steps run out is
//!   cancelled and fails — never a hang.
//!
//! What authors should know: in a chapter with several sessions, `SHOW deadlock_timeout`
//! says 10ms and `SHOW log_lock_waits` says on (both set out of band), a lock monitor
//! connection named `pgbook lock monitor` shows in `pg_stat_activity`, each wait costs a few
//! tens of milliseconds of build time, and a wait that ends on a timer (a `lock_timeout`,
//! a `statement_timeout`) completes during whichever step runs when the timer fires —
//! make the next step outlast the timer (`pg_sleep`) to pin it.
//!
//! A chapter with one session is the degenerate case, and so is the first session of a
//! chapter until a second one opens: with nobody to block on there is no lock monitor, and
//! each step is simply waited for to its end — no lock checks, no settling.
//!
//! Statements themselves are run by [`crate::steps`]; this module only decides which step
//! is polled when and whether it waits. It knows nothing of Markdown beyond snippet indices
//! and lines.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use pgbook_book::SnippetOutcome;
use pgbook_psql::{Command, ConnectOptions, Variables};

use crate::blocking::{DeadlockCheck, LockMonitor, ServerLog};
use crate::session::Session;
use crate::steps::{Progress, Step};

/// How long the step most likely to progress is polled between two lock checks.
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// How long every other unfinished step is polled in the same round.
const SIDE_POLL: Duration = Duration::from_millis(1);
/// How long a commit may wait for a synchronous standby while one streams before it counts
/// as waiting all the same (a configuration that needs more standbys than stream).
const SYNC_REP_CONFIRMATION: Duration = Duration::from_secs(1);

struct Tracked {
    step: Step,
    /// Since when it has been seen waiting for a synchronous standby, if it is.
    sync_rep: Option<Instant>,
    /// Settled into a wait that only a later step (or a timer) ends; false again whenever
    /// some step makes progress, which may have released it.
    settled: bool,
}

/// Runs the steps of a chapter, one after the other in document order, on its sessions.
pub(crate) struct Scheduler<'a> {
    options: &'a ConnectOptions,
    /// Whether the chapter has several sessions (see [`Session::new`]).
    concurrent: bool,
    sessions: BTreeMap<String, Session>,
    /// Opened once a second session exists; until then no step can block on another.
    monitor: Option<LockMonitor>,
    /// The server's log, when pgbook owns the server: where deadlock checks are observed.
    log: Option<ServerLog>,
    /// Whether a commit may wait for a synchronous standby (the node has standbys): then
    /// even a lone session's steps are watched, so that such a wait is seen.
    watch_sync_rep: bool,
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
    /// A scheduler for `steps` snippets; `concurrent` when they use more than one session;
    /// `server_log` is the server's log file when pgbook started the server.
    pub fn new(
        options: &'a ConnectOptions,
        steps: usize,
        concurrent: bool,
        server_log: Option<PathBuf>,
    ) -> Scheduler<'a> {
        Scheduler::sharing(
            options,
            steps,
            concurrent,
            SharedVariables::default(),
            server_log,
        )
    }

    /// A scheduler whose variables are `variables`, shared with the chapter's other nodes.
    pub fn sharing(
        options: &'a ConnectOptions,
        steps: usize,
        concurrent: bool,
        variables: SharedVariables,
        server_log: Option<PathBuf>,
    ) -> Scheduler<'a> {
        Scheduler {
            options,
            concurrent,
            sessions: BTreeMap::new(),
            monitor: None,
            // Only a chapter with several sessions needs to know about deadlock checks.
            log: server_log.filter(|_| concurrent).map(ServerLog::at),
            watch_sync_rep: false,
            active: Vec::new(),
            outcomes: (0..steps).map(|_| None).collect(),
            variables,
        }
    }

    /// Watches every step for a commit waiting on a synchronous standby, even when it is
    /// the only step running (for a node that standbys replicate from).
    pub fn watching_sync_rep(mut self) -> Scheduler<'a> {
        self.watch_sync_rep = true;
        self
    }

    /// Whether a step is waiting for a synchronous standby.
    pub fn has_sync_rep_waits(&self) -> bool {
        self.active
            .iter()
            .any(|t| t.sync_rep.is_some() && !t.step.is_finished())
    }

    /// After step `current` (on another node) may have brought a synchronous standby back:
    /// polls the steps waiting for one for as long as `releasing` says a synchronous standby
    /// streams, until they finish — completing during step `current` — or `deadline`.
    pub fn release_sync_rep_waits(
        &mut self,
        current: usize,
        deadline: Instant,
        mut releasing: impl FnMut() -> bool,
    ) {
        while self.has_sync_rep_waits() && Instant::now() < deadline && releasing() {
            self.poll_round();
            self.check_waits();
        }
        self.drive();
        self.take_finished(current);
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
            let line = waiting.step.line;
            let finished = self.wait_for_session(name, timeout);
            self.take_finished(index);
            if !finished {
                let problem = format!(
                    "session `{name}` was still waiting in its step at line {line} after \
                     {timeout:?} (this step's timeout): a session runs one step at a time, so \
                     another session must release it before this step"
                );
                self.outcomes[index] = Some(Step::failed(problem));
                return;
            }
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
            sync_rep: None,
            settled: false,
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
            let what = match tracked.sync_rep {
                Some(_) => "for a synchronous standby",
                None => "on a lock",
            };
            let problem = format!("still waiting {what} when the chapter ended (session {name})");
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
        let log_watched = self.log.is_some();
        self.sessions
            .entry(name.to_string())
            .or_insert_with(|| Session::new(options.clone(), concurrent, log_watched))
            .prepare(timeout)?;
        let monitor_gone = self.monitor.as_ref().is_none_or(|m| !m.is_usable());
        if (self.sessions.len() > 1 || self.watch_sync_rep) && monitor_gone {
            self.monitor = Some(LockMonitor::open(self.options)?);
        }
        Ok(())
    }

    /// Polls the unfinished steps and watches their waits until every one of them has
    /// finished or settled into a wait.
    fn drive(&mut self) {
        loop {
            self.poll_round();
            self.check_waits();
            if self.is_quiet() {
                return;
            }
        }
    }

    /// Polls every unfinished step until the step of session `name` has finished (true), or
    /// for `timeout` (zero: no limit but the step's own deadline) if it does not (false).
    fn wait_for_session(&mut self, name: &str, timeout: Duration) -> bool {
        let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
        loop {
            self.poll_round();
            let waiting = self
                .active
                .iter()
                .any(|t| t.step.session == name && !t.step.is_finished());
            if !waiting {
                return true;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
        }
    }

    /// One poll of every unfinished step. Progress of any step may have released the
    /// others, so then none counts as settled any more.
    fn poll_round(&mut self) {
        let focus = self
            .active
            .iter()
            .position(|t| !t.step.is_finished() && !t.settled)
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
                Progress::Advanced | Progress::Finished => progressed = true,
            }
        }
        if progressed {
            for tracked in &mut self.active {
                tracked.settled = false;
            }
        }
    }

    /// Asks the monitor about every unfinished step not known to be settled in its wait.
    fn check_waits(&mut self) {
        let Some(monitor) = self.monitor.as_mut() else {
            return;
        };
        if let Some(log) = self.log.as_mut() {
            log.refresh();
        }
        let backends: BTreeMap<&str, (i32, DeadlockCheck)> = self
            .sessions
            .iter_mut()
            .filter_map(|(name, session)| {
                let check = session.deadlock_check();
                let pid = session.connection_mut()?.backend_pid();
                Some((name.as_str(), (pid, check)))
            })
            .collect();
        for tracked in &mut self.active {
            if tracked.step.is_finished() || tracked.settled {
                continue;
            }
            let name = tracked.step.session.as_str();
            let Some(&(pid, check)) = backends.get(name) else {
                continue;
            };
            let others: Vec<i32> = backends
                .iter()
                .filter(|(other, _)| **other != name)
                .map(|(_, (pid, _))| *pid)
                .collect();
            let checked_at = match (&self.log, check.logged) {
                (Some(log), true) => log.last_check(pid),
                _ => None,
            };
            // A monitor that fails leaves steps to their statement timeouts.
            let wait = monitor
                .wait_of(pid, &others, checked_at)
                .unwrap_or_default();
            tracked.sync_rep = match (wait.sync_rep, tracked.sync_rep) {
                (false, _) => None,
                (true, since) => Some(since.unwrap_or_else(Instant::now)),
            };
            let confirmation_overdue = tracked
                .sync_rep
                .is_some_and(|since| since.elapsed() >= SYNC_REP_CONFIRMATION);
            tracked.settled = wait.is_settled(check) || confirmation_overdue;
        }
    }

    /// Every unfinished step is settled in its wait.
    fn is_quiet(&self) -> bool {
        self.active
            .iter()
            .all(|tracked| tracked.step.is_finished() || tracked.settled)
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
