package policy

import (
	"strings"
	"unicode/utf8"
)

// Patterns are compiled once at Parse time into a token list: literal runs,
// the wildcards * and ?, and policy variables. Matching walks the tokens
// against the request string without allocating.

type tokKind uint8

const (
	tLit  tokKind = iota // literal text
	tStar                // * : any run of characters, "/" and ":" included
	tOne                 // ? : exactly one character
	tVar                 // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokKind
	lit    string // tLit: the text
	key    string // tVar: the context key, lowercased
	def    string // tVar: the default value
	hasDef bool
}

// pattern is one compiled policy string.
type pattern struct {
	raw    string
	toks   []token
	hasVar bool // contains a tVar
	shape  shape
	lit    string // shapeLiteral: the text; shapePrefixStar: the prefix
}

// shape selects a fast path for the common pattern forms.
type shape uint8

const (
	shapeGeneral    shape = iota // walk the tokens
	shapeLiteral                 // no wildcard, no variable: compare
	shapeStar                    // "*": anything
	shapePrefixStar              // "text*": a prefix test
)

// compileOptions says which syntax a policy string may use.
type compileOptions struct {
	wildcards bool // * and ? are wildcards
	variables bool // ${...} is a policy variable (Version 2012-10-17)
}

// compilePattern turns s into tokens. With variables on, ${*}, ${?} and ${$}
// become the literal characters, ${key} and ${key, 'default'} become variables,
// and a "${" that does not form a variable stays literal text.
func compilePattern(s string, o compileOptions) pattern {
	p := pattern{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case o.wildcards && c == '*':
			flush()
			// Consecutive stars are one star.
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tStar {
				p.toks = append(p.toks, token{kind: tStar})
			}
			i++
			continue
		case o.wildcards && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tOne})
			i++
			continue
		case o.variables && c == '$' && i+1 < len(s) && s[i+1] == '{':
			if t, n, ok := parseVariable(s[i:]); ok {
				if t.kind == tLit {
					lit.WriteString(t.lit)
				} else {
					flush()
					p.toks = append(p.toks, t)
					p.hasVar = true
				}
				i += n
				continue
			}
		}
		lit.WriteByte(c)
		i++
	}
	flush()
	switch {
	case len(p.toks) == 0:
		p.shape = shapeLiteral
	case len(p.toks) == 1 && p.toks[0].kind == tLit:
		p.shape, p.lit = shapeLiteral, p.toks[0].lit
	case len(p.toks) == 1 && p.toks[0].kind == tStar:
		p.shape = shapeStar
	case len(p.toks) == 2 && p.toks[0].kind == tLit && p.toks[1].kind == tStar:
		p.shape, p.lit = shapePrefixStar, p.toks[0].lit
	}
	return p
}

// parseVariable parses a variable at the start of s ("${..."). It returns the
// token (a tLit for the escapes ${*} ${?} ${$}), the bytes consumed, and
// false when s does not start with a well-formed variable.
func parseVariable(s string) (token, int, bool) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return token{}, 0, false
	}
	body := s[2:end]
	switch body {
	case "*", "?", "$":
		return token{kind: tLit, lit: body}, end + 1, true
	}
	if comma := strings.IndexByte(body, ','); comma >= 0 {
		key := strings.TrimSpace(body[:comma])
		rest := strings.TrimLeft(s[2+comma+1:], " ")
		// The default is a single-quoted string; it may itself contain '}'.
		if key == "" || !validVarKey(key) || len(rest) == 0 || rest[0] != '\'' {
			return token{}, 0, false
		}
		q := strings.IndexByte(rest[1:], '\'')
		if q < 0 {
			return token{}, 0, false
		}
		def := rest[1 : 1+q]
		after := strings.TrimLeft(rest[1+q+1:], " ")
		if len(after) == 0 || after[0] != '}' {
			return token{}, 0, false
		}
		consumed := len(s) - len(after) + 1
		return token{kind: tVar, key: strings.ToLower(key), def: def, hasDef: true}, consumed, true
	}
	key := strings.TrimSpace(body)
	if key == "" || !validVarKey(key) {
		return token{}, 0, false
	}
	return token{kind: tVar, key: strings.ToLower(key)}, end + 1, true
}

