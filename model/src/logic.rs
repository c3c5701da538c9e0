//! The property language: first-order formulas over the finite model, written in a custom
//! property's `assert`.
//!
//! ```text
//! forall f in flows: crosses(f, 1) -> f.encryption in [tls12, tls13]
//! forall a in assets(type: database): not reachable(web-attacker, a)
//! forall p in insiders: not (reaches(p, route-plan) and reaches(p, tracker-van-1))
//! ```
//!
//! Quantifiers range over finite domains of the model (`assets` with filters, `flows`,
//! `actors`, `persons`, `insiders`, `controls`); atoms compare attributes (`a.trust >= 5`,
//! `f.authentication in [mfa, mtls]`) or test relations and reachability (`stores`,
//! `carries`, `holds`, `hosted_on`, `has_access`, `custody`, `depends_on`, `crosses`,
//! `reachable`, `reaches`, `is`, `tagged`). [`compile`] parses a formula and resolves every
//! name against a model; problems come back with their place in the formula. This module
//! gives the language its syntax and names only: what a formula *means* under a
//! configuration is the verifier's business (book: methods/semantics.md, property language).

use std::collections::HashMap;
use std::fmt;

use crate::diagnostic::did_you_mean;
use crate::model::*;

/// A problem in a formula: where (in characters from the start of the formula), what, and
/// usually a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicError {
    pub code: &'static str,
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl LogicError {
    fn new(code: &'static str, at: Pos, message: impl Into<String>) -> Self {
        LogicError {
            code,
            offset: at.offset,
            len: at.len.max(1),
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

/// A resolved formula: its bound variables and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub vars: Vec<VarDecl>,
    pub body: Expr,
}

impl Formula {
    /// The variables of the leading universal quantifiers: the values that falsify the
    /// formula, when it is false, are values of these.
    pub fn prefix(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut e = &self.body;
        while let Expr::Forall(v, body) = e {
            out.push(*v);
            e = body;
        }
        out
    }
}

/// A bound variable, with where it was declared in the formula.
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: String,
    pub domain: Domain,
    pub offset: usize,
    pub len: usize,
}

/// What a variable ranges over. Flows range over the flows in place in a configuration
/// (a removed flow is not there).
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    Assets(AssetFilter),
    Flows,
    Actors,
    /// Human-layer assets.
    Persons,
    /// Human-layer assets that belong to an organisation (as in separation properties).
    Insiders,
    Controls,
}

impl Domain {
    pub fn sort(&self) -> Sort {
        match self {
            Domain::Assets(_) | Domain::Persons | Domain::Insiders => Sort::Asset,
            Domain::Flows => Sort::Flow,
            Domain::Actors => Sort::Actor,
            Domain::Controls => Sort::Control,
        }
    }
}

/// `assets(type: database, layer: cyber, org: shop, zone: dmz, tag: pci)`: every given
/// filter must hold. `type` includes subtypes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetFilter {
    pub type_: Option<TypeId>,
    pub layer: Option<Layer>,
    pub org: Option<AssetId>,
    pub zone: Option<AssetId>,
    pub tag: Option<String>,
}

/// The sort of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sort {
    Asset,
    Flow,
    Actor,
    Control,
    Num,
    Bool,
    Layer,
    Authentication,
    Encryption,
    Type,
    Str,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Asset => "an asset",
            Sort::Flow => "a flow",
            Sort::Actor => "an actor",
            Sort::Control => "a control",
            Sort::Num => "a number",
            Sort::Bool => "a truth value",
            Sort::Layer => "a layer",
            Sort::Authentication => "an authentication",
            Sort::Encryption => "an encryption",
            Sort::Type => "an asset type",
            Sort::Str => "a text",
        }
    }
}

/// A constant of the model or of a sort.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Asset(AssetId),
    Flow(FlowId),
    Actor(ActorId),
    Control(ControlId),
    Num(f64),
    Bool(bool),
    Layer(Layer),
    Authentication(Authentication),
    Encryption(Encryption),
    Type(TypeId),
    Str(String),
    /// No asset (an asset without `org` or `zone`).
    None,
}

/// An attribute of an asset, flow or control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    // assets
    Type,
    Layer,
    Org,
    Zone,
    Trust,
    Records,
    ValueEur,
    CrownJewel,
    Name,
    // flows
    From,
    To,
    Authentication,
    Encryption,
    InputValidation,
    RateLimited,
    Protocol,
    // controls
    On,
    Enabled,
    Kind,
    CostEur,
    UpkeepEurPerYear,
}

/// (spelling, owner sort, attribute, result sort)
const ATTRS: &[(&str, Sort, Attr, Sort)] = &[
    ("type", Sort::Asset, Attr::Type, Sort::Type),
    ("layer", Sort::Asset, Attr::Layer, Sort::Layer),
    ("org", Sort::Asset, Attr::Org, Sort::Asset),
    ("zone", Sort::Asset, Attr::Zone, Sort::Asset),
    ("trust", Sort::Asset, Attr::Trust, Sort::Num),
    ("records", Sort::Asset, Attr::Records, Sort::Num),
    ("value_eur", Sort::Asset, Attr::ValueEur, Sort::Num),
    ("crown_jewel", Sort::Asset, Attr::CrownJewel, Sort::Bool),
    ("name", Sort::Asset, Attr::Name, Sort::Str),
    ("from", Sort::Flow, Attr::From, Sort::Asset),
    ("to", Sort::Flow, Attr::To, Sort::Asset),
    (
        "authentication",
        Sort::Flow,
        Attr::Authentication,
        Sort::Authentication,
    ),
    ("encryption", Sort::Flow, Attr::Encryption, Sort::Encryption),
    (
        "input_validation",
        Sort::Flow,
        Attr::InputValidation,
        Sort::Bool,
    ),
    ("rate_limited", Sort::Flow, Attr::RateLimited, Sort::Bool),
    ("protocol", Sort::Flow, Attr::Protocol, Sort::Str),
    ("on", Sort::Control, Attr::On, Sort::Bool),
    ("enabled", Sort::Control, Attr::Enabled, Sort::Bool),
    ("kind", Sort::Control, Attr::Kind, Sort::Str),
    ("cost_eur", Sort::Control, Attr::CostEur, Sort::Num),
    (
        "upkeep_eur_per_year",
        Sort::Control,
        Attr::UpkeepEurPerYear,
        Sort::Num,
    ),
];

impl Attr {
    pub fn as_str(self) -> &'static str {
        ATTRS
            .iter()
            .find(|(_, _, a, _)| *a == self)
            .map_or("?", |(n, _, _, _)| n)
    }
}

