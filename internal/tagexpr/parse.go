package tagexpr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep every recursive walk (parser, Match, String, Godog) shallow
// whatever the input. maxNest counts the '(' and "not" the parser is inside;
// it is twice maxDepth because String spends two of them ("not (") per level,
// so the output of String always parses again.
const (
	maxDepth = 500
	maxNest  = 2 * maxDepth
)

// Parse parses a Cucumber tag expression. An empty or all-space string parses
// to an expression that matches everything. Every error is a *SyntaxError that
// names the offending token and its 1-based column (in characters); text in
// godog's Behat syntax ("&&", "~@", ",") gets an error suggesting the Cucumber
// equivalent.
func Parse(s string) (*Expr, error) {
	if err := behatError(s); err != nil {
		return nil, err
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks}
	if p.peek().kind == tokEOF {
		return &Expr{src: s}, nil
	}
	root, err := p.parseOr(nil)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tokEOF:
	case tokRParen:
		return nil, p.errorf(t, "%q at column %d has no matching \"(\"", t.raw, t.col)
	default:
		return nil, p.missingOperator(t)
	}
	return &Expr{src: s, root: root}, nil
}

type tokenKind int

const (
	tokTag tokenKind = iota
	tokNot
	tokAnd
	tokOr
	tokLParen
	tokRParen
	tokEOF
)

type token struct {
	kind tokenKind
	name string // tokTag only: the unescaped tag name
	raw  string // as written, for messages
	col  int    // 1-based column in characters
}

// tokenize splits s into words, parentheses and operators the way the official
// libraries do: whitespace and unescaped parentheses separate words, and a
// backslash makes the next '(', ')', '\' or whitespace part of the word.
func tokenize(s string) ([]token, error) {
	var toks []token
	var name strings.Builder
	wordCol, wordStart := 0, 0 // wordCol is 0 outside a word
	endWord := func(end int) error {
		if wordCol == 0 {
			return nil
		}
		t, err := classify(s, name.String(), s[wordStart:end], wordCol)
		if err != nil {
			return err
		}
		toks = append(toks, t)
		name.Reset()
		wordCol = 0
		return nil
	}
	col := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		col++
		switch {
		case r == '\\':
			if i+size == len(s) {
				return nil, syntaxErrorf(s, col, "\"\\\\\" at column %d escapes nothing: it ends the expression", col)
			}
			next, nextSize := utf8.DecodeRuneInString(s[i+size:])
			if !needsEscape(next) {
				return nil, syntaxErrorf(s, col, "%q at column %d is not a valid escape: only \"(\", \")\", \"\\\\\" and whitespace can be escaped",
					s[i:i+size+nextSize], col)
			}
			if wordCol == 0 {
				wordCol, wordStart = col, i
			}
			name.WriteString(s[i+size : i+size+nextSize])
			col++
			i += size + nextSize
			continue
		case r == '(' || r == ')' || unicode.IsSpace(r):
			if err := endWord(i); err != nil {
				return nil, err
			}
			if r == '(' {
				toks = append(toks, token{kind: tokLParen, raw: "(", col: col})
			} else if r == ')' {
				toks = append(toks, token{kind: tokRParen, raw: ")", col: col})
			}
		default:
			if wordCol == 0 {
				wordCol, wordStart = col, i
			}
			// Bytes, not the decoded rune: invalid UTF-8 must reach the name unchanged.
			name.WriteString(s[i : i+size])
		}
		i += size
	}
	if err := endWord(len(s)); err != nil {
		return nil, err
	}
	return append(toks, token{kind: tokEOF, raw: "end of expression", col: col + 1}), nil
}

func classify(s, name, raw string, col int) (token, error) {
	switch name {
	case "not":
		return token{kind: tokNot, raw: raw, col: col}, nil
	case "and":
		return token{kind: tokAnd, raw: raw, col: col}, nil
	case "or":
		return token{kind: tokOr, raw: raw, col: col}, nil
	}
	switch lower := strings.ToLower(name); {
	case lower == "not" || lower == "and" || lower == "or":
		return token{}, syntaxErrorf(s, col, "%q at column %d is not an operator: operators are lowercase, write %q", raw, col, lower)
	case !strings.HasPrefix(name, "@"):
		return token{}, syntaxErrorf(s, col, "%q at column %d is not a tag: tags start with '@'", raw, col)
	case name == "@":
		return token{}, syntaxErrorf(s, col, "\"@\" at column %d is not a tag: it needs a name after '@'", col)
	}
	return token{kind: tokTag, name: name, raw: raw, col: col}, nil
}

