//! Parsing with rnix and lowering of the rowan tree into our own expression
//! tree. Every node keeps the [`Span`] it came from (the source map), so the
//! evaluator never needs rowan and every value can say where it was defined.

use std::sync::Arc;

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rnix::{SyntaxKind, TextRange};
use rowan::ast::AstNode;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::diagnostic::{Diagnostic, SourceFile, Span};

pub type ExprRef = Arc<Expr>;

/// A lowered expression with its source span.
#[derive(Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Concat,
    Update,
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
    Implication,
    Eq,
    NotEq,
    Less,
    LessEq,
    More,
    MoreEq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// `/abs/path`
    Absolute,
    /// `./rel` or `a/b`: resolved against the directory of the file.
    Relative,
    /// `~/x`
    Home,
}

#[derive(Debug)]
pub enum StrPart {
    Lit(String),
    Interp(ExprRef),
}

#[derive(Debug)]
pub enum AttrName {
    Static(String),
    Dynamic(ExprRef),
}

#[derive(Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(Vec<StrPart>),
    Path(PathKind, Vec<StrPart>),
    /// `<nixpkgs>`: never known statically.
    SearchPath(String),
    Uri(String),
    Var(String),
    Select {
        expr: ExprRef,
        path: Vec<AttrName>,
        default: Option<ExprRef>,
    },
    HasAttr {
        expr: ExprRef,
        path: Vec<AttrName>,
    },
    Attrs(Arc<AttrsDef>),
    List(Vec<ExprRef>),
    Let {
        bindings: Arc<AttrsDef>,
        body: ExprRef,
    },
    With {
        namespace: ExprRef,
        body: ExprRef,
    },
    Lambda(Arc<Lambda>),
    Apply {
        func: ExprRef,
        arg: ExprRef,
    },
    If {
        cond: ExprRef,
        then: ExprRef,
        otherwise: ExprRef,
    },
    Assert {
        cond: ExprRef,
        body: ExprRef,
    },
    BinOp {
        op: BinOp,
        lhs: ExprRef,
        rhs: ExprRef,
    },
    Not(ExprRef),
    Neg(ExprRef),
    CurPos,
}

/// The bindings of an attribute set or a `let`, with nested keys
/// (`a.b.c = x;`) already merged into nested definitions.
#[derive(Debug, Default)]
pub struct AttrsDef {
    pub rec: bool,
    pub statics: Vec<StaticBinding>,
    pub dynamics: Vec<DynamicBinding>,
}

#[derive(Debug)]
pub struct StaticBinding {
    pub name: String,
    /// The span of the key (what "defined at" points to).
    pub span: Span,
    pub value: Binding,
}

#[derive(Debug)]
pub struct DynamicBinding {
    pub key: ExprRef,
    pub span: Span,
    pub value: Binding,
}

#[derive(Debug)]
pub enum Binding {
    Expr(ExprRef),
    /// `inherit name;`: looked up in the scope *outside* the set or `let`.
    Inherit,
}

#[derive(Debug)]
pub struct Lambda {
    pub param: Param,
    pub body: ExprRef,
    pub span: Span,
}

#[derive(Debug)]
pub enum Param {
    Ident(String),
    Pattern {
        entries: Vec<PatternEntry>,
        ellipsis: bool,
        bind: Option<String>,
    },
}

#[derive(Debug)]
pub struct PatternEntry {
    pub name: String,
    pub default: Option<ExprRef>,
    pub span: Span,
}

/// Parses and lowers a whole file. All parse errors are returned, not only
/// the first.
pub fn parse(file: &Arc<SourceFile>) -> Result<ExprRef, Vec<Diagnostic>> {
    // rnix's parser recurses on nested brackets without a limit; refuse
    // absurd nesting up front, then parse on a stack of known size.
    if let Some(off) = bracket_depth_exceeds(&file.text, MAX_BRACKET_DEPTH) {
        return Err(vec![Diagnostic::error(
            "nesting-too-deep",
            format!("expression nested more than {MAX_BRACKET_DEPTH} levels deep"),
            Some(span_at(file, off, off)),
        )
        .with_note("split the expression into smaller `let` bindings")]);
    }
    stacker::maybe_grow(PARSE_STACK / 4, PARSE_STACK, || parse_inner(file))
}

