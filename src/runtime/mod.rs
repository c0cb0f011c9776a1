//! The host runtime of `atelier-backup` (depends only on `plan`).
//!
//! API for the commands (and for restore / dr / drill):
//!
//! - [`restic::Restic`]: restic bound to one repository of the manifest.
//!   `Restic::for_repository(program, &manifest, "default")`, or through
//!   [`backup::Env::restic`] (adds the cache dir under the state dir and
//!   progress). Credentials travel only in the child's environment
//!   (`RESTIC_REPOSITORY[_FILE]`, `RESTIC_PASSWORD_FILE`, the environment
//!   file's variables). Methods: `command()` (a `Command` with credentials
//!   set; add args), `run(action, args)` (captured output or a classified
//!   [`restic::ResticError`]: wrong password, no repository, locked, network,
//!   some files unreadable, with the explaining stderr line and a hint),
//!   `version()`, `snapshots(tags, host)`, `backup(req, on_status)`,
//!   `forget_policy(tags, host, retention, prune)` (`--group-by host,tags`),
//!   `forget_policy_parsed` (also: was the whole output understood),
//!   `forget_ids`, `prune`, `local_path()`,
//!   `check(subset)`, `dump(snapshot, path)`, `restore(snapshot, target,
//!   includes)`, `ensure_initialized()`, `redact(text)`.
//! - [`restic::Snapshot`]: `snapshots --json` entry; `service()`,
//!   `is_pre_restore()`, `staging_path(service)`.
//! - [`describe::Description`]: the snapshot self-description
//!   (`atelier-snapshot.json` in the staging dir);
//!   `Description::read_from_snapshot(&restic, &snapshot, service)`.
//! - [`backup::run_service`]: the whole `run SERVICE` procedure, returning
//!   the saved [`state::RunRecord`].
//! - [`units::Systemctl`]: `stop_active(units)` returns a guard that starts
//!   them again on drop (every path out); `start`, `stop`, `is_active`.
//! - [`sqlite`]: `online_copy`, `checkpoint_and_copy`.
//! - [`postgres`]: `client(conn, program, db)` (a `psql`/`pg_restore`/`pg_dump`
//!   command as `runAs`, `PGHOST`/`PGPORT` honoured), `dump`, `server_version`.
//! - [`lock::acquire`]: flock with a bounded wait (`ATELIER_LOCK_TIMEOUT`);
//!   [`backup::Env::lock_repository`] is the per-repository lock every
//!   command that writes to a repository must hold.
//! - [`state`]: run and check records, `write_atomic`; [`metrics`]:
//!   Prometheus textfiles; [`retention::Tracker`]: the record that lets
//!   `run` leave out a `forget` that cannot remove anything (call
//!   `record_created` for every snapshot atelier writes, under the
//!   repository lock); [`staging`]: the staging dir; [`hooks::run`];
//!   [`user::run_as`]; [`catalog`]: one `snapshots` call per repository,
//!   grouped by service (status, list, evidence).
//!
//! Snapshot layout: see docs/architecture.md, "Snapshot layout".

pub mod backup;
pub mod catalog;
pub mod child;
pub mod config_error;
pub mod describe;
pub mod drill_record;
pub mod envfile;
pub mod exclude;
pub mod hooks;
pub mod interrupt;
pub mod lock;
pub mod metrics;
pub mod ping;
pub mod postgres;
pub mod progress;
pub mod redact;
pub mod restic;
pub mod restore;
pub mod restore_pg;
pub mod restore_restic;
pub mod retention;
pub mod snapshot_desc;
pub mod sqlite;
pub mod staging;
pub mod state;
pub mod swap;
pub mod terminal;
pub mod units;
pub mod user;
pub mod writer;