/// A term: a variable, a constant, or an attribute of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Var(usize),
    Const(Value),
    Attr(Box<Term>, Attr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// A relation or reachability test.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// The flow is in place and the trusts of its ends differ by at least `gap`.
    Crosses {
        flow: Term,
        gap: u8,
    },
    /// The actor reaches a step of the asset (attack-graph reachability from its entries).
    Reachable {
        actor: Term,
        asset: Term,
    },
    /// The asset `from`, fully compromised (all its steps are entry steps, every layer),
    /// reaches a step of `asset`.
    Reaches {
        from: Term,
        asset: Term,
    },
    /// `asset` stores the data class `data`.
    Stores {
        asset: Term,
        data: Term,
    },
    /// The flow is in place and carries `data` (as configured).
    Carries {
        flow: Term,
        data: Term,
    },
    /// `asset` holds `data`: it stores it or is an end of a flow in place that carries it.
    Holds {
        asset: Term,
        data: Term,
    },
    HostedOn {
        asset: Term,
        host: Term,
    },
    HasAccess {
        who: Term,
        to: Term,
        right: Option<Right>,
    },
    Custody {
        holder: Term,
        item: Term,
    },
    /// `service` has a dependency entry in place whose `on` lists `on`.
    DependsOn {
        service: Term,
        on: Term,
    },
    /// The asset's type is `ty` or one of its subtypes.
    Is {
        asset: Term,
        ty: TypeId,
    },
    Tagged {
        asset: Term,
        tag: String,
    },
}

/// A formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(bool),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Implies(Box<Expr>, Box<Expr>),
    Iff(Box<Expr>, Box<Expr>),
    Forall(usize, Box<Expr>),
    Exists(usize, Box<Expr>),
    Cmp(Cmp, Term, Term),
    /// The term equals one of the list.
    In(Term, Vec<Term>),
    /// A truth-valued term, e.g. `f.input_validation`.
    Truth(Term),
    Pred(Pred),
}

/// Parses `text` and resolves it against `model`.
pub fn compile(text: &str, model: &Model) -> Result<Formula, Vec<LogicError>> {
    let tokens = lex(text)?;
    let raw = Parser { tokens, at: 0 }.formula_all()?;
    let mut r = Resolver {
        model,
        vars: Vec::new(),
        scope: Vec::new(),
        errors: Vec::new(),
        names: Names::new(model),
    };
    let body = r.expr(&raw);
    if r.errors.is_empty() {
        Ok(Formula { vars: r.vars, body })
    } else {
        Err(r.errors)
    }
}

/// Checks only the syntax (no model needed).
pub fn parse_only(text: &str) -> Result<(), Vec<LogicError>> {
    let tokens = lex(text)?;
    Parser { tokens, at: 0 }.formula_all().map(|_| ())
}

// ------------------------------------------------------------------------------ lexing

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    offset: usize,
    len: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Colon,
    Dot,
    Arrow,
    DArrow,
    Cmp(Cmp),
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBrack => "`[`".into(),
            Tok::RBrack => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Arrow => "`->`".into(),
            Tok::DArrow => "`<->`".into(),
            Tok::Cmp(c) => format!("`{}`", c.as_str()),
            Tok::Eof => "the end of the formula".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: Pos,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn lex(text: &str) -> Result<Vec<Token>, Vec<LogicError>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |offset: usize, len: usize| Pos { offset, len };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let three: String = chars[i..chars.len().min(i + 3)].iter().collect();
        let (tok, len) = if three == "<->" {
            (Tok::DArrow, 3)
        } else if two == "->" {
            (Tok::Arrow, 2)
        } else if two == "==" {
            (Tok::Cmp(Cmp::Eq), 2)
        } else if two == "!=" {
            (Tok::Cmp(Cmp::Ne), 2)
        } else if two == "<=" {
            (Tok::Cmp(Cmp::Le), 2)
        } else if two == ">=" {
            (Tok::Cmp(Cmp::Ge), 2)
        } else if c == '<' {
            (Tok::Cmp(Cmp::Lt), 1)
        } else if c == '>' {
            (Tok::Cmp(Cmp::Gt), 1)
        } else if c == '(' {
            (Tok::LParen, 1)
        } else if c == ')' {
            (Tok::RParen, 1)
        } else if c == '[' {
            (Tok::LBrack, 1)
        } else if c == ']' {
            (Tok::RBrack, 1)
        } else if c == ',' {
            (Tok::Comma, 1)
        } else if c == ':' {
            (Tok::Colon, 1)
        } else if c == '.' {
            (Tok::Dot, 1)
        } else if c == '"' {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() && chars[j] != '"' {
                s.push(chars[j]);
                j += 1;
            }
            if j >= chars.len() {
                return Err(vec![LogicError::new(
                    "E0601",
                    at(i, 1),
                    "unterminated quoted name",
                )
                .hint(Some("close it with `\"`".into()))]);
            }
            (Tok::Str(s), j + 1 - i)
        } else if is_word_char(c) {
            let mut j = i;
            while j < chars.len() && is_word_char(chars[j]) {
                // `a->b`: the hyphen starts an arrow, not part of the name.
                if chars[j] == '-' && chars.get(j + 1) == Some(&'>') {
                    break;
                }
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            if word.chars().all(|c| c.is_ascii_digit()) {
                // A decimal part: `0.5` (a dot followed by a digit).
                let mut k = j;
                if chars.get(k) == Some(&'.') && chars.get(k + 1).is_some_and(char::is_ascii_digit)
                {
                    k += 1;
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                }
                let num: String = chars[i..k].iter().collect();
                match num.parse::<f64>() {
                    Ok(v) => (Tok::Num(v), k - i),
                    Err(_) => {
                        return Err(vec![LogicError::new(
                            "E0601",
                            at(i, k - i),
                            format!("`{num}` is not a number"),
                        )])
                    }
                }
            } else {
                (Tok::Ident(word), j - i)
            }
        } else {
            let hint = match c {
                '=' => Some("write `==` to compare".to_string()),
                '&' => Some("write `and`".to_string()),
                '|' => Some("write `or`".to_string()),
                '!' => Some("write `not`".to_string()),
                '\'' => Some("quote names with `\"`".to_string()),
                _ => None,
            };
            return Err(vec![LogicError::new(
                "E0601",
                at(i, 1),
                format!("unexpected character `{c}`"),
            )
            .hint(hint)]);
        };
        out.push(Token {
            tok,
            pos: at(i, len),
        });
        i += len;
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: at(chars.len(), 1),
    });
    Ok(out)
}

// ------------------------------------------------------------------------------ parsing

const KEYWORDS: &[&str] = &[
    "forall", "exists", "in", "and", "or", "not", "true", "false", "none",
];

#[derive(Debug, Clone)]
enum RawExpr {
    Quant {
        forall: bool,
        binders: Vec<RawBinder>,
        body: Box<RawExpr>,
    },
    Not(Box<RawExpr>),
    And(Vec<RawExpr>),
    Or(Vec<RawExpr>),
    Implies(Box<RawExpr>, Box<RawExpr>),
    Iff(Box<RawExpr>, Box<RawExpr>),
    Bool(bool),
    Cmp(Cmp, RawTerm, RawTerm, Pos),
    In {
        term: RawTerm,
        list: Vec<RawTerm>,
        negated: bool,
    },
    /// A bare term: a predicate call, or a truth-valued attribute.
    Term(RawTerm),
}

