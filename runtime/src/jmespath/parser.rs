//! Tokens → syntax tree: a Pratt parser with jmespath.py's binding powers. Every node records
//! its depth, so a tree deeper than [`MAX_DEPTH`](super::MAX_DEPTH) is refused while it is
//! being built and nothing later (evaluation, drop) can recurse without bound.

use super::functions::Function;
use super::lexer::{tokenize, Tok};
use super::{ErrorKind, JmespathError, MAX_DEPTH};
use crate::document::Document;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A node of the syntax tree.
#[derive(Clone, Debug)]
pub(super) enum Node {
    /// `@`
    Current,
    Field(String),
    Literal(Document),
    /// Sub-expressions and index expressions: each step applies to the previous result.
    Chain(Vec<Ast>),
    Index(i64),
    Slice { start: Option<i64>, stop: Option<i64>, step: i64 },
    /// `left[*]...`, `left[]...`, `left[1:2]...`: `right` applied to each element.
    Projection(Box<Ast>, Box<Ast>),
    /// `left.*...`: `right` applied to each value of an object.
    ValueProjection(Box<Ast>, Box<Ast>),
    /// `left[?cond]...`
    FilterProjection { left: Box<Ast>, right: Box<Ast>, cond: Box<Ast> },
    Flatten(Box<Ast>),
    MultiList(Vec<Ast>),
    MultiHash(Vec<(String, Ast)>),
    Or(Box<Ast>, Box<Ast>),
    And(Box<Ast>, Box<Ast>),
    Not(Box<Ast>),
    Compare(Cmp, Box<Ast>, Box<Ast>),
    Pipe(Box<Ast>, Box<Ast>),
    Call(Function, Vec<Ast>),
    /// `&expr`
    Expref(Box<Ast>),
}

/// A node and the depth of the tree under it.
#[derive(Clone, Debug)]
pub(super) struct Ast {
    pub(super) node: Node,
    depth: usize,
}

impl Ast {
    fn leaf(node: Node) -> Ast {
        Ast { node, depth: 1 }
    }
}

/// Parses a whole expression.
pub(super) fn parse(text: &str) -> Result<Ast, JmespathError> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0, nesting: 0 };
    let ast = p.expression(0)?;
    match p.peek() {
        Tok::Eof => Ok(ast),
        other => Err(p.error(format!("unexpected {}", other.describe()))),
    }
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    /// Calls of `expression` in progress (bounds the parser's own recursion).
    nesting: usize,
}

/// The binding power at which projections stop: tokens below it end the right-hand side.
const PROJECTION_STOP: u8 = 10;

impl Parser {
    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.tokens.get(self.pos + n).or(self.tokens.last()).map_or(&Tok::Eof, |(t, _)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).or(self.tokens.last()).map_or(0, |(_, o)| *o)
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    fn error(&self, message: impl Into<String>) -> JmespathError {
        JmespathError::syntax(message, self.offset())
    }

    fn expect(&mut self, want: &Tok) -> Result<(), JmespathError> {
        if self.peek() == want {
            self.advance();
            Ok(())
        } else {
            Err(self.error(format!("expected {}, found {}", want.describe(), self.peek().describe())))
        }
    }

    /// Builds a node, refusing it when the tree would be deeper than `MAX_DEPTH`.
    fn node(&self, node: Node) -> Result<Ast, JmespathError> {
        let child = |a: &Ast| a.depth;
        let deepest = match &node {
            Node::Current | Node::Field(_) | Node::Literal(_) | Node::Index(_) | Node::Slice { .. } => 0,
            Node::Chain(items) | Node::MultiList(items) | Node::Call(_, items) => items.iter().map(child).max().unwrap_or(0),
            Node::MultiHash(pairs) => pairs.iter().map(|(_, a)| a.depth).max().unwrap_or(0),
            Node::Projection(a, b) | Node::ValueProjection(a, b) | Node::Or(a, b) | Node::And(a, b) | Node::Compare(_, a, b) | Node::Pipe(a, b) => {
                a.depth.max(b.depth)
            }
            Node::FilterProjection { left, right, cond } => left.depth.max(right.depth).max(cond.depth),
            Node::Flatten(a) | Node::Not(a) | Node::Expref(a) => a.depth,
        };
        // A call evaluates through more stack than other nodes (its arguments, then the
        // function), so it counts as two levels.
        let cost = if matches!(node, Node::Call(..)) { 2 } else { 1 };
        if deepest + cost > MAX_DEPTH {
            return Err(self.error(format!("the expression nests more than {MAX_DEPTH} levels deep")));
        }
        Ok(Ast { node, depth: deepest + cost })
    }