// validVarKey accepts a condition-key-shaped name: no spaces, braces or quotes.
func validVarKey(k string) bool {
	for i := 0; i < len(k); i++ {
		switch k[i] {
		case ' ', '{', '}', '\'', '$':
			return false
		}
	}
	return true
}

// varValue resolves a variable: the single value of its key, else the
// default. ok is false when the key is absent (or multivalued, which cannot
// be used as a variable) and there is no default.
func varValue(t *token, ctx Context) (string, bool) {
	if ctx != nil {
		if vs, ok := ctx.Values(t.key); ok && len(vs) == 1 {
			return vs[0], true
		}
	}
	if t.hasDef {
		return t.def, true
	}
	return "", false
}

// resolvable reports whether every variable of p has a value in ctx.
func (p *pattern) resolvable(ctx Context) bool {
	if !p.hasVar {
		return true
	}
	for i := range p.toks {
		if p.toks[i].kind == tVar {
			if _, ok := varValue(&p.toks[i], ctx); !ok {
				return false
			}
		}
	}
	return true
}

// match reports whether s matches p. fold makes the comparison ASCII
// case-insensitive. The caller must have checked p.resolvable(ctx); an
// unresolvable variable matches nothing.
func (p *pattern) match(s string, fold bool, ctx Context) bool {
	switch p.shape {
	case shapeLiteral:
		if fold {
			return strings.EqualFold(p.lit, s)
		}
		return p.lit == s
	case shapeStar:
		return true
	case shapePrefixStar:
		return hasPrefixFold(s, p.lit, fold)
	}
	return matchTokens(p.toks, s, fold, ctx)
}

// matchASCIIFold is match for action names: ASCII case-insensitive (IAM
// action names are ASCII), with a length check before any folding.
func (p *pattern) matchASCIIFold(s string) bool {
	switch p.shape {
	case shapeLiteral:
		return len(s) == len(p.lit) && asciiEqualFold(s, p.lit)
	case shapeStar:
		return true
	case shapePrefixStar:
		return len(s) >= len(p.lit) && asciiEqualFold(s[:len(p.lit)], p.lit)
	}
	return matchTokens(p.toks, s, true, nil)
}

// asciiEqualFold compares equal-length strings, folding ASCII letters only.
func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// matchTokens is the classic single-backtrack glob matcher, generalised to
// literal runs: on a mismatch it returns to the last star and lets it absorb
// one more character. That is complete because the text between two stars
// has a fixed length once its start is fixed, so the leftmost placement is
// always the best one.
func matchTokens(toks []token, s string, fold bool, ctx Context) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tStar:
				starT, starS = ti, si
				ti++
				continue
			case tOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tLit:
				if hasPrefixFold(s[si:], t.lit, fold) {
					si += len(t.lit)
					ti++
					continue
				}
			case tVar:
				v, ok := varValue(t, ctx)
				if !ok {
					return false
				}
				if hasPrefixFold(s[si:], v, fold) {
					si += len(v)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star take one more character.
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, ti = starS, starT+1
	}
}