#[derive(Debug, Clone)]
struct RawBinder {
    name: String,
    name_pos: Pos,
    domain: String,
    domain_pos: Pos,
    filters: Vec<(String, Pos, RawTerm)>,
}

#[derive(Debug, Clone)]
enum RawTerm {
    Name(String, Pos),
    Str(String, Pos),
    Num(f64, Pos),
    NoneLit(Pos),
    Attr(Box<RawTerm>, String, Pos),
    Call(String, Pos, Vec<RawTerm>),
}

impl RawTerm {
    fn pos(&self) -> Pos {
        match self {
            RawTerm::Name(_, p)
            | RawTerm::Str(_, p)
            | RawTerm::Num(_, p)
            | RawTerm::NoneLit(p)
            | RawTerm::Attr(_, _, p)
            | RawTerm::Call(_, p, _) => *p,
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

type PResult<T> = Result<T, Vec<LogicError>>;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == kw)
    }

    fn error_here(&self, expected: &str) -> Vec<LogicError> {
        let t = self.peek();
        let hint = match &t.tok {
            Tok::Ident(s) if s == "=>" => Some("write `->` for implication".into()),
            Tok::Ident(s) if s == "&&" => Some("write `and`".into()),
            Tok::Ident(s) if s == "implies" => Some("write `->` for implication".into()),
            Tok::Ident(s) if s == "all" || s == "every" => {
                Some("quantify with `forall x in assets: ...`".into())
            }
            _ => None,
        };
        vec![LogicError::new(
            "E0601",
            t.pos,
            format!("expected {expected}, found {}", t.tok.describe()),
        )
        .hint(hint)]
    }