    fn expression(&mut self, bp: u8) -> Result<Ast, JmespathError> {
        if self.nesting >= MAX_DEPTH {
            return Err(self.error(format!("the expression nests more than {MAX_DEPTH} levels deep")));
        }
        self.nesting += 1;
        let result = self.expression_inner(bp);
        self.nesting -= 1;
        result
    }

    fn expression_inner(&mut self, bp: u8) -> Result<Ast, JmespathError> {
        let mut left = self.nud()?;
        while bp < self.peek().binding_power() {
            left = self.led(left)?;
        }
        Ok(left)
    }

    /// A token at the start of an expression.
    fn nud(&mut self) -> Result<Ast, JmespathError> {
        let at = self.offset();
        match self.advance() {
            Tok::Literal(v) => Ok(Ast::leaf(Node::Literal(v))),
            Tok::Raw(s) => Ok(Ast::leaf(Node::Literal(Document::String(s)))),
            Tok::Ident(name) => Ok(Ast::leaf(Node::Field(name))),
            Tok::Quoted(name) => {
                if self.peek() == &Tok::LParen {
                    return Err(JmespathError::syntax("a quoted identifier cannot name a function", at));
                }
                Ok(Ast::leaf(Node::Field(name)))
            }
            Tok::Star => {
                let right = if self.peek() == &Tok::RBracket { Ast::leaf(Node::Current) } else { self.projection_rhs(Tok::Star.binding_power())? };
                self.node(Node::ValueProjection(Box::new(Ast::leaf(Node::Current)), Box::new(right)))
            }
            Tok::Filter => self.filter(Ast::leaf(Node::Current)),
            Tok::LBrace => self.multi_hash(),
            Tok::LParen => {
                let inner = self.expression(0)?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Tok::Flatten => {
                let left = self.node(Node::Flatten(Box::new(Ast::leaf(Node::Current))))?;
                let right = self.projection_rhs(Tok::Flatten.binding_power())?;
                self.node(Node::Projection(Box::new(left), Box::new(right)))
            }
            Tok::Not => {
                let inner = self.expression(Tok::Not.binding_power())?;
                self.node(Node::Not(Box::new(inner)))
            }
            Tok::LBracket => match (self.peek(), self.peek_at(1)) {
                (Tok::Number(_) | Tok::Colon, _) => {
                    let index = self.index_or_slice()?;
                    self.project_if_slice(Ast::leaf(Node::Current), index)
                }
                (Tok::Star, Tok::RBracket) => {
                    self.advance();
                    self.advance();
                    let right = self.projection_rhs(Tok::Star.binding_power())?;
                    self.node(Node::Projection(Box::new(Ast::leaf(Node::Current)), Box::new(right)))
                }
                _ => self.multi_list(),
            },
            Tok::At => Ok(Ast::leaf(Node::Current)),
            Tok::Expref => {
                let inner = self.expression(0)?;
                self.node(Node::Expref(Box::new(inner)))
            }
            Tok::Eof => Err(JmespathError::syntax("incomplete expression", at)),
            other => Err(JmespathError::syntax(format!("unexpected {}", other.describe()), at)),
        }
    }

    /// A token after an expression (`left`).
    fn led(&mut self, left: Ast) -> Result<Ast, JmespathError> {
        let at = self.offset();
        let tok = self.advance();
        let bp = tok.binding_power();
        match tok {
            Tok::Dot => {
                if self.peek() == &Tok::Star {
                    self.advance();
                    let right = self.projection_rhs(bp)?;
                    return self.node(Node::ValueProjection(Box::new(left), Box::new(right)));
                }
                let right = self.dot_rhs(bp)?;
                self.chain(left, right)
            }
            Tok::Pipe => {
                let right = self.expression(bp)?;
                self.node(Node::Pipe(Box::new(left), Box::new(right)))
            }
            Tok::Or => {
                let right = self.expression(bp)?;
                self.node(Node::Or(Box::new(left), Box::new(right)))
            }
            Tok::And => {
                let right = self.expression(bp)?;
                self.node(Node::And(Box::new(left), Box::new(right)))
            }
            Tok::LParen => {
                let Node::Field(name) = &left.node else {
                    return Err(JmespathError::syntax("only a name can be called as a function", at));
                };
                let function = Function::from_name(name)
                    .ok_or_else(|| JmespathError::new(ErrorKind::UnknownFunction, format!("unknown function `{name}()`"), Some(at)))?;
                let mut args = Vec::new();
                if self.peek() != &Tok::RParen {
                    loop {
                        args.push(self.expression(0)?);
                        if self.peek() == &Tok::Comma {
                            self.advance();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(&Tok::RParen)?;
                function.check_arity(args.len())?;
                self.node(Node::Call(function, args))
            }
            Tok::Filter => self.filter(left),
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => {
                let op = match tok {
                    Tok::Eq => Cmp::Eq,
                    Tok::Ne => Cmp::Ne,
                    Tok::Lt => Cmp::Lt,
                    Tok::Le => Cmp::Le,
                    Tok::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let right = self.expression(bp)?;
                self.node(Node::Compare(op, Box::new(left), Box::new(right)))
            }
            Tok::Flatten => {
                let flat = self.node(Node::Flatten(Box::new(left)))?;
                let right = self.projection_rhs(bp)?;
                self.node(Node::Projection(Box::new(flat), Box::new(right)))
            }
            Tok::LBracket => match self.peek() {
                Tok::Number(_) | Tok::Colon => {
                    let index = self.index_or_slice()?;
                    self.project_if_slice(left, index)
                }
                _ => {
                    self.expect(&Tok::Star)?;
                    self.expect(&Tok::RBracket)?;
                    let right = self.projection_rhs(Tok::Star.binding_power())?;
                    self.node(Node::Projection(Box::new(left), Box::new(right)))
                }
            },
            other => Err(JmespathError::syntax(format!("unexpected {}", other.describe()), at)),
        }
    }

    /// `left` followed by `right` in one chain (flattened, so long paths stay shallow).
    fn chain(&self, left: Ast, right: Ast) -> Result<Ast, JmespathError> {
        match left.node {
            Node::Chain(mut items) => {
                let depth = left.depth.max(right.depth + 1);
                items.push(right);
                if depth > MAX_DEPTH {
                    return Err(self.error(format!("the expression nests more than {MAX_DEPTH} levels deep")));
                }
                Ok(Ast { node: Node::Chain(items), depth })
            }
            node => self.node(Node::Chain(vec![Ast { node, depth: left.depth }, right])),
        }
    }

    /// `[?cond]` after `left`, and what the projection applies to each match.
    fn filter(&mut self, left: Ast) -> Result<Ast, JmespathError> {
        let cond = self.expression(0)?;
        self.expect(&Tok::RBracket)?;
        let right = if self.peek() == &Tok::Flatten { Ast::leaf(Node::Current) } else { self.projection_rhs(Tok::Filter.binding_power())? };
        self.node(Node::FilterProjection { left: Box::new(left), right: Box::new(right), cond: Box::new(cond) })
    }

    /// After `[`: `n]` or a slice `start:stop:step]`.
    fn index_or_slice(&mut self) -> Result<Ast, JmespathError> {
        if self.peek() != &Tok::Colon && self.peek_at(1) != &Tok::Colon {
            let Tok::Number(n) = self.advance() else { return Err(self.error("expected an index")) };
            self.expect(&Tok::RBracket)?;
            return Ok(Ast::leaf(Node::Index(n)));
        }
        let mut parts: [Option<i64>; 3] = [None; 3];
        let mut i = 0;
        loop {
            match self.peek().clone() {
                Tok::RBracket => break,
                Tok::Colon => {
                    i += 1;
                    if i == 3 {
                        return Err(self.error("a slice has at most three parts"));
                    }
                    self.advance();
                }
                Tok::Number(n) => {
                    if parts[i].is_some() {
                        return Err(self.error("expected `:` or `]` in a slice"));
                    }
                    parts[i] = Some(n);
                    self.advance();
                }
                other => return Err(self.error(format!("unexpected {} in a slice", other.describe()))),
            }
        }
        self.expect(&Tok::RBracket)?;
        let step = parts[2].unwrap_or(1);
        if step == 0 {
            return Err(JmespathError::new(ErrorKind::InvalidValue, "a slice step cannot be 0", Some(self.offset())));
        }
        Ok(Ast::leaf(Node::Slice { start: parts[0], stop: parts[1], step }))
    }

    /// `left[index]`, or for a slice, a projection of what follows over the sliced elements.
    fn project_if_slice(&mut self, left: Ast, index: Ast) -> Result<Ast, JmespathError> {
        let is_slice = matches!(index.node, Node::Slice { .. });
        let indexed = self.chain(left, index)?;
        if !is_slice {
            return Ok(indexed);
        }
        let right = self.projection_rhs(Tok::Star.binding_power())?;
        self.node(Node::Projection(Box::new(indexed), Box::new(right)))
    }

    /// What a projection applies to each element: nothing (`@`) when the next token binds
    /// less than `PROJECTION_STOP`, else an index, filter or `.rhs`.
    fn projection_rhs(&mut self, bp: u8) -> Result<Ast, JmespathError> {
        let next = self.peek();
        if next.binding_power() < PROJECTION_STOP {
            return Ok(Ast::leaf(Node::Current));
        }
        match next {
            Tok::LBracket | Tok::Filter => self.expression(bp),
            Tok::Dot => {
                self.advance();
                self.dot_rhs(bp)
            }
            other => Err(self.error(format!("unexpected {} after a projection", other.describe()))),
        }
    }

    /// What may follow a `.`: an identifier, `*`, a multiselect list or hash.
    fn dot_rhs(&mut self, bp: u8) -> Result<Ast, JmespathError> {
        match self.peek() {
            Tok::Ident(_) | Tok::Quoted(_) | Tok::Star => self.expression(bp),
            Tok::LBracket => {
                self.advance();
                self.multi_list()
            }
            Tok::LBrace => {
                self.advance();
                self.multi_hash()
            }
            other => Err(self.error(format!("unexpected {} after `.`", other.describe()))),
        }
    }

    /// After `[`: `a, b, ...]`.
    fn multi_list(&mut self) -> Result<Ast, JmespathError> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if self.peek() == &Tok::RBracket {
                break;
            }
            self.expect(&Tok::Comma)?;
        }
        self.expect(&Tok::RBracket)?;
        self.node(Node::MultiList(items))
    }

    /// After `{`: `key: expr, ...}`.
    fn multi_hash(&mut self) -> Result<Ast, JmespathError> {
        let mut pairs = Vec::new();
        loop {
            let key = match self.advance() {
                Tok::Ident(k) | Tok::Quoted(k) => k,
                other => return Err(self.error(format!("expected a key, found {}", other.describe()))),
            };
            self.expect(&Tok::Colon)?;
            pairs.push((key, self.expression(0)?));
            match self.advance() {
                Tok::Comma => continue,
                Tok::RBrace => break,
                other => return Err(self.error(format!("expected `,` or `}}`, found {}", other.describe()))),
            }
        }
        self.node(Node::MultiHash(pairs))
    }
}