func hasPrefixFold(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// hasWildcard reports whether p contains * or ? tokens.
func (p *pattern) hasWildcard() bool {
	for _, t := range p.toks {
		if t.kind == tStar || t.kind == tOne {
			return true
		}
	}
	return false
}

// splitARN splits s into the six colon-separated parts of an ARN; the last
// part keeps any further colons. ok is false with fewer than six parts. It
// does not check the "arn" prefix.
func splitARN(s string) (parts [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		c := strings.IndexByte(s, ':')
		if c < 0 {
			return parts, false
		}
		parts[i] = s[:c]
		s = s[c+1:]
	}
	parts[5] = s
	return parts, true
}

// splitARNPattern is splitARN for a policy string: with variables on, a
// colon inside ${...} (as in ${aws:PrincipalAccount}) does not split.
func splitARNPattern(s string, variables bool) (parts [6]string, ok bool) {
	if !variables {
		return splitARN(s)
	}
	n, start, depth := 0, 0, 0
	for i := 0; i < len(s) && n < 5; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	if n < 5 {
		return parts, false
	}
	parts[5] = s[start:]
	return parts, true
}

// arnPattern is an ARN compiled part by part, so that a wildcard cannot
// cross a colon in the first five parts (ArnLike, and the Resource element).
// When whole is set the value could not be split into six parts at compile
// time (a variable stands for several parts); it is then matched as one
// string, like StringLike.
type arnPattern struct {
	raw   string
	parts [6]pattern
	whole bool
	full  pattern
	any   bool // the pattern "*" alone
	vars  bool // has a variable somewhere
	// prefix is set when the first five parts are plain literals: the
	// request then only needs a prefix test and the sixth part's match.
	prefix    string
	hasPrefix bool
}

// compileARN compiles an ARN pattern. Variables are honoured only in the
// sixth (resource) part when resourceOnly is set (the Resource element), and
// anywhere otherwise (ARN condition operators).
func compileARN(s string, o compileOptions, resourceOnly bool) arnPattern {
	a := arnPattern{raw: s}
	if s == "*" && o.wildcards {
		a.any = true
		return a
	}
	parts, ok := splitARNPattern(s, o.variables)
	if !ok {
		a.whole = true
		a.full = compilePattern(s, o)
		a.vars = a.full.hasVar
		return a
	}
	a.hasPrefix = true
	for i := 0; i < 6; i++ {
		po := o
		if resourceOnly && i < 5 {
			po.variables = false
		}
		a.parts[i] = compilePattern(parts[i], po)
		a.vars = a.vars || a.parts[i].hasVar
		if i < 5 {
			if a.parts[i].shape != shapeLiteral {
				a.hasPrefix = false
			} else {
				a.prefix += a.parts[i].lit + ":"
			}
		}
	}
	if !a.hasPrefix {
		a.prefix = ""
	}
	return a
}

func (a *arnPattern) resolvable(ctx Context) bool {
	if !a.vars {
		return true
	}
	if a.whole {
		return a.full.resolvable(ctx)
	}
	for i := range a.parts {
		if !a.parts[i].resolvable(ctx) {
			return false
		}
	}
	return true
}

func (a *arnPattern) hasVar() bool { return a.vars }

func (a *arnPattern) hasWildcard() bool {
	if a.any {
		return true
	}
	if a.whole {
		return a.full.hasWildcard()
	}
	for i := range a.parts {
		if a.parts[i].hasWildcard() {
			return true
		}
	}
	return false
}

// arnView is a request ARN, split into its parts on first need.
type arnView struct {
	s     string
	parts [6]string
	ok    bool
	done  bool
}

func (v *arnView) split() {
	if !v.done {
		v.parts, v.ok = splitARN(v.s)
		v.done = true
	}
}

// match reports whether the ARN v matches a.
func (a *arnPattern) match(v *arnView, ctx Context) bool {
	if a.any {
		return true
	}
	if a.whole {
		return a.full.match(v.s, false, ctx)
	}
	if a.hasPrefix {
		return strings.HasPrefix(v.s, a.prefix) && a.parts[5].match(v.s[len(a.prefix):], false, ctx)
	}
	v.split()
	parts, ok := &v.parts, v.ok
	if !ok {
		return false
	}
	for i := range a.parts {
		if !a.parts[i].match(parts[i], false, ctx) {
			return false
		}
	}
	return true
}