    fn expect(&mut self, tok: Tok, what: &str) -> PResult<Token> {
        if self.peek().tok == tok {
            Ok(self.bump())
        } else {
            Err(self.error_here(what))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<(String, Pos)> {
        match &self.peek().tok {
            Tok::Ident(s) => {
                let s = s.clone();
                let p = self.bump().pos;
                Ok((s, p))
            }
            _ => Err(self.error_here(what)),
        }
    }

    fn formula_all(&mut self) -> PResult<RawExpr> {
        if self.peek().tok == Tok::Eof {
            return Err(vec![LogicError::new(
                "E0601",
                self.peek().pos,
                "the formula is empty",
            )
            .hint(Some(
                "e.g. `forall f in flows: crosses(f, 1) -> f.encryption != none`".into(),
            ))]);
        }
        let e = self.formula()?;
        if self.peek().tok != Tok::Eof {
            return Err(self.error_here("an operator (`and`, `or`, `->`, `<->`) or the end"));
        }
        Ok(e)
    }

    fn formula(&mut self) -> PResult<RawExpr> {
        if self.is_kw("forall") || self.is_kw("exists") {
            let forall = self.is_kw("forall");
            self.bump();
            let mut binders = self.binder_group()?;
            while self.peek().tok == Tok::Comma {
                self.bump();
                binders.extend(self.binder_group()?);
            }
            self.expect(Tok::Colon, "`:` after the quantified variables")?;
            let body = self.formula()?;
            return Ok(RawExpr::Quant {
                forall,
                binders,
                body: Box::new(body),
            });
        }
        self.iff()
    }

    /// `a, b in assets(type: host)`: one or more names sharing a domain.
    fn binder_group(&mut self) -> PResult<Vec<RawBinder>> {
        let mut names = vec![self.ident("a variable name")?];
        while self.peek().tok == Tok::Comma {
            self.bump();
            names.push(self.ident("a variable name")?);
        }
        for (name, pos) in &names {
            if KEYWORDS.contains(&name.as_str()) {
                return Err(vec![LogicError::new(
                    "E0601",
                    *pos,
                    format!("`{name}` is a keyword, not a variable name"),
                )]);
            }
        }
        if !self.is_kw("in") {
            return Err(self.error_here("`in`"));
        }
        self.bump();
        let (domain, domain_pos) = self
            .ident("a domain (`assets`, `flows`, `actors`, `persons`, `insiders`, `controls`)")?;
        let mut filters = Vec::new();
        if self.peek().tok == Tok::LParen {
            self.bump();
            loop {
                let (key, key_pos) = self.ident("a filter such as `type: database`")?;
                self.expect(Tok::Colon, "`:` after the filter name")?;
                let value = self.term()?;
                filters.push((key, key_pos, value));
                if self.peek().tok == Tok::Comma {
                    self.bump();
                    continue;
                }
                self.expect(Tok::RParen, "`,` or `)`")?;
                break;
            }
        }
        Ok(names
            .into_iter()
            .map(|(name, name_pos)| RawBinder {
                name,
                name_pos,
                domain: domain.clone(),
                domain_pos,
                filters: filters.clone(),
            })
            .collect())
    }

    fn iff(&mut self) -> PResult<RawExpr> {
        let left = self.implies()?;
        if self.peek().tok == Tok::DArrow {
            self.bump();
            let right = self.quantified_or(Self::implies)?;
            return Ok(RawExpr::Iff(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn implies(&mut self) -> PResult<RawExpr> {
        let left = self.or()?;
        if self.peek().tok == Tok::Arrow {
            self.bump();
            let right = self.quantified_or(Self::implies)?;
            return Ok(RawExpr::Implies(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    /// A quantifier may open the right-hand side of a connective: `p -> exists x in ...: q`.
    fn quantified_or(&mut self, next: fn(&mut Self) -> PResult<RawExpr>) -> PResult<RawExpr> {
        if self.is_kw("forall") || self.is_kw("exists") {
            self.formula()
        } else {
            next(self)
        }
    }

    fn or(&mut self) -> PResult<RawExpr> {
        let mut items = vec![self.and()?];
        while self.is_kw("or") {
            self.bump();
            items.push(self.quantified_or(Self::and)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            RawExpr::Or(items)
        })
    }

    fn and(&mut self) -> PResult<RawExpr> {
        let mut items = vec![self.not()?];
        while self.is_kw("and") {
            self.bump();
            items.push(self.quantified_or(Self::not)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            RawExpr::And(items)
        })
    }

    fn not(&mut self) -> PResult<RawExpr> {
        if self.is_kw("not") {
            self.bump();
            let inner = self.quantified_or(Self::not)?;
            return Ok(RawExpr::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> PResult<RawExpr> {
        if self.peek().tok == Tok::LParen {
            self.bump();
            let e = self.formula()?;
            self.expect(Tok::RParen, "`)`")?;
            return Ok(e);
        }
        if self.is_kw("true") || self.is_kw("false") {
            let v = self.is_kw("true");
            self.bump();
            return Ok(RawExpr::Bool(v));
        }
        let left = self.term()?;
        match self.peek().tok.clone() {
            Tok::Cmp(op) => {
                let op_pos = self.bump().pos;
                let right = self.term()?;
                Ok(RawExpr::Cmp(op, left, right, op_pos))
            }
            Tok::Ident(s) if s == "in" => {
                self.bump();
                let list = self.list()?;
                Ok(RawExpr::In {
                    term: left,
                    list,
                    negated: false,
                })
            }
            Tok::Ident(s)
                if s == "not"
                    && matches!(self.tokens.get(self.at + 1).map(|t| &t.tok), Some(Tok::Ident(w)) if w == "in") =>
            {
                self.bump();
                self.bump();
                let list = self.list()?;
                Ok(RawExpr::In {
                    term: left,
                    list,
                    negated: true,
                })
            }
            _ => Ok(RawExpr::Term(left)),
        }
    }

    fn list(&mut self) -> PResult<Vec<RawTerm>> {
        self.expect(Tok::LBrack, "`[` opening a list")?;
        let mut items = Vec::new();
        if self.peek().tok == Tok::RBrack {
            self.bump();
            return Ok(items);
        }
        loop {
            items.push(self.term()?);
            if self.peek().tok == Tok::Comma {
                self.bump();
                continue;
            }
            self.expect(Tok::RBrack, "`,` or `]`")?;
            return Ok(items);
        }
    }

    fn term(&mut self) -> PResult<RawTerm> {
        let t = self.peek().clone();
        let mut term = match t.tok {
            Tok::Num(v) => {
                self.bump();
                RawTerm::Num(v, t.pos)
            }
            Tok::Str(s) => {
                self.bump();
                RawTerm::Str(s, t.pos)
            }
            Tok::Ident(s) if s == "none" => {
                self.bump();
                RawTerm::NoneLit(t.pos)
            }
            Tok::Ident(s) if KEYWORDS.contains(&s.as_str()) => {
                return Err(self.error_here("a name, an attribute or a predicate"));
            }
            Tok::Ident(s) => {
                self.bump();
                if self.peek().tok == Tok::LParen {
                    self.bump();
                    let mut args = Vec::new();
                    if self.peek().tok != Tok::RParen {
                        loop {
                            args.push(self.term()?);
                            if self.peek().tok == Tok::Comma {
                                self.bump();
                                continue;
                            }
                            break;
                        }
                    }
                    self.expect(Tok::RParen, "`,` or `)`")?;
                    RawTerm::Call(s, t.pos, args)
                } else {
                    RawTerm::Name(s, t.pos)
                }
            }
            _ => return Err(self.error_here("a name, an attribute or a predicate")),
        };
        while self.peek().tok == Tok::Dot {
            self.bump();
            let (attr, pos) = self.ident("an attribute name after `.`")?;
            term = RawTerm::Attr(Box::new(term), attr, pos);
        }
        Ok(term)
    }
}

// ------------------------------------------------------------------------------ resolving

/// Names of the model, for resolving constants and suggesting corrections.
struct Names {
    actors: HashMap<String, ActorId>,
    controls: HashMap<String, ControlId>,
    flows: HashMap<String, FlowId>,
    types: HashMap<String, TypeId>,
}

impl Names {
    fn new(model: &Model) -> Self {
        Names {
            actors: model
                .actors
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.clone(), ActorId(i as u32)))
                .collect(),
            controls: model
                .controls
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), ControlId(i as u32)))
                .collect(),
            flows: model
                .flows
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.id.clone().map(|id| (id, FlowId(i as u32))))
                .collect(),
            types: model
                .types
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id.clone(), TypeId(i as u32)))
                .collect(),
        }
    }
}

const PREDICATES: &[(&str, &str)] = &[
    ("crosses", "crosses(flow, gap)"),
    ("reachable", "reachable(actor, asset)"),
    ("reaches", "reaches(asset, asset)"),
    ("stores", "stores(asset, data)"),
    ("carries", "carries(flow, data)"),
    ("holds", "holds(asset, data)"),
    ("hosted_on", "hosted_on(asset, host)"),
    (
        "has_access",
        "has_access(who, asset) or has_access(who, asset, right)",
    ),
    ("custody", "custody(holder, item)"),
    ("depends_on", "depends_on(service, asset)"),
    ("is", "is(asset, type)"),
    ("tagged", "tagged(asset, tag)"),
];

const DOMAINS: &[&str] = &[
    "assets", "flows", "actors", "persons", "insiders", "controls",
];

struct Resolver<'m> {
    model: &'m Model,
    vars: Vec<VarDecl>,
    scope: Vec<usize>,
    errors: Vec<LogicError>,
    names: Names,
}

impl Resolver<'_> {
    fn err(&mut self, e: LogicError) {
        self.errors.push(e);
    }

    fn lookup_var(&self, name: &str) -> Option<usize> {
        self.scope
            .iter()
            .rev()
            .copied()
            .find(|v| self.vars[*v].name == name)
    }

    fn expr(&mut self, e: &RawExpr) -> Expr {
        match e {
            RawExpr::Bool(b) => Expr::Const(*b),
            RawExpr::Not(x) => Expr::Not(Box::new(self.expr(x))),
            RawExpr::And(xs) => Expr::And(xs.iter().map(|x| self.expr(x)).collect()),
            RawExpr::Or(xs) => Expr::Or(xs.iter().map(|x| self.expr(x)).collect()),
            RawExpr::Implies(a, b) => Expr::Implies(Box::new(self.expr(a)), Box::new(self.expr(b))),
            RawExpr::Iff(a, b) => Expr::Iff(Box::new(self.expr(a)), Box::new(self.expr(b))),
            RawExpr::Quant {
                forall,
                binders,
                body,
            } => {
                let depth = self.scope.len();
                let mut ids = Vec::new();
                for b in binders {
                    if self.lookup_var(&b.name).is_some() {
                        self.err(
                            LogicError::new(
                                "E0608",
                                b.name_pos,
                                format!("variable `{}` is already bound", b.name),
                            )
                            .hint(Some("give the inner variable another name".into())),
                        );
                    }
                    let domain = self.domain(b);
                    let id = self.vars.len();
                    self.vars.push(VarDecl {
                        name: b.name.clone(),
                        domain,
                        offset: b.name_pos.offset,
                        len: b.name_pos.len,
                    });
                    // Later binders of one quantifier may refer to earlier ones' names only
                    // through the body; filters take constants.
                    self.scope.push(id);
                    ids.push(id);
                }
                let mut out = self.expr(body);
                self.scope.truncate(depth);
                for id in ids.into_iter().rev() {
                    out = if *forall {
                        Expr::Forall(id, Box::new(out))
                    } else {
                        Expr::Exists(id, Box::new(out))
                    };
                }
                out
            }
            RawExpr::Cmp(op, l, r, op_pos) => {
                let errors_before = self.errors.len();
                let (lt, ls) = self.term(l, None);
                let (rt, rs) = self.term(r, ls);
                // A constant on the left takes its sort from the right.
                let bare_constant = matches!(
                    l,
                    RawTerm::Name(..) | RawTerm::Str(..) | RawTerm::NoneLit(..)
                );
                let (lt, ls) = match (ls, rs) {
                    (None, Some(_)) if bare_constant => self.term(l, rs),
                    _ => (lt, ls),
                };
                match (ls, rs) {
                    // A side that could not be resolved has been reported already.
                    _ if self.errors.len() > errors_before => {}
                    (Some(a), Some(b)) if !compatible(a, b) => {
                        self.err(LogicError::new(
                            "E0604",
                            *op_pos,
                            format!("cannot compare {} with {}", a.name(), b.name()),
                        ));
                    }
                    (Some(a), _) if !matches!(op, Cmp::Eq | Cmp::Ne) && a != Sort::Num => {
                        self.err(
                            LogicError::new(
                                "E0604",
                                *op_pos,
                                format!("`{}` compares numbers, not {}", op.as_str(), a.name()),
                            )
                            .hint(Some("use `==`, `!=` or `in [...]`".into())),
                        );
                    }
                    (None, None) => {
                        self.err(LogicError::new(
                            "E0604",
                            *op_pos,
                            "a comparison needs a variable or an attribute on one side",
                        ));
                    }
                    _ => {}
                }
                Expr::Cmp(*op, lt, rt)
            }
            RawExpr::In {
                term,
                list,
                negated,
            } => {
                let (t, sort) = self.term(term, None);
                if sort.is_none() {
                    self.err(LogicError::new(
                        "E0604",
                        term.pos(),
                        "`in` needs a variable or an attribute on its left",
                    ));
                }
                let items: Vec<Term> = list
                    .iter()
                    .map(|x| {
                        let (it, s) = self.term(x, sort);
                        if let (Some(a), Some(b)) = (sort, s) {
                            if !compatible(a, b) {
                                self.err(LogicError::new(
                                    "E0604",
                                    x.pos(),
                                    format!("this list holds {}, not {}", a.name(), b.name()),
                                ));
                            }
                        }
                        it
                    })
                    .collect();
                let e = Expr::In(t, items);
                if *negated {
                    Expr::Not(Box::new(e))
                } else {
                    e
                }
            }
            RawExpr::Term(RawTerm::Call(name, pos, args)) if name != "actor" => {
                self.predicate(name, *pos, args)
            }
            RawExpr::Term(t) => {
                let (term, sort) = self.term(t, Some(Sort::Bool));
                if let Some(s) = sort {
                    if s != Sort::Bool {
                        self.err(
                            LogicError::new(
                                "E0604",
                                t.pos(),
                                format!("expected a truth value, found {}", s.name()),
                            )
                            .hint(Some(
                                "compare it, e.g. `a.trust >= 5`, or call a predicate".into(),
                            )),
                        );
                    }
                }
                Expr::Truth(term)
            }
        }
    }

    fn domain(&mut self, b: &RawBinder) -> Domain {
        let unfiltered = |r: &mut Self, d: Domain| {
            if let Some((key, pos, _)) = b.filters.first() {
                r.err(
                    LogicError::new(
                        "E0606",
                        *pos,
                        format!("`{}` takes no filter such as `{key}`", b.domain),
                    )
                    .hint(Some(
                        "only `assets(...)` takes filters: type, layer, org, zone, tag".into(),
                    )),
                );
            }
            d
        };
        match b.domain.as_str() {
            "assets" => {
                let mut f = AssetFilter::default();
                for (key, pos, value) in &b.filters {
                    match key.as_str() {
                        "type" => {
                            f.type_ = self.type_name(value);
                        }
                        "layer" => {
                            if let (Term::Const(Value::Layer(l)), _) =
                                self.term(value, Some(Sort::Layer))
                            {
                                f.layer = Some(l);
                            }
                        }
                        "org" | "zone" => {
                            if let (Term::Const(Value::Asset(a)), _) =
                                self.term(value, Some(Sort::Asset))
                            {
                                if key == "org" {
                                    f.org = Some(a);
                                } else {
                                    f.zone = Some(a);
                                }
                            }
                        }
                        "tag" => match value {
                            RawTerm::Name(s, _) | RawTerm::Str(s, _) => f.tag = Some(s.clone()),
                            other => self.err(LogicError::new(
                                "E0606",
                                other.pos(),
                                "a tag filter takes a name",
                            )),
                        },
                        _ => {
                            let hint = did_you_mean(key, ["type", "layer", "org", "zone", "tag"]);
                            self.err(
                                LogicError::new("E0606", *pos, format!("unknown filter `{key}`"))
                                    .hint(hint.or(Some(
                                        "filters are type, layer, org, zone, tag".into(),
                                    ))),
                            );
                        }
                    }
                }
                Domain::Assets(f)
            }
            "flows" => unfiltered(self, Domain::Flows),
            "actors" => unfiltered(self, Domain::Actors),
            "persons" => unfiltered(self, Domain::Persons),
            "insiders" => unfiltered(self, Domain::Insiders),
            "controls" => unfiltered(self, Domain::Controls),
            other => {
                let hint = did_you_mean(other, DOMAINS.iter().copied())
                    .or_else(|| Some(format!("domains are {}", DOMAINS.join(", "))));
                self.err(
                    LogicError::new("E0606", b.domain_pos, format!("unknown domain `{other}`"))
                        .hint(hint),
                );
                Domain::Assets(AssetFilter::default())
            }
        }
    }

    fn type_name(&mut self, t: &RawTerm) -> Option<TypeId> {
        match t {
            RawTerm::Name(s, p) | RawTerm::Str(s, p) => match self.names.types.get(s) {
                Some(id) => Some(*id),
                None => {
                    let hint = did_you_mean(s, self.names.types.keys().map(String::as_str));
                    self.err(
                        LogicError::new("E0607", *p, format!("unknown type `{s}`")).hint(
                            hint.or(Some("`ensure catalog` lists the built-in types".into())),
                        ),
                    );
                    None
                }
            },
            other => {
                self.err(LogicError::new(
                    "E0604",
                    other.pos(),
                    "expected an asset type",
                ));
                None
            }
        }
    }

    /// Resolves a term; `want` is the sort the context expects, which decides what a bare
    /// constant name means. Returns `None` as the sort for a constant that could not be
    /// given one yet.
    fn term(&mut self, t: &RawTerm, want: Option<Sort>) -> (Term, Option<Sort>) {
        match t {
            RawTerm::Num(v, _) => (Term::Const(Value::Num(*v)), Some(Sort::Num)),
            // `none` is "no asset" for an asset, and the enum value `none` for an
            // authentication or an encryption.
            RawTerm::NoneLit(pos) => match want {
                Some(Sort::Authentication) => (
                    Term::Const(Value::Authentication(Authentication::None)),
                    want,
                ),
                Some(Sort::Encryption) => (Term::Const(Value::Encryption(Encryption::None)), want),
                Some(Sort::Asset) | None => (Term::Const(Value::None), want),
                Some(other) => {
                    self.err(LogicError::new(
                        "E0604",
                        *pos,
                        format!("`none` is not {}", other.name()),
                    ));
                    (Term::Const(Value::None), want)
                }
            },
            RawTerm::Name(name, pos) => {
                if let Some(v) = self.lookup_var(name) {
                    return (Term::Var(v), Some(self.vars[v].domain.sort()));
                }
                self.constant(name, *pos, want)
            }
            RawTerm::Str(name, pos) => self.constant(name, *pos, want),
            RawTerm::Call(name, pos, args) if name == "actor" => {
                if args.len() != 1 {
                    self.err(LogicError::new("E0605", *pos, "`actor` takes one actor id"));
                    return (Term::Const(Value::None), Some(Sort::Actor));
                }
                let (term, sort) = self.term(&args[0], Some(Sort::Actor));
                if sort.is_some_and(|s| s != Sort::Actor) {
                    self.err(LogicError::new(
                        "E0604",
                        args[0].pos(),
                        "`actor(...)` takes an actor",
                    ));
                }
                (term, Some(Sort::Actor))
            }
            RawTerm::Call(name, pos, _) => {
                self.err(LogicError::new(
                    "E0604",
                    *pos,
                    format!("`{name}(...)` is a predicate, not a value"),
                ));
                (Term::Const(Value::None), None)
            }
            RawTerm::Attr(owner, attr, pos) => {
                let (o, osort) = self.term(owner, None);
                let Some(osort) = osort else {
                    // The owner was a name that is neither a variable nor a known asset, flow
                    // or control; try it as each of these in turn.
                    let (o2, s2) = self.entity_constant(owner);
                    return self.attr(o2, s2, attr, *pos);
                };
                self.attr(o, Some(osort), attr, *pos)
            }
        }
    }

    fn entity_constant(&mut self, t: &RawTerm) -> (Term, Option<Sort>) {
        let (RawTerm::Name(name, pos) | RawTerm::Str(name, pos)) = t else {
            self.err(LogicError::new(
                "E0603",
                t.pos(),
                "only assets, flows and controls have attributes",
            ));
            return (Term::Const(Value::None), None);
        };
        if let Some(a) = self.model.asset_id(name) {
            return (Term::Const(Value::Asset(a)), Some(Sort::Asset));
        }
        if let Some(f) = self.names.flows.get(name) {
            return (Term::Const(Value::Flow(*f)), Some(Sort::Flow));
        }
        if let Some(c) = self.names.controls.get(name) {
            return (Term::Const(Value::Control(*c)), Some(Sort::Control));
        }
        let hint = did_you_mean(
            name,
            self.model
                .assets
                .iter()
                .map(|a| a.id.as_str())
                .chain(self.names.flows.keys().map(String::as_str))
                .chain(self.names.controls.keys().map(String::as_str))
                .chain(self.scope.iter().map(|v| self.vars[*v].name.as_str())),
        );
        self.err(
            LogicError::new(
                "E0602",
                *pos,
                format!("`{name}` is neither a variable nor an asset, flow or control"),
            )
            .hint(hint),
        );
        (Term::Const(Value::None), None)
    }

    fn attr(
        &mut self,
        owner: Term,
        osort: Option<Sort>,
        attr: &str,
        pos: Pos,
    ) -> (Term, Option<Sort>) {
        let Some(osort) = osort else {
            return (Term::Const(Value::None), None);
        };
        match ATTRS.iter().find(|(n, s, _, _)| *n == attr && *s == osort) {
            Some((_, _, a, result)) => (Term::Attr(Box::new(owner), *a), Some(*result)),
            None => {
                let names: Vec<&str> = ATTRS
                    .iter()
                    .filter(|(_, s, _, _)| *s == osort)
                    .map(|(n, _, _, _)| *n)
                    .collect();
                let hint = did_you_mean(attr, names.iter().copied()).or_else(|| {
                    if names.is_empty() {
                        Some(format!(
                            "{} has no attributes; compare it with `==`",
                            osort.name()
                        ))
                    } else {
                        Some(format!(
                            "attributes of {}: {}",
                            osort.name(),
                            names.join(", ")
                        ))
                    }
                });
                self.err(
                    LogicError::new(
                        "E0603",
                        pos,
                        format!("{} has no attribute `{attr}`", osort.name()),
                    )
                    .hint(hint),
                );
                (Term::Const(Value::None), None)
            }
        }
    }

    fn constant(&mut self, name: &str, pos: Pos, want: Option<Sort>) -> (Term, Option<Sort>) {
        let Some(want) = want else {
            // Resolved later, once the other side of a comparison says what it must be.
            return (Term::Const(Value::None), None);
        };
        let found = match want {
            Sort::Asset => self.model.asset_id(name).map(Value::Asset),
            Sort::Actor => self.names.actors.get(name).map(|a| Value::Actor(*a)),
            Sort::Control => self.names.controls.get(name).map(|c| Value::Control(*c)),
            Sort::Flow => self.names.flows.get(name).map(|f| Value::Flow(*f)),
            Sort::Type => self.names.types.get(name).map(|t| Value::Type(*t)),
            Sort::Layer => Layer::ALL
                .iter()
                .find(|l| l.as_str() == name)
                .map(|l| Value::Layer(*l)),
            Sort::Authentication => AUTHS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, a)| Value::Authentication(*a)),
            Sort::Encryption => ENCS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, e)| Value::Encryption(*e)),
            Sort::Bool => match name {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            Sort::Str => Some(Value::Str(name.to_string())),
            Sort::Num => None,
        };
        if let Some(v) = found {
            return (Term::Const(v), Some(want));
        }
        if matches!(want, Sort::Num | Sort::Bool) {
            self.err(LogicError::new(
                "E0604",
                pos,
                format!("expected {}, found `{name}`", want.name()),
            ));
            return (Term::Const(Value::None), Some(want));
        }
        let candidates: Vec<String> = match want {
            Sort::Asset => self.model.assets.iter().map(|a| a.id.clone()).collect(),
            Sort::Actor => self.names.actors.keys().cloned().collect(),
            Sort::Control => self.names.controls.keys().cloned().collect(),
            Sort::Flow => self.names.flows.keys().cloned().collect(),
            Sort::Type => self.names.types.keys().cloned().collect(),
            Sort::Layer => Layer::ALL.iter().map(|l| l.as_str().to_string()).collect(),
            Sort::Authentication => AUTHS.iter().map(|(n, _)| n.to_string()).collect(),
            Sort::Encryption => ENCS.iter().map(|(n, _)| n.to_string()).collect(),
            _ => Vec::new(),
        };
        let mut all = candidates.clone();
        all.extend(self.scope.iter().map(|v| self.vars[*v].name.clone()));
        let hint = did_you_mean(name, all.iter().map(String::as_str)).or_else(|| {
            (matches!(want, Sort::Layer | Sort::Authentication | Sort::Encryption))
                .then(|| format!("one of: {}", candidates.join(", ")))
        });
        let what = match want {
            Sort::Asset => "asset",
            Sort::Actor => "actor",
            Sort::Control => "control",
            Sort::Flow => "flow (flows are named by their `id`)",
            Sort::Type => "type",
            Sort::Layer => "layer",
            Sort::Authentication => "authentication",
            Sort::Encryption => "encryption",
            Sort::Bool => "truth value",
            Sort::Num => "number",
            Sort::Str => "text",
        };
        self.err(LogicError::new("E0607", pos, format!("unknown {what} `{name}`")).hint(hint));
        (Term::Const(Value::None), Some(want))
    }