// parser is a recursive-descent parser over the grammar
//
//	or   = and { "or" and }
//	and  = not { "and" not }
//	not  = "not" not | "(" or ")" | tag
type parser struct {
	src  string
	toks []token
	pos  int
	nest int // '(' and "not" currently open, bounded by maxNest
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// parseOr and parseAnd take the token whose operand they parse (an operator or
// '('; nil at the top) so that a missing operand is blamed on that token.
func (p *parser) parseOr(owner *token) (*node, error) {
	x, err := p.parseAnd(owner)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokOr {
		t := p.next()
		y, err := p.parseAnd(&t)
		if err != nil {
			return nil, err
		}
		if x, err = p.binary(t, opOr, x, y); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *parser) parseAnd(owner *token) (*node, error) {
	x, err := p.parseNot(owner)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokAnd {
		t := p.next()
		y, err := p.parseNot(&t)
		if err != nil {
			return nil, err
		}
		if x, err = p.binary(t, opAnd, x, y); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *parser) parseNot(owner *token) (*node, error) {
	t := p.peek()
	switch t.kind {
	case tokTag:
		p.next()
		return &node{op: opTag, tag: t.name, depth: 1}, nil
	case tokNot, tokLParen:
		p.next()
		if p.nest++; p.nest > maxNest {
			return nil, p.errorf(t, "%q at column %d nests too deeply: more than %d \"(\" and \"not\" are open", t.raw, t.col, maxNest)
		}
		defer func() { p.nest-- }()
		if t.kind == tokNot {
			x, err := p.parseNot(&t)
			if err != nil {
				return nil, err
			}
			return p.wrap(t, &node{op: opNot, x: x, depth: x.depth + 1})
		}
		if p.peek().kind == tokRParen {
			return nil, p.errorf(t, "\"()\" at column %d is empty: parentheses need an expression inside", t.col)
		}
		x, err := p.parseOr(&t)
		if err != nil {
			return nil, err
		}
		switch closing := p.next(); closing.kind {
		case tokRParen:
			return x, nil
		case tokEOF:
			return nil, p.errorf(t, "\"(\" at column %d is never closed", t.col)
		default:
			return nil, p.missingOperator(closing)
		}
	}
	// No operand where one is needed: blame whoever needed it.
	switch {
	case owner == nil && t.kind == tokRParen:
		return nil, p.errorf(t, "%q at column %d has no matching \"(\"", t.raw, t.col)
	case owner == nil || owner.kind == tokLParen && (t.kind == tokAnd || t.kind == tokOr):
		return nil, p.errorf(t, "%q at column %d needs a left-hand operand", t.raw, t.col)
	case owner.kind == tokLParen:
		return nil, p.errorf(*owner, "\"(\" at column %d is never closed", owner.col)
	case owner.kind == tokNot:
		return nil, p.errorf(*owner, "\"not\" at column %d needs an operand", owner.col)
	default:
		return nil, p.errorf(*owner, "%q at column %d needs a right-hand operand", owner.raw, owner.col)
	}
}

func (p *parser) binary(t token, o op, x, y *node) (*node, error) {
	return p.wrap(t, &node{op: o, x: x, y: y, depth: max(x.depth, y.depth) + 1})
}

func (p *parser) wrap(t token, n *node) (*node, error) {
	if n.depth > maxDepth {
		return nil, p.errorf(t, "%q at column %d nests the expression more than %d levels deep", t.raw, t.col, maxDepth)
	}
	return n, nil
}

// missingOperator reports a token that follows a complete operand where only
// "and", "or", ")" or the end may follow.
func (p *parser) missingOperator(t token) error {
	return p.errorf(t, "%q at column %d follows an operand without an operator: join them with \"and\" or \"or\"", t.raw, t.col)
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return syntaxErrorf(p.src, t.col, format, args...)
}
