//! Fetchers that pure flake evaluation allows because their result is
//! pinned by a hash: `builtins.fetchTarball { url; sha256; name ? "source"; }`
//! is the store path Nix would unpack the tarball to (a fixed-output path
//! whose hash is the NAR hash `sha256`). Its source is looked for where a
//! flake input's is (`discover::lock`: the Nix store, atelier-gen's cache,
//! a download with `--fetch-inputs`); the string reads back as that
//! source, as a copied path does (`context.rs`).

use std::rc::Rc;

use super::context;
use super::eval::{err, EvalResult, Evaluator};
use super::store::make_store_path;
use super::value::{Thunk, Unknown, UnknownOrigin, Value};
use crate::diagnostic::Span;

/// What a `fetchTarball` call asks for.
struct Request {
    url: String,
    sha256: Option<String>,
    name: String,
}

/// `builtins.fetchTarball`.
pub(crate) fn fetch_tarball(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let req = match request(ev, &a[0], span)? {
        Ok(r) => r,
        Err(u) => return Ok(u),
    };
    let Some(sha256) = req.sha256.as_deref() else {
        return err(
            "pure-eval",
            format!(
                "in pure evaluation mode, 'fetchTarball' requires a 'sha256' argument (fetching {}); flakes are evaluated in pure mode",
                req.url
            ),
            span,
        );
    };
    let Some(digest) = crate::flake::nar::parse_sha256(sha256) else {
        return err(
            "type-error",
            format!("invalid SHA-256 hash '{sha256}' given to 'fetchTarball' (SRI, base-16, Nix's base-32 or base-64 are accepted)"),
            span,
        );
    };
    context::check_name(&req.name, span)?;
    let store_path = make_store_path("source", &digest, &req.name);
    let found =
        crate::discover::lock::tarball_source(ev, &req.url, &digest, &req.name).map_err(|d| {
            vec![crate::diagnostic::Diagnostic {
                span: Some(span.clone()),
                ..d
            }]
        })?;
    let Some((src, origin)) = found else {
        return Ok(Value::Unknown(Rc::new(Unknown {
            reason: format!(
                "`builtins.fetchTarball` of {} (at {}) has no source here: run atelier-gen with --fetch-inputs, or put it in the Nix store (`nix-prefetch-url --unpack {}`, or any Nix evaluation of this flake); it would be {store_path}",
                req.url,
                span.location(),
                req.url
            ),
            span: Some(span.clone()),
            origin: UnknownOrigin::Opaque,
        })));
    };
    ev.allow_root(&src);
    if matches!(
        origin,
        crate::discover::lock::Origin::Cache | crate::discover::lock::Origin::Fetched
    ) {
        ev.note_pruned(&src, &format!("`builtins.fetchTarball` of {}", req.url));
    }
    let s = context::fetched(ev, store_path, &src);
    ev.fetched(&super::eval::Fetched {
        url: &req.url,
        src: &src,
        store_path: Value::String(s.clone()),
        origin,
    })?;
    Ok(Value::String(s))
}

/// The call's argument: a URL, or `{ url; sha256?; name?; }` (another
/// name is an error, as in Nix). `Err`: an unknown it depends on.
fn request(ev: &mut Evaluator, arg: &Thunk, span: &Span) -> EvalResult<Result<Request, Value>> {
    let string = |v: &Value, what: &str| -> EvalResult<Result<String, Value>> {
        match v {
            Value::String(s) => Ok(Ok(s.text.to_string())),
            Value::Unknown(u) => Ok(Err(Value::Unknown(Unknown::derived(u)))),
            other => err(
                "type-error",
                format!(
                    "'fetchTarball': `{what}` must be a string, not {}",
                    other.type_name()
                ),
                span,
            ),
        }
    };
    let mut req = Request {
        url: String::new(),
        sha256: None,
        name: "source".to_owned(),
    };
    let attrs = match ev.force(arg)? {
        Value::Attrs(a) => a,
        v => {
            return Ok(string(&v, "url")?.map(|url| Request {
                url: resolve_uri(&url),
                ..req
            }))
        }
    };
    if let Some(u) = &attrs.unknown_keys {
        return Ok(Err(Value::Unknown(Unknown::derived(u))));
    }
    let mut url = None;
    for (k, e) in &attrs.entries {
        let v = ev.force(&e.value)?;
        let s = match string(&v, k)? {
            Ok(s) => s,
            Err(u) => return Ok(Err(u)),
        };
        match k.as_str() {
            "url" => url = Some(s),
            "sha256" => req.sha256 = Some(s),
            "name" => req.name = s,
            other => {
                return err(
                    "type-error",
                    format!("unsupported argument '{other}' to 'fetchTarball'"),
                    span,
                )
            }
        }
    }
    let Some(url) = url else {
        return err(
            "type-error",
            "'url' argument required by 'fetchTarball'",
            span,
        );
    };
    req.url = resolve_uri(&url);
    Ok(Ok(req))
}

/// Nix's `resolveUri`: `channel:<name>` is that channel's tarball.
fn resolve_uri(url: &str) -> String {
    match url.strip_prefix("channel:") {
        Some(c) => format!("https://nixos.org/channels/{c}/nixexprs.tar.xz"),
        None => url.to_owned(),
    }
}