    /// Resolves an argument that must be of sort `want`.
    fn arg(&mut self, t: &RawTerm, want: Sort) -> Term {
        let (term, sort) = self.term(t, Some(want));
        if let Some(s) = sort {
            if !compatible(s, want) {
                self.err(LogicError::new(
                    "E0604",
                    t.pos(),
                    format!("expected {}, found {}", want.name(), s.name()),
                ));
            }
        }
        term
    }

    fn predicate(&mut self, name: &str, pos: Pos, args: &[RawTerm]) -> Expr {
        let Some((_, signature)) = PREDICATES.iter().find(|(n, _)| *n == name) else {
            let hint = did_you_mean(name, PREDICATES.iter().map(|(n, _)| *n)).or_else(|| {
                Some(format!(
                    "predicates: {}",
                    PREDICATES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
            self.err(
                LogicError::new("E0605", pos, format!("unknown predicate `{name}`")).hint(hint),
            );
            return Expr::Const(false);
        };
        let arity_ok = match name {
            "has_access" => args.len() == 2 || args.len() == 3,
            _ => args.len() == 2,
        };
        if !arity_ok {
            self.err(
                LogicError::new(
                    "E0605",
                    pos,
                    format!(
                        "`{name}` takes {} arguments, not {}",
                        if name == "has_access" { "2 or 3" } else { "2" },
                        args.len()
                    ),
                )
                .hint(Some(format!("write `{signature}`"))),
            );
            return Expr::Const(false);
        }
        let pred = match name {
            "crosses" => {
                let flow = self.arg(&args[0], Sort::Flow);
                let gap = match &args[1] {
                    RawTerm::Num(v, _) if *v >= 0.0 && *v <= 10.0 && v.fract() == 0.0 => *v as u8,
                    other => {
                        self.err(LogicError::new(
                            "E0604",
                            other.pos(),
                            "the gap of `crosses` is a whole number from 0 to 10",
                        ));
                        1
                    }
                };
                Pred::Crosses { flow, gap }
            }
            "reachable" => Pred::Reachable {
                actor: self.arg(&args[0], Sort::Actor),
                asset: self.arg(&args[1], Sort::Asset),
            },
            "reaches" => Pred::Reaches {
                from: self.arg(&args[0], Sort::Asset),
                asset: self.arg(&args[1], Sort::Asset),
            },
            "stores" => Pred::Stores {
                asset: self.arg(&args[0], Sort::Asset),
                data: self.arg(&args[1], Sort::Asset),
            },
            "carries" => Pred::Carries {
                flow: self.arg(&args[0], Sort::Flow),
                data: self.arg(&args[1], Sort::Asset),
            },
            "holds" => Pred::Holds {
                asset: self.arg(&args[0], Sort::Asset),
                data: self.arg(&args[1], Sort::Asset),
            },
            "hosted_on" => Pred::HostedOn {
                asset: self.arg(&args[0], Sort::Asset),
                host: self.arg(&args[1], Sort::Asset),
            },
            "has_access" => {
                let who = self.arg(&args[0], Sort::Asset);
                let to = self.arg(&args[1], Sort::Asset);
                let right = args.get(2).and_then(|r| match r {
                    RawTerm::Name(s, p) | RawTerm::Str(s, p) => match RIGHTS
                        .iter()
                        .find(|(n, _)| n == s)
                    {
                        Some((_, r)) => Some(*r),
                        None => {
                            self.err(
                                LogicError::new("E0607", *p, format!("unknown right `{s}`")).hint(
                                    did_you_mean(s, RIGHTS.iter().map(|(n, _)| *n)).or(Some(
                                        "rights: read, write, execute, admin, physical".into(),
                                    )),
                                ),
                            );
                            None
                        }
                    },
                    other => {
                        self.err(LogicError::new("E0604", other.pos(), "expected a right"));
                        None
                    }
                });
                Pred::HasAccess { who, to, right }
            }
            "custody" => Pred::Custody {
                holder: self.arg(&args[0], Sort::Asset),
                item: self.arg(&args[1], Sort::Asset),
            },
            "depends_on" => Pred::DependsOn {
                service: self.arg(&args[0], Sort::Asset),
                on: self.arg(&args[1], Sort::Asset),
            },
            "is" => {
                let asset = self.arg(&args[0], Sort::Asset);
                let ty = self.type_name(&args[1]).unwrap_or(TypeId(0));
                Pred::Is { asset, ty }
            }
            "tagged" => {
                let asset = self.arg(&args[0], Sort::Asset);
                let tag = match &args[1] {
                    RawTerm::Name(s, _) | RawTerm::Str(s, _) => s.clone(),
                    other => {
                        self.err(LogicError::new("E0604", other.pos(), "expected a tag"));
                        String::new()
                    }
                };
                Pred::Tagged { asset, tag }
            }
            _ => unreachable!("every predicate of PREDICATES is matched"),
        };
        Expr::Pred(pred)
    }
}

fn compatible(a: Sort, b: Sort) -> bool {
    a == b
}

/// Spellings of the format's enums, as in model files.
pub const AUTHS: &[(&str, Authentication)] = &[
    ("none", Authentication::None),
    ("password", Authentication::Password),
    ("api-key", Authentication::ApiKey),
    ("token", Authentication::Token),
    ("mfa", Authentication::Mfa),
    ("certificate", Authentication::Certificate),
    ("mtls", Authentication::Mtls),
];

pub const ENCS: &[(&str, Encryption)] = &[
    ("none", Encryption::None),
    ("tls12", Encryption::Tls12),
    ("tls13", Encryption::Tls13),
    ("vpn", Encryption::Vpn),
    ("physical", Encryption::Physical),
];

pub const RIGHTS: &[(&str, Right)] = &[
    ("read", Right::Read),
    ("write", Right::Write),
    ("execute", Right::Execute),
    ("admin", Right::Admin),
    ("physical", Right::Physical),
];

pub fn auth_name(a: Authentication) -> &'static str {
    AUTHS.iter().find(|(_, x)| *x == a).map_or("?", |(n, _)| n)
}

pub fn enc_name(e: Encryption) -> &'static str {
    ENCS.iter().find(|(_, x)| *x == e).map_or("?", |(n, _)| n)
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = r#"
assets:
  - {id: shop, type: company, trust: 7}
  - {id: dmz, type: network-zone, trust: 3, org: shop}
  - {id: web, type: web-application, zone: dmz, org: shop}
  - {id: db, type: database, zone: dmz, org: shop, stores: [pii]}
  - {id: pii, type: customer-pii, org: shop}
  - {id: clerk, type: employee, org: shop}
flows:
  - {id: f1, from: web, to: db, authentication: password, encryption: tls12, carries: [pii]}
actors:
  - {id: web-attacker, entry: [web.exploit-injection]}
"#;
        crate::check_str("m.yaml", text)
            .model
            .expect("test model builds")
    }

    /// One case: the formula, and `Ok(())` or the codes and columns (1-based) of its errors.
    fn check(text: &str, expect: Result<(), &[(&str, usize)]>) {
        let got = compile(text, &model());
        match (got, expect) {
            (Ok(_), Ok(())) => {}
            (Err(errs), Err(want)) => {
                let got: Vec<(&str, usize)> = errs.iter().map(|e| (e.code, e.offset + 1)).collect();
                assert_eq!(got, want, "{text}: {errs:#?}");
            }
            (got, want) => panic!("{text}: got {got:#?}, expected {want:?}"),
        }
    }

    #[test]
    fn well_formed_formulas_resolve() {
        check(
            "forall f in flows: crosses(f, 1) -> f.encryption in [tls12, tls13]",
            Ok(()),
        );
        check(
            "forall a in assets(type: database): not reachable(web-attacker, a)",
            Ok(()),
        );
        check(
            "forall a in assets(type: database): not reachable(actor(web-attacker), a)",
            Ok(()),
        );
        check(
            "forall p in insiders: not (reaches(p, db) and reaches(p, pii))",
            Ok(()),
        );
        check(
            "forall a in assets(layer: cyber, org: shop, zone: dmz, tag: pci): a.trust >= 3",
            Ok(()),
        );
        check(
            "exists f in flows: f.from == web and f.to.zone == dmz and f.to.org != none",
            Ok(()),
        );
        check(
            "forall a, b in assets: hosted_on(a, b) -> a.zone == b.zone",
            Ok(()),
        );
        check("forall c in controls: c.on or c.cost_eur > 1000.5", Ok(()));
        check("forall a in assets: holds(a, pii) <-> stores(a, pii) or exists f in flows: carries(f, pii)", Ok(()));
        check(
            "forall p in persons: has_access(p, db, admin) -> is(p, employee)",
            Ok(()),
        );
        check(
            "forall a in assets: a.crown_jewel -> not tagged(a, \"public\")",
            Ok(()),
        );
        check(
            "f1.input_validation and web-attacker == web-attacker or true",
            Err(&[("E0604", 38)]),
        );
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        check(
            "forall f in flows f.encryption == tls12",
            Err(&[("E0601", 19)]),
        );
        check(
            "forall f in flows: f.encryption = tls12",
            Err(&[("E0601", 33)]),
        );
        check(
            "forall f in flows: (f.input_validation",
            Err(&[("E0601", 39)]),
        );
        check("", Err(&[("E0601", 1)]));
        check("forall a in assets: a.trust >= 3 a", Err(&[("E0601", 34)]));
    }

    #[test]
    fn names_are_resolved_with_hints() {
        check(
            "forall f in flows: f.encryption == tls14",
            Err(&[("E0607", 36)]),
        );
        check("forall a in asets: true", Err(&[("E0606", 13)]));
        check(
            "forall a in assets(typ: database): true",
            Err(&[("E0606", 20)]),
        );
        check(
            "forall a in assets(type: databse): true",
            Err(&[("E0607", 26)]),
        );
        check("forall a in assets: a.trsut > 1", Err(&[("E0603", 23)]));
        check(
            "forall a in assets: reachable(web-atacker, a)",
            Err(&[("E0607", 31)]),
        );
        check("forall a in assets: reach(a, db)", Err(&[("E0605", 21)]));
        check("forall a in assets: stores(a)", Err(&[("E0605", 21)]));
        check(
            "forall a in assets: a.trust == tls12",
            Err(&[("E0604", 32)]),
        );
        check(
            "forall a in assets: forall a in flows: true",
            Err(&[("E0608", 28)]),
        );
        check("forall a in assets: b.trust > 1", Err(&[("E0602", 21)]));
        check("forall a in assets: a.layer < cyber", Err(&[("E0604", 29)]));
    }

    #[test]
    fn none_takes_the_sort_of_the_other_side() {
        let f = compile(
            "forall f in flows: f.encryption != none and none != f.authentication and f.to.org != none",
            &model(),
        )
        .expect("compiles");
        let Expr::Forall(_, body) = f.body else {
            panic!("a quantifier")
        };
        let Expr::And(parts) = *body else {
            panic!("a conjunction")
        };
        assert!(matches!(
            &parts[0],
            Expr::Cmp(_, _, Term::Const(Value::Encryption(Encryption::None)))
        ));
        assert!(matches!(
            &parts[1],
            Expr::Cmp(
                _,
                Term::Const(Value::Authentication(Authentication::None)),
                _
            )
        ));
        assert!(matches!(
            &parts[2],
            Expr::Cmp(_, _, Term::Const(Value::None))
        ));
        check("forall a in assets: a.trust == none", Err(&[("E0604", 32)]));
    }

    const WORDS: &[&str] = &[
        "forall",
        "exists",
        "in",
        "and",
        "or",
        "not",
        "true",
        "false",
        "none",
        "a",
        "f",
        "x",
        "assets",
        "flows",
        "actors",
        "insiders",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        ".",
        "->",
        "<->",
        "==",
        "!=",
        "<",
        ">=",
        "trust",
        "encryption",
        "tls12",
        "db",
        "pii",
        "reachable",
        "reaches",
        "crosses",
        "holds",
        "type:",
        "database",
        "web-attacker",
        "1",
        "0.5",
        "\"q\"",
    ];

    proptest::proptest! {
        /// Whatever is written, compiling reports problems and never panics.
        #[test]
        fn arbitrary_text_never_panics(text in "[a-z_ ()\\[\\],:.<>=!\"0-9-]{0,60}") {
            let _ = compile(&text, &model());
        }

        #[test]
        fn arbitrary_token_sequences_never_panic(
            words in proptest::collection::vec(proptest::sample::select(WORDS), 0..25)
        ) {
            let _ = compile(&words.join(" "), &model());
        }
    }

    #[test]
    fn the_prefix_is_the_leading_universals() {
        let f = compile(
            "forall a in assets, f in flows: exists b in assets: true",
            &model(),
        )
        .expect("compiles");
        assert_eq!(f.prefix(), vec![0, 1]);
        assert_eq!(f.vars[2].name, "b");
    }
}
