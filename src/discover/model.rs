//! What discovery found for one host, before any validation: every value
//! keeps the span it came from, and a value the static evaluator could not
//! know stays `Unknown` with the reason. `plan::build` turns this into a Plan
//! and decides which unknowns are errors (only where the plan needs them).

use crate::diagnostic::Span;

/// A statically known value, or the reason it is not known.
#[derive(Debug, Clone, PartialEq)]
pub enum Known<T> {
    Value(T),
    /// Why the value is only known to Nix at rebuild time
    /// (e.g. "depends on pkgs", "config.x is only known at rebuild time").
    Unknown(String),
}

/// A value and where it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: Known<T>,
    pub span: Option<Span>,
}

impl<T> Located<T> {
    pub fn known(value: T, span: Option<Span>) -> Self {
        Self {
            value: Known::Value(value),
            span,
        }
    }

    pub fn unknown(reason: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            value: Known::Unknown(reason.into()),
            span,
        }
    }

    pub fn get(&self) -> Option<&T> {
        match &self.value {
            Known::Value(v) => Some(v),
            Known::Unknown(_) => None,
        }
    }

    pub fn location(&self) -> String {
        self.span
            .as_ref()
            .map_or_else(|| "<unknown location>".to_owned(), Span::location)
    }
}

/// Which declaration shape produced a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// `atelier.lib.mkService { ... }` with `atelier.services.<n>.data`.
    MkService,
    /// `atelier.backup.services.<n> = { paths; ... }`.
    Manual,
}

impl Origin {
    pub fn describe(self) -> &'static str {
        match self {
            Origin::MkService => "mkService data block",
            Origin::Manual => "manual registration (atelier.backup.services)",
        }
    }
}

/// A key written in a data block that no shape understands.
#[derive(Debug, Clone)]
pub struct UnknownKey {
    pub key: String,
    pub span: Option<Span>,
    /// The keys that are valid at that place (for "did you mean").
    pub valid: &'static [&'static str],
    /// Where the key was written, e.g. `atelier.services.photos.data`.
    pub context: String,
}

#[derive(Debug, Clone)]
pub struct PostgresDecl {
    pub name: Located<String>,
    /// `create = { enable? ; <OPTION> = value; }`; `None` = defaults.
    pub create_enable: Option<Located<bool>>,
    pub create_options: Vec<(String, Located<String>)>,
    pub stop_on_restore: Vec<Located<String>>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct DumpDecl {
    pub name: String,
    pub span: Option<Span>,
    pub backup_cmd: Option<Located<String>>,
    pub restore_cmd: Option<Located<String>>,
    pub user: Option<Located<String>>,
    pub backup_name: Option<Located<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct HooksDecl {
    pub pre_backup: Option<Located<String>>,
    pub post_backup: Option<Located<String>>,
    pub pre_restore: Option<Located<String>>,
    pub post_restore: Option<Located<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct RetentionDecl {
    pub span: Option<Span>,
    /// `(key, value)` for `last`, `hourly`, `daily`, `weekly`, `monthly`, `yearly`.
    pub keep: Vec<(String, Located<i64>)>,
}

/// One service as declared (by either shape), with the host's overrides merged in.
#[derive(Debug, Clone)]
pub struct ServiceDecl {
    pub name: String,
    pub origin: Origin,
    /// Where the service (its data block or registration) was declared.
    pub span: Option<Span>,
    /// `atelier.services.<n>.enable` on this host (manual registrations: true).
    pub enabled: bool,
    pub data_dir: Option<Located<String>>,
    pub user: Option<Located<String>>,
    pub group: Option<Located<String>>,
    pub sqlite: Vec<Located<String>>,
    pub postgres: Vec<PostgresDecl>,
    pub files: Vec<Located<String>>,
    pub exclude: Vec<Located<String>>,
    pub stop_for_backup: Option<Located<bool>>,
    pub stop_units: Option<Vec<Located<String>>>,
    pub dumps: Vec<DumpDecl>,
    pub hooks: HooksDecl,
    pub check: Option<Located<String>>,
    pub tags: Vec<Located<String>>,
    pub repositories: Option<Vec<Located<String>>>,
    pub schedule: Option<Located<String>>,
    pub randomized_delay: Option<Located<String>>,
    pub retention: Option<RetentionDecl>,
    /// `staleAfter`: when `status` calls the service stale.
    pub stale_after: Option<Located<String>>,
    pub unknown_keys: Vec<UnknownKey>,
}

impl ServiceDecl {
    pub fn new(name: impl Into<String>, origin: Origin, span: Option<Span>) -> Self {
        Self {
            name: name.into(),
            origin,
            span,
            enabled: true,
            data_dir: None,
            user: None,
            group: None,
            sqlite: Vec::new(),
            postgres: Vec::new(),
            files: Vec::new(),
            exclude: Vec::new(),
            stop_for_backup: None,
            stop_units: None,
            dumps: Vec::new(),
            hooks: HooksDecl::default(),
            check: None,
            tags: Vec::new(),
            repositories: None,
            schedule: None,
            randomized_delay: None,
            retention: None,
            stale_after: None,
            unknown_keys: Vec::new(),
        }
    }

    /// Whether the service declares any data at all.
    pub fn has_data(&self) -> bool {
        !(self.sqlite.is_empty()
            && self.postgres.is_empty()
            && self.files.is_empty()
            && self.dumps.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct RepositoryDecl {
    pub name: String,
    pub span: Option<Span>,
    pub repository: Option<Located<String>>,
    pub repository_file: Option<Located<String>>,
    pub password_file: Option<Located<String>>,
    pub environment_file: Option<Located<String>>,
    pub initialize: Option<Located<bool>>,
    /// How long one restic process may run (humantime).
    pub timeout: Option<Located<String>>,
}

/// `atelier.backup.*` of one host.
#[derive(Debug, Clone, Default)]
pub struct HostSettingsDecl {
    pub enable: Option<Located<bool>>,
    pub repositories: Vec<RepositoryDecl>,
    /// Set when `atelier.backup.repositories` itself is not statically known.
    pub repositories_unknown: Option<Located<()>>,
    pub schedule: Option<Located<String>>,
    pub randomized_delay: Option<Located<String>>,
    pub retention: Option<RetentionDecl>,
    /// `atelier.backup.staleAfter`: the services' default `staleAfter`.
    pub stale_after: Option<Located<String>>,
    pub prune_schedule: Option<Located<String>>,
    pub check_schedule: Option<Located<String>>,
    pub drill_schedule: Option<Located<String>>,
    /// `atelier.backup.postgres.{host,port,runAs}`.
    pub postgres_host: Option<Located<String>>,
    pub postgres_port: Option<Located<i64>>,
    pub postgres_run_as: Option<Located<String>>,
    pub unknown_keys: Vec<UnknownKey>,
}

/// Everything discovery found for one host.
#[derive(Debug, Clone, Default)]
pub struct HostDecl {
    pub host: String,
    pub settings: HostSettingsDecl,
    pub services: Vec<ServiceDecl>,
}