/// An identifier's name: its one token's text (a node's `text()` would walk
/// the subtree and format it).
fn ident_text(i: &ast::Ident) -> String {
    i.ident_token()
        .map_or_else(|| i.syntax().text().to_string(), |t| t.text().to_owned())
}

/// Stack for rnix parsing and lowering.
const PARSE_STACK: usize = 64 * 1024 * 1024;
const MAX_BRACKET_DEPTH: usize = 1000;

/// Offset of the first bracket that opens level `limit + 1`, skipping
/// comments and strings only roughly (it is a guard, not a parser).
fn bracket_depth_exceeds(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (off, ch) in text.char_indices() {
        match ch {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some(off);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn parse_inner(file: &Arc<SourceFile>) -> Result<ExprRef, Vec<Diagnostic>> {
    let parsed = rnix::Root::parse(&file.text);
    let mut diags: Vec<Diagnostic> = Vec::new();
    let errors = parsed.errors();
    // After rnix gives up on deep nesting, the rest are consequences.
    if let Some(e) = errors
        .iter()
        .find(|e| matches!(e, rnix::ParseError::RecursionLimitExceeded))
    {
        return Err(vec![parse_error_diag(file, e)]);
    }
    for err in errors {
        diags.push(parse_error_diag(file, err));
    }
    // Further errors at the same place are cascades of the first.
    let mut seen = FxHashSet::default();
    diags.retain(|d| seen.insert(d.span.as_ref().map(|s| s.start)));
    if diags.len() > MAX_PARSE_ERRORS {
        let more = diags.len() - MAX_PARSE_ERRORS;
        diags.truncate(MAX_PARSE_ERRORS);
        if let Some(last) = diags.last_mut() {
            last.notes
                .push(format!("{more} more parse errors not shown"));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let root = parsed.tree();
    let mut lower = Lowerer {
        file: file.clone(),
        diags: Vec::new(),
        depth: 0,
    };
    let expr = match root.expr() {
        Some(e) => lower.expr(&e),
        None => {
            return Err(vec![Diagnostic::error(
                "parse-error",
                "the file contains no expression",
                Some(span_at(file, 0, 0)),
            )])
        }
    };
    if lower.diags.is_empty() {
        Ok(expr)
    } else {
        Err(lower.diags)
    }
}

fn span_at(file: &Arc<SourceFile>, start: usize, end: usize) -> Span {
    Span {
        file: file.clone(),
        start,
        end,
    }
}

fn range_span(file: &Arc<SourceFile>, range: TextRange) -> Span {
    span_at(file, range.start().into(), range.end().into())
}

fn describe_kind(kind: SyntaxKind) -> String {
    let name = format!("{kind:?}");
    let name = name
        .trim_start_matches("TOKEN_")
        .trim_start_matches("NODE_")
        .to_lowercase();
    match kind {
        SyntaxKind::TOKEN_SEMICOLON => "`;`".into(),
        SyntaxKind::TOKEN_R_BRACE => "`}`".into(),
        SyntaxKind::TOKEN_L_BRACE => "`{`".into(),
        SyntaxKind::TOKEN_R_BRACK => "`]`".into(),
        SyntaxKind::TOKEN_R_PAREN => "`)`".into(),
        SyntaxKind::TOKEN_ASSIGN => "`=`".into(),
        SyntaxKind::TOKEN_COLON => "`:`".into(),
        SyntaxKind::TOKEN_IN => "`in`".into(),
        SyntaxKind::TOKEN_THEN => "`then`".into(),
        SyntaxKind::TOKEN_ELSE => "`else`".into(),
        SyntaxKind::TOKEN_IDENT => "an identifier".into(),
        SyntaxKind::TOKEN_L_PAREN => "`(`".into(),
        SyntaxKind::TOKEN_L_BRACK => "`[`".into(),
        SyntaxKind::TOKEN_REC => "`rec`".into(),
        SyntaxKind::TOKEN_STRING_START => "a string".into(),
        SyntaxKind::TOKEN_STRING_END => "the end of the string".into(),
        SyntaxKind::TOKEN_COMMA => "`,`".into(),
        SyntaxKind::TOKEN_DOT => "`.`".into(),
        SyntaxKind::TOKEN_INTERPOL_END => "`}` (end of interpolation)".into(),
        SyntaxKind::TOKEN_INTEGER => "a number".into(),
        SyntaxKind::NODE_ERROR | SyntaxKind::TOKEN_ERROR => "an invalid token".into(),
        _ => name.replace('_', " "),
    }
}

fn wanted_list(kinds: &[SyntaxKind]) -> String {
    let mut names: Vec<String> = kinds.iter().map(|k| describe_kind(*k)).collect();
    names.dedup();
    names.join(", ")
}

/// Position where the bracket depth first exceeds rnix's recursion limit, so
/// that "nested too deeply" points somewhere useful.
fn deep_nesting_offset(text: &str) -> usize {
    bracket_depth_exceeds(text, 200).unwrap_or(0)
}

fn parse_error_diag(file: &Arc<SourceFile>, err: &rnix::ParseError) -> Diagnostic {
    use rnix::ParseError as E;
    let eof = file.text.len();
    let (msg, span) = match err {
        E::Unexpected(r) => (
            format!(
                "unexpected `{}`",
                truncate(&file.text[usize::from(r.start())..usize::from(r.end())])
            ),
            range_span(file, *r),
        ),
        E::UnexpectedExtra(r) => (
            format!(
                "unexpected `{}` after the end of the expression",
                truncate(&file.text[usize::from(r.start())..usize::from(r.end())])
            ),
            range_span(file, *r),
        ),
        E::UnexpectedWanted(got, r, wanted) => (
            format!(
                "unexpected {}, expected {}",
                describe_kind(*got),
                wanted_list(wanted)
            ),
            range_span(file, *r),
        ),
        E::UnexpectedDoubleBind(r) => (
            "a pattern can be bound to only one name (`args@{ ... }`)".to_string(),
            range_span(file, *r),
        ),
        E::UnexpectedEOF => (
            "unexpected end of file".to_string(),
            span_at(file, eof, eof),
        ),
        E::UnexpectedEOFWanted(wanted) => (
            format!("unexpected end of file, expected {}", wanted_list(wanted)),
            span_at(file, eof, eof),
        ),
        E::DuplicatedArgs(r, name) => (
            format!("duplicate function argument `{name}`"),
            range_span(file, *r),
        ),
        E::RecursionLimitExceeded => {
            let off = deep_nesting_offset(&file.text);
            return Diagnostic::error(
                "nesting-too-deep",
                "expression nested too deeply to read",
                Some(span_at(file, off, off)),
            )
            .with_note("split the expression into smaller `let` bindings");
        }
        other => (other.to_string(), span_at(file, 0, 0)),
    };
    Diagnostic::error("parse-error", msg, Some(span))
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// More parse errors than this are cascades of the first ones.
const MAX_PARSE_ERRORS: usize = 50;

/// Lowering depth beyond which we refuse (rnix limits parsing depth already;
/// this is a second guard so lowering never overflows the stack).
const MAX_LOWER_DEPTH: usize = 2000;

struct Lowerer {
    file: Arc<SourceFile>,
    diags: Vec<Diagnostic>,
    depth: usize,
}

/// Attribute set under construction: nested keys are merged here.
#[derive(Default)]
struct AttrsBuilder {
    rec: bool,
    statics: Vec<(String, Span, BVal)>,
    index: FxHashMap<String, usize>,
    dynamics: Vec<(ExprRef, Span, BVal)>,
}

enum BVal {
    Expr(ExprRef),
    Inherit,
    Nested(AttrsBuilder, Span),
}

impl AttrsBuilder {
    fn finish(self) -> AttrsDef {
        fn conv(v: BVal) -> Binding {
            match v {
                BVal::Expr(e) => Binding::Expr(e),
                BVal::Inherit => Binding::Inherit,
                BVal::Nested(b, span) => {
                    let def = b.finish();
                    Binding::Expr(Arc::new(Expr {
                        kind: ExprKind::Attrs(Arc::new(def)),
                        span,
                    }))
                }
            }
        }
        AttrsDef {
            rec: self.rec,
            statics: self
                .statics
                .into_iter()
                .map(|(name, span, v)| StaticBinding {
                    name,
                    span,
                    value: conv(v),
                })
                .collect(),
            dynamics: self
                .dynamics
                .into_iter()
                .map(|(key, span, v)| DynamicBinding {
                    key,
                    span,
                    value: conv(v),
                })
                .collect(),
        }
    }
}

impl Lowerer {
    fn span(&self, node: &impl AstNode) -> Span {
        range_span(&self.file, node.syntax().text_range())
    }

    fn err(&mut self, code: &'static str, msg: impl Into<String>, span: Span) {
        self.diags.push(Diagnostic::error(code, msg, Some(span)));
    }

    #[allow(clippy::unused_self)]
    fn mk(&self, kind: ExprKind, span: Span) -> ExprRef {
        Arc::new(Expr { kind, span })
    }

    /// A placeholder for an expression that failed to lower; the error is
    /// already recorded, so evaluation never runs.
    fn bad(&self, span: Span) -> ExprRef {
        self.mk(ExprKind::Var("__error".into()), span)
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>, parent: Span) -> ExprRef {
        if let Some(e) = e {
            self.expr(&e)
        } else {
            self.err("parse-error", "missing expression", parent.clone());
            self.bad(parent)
        }
    }

    fn expr(&mut self, e: &ast::Expr) -> ExprRef {
        let span = self.span(e);
        if self.depth > MAX_LOWER_DEPTH {
            self.err(
                "nesting-too-deep",
                "expression nested too deeply to read",
                span.clone(),
            );
            return self.bad(span);
        }
        self.depth += 1;
        let out = self.expr_inner(e, span);
        self.depth -= 1;
        out
    }

    fn expr_inner(&mut self, e: &ast::Expr, span: Span) -> ExprRef {
        use ast::Expr as E;
        let kind = match e {
            E::Paren(p) => return self.opt_expr(p.expr(), span),
            E::Root(r) => return self.opt_expr(r.expr(), span),
            E::Literal(lit) => match lit.kind() {
                ast::LiteralKind::Integer(i) => {
                    if let Ok(v) = i.value() {
                        ExprKind::Int(v)
                    } else {
                        self.err("parse-error", "integer literal out of range", span.clone());
                        return self.bad(span);
                    }
                }
                ast::LiteralKind::Float(f) => {
                    if let Ok(v) = f.value() {
                        ExprKind::Float(v)
                    } else {
                        self.err("parse-error", "invalid float literal", span.clone());
                        return self.bad(span);
                    }
                }
                ast::LiteralKind::Uri(u) => ExprKind::Uri(u.syntax().text().to_string()),
            },
            E::Str(s) => ExprKind::Str(self.string(s)),
            E::PathAbs(p) => ExprKind::Path(PathKind::Absolute, self.path_parts(&p.parts())),
            E::PathRel(p) => ExprKind::Path(PathKind::Relative, self.path_parts(&p.parts())),
            E::PathHome(p) => ExprKind::Path(PathKind::Home, self.path_parts(&p.parts())),
            E::PathSearch(p) => ExprKind::SearchPath(
                p.content()
                    .map(|c| c.text().trim_matches(['<', '>']).to_string())
                    .unwrap_or_default(),
            ),
            E::Ident(i) => ExprKind::Var(ident_text(i)),
            E::Select(s) => {
                let expr = self.opt_expr(s.expr(), span.clone());
                let path = self.attrpath(s.attrpath(), &span);
                let default = s.default_expr().map(|d| self.expr(&d));
                ExprKind::Select {
                    expr,
                    path,
                    default,
                }
            }
            E::HasAttr(h) => {
                let expr = self.opt_expr(h.expr(), span.clone());
                let path = self.attrpath(h.attrpath(), &span);
                ExprKind::HasAttr { expr, path }
            }
            E::AttrSet(a) => {
                let b = self.attrs_builder(a, a.rec_token().is_some(), false);
                ExprKind::Attrs(Arc::new(b.finish()))
            }
            E::List(l) => ExprKind::List(l.items().map(|i| self.expr(&i)).collect()),
            E::LetIn(l) => {
                let b = self.attrs_builder(l, true, true);
                let body = self.opt_expr(l.body(), span.clone());
                ExprKind::Let {
                    bindings: Arc::new(b.finish()),
                    body,
                }
            }
            // `let { a = 1; body = a; }` is `rec { a = 1; body = a; }.body`.
            E::LegacyLet(l) => {
                let b = self.attrs_builder(l, true, false);
                let set = self.mk(ExprKind::Attrs(Arc::new(b.finish())), span.clone());
                ExprKind::Select {
                    expr: set,
                    path: vec![AttrName::Static("body".into())],
                    default: None,
                }
            }
            E::With(w) => {
                let namespace = self.opt_expr(w.namespace(), span.clone());
                let body = self.opt_expr(w.body(), span.clone());
                ExprKind::With { namespace, body }
            }
            E::Lambda(l) => {
                let param = self.param(l.param(), &span);
                let body = self.opt_expr(l.body(), span.clone());
                ExprKind::Lambda(Arc::new(Lambda {
                    param,
                    body,
                    span: span.clone(),
                }))
            }
            E::Apply(a) => {
                let func = self.opt_expr(a.lambda(), span.clone());
                let arg = self.opt_expr(a.argument(), span.clone());
                ExprKind::Apply { func, arg }
            }
            E::IfElse(i) => ExprKind::If {
                cond: self.opt_expr(i.condition(), span.clone()),
                then: self.opt_expr(i.body(), span.clone()),
                otherwise: self.opt_expr(i.else_body(), span.clone()),
            },
            E::Assert(a) => ExprKind::Assert {
                cond: self.opt_expr(a.condition(), span.clone()),
                body: self.opt_expr(a.body(), span.clone()),
            },
            E::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), span.clone());
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => ExprKind::Not(inner),
                    Some(ast::UnaryOpKind::Negate) => ExprKind::Neg(inner),
                    None => {
                        self.err("parse-error", "unknown unary operator", span.clone());
                        return self.bad(span);
                    }
                }
            }
            E::BinOp(b) => {
                use ast::BinOpKind as K;
                let lhs = self.opt_expr(b.lhs(), span.clone());
                let rhs = self.opt_expr(b.rhs(), span.clone());
                let op = match b.operator() {
                    Some(K::Concat) => BinOp::Concat,
                    Some(K::Update) => BinOp::Update,
                    Some(K::Add) => BinOp::Add,
                    Some(K::Sub) => BinOp::Sub,
                    Some(K::Mul) => BinOp::Mul,
                    Some(K::Div) => BinOp::Div,
                    Some(K::And) => BinOp::And,
                    Some(K::Or) => BinOp::Or,
                    Some(K::Implication) => BinOp::Implication,
                    Some(K::Equal) => BinOp::Eq,
                    Some(K::NotEqual) => BinOp::NotEq,
                    Some(K::Less) => BinOp::Less,
                    Some(K::LessOrEq) => BinOp::LessEq,
                    Some(K::More) => BinOp::More,
                    Some(K::MoreOrEq) => BinOp::MoreEq,
                    // Nix's `pipe-operators` feature, which flakes use:
                    // `x |> f` is `f x`, `f <| x` is `f x`.
                    Some(K::PipeRight) => {
                        return self.mk(
                            ExprKind::Apply {
                                func: rhs,
                                arg: lhs,
                            },
                            span,
                        );
                    }
                    Some(K::PipeLeft) => {
                        return self.mk(
                            ExprKind::Apply {
                                func: lhs,
                                arg: rhs,
                            },
                            span,
                        );
                    }
                    None => {
                        self.err("parse-error", "unknown binary operator", span.clone());
                        return self.bad(span);
                    }
                };
                ExprKind::BinOp { op, lhs, rhs }
            }
            E::CurPos(_) => ExprKind::CurPos,
            E::Error(_) => {
                self.err("parse-error", "invalid expression", span.clone());
                return self.bad(span);
            }
        };
        self.mk(kind, span)
    }

    fn param(&mut self, p: Option<ast::Param>, span: &Span) -> Param {
        match p {
            Some(ast::Param::IdentParam(ip)) => {
                Param::Ident(ip.ident().map(|i| ident_text(&i)).unwrap_or_default())
            }
            Some(ast::Param::Pattern(pat)) => {
                let entries = pat
                    .pat_entries()
                    .map(|e| PatternEntry {
                        name: e.ident().map(|i| ident_text(&i)).unwrap_or_default(),
                        default: e.default().map(|d| self.expr(&d)),
                        span: self.span(&e),
                    })
                    .collect();
                let bind = pat
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .map(|i| ident_text(&i));
                Param::Pattern {
                    entries,
                    ellipsis: pat.ellipsis_token().is_some(),
                    bind,
                }
            }
            None => {
                self.err("parse-error", "missing function parameter", span.clone());
                Param::Ident("__error".into())
            }
        }
    }

    fn attrpath(&mut self, p: Option<ast::Attrpath>, span: &Span) -> Vec<AttrName> {
        if let Some(p) = p {
            p.attrs().map(|a| self.attr_name(&a)).collect()
        } else {
            self.err("parse-error", "missing attribute path", span.clone());
            Vec::new()
        }
    }

    fn attr_name(&mut self, a: &ast::Attr) -> AttrName {
        match a {
            ast::Attr::Ident(i) => AttrName::Static(ident_text(i)),
            ast::Attr::Str(s) => {
                let parts = self.string(s);
                static_string(&parts).map_or_else(
                    || {
                        let span = self.span(s);
                        AttrName::Dynamic(self.mk(ExprKind::Str(parts), span))
                    },
                    AttrName::Static,
                )
            }
            ast::Attr::Dynamic(d) => {
                let span = self.span(d);
                let e = self.opt_expr(d.expr(), span);
                if let ExprKind::Str(parts) = &e.kind {
                    if let Some(s) = static_string(parts) {
                        return AttrName::Static(s);
                    }
                }
                AttrName::Dynamic(e)
            }
        }
    }

    fn attrs_builder(&mut self, node: &impl HasEntry, rec: bool, is_let: bool) -> AttrsBuilder {
        let mut b = AttrsBuilder {
            rec,
            ..AttrsBuilder::default()
        };
        for entry in node.entries() {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().map(|f| {
                        let span = self.span(&f);
                        self.opt_expr(f.expr(), span)
                    });
                    for attr in inh.attrs() {
                        let aspan = self.span(&attr);
                        let name = match self.attr_name(&attr) {
                            AttrName::Static(n) => n,
                            AttrName::Dynamic(_) => {
                                self.err(
                                    "parse-error",
                                    "dynamic attributes are not allowed in `inherit`",
                                    aspan,
                                );
                                continue;
                            }
                        };
                        let val = match &from {
                            // Nix 2.8 desugars `inherit (e) a;` to `a = e.a;`.
                            Some(e) => BVal::Expr(self.mk(
                                ExprKind::Select {
                                    expr: e.clone(),
                                    path: vec![AttrName::Static(name.clone())],
                                    default: None,
                                },
                                aspan.clone(),
                            )),
                            None => BVal::Inherit,
                        };
                        self.insert_static(&mut b, name, aspan, val);
                    }
                }
                ast::Entry::AttrpathValue(apv) => {
                    let span = self.span(&apv);
                    let Some(path) = apv.attrpath() else {
                        self.err("parse-error", "missing attribute name", span);
                        continue;
                    };
                    let attrs: Vec<ast::Attr> = path.attrs().collect();
                    let value = match apv.value() {
                        Some(ast::Expr::AttrSet(set)) => {
                            let inner = self.attrs_builder(&set, set.rec_token().is_some(), false);
                            BVal::Nested(inner, self.span(&set))
                        }
                        Some(v) => BVal::Expr(self.expr(&v)),
                        None => {
                            self.err("parse-error", "missing value", span);
                            continue;
                        }
                    };
                    if is_let {
                        if let Some(first) = attrs.first() {
                            // `${"a"} = 1;` is allowed: its name is static.
                            if matches!(self.attr_name(first), AttrName::Dynamic(_)) {
                                let s = self.span(first);
                                self.err(
                                    "unsupported",
                                    "dynamic attributes are not allowed in `let`",
                                    s,
                                );
                                continue;
                            }
                        }
                    }
                    self.insert_path(&mut b, &attrs, value);
                }
            }
        }
        b
    }

    fn insert_path(&mut self, b: &mut AttrsBuilder, attrs: &[ast::Attr], value: BVal) {
        let Some((first, rest)) = attrs.split_first() else {
            return;
        };
        let span = self.span(first);
        let name = self.attr_name(first);
        if rest.is_empty() {
            match name {
                AttrName::Static(n) => self.insert_static(b, n, span, value),
                AttrName::Dynamic(k) => b.dynamics.push((k, span, value)),
            }
            return;
        }
        match name {
            AttrName::Static(n) => {
                if let Some(&i) = b.index.get(&n) {
                    match &mut b.statics[i].2 {
                        BVal::Nested(inner, _) => {
                            let mut inner = std::mem::take(inner);
                            self.insert_path(&mut inner, rest, value);
                            if let BVal::Nested(slot, _) = &mut b.statics[i].2 {
                                *slot = inner;
                            }
                        }
                        _ => self.dup_attr(&n, &span, &b.statics[i].1.clone()),
                    }
                } else {
                    let mut inner = AttrsBuilder::default();
                    self.insert_path(&mut inner, rest, value);
                    b.index.insert(n.clone(), b.statics.len());
                    b.statics.push((n, span.clone(), BVal::Nested(inner, span)));
                }
            }
            AttrName::Dynamic(k) => {
                let mut inner = AttrsBuilder::default();
                self.insert_path(&mut inner, rest, value);
                b.dynamics
                    .push((k, span.clone(), BVal::Nested(inner, span)));
            }
        }
    }

    fn insert_static(&mut self, b: &mut AttrsBuilder, name: String, span: Span, value: BVal) {
        if let Some(&i) = b.index.get(&name) {
            // `a = { x = 1; }; a = { y = 2; };` merges in Nix, like `a.x`/`a.y`.
            let prev_span = b.statics[i].1.clone();
            match (&mut b.statics[i].2, value) {
                (BVal::Nested(existing, _), BVal::Nested(new, _)) => {
                    let mut merged = std::mem::take(existing);
                    for (n, s, v) in new.statics {
                        self.insert_static(&mut merged, n, s, v);
                    }
                    merged.dynamics.extend(new.dynamics);
                    if let BVal::Nested(slot, _) = &mut b.statics[i].2 {
                        *slot = merged;
                    }
                }
                _ => self.dup_attr(&name, &span, &prev_span),
            }
            return;
        }
        b.index.insert(name.clone(), b.statics.len());
        b.statics.push((name, span, value));
    }

    fn dup_attr(&mut self, name: &str, span: &Span, prev: &Span) {
        self.diags.push(
            Diagnostic::error(
                "duplicate-attribute",
                format!("attribute `{name}` is already defined"),
                Some(span.clone()),
            )
            .with_note(format!("first defined at {}", prev.location())),
        );
    }

    fn path_parts(&mut self, parts: &[InterpolPart<ast::PathContent>]) -> Vec<StrPart> {
        parts
            .iter()
            .map(|p| match p {
                InterpolPart::Literal(l) => StrPart::Lit(l.text().to_string()),
                InterpolPart::Interpolation(i) => {
                    let span = self.span(i);
                    StrPart::Interp(self.opt_expr(i.expr(), span))
                }
            })
            .collect()
    }

    fn string(&mut self, s: &ast::Str) -> Vec<StrPart> {
        let indented = s.syntax().first_token().is_some_and(|t| t.text() == "''");
        let raw: Vec<InterpolPart<ast::StrContent>> = s.parts().collect();
        let mut out: Vec<StrPart> = Vec::new();
        if !indented {
            for p in raw {
                match p {
                    InterpolPart::Literal(l) => push_lit(&mut out, unescape_dq(l.syntax().text())),
                    InterpolPart::Interpolation(i) => {
                        let span = self.span(&i);
                        out.push(StrPart::Interp(self.opt_expr(i.expr(), span)));
                    }
                }
            }
            return out;
        }
        // Indented string: re-lex the content the way Nix's lexer does
        // (escapes are separate tokens that end leading whitespace), then
        // strip indentation with Nix's algorithm.
        let mut toks: Vec<IndTok> = Vec::new();
        for (idx, p) in raw.into_iter().enumerate() {
            match p {
                InterpolPart::Literal(l) => {
                    let mut text = l.syntax().text();
                    if idx == 0 {
                        // `''` followed by spaces and a newline: Nix's lexer
                        // swallows that first line.
                        let trimmed = text.trim_start_matches(' ');
                        if let Some(rest) = trimmed.strip_prefix('\n') {
                            text = rest;
                        }
                    }
                    lex_indented(text, &mut toks);
                }
                InterpolPart::Interpolation(i) => {
                    let span = self.span(&i);
                    toks.push(IndTok::Interp(self.opt_expr(i.expr(), span)));
                }
            }
        }
        for part in strip_indentation(toks) {
            match part {
                StrPart::Lit(s) => push_lit(&mut out, s),
                p @ StrPart::Interp(_) => out.push(p),
            }
        }
        out
    }
}

fn push_lit(out: &mut Vec<StrPart>, s: String) {
    if let Some(StrPart::Lit(prev)) = out.last_mut() {
        prev.push_str(&s);
    } else {
        out.push(StrPart::Lit(s));
    }
}

fn static_string(parts: &[StrPart]) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            StrPart::Lit(l) => s.push_str(l),
            StrPart::Interp(_) => return None,
        }
    }
    Some(s)
}

/// Escapes of `"..."` strings.
fn unescape_dq(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '\r' => {
                // Nix normalises CR LF and lone CR to LF in string literals.
                out.push('\n');
                if chars.clone().next() == Some('\n') {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    out
}

enum IndTok {
    /// Text, and whether it counts for indentation (false for escapes).
    Str(String, bool),
    Interp(ExprRef),
}

fn lex_indented(text: &str, out: &mut Vec<IndTok>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // The main rule: ([^$']|\$[^{']|'[^'$])+
        let start = i;
        loop {
            if i >= b.len() {
                break;
            }
            let c = b[i];
            let next = b.get(i + 1).copied();
            if c != b'$' && c != b'\'' {
                i += 1;
            } else if (c == b'$' && next.is_some_and(|n| n != b'{' && n != b'\''))
                || (c == b'\'' && next.is_some_and(|n| n != b'\'' && n != b'$'))
            {
                i += 2;
            } else {
                break;
            }
        }
        // Two-byte steps never split a UTF-8 sequence start since `$`/`'`
        // are ASCII, but the second byte may begin a multi-byte char.
        while i < b.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        if i > start {
            out.push(IndTok::Str(text[start..i].to_string(), true));
            continue;
        }
        let rest = &text[i..];
        if rest.starts_with("''$") {
            out.push(IndTok::Str("$".into(), false));
            i += 3;
        } else if rest.starts_with("'''") {
            out.push(IndTok::Str("''".into(), false));
            i += 3;
        } else if let Some(after) = rest.strip_prefix("''\\") {
            match after.chars().next() {
                Some(c) => {
                    let s = match c {
                        'n' => "\n".to_string(),
                        'r' => "\r".to_string(),
                        't' => "\t".to_string(),
                        c => c.to_string(),
                    };
                    out.push(IndTok::Str(s, false));
                    i += 3 + c.len_utf8();
                }
                None => {
                    i += 3;
                }
            }
        } else if rest.starts_with('$') {
            out.push(IndTok::Str("$".into(), false));
            i += 1;
        } else if rest.starts_with('\'') {
            out.push(IndTok::Str("'".into(), false));
            i += 1;
        } else {
            // Unreachable by construction; advance to stay total.
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
}

/// Nix's `stripIndentation` (parser.y), token for token.
fn strip_indentation(toks: Vec<IndTok>) -> Vec<StrPart> {
    let mut at_start = true;
    let mut min_indent = 1_000_000usize;
    let mut cur_indent = 0usize;
    for t in &toks {
        match t {
            IndTok::Str(s, true) => {
                for c in s.bytes() {
                    if at_start {
                        if c == b' ' {
                            cur_indent += 1;
                        } else if c == b'\n' {
                            cur_indent = 0;
                        } else {
                            at_start = false;
                            min_indent = min_indent.min(cur_indent);
                        }
                    } else if c == b'\n' {
                        at_start = true;
                        cur_indent = 0;
                    }
                }
            }
            _ => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur_indent);
                }
            }
        }
    }
    let mut out = Vec::new();
    at_start = true;
    let mut cur_dropped = 0usize;
    let n = toks.len();
    for (idx, t) in toks.into_iter().enumerate() {
        match t {
            IndTok::Interp(e) => {
                at_start = false;
                cur_dropped = 0;
                out.push(StrPart::Interp(e));
            }
            IndTok::Str(s, _) => {
                let mut s2 = String::with_capacity(s.len());
                for c in s.chars() {
                    if at_start {
                        if c == ' ' {
                            if cur_dropped >= min_indent {
                                s2.push(c);
                            }
                            cur_dropped += 1;
                        } else if c == '\n' {
                            cur_dropped = 0;
                            s2.push(c);
                        } else {
                            at_start = false;
                            cur_dropped = 0;
                            s2.push(c);
                        }
                    } else {
                        s2.push(c);
                        if c == '\n' {
                            at_start = true;
                        }
                    }
                }
                if idx + 1 == n {
                    if let Some(p) = s2.rfind('\n') {
                        if s2[p + 1..].bytes().all(|c| c == b' ') {
                            s2.truncate(p + 1);
                        }
                    }
                }
                out.push(StrPart::Lit(s2));
            }
        }
    }
    out
}
