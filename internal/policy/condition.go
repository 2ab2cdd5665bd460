package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition operators (IAM User Guide, reference_policies_elements_condition_operators
// and reference_policies_condition-logic-multiple-context-keys-or-values).

type opFamily uint8

const (
	fString opFamily = iota
	fNumeric
	fDate
	fBool
	fBinary
	fIP
	fARN
	fNull
)

type cmpKind uint8

const (
	cEq cmpKind = iota
	cLike
	cLt
	cLe
	cGt
	cGe
)

type opInfo struct {
	fam  opFamily
	cmp  cmpKind
	neg  bool // negated operator: the key must match none of the values
	fold bool // ...IgnoreCase
}

// baseOps lists every operator without its IfExists suffix and set qualifier.
// Names are case-sensitive: IAM answers "Invalid Condition type : stringEquals".
var baseOps = map[string]opInfo{
	"StringEquals":              {fam: fString, cmp: cEq},
	"StringNotEquals":           {fam: fString, cmp: cEq, neg: true},
	"StringEqualsIgnoreCase":    {fam: fString, cmp: cEq, fold: true},
	"StringNotEqualsIgnoreCase": {fam: fString, cmp: cEq, neg: true, fold: true},
	"StringLike":                {fam: fString, cmp: cLike},
	"StringNotLike":             {fam: fString, cmp: cLike, neg: true},
	"NumericEquals":             {fam: fNumeric, cmp: cEq},
	"NumericNotEquals":          {fam: fNumeric, cmp: cEq, neg: true},
	"NumericLessThan":           {fam: fNumeric, cmp: cLt},
	"NumericLessThanEquals":     {fam: fNumeric, cmp: cLe},
	"NumericGreaterThan":        {fam: fNumeric, cmp: cGt},
	"NumericGreaterThanEquals":  {fam: fNumeric, cmp: cGe},
	"DateEquals":                {fam: fDate, cmp: cEq},
	"DateNotEquals":             {fam: fDate, cmp: cEq, neg: true},
	"DateLessThan":              {fam: fDate, cmp: cLt},
	"DateLessThanEquals":        {fam: fDate, cmp: cLe},
	"DateGreaterThan":           {fam: fDate, cmp: cGt},
	"DateGreaterThanEquals":     {fam: fDate, cmp: cGe},
	"Bool":                      {fam: fBool, cmp: cEq},
	"BinaryEquals":              {fam: fBinary, cmp: cEq},
	"IpAddress":                 {fam: fIP, cmp: cEq},
	"NotIpAddress":              {fam: fIP, cmp: cEq, neg: true},
	"ArnEquals":                 {fam: fARN, cmp: cLike},
	"ArnLike":                   {fam: fARN, cmp: cLike},
	"ArnNotEquals":              {fam: fARN, cmp: cLike, neg: true},
	"ArnNotLike":                {fam: fARN, cmp: cLike, neg: true},
	"Null":                      {fam: fNull, cmp: cEq},
}

type setKind uint8

const (
	setNone setKind = iota
	setAny          // ForAnyValue:
	setAll          // ForAllValues:
)

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
func parseOperator(name string) (op opInfo, set setKind, ifExists bool, ok bool) {
	base := name
	if rest, found := strings.CutPrefix(base, "ForAnyValue:"); found {
		set, base = setAny, rest
	} else if rest, found := strings.CutPrefix(base, "ForAllValues:"); found {
		set, base = setAll, rest
	}
	if rest, found := strings.CutSuffix(base, "IfExists"); found {
		ifExists, base = true, rest
	}
	op, ok = baseOps[base]
	if !ok || (op.fam == fNull && (ifExists || set != setNone)) {
		return opInfo{}, 0, false, false
	}
	return op, set, ifExists, true
}

// dtime is an instant: seconds and nanoseconds since the Unix epoch.
type dtime struct {
	sec  int64
	nsec int32
}

func (a dtime) compare(b dtime) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

// cond is one compiled (operator, key) pair with its policy values.
type cond struct {
	opName   string // as written: "ForAnyValue:StringLikeIfExists"
	keyRaw   string // as written: "aws:SourceArn"
	key      string // lowercased
	op       opInfo
	set      setKind
	ifExists bool
	raw      []string // the policy values as written (numbers and booleans as their JSON text)

	strs  []pattern
	arns  []arnPattern
	nums  []float64
	times []dtime
	nets  []netip.Prefix
	bins  []string
	bools []bool // Bool and Null
}

// compileCond validates and compiles the values of one condition.
func compileCond(opName, key string, op opInfo, set setKind, ifExists bool, raw []string, variables bool) (cond, bool) {
	c := cond{opName: opName, keyRaw: key, key: strings.ToLower(key), op: op, set: set, ifExists: ifExists, raw: raw}
	for _, v := range raw {
		switch op.fam {
		case fString:
			c.strs = append(c.strs, compilePattern(v, compileOptions{wildcards: op.cmp == cLike, variables: variables}))
		case fARN:
			c.arns = append(c.arns, compileARN(v, compileOptions{wildcards: true, variables: variables}, false))
		case fNumeric:
			n, ok := parseNumber(v)
			if !ok {
				return cond{}, false
			}
			c.nums = append(c.nums, n)
		case fDate:
			t, ok := parseDate(v)
			if !ok {
				return cond{}, false
			}
			c.times = append(c.times, t)
		case fBool, fNull:
			switch strings.ToLower(v) {
			case "true":
				c.bools = append(c.bools, true)
			case "false":
				c.bools = append(c.bools, false)
			default:
				return cond{}, false
			}
		case fBinary:
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return cond{}, false
			}
			c.bins = append(c.bins, string(b))
		case fIP:
			p, ok := parseCIDR(v)
			if !ok {
				return cond{}, false
			}
			c.nets = append(c.nets, p)
		}
	}
	return c, true
}

// parseNumber accepts an integer or decimal: [+-]digits[.digits] or
// [+-].digits. It rejects exponents, hex, Inf and NaN, which ParseFloat
// would take, and never allocates.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// parseDate accepts epoch seconds ([-]digits) or the W3C profile of ISO 8601:
// YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm, YYYY-MM-DDThh:mm:ss and
// YYYY-MM-DDThh:mm:ss.s+, each time form with an optional zone designator
// (Z, +hh:mm, -hh:mm, +hhmm; UTC when absent). It never allocates.
func parseDate(s string) (dtime, bool) {
	if s == "" {
		return dtime{}, false
	}
	if allDigits(strings.TrimPrefix(s, "-")) && len(s) <= 19 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return dtime{}, false
		}
		return dtime{sec: n}, true
	}
	num := func(s string, i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := num(s, 0, 4)
	if !ok {
		return dtime{}, false
	}
	month, day := 1, 1
	hour, min, sec, nsec := 0, 0, 0, 0
	i := 4
	if i < len(s) {
		if s[i] != '-' {
			return dtime{}, false
		}
		if month, ok = num(s, i+1, 2); !ok {
			return dtime{}, false
		}
		i += 3
	}
	if i < len(s) {
		if s[i] != '-' {
			return dtime{}, false
		}
		if day, ok = num(s, i+1, 2); !ok {
			return dtime{}, false
		}
		i += 3
	}
	offset := 0
	if i < len(s) {
		if s[i] != 'T' && s[i] != 't' {
			return dtime{}, false
		}
		if hour, ok = num(s, i+1, 2); !ok || i+3 >= len(s) || s[i+3] != ':' {
			return dtime{}, false
		}
		if min, ok = num(s, i+4, 2); !ok {
			return dtime{}, false
		}
		i += 6
		if i < len(s) && s[i] == ':' {
			if sec, ok = num(s, i+1, 2); !ok {
				return dtime{}, false
			}
			i += 3
			if i < len(s) && s[i] == '.' {
				i++
				start, scale := i, 100000000
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					nsec += int(s[i]-'0') * scale
					scale /= 10
					i++
				}
				if i == start {
					return dtime{}, false
				}
			}
		}
		if i < len(s) {
			switch s[i] {
			case 'Z', 'z':
				i++
			case '+', '-':
				sign := 1
				if s[i] == '-' {
					sign = -1
				}
				oh, ok1 := num(s, i+1, 2)
				if !ok1 {
					return dtime{}, false
				}
				j := i + 3
				if j < len(s) && s[j] == ':' {
					j++
				}
				om, ok2 := num(s, j, 2)
				if !ok2 || oh > 23 || om > 59 {
					return dtime{}, false
				}
				offset = sign * (oh*3600 + om*60)
				i = j + 2
			default:
				return dtime{}, false
			}
		}
	}
	if i != len(s) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || min > 59 || sec > 60 {
		return dtime{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC)
	if t.Day() != day && hour < 24 && sec < 60 { // 2023-02-30 normalises: reject
		return dtime{}, false
	}
	return dtime{sec: t.Unix() - int64(offset), nsec: int32(t.Nanosecond())}, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseCIDR accepts a CIDR or a bare address (= /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// matchOne reports whether the request value v satisfies the un-negated
// relation with at least one policy value. typeOK is false when v cannot be
// read as the operator's type (a number, a date, an address, a boolean); the
// comparison then fails for negated operators too.
func (c *cond) matchOne(v string, ctx Context) (matched, typeOK bool) {
	switch c.op.fam {
	case fString:
		for i := range c.strs {
			p := &c.strs[i]
			if p.hasVar && !p.resolvable(ctx) {
				continue // a null variable matches nothing
			}
			if p.match(v, c.op.fold, ctx) {
				return true, true
			}
		}
		return false, true
	case fARN:
		av := arnView{s: v}
		for i := range c.arns {
			a := &c.arns[i]
			if a.vars && !a.resolvable(ctx) {
				continue
			}
			if a.match(&av, ctx) {
				return true, true
			}
		}
		return false, true
	case fNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return false, false
		}
		for _, p := range c.nums {
			if cmpHolds(c.op.cmp, compareFloat(n, p)) {
				return true, true
			}
		}
		return false, true
	case fDate:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, p := range c.times {
			if cmpHolds(c.op.cmp, t.compare(p)) {
				return true, true
			}
		}
		return false, true
	case fBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
		default:
			return false, false
		}
		for _, p := range c.bools {
			if p == b {
				return true, true
			}
		}
		return false, true
	case fBinary:
		for _, p := range c.bins {
			if p == v {
				return true, true
			}
		}
		return false, true
	case fIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, false
		}
		a = a.Unmap().WithZone("")
		for _, p := range c.nets {
			if p.Contains(a) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpHolds reports whether "request cmp policy" holds given their ordering.
func cmpHolds(k cmpKind, order int) bool {
	switch k {
	case cEq, cLike:
		return order == 0
	case cLt:
		return order < 0
	case cLe:
		return order <= 0
	case cGt:
		return order > 0
	case cGe:
		return order >= 0
	}
	return false
}

// valueResult is the operator applied to one request value: for a negated
// operator, the value must match none of the policy values (NOR).
func (c *cond) valueResult(v string, ctx Context) bool {
	m, ok := c.matchOne(v, ctx)
	if !ok {
		return false
	}
	return m != c.op.neg
}

// eval evaluates the condition against the request context.
//
//   - Null: "true" holds when the key is absent, "false" when present.
//   - Absent key (or an empty value set): ...IfExists holds; ForAnyValue
//     fails; ForAllValues holds; otherwise a negated operator holds and a
//     positive one fails.
//   - ForAnyValue: some request value satisfies the operator.
//   - ForAllValues: every request value does.
//   - No qualifier: a positive operator holds when some request value
//     matches some policy value; a negated one when no request value matches
//     any policy value.
func (c *cond) eval(ctx Context) bool {
	var vals []string
	present := false
	if ctx != nil {
		vs, ok := ctx.Values(c.key)
		vals, present = vs, ok && len(vs) > 0
	}
	if c.op.fam == fNull {
		for _, b := range c.bools {
			if b != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setAny:
			return false
		case c.set == setAll:
			return true
		}
		return c.op.neg
	}
	all := c.set == setAll || (c.set == setNone && c.op.neg)
	for _, v := range vals {
		r := c.valueResult(v, ctx)
		if all && !r {
			return false
		}
		if !all && r {
			return true
		}
	}
	return all
}

// resolved renders the policy values with their variables substituted, for
// traces; a null variable renders as "<null>".
func (c *cond) resolved(ctx Context) []string {
	var pats []*pattern
	switch c.op.fam {
	case fString:
		for i := range c.strs {
			pats = append(pats, &c.strs[i])
		}
	case fARN:
		out := make([]string, len(c.arns))
		for i := range c.arns {
			out[i] = c.arns[i].render(ctx)
		}
		return out
	default:
		return nil
	}
	out := make([]string, len(pats))
	for i, p := range pats {
		out[i] = p.render(ctx)
	}
	return out
}

// render substitutes p's variables; wildcards print as * and ?.
func (p *pattern) render(ctx Context) string {
	if !p.hasVar {
		return p.raw
	}
	var b strings.Builder
	for i := range p.toks {
		t := &p.toks[i]
		switch t.kind {
		case tLit:
			b.WriteString(t.lit)
		case tStar:
			b.WriteByte('*')
		case tOne:
			b.WriteByte('?')
		case tVar:
			if v, ok := varValue(t, ctx); ok {
				b.WriteString(v)
			} else {
				b.WriteString("<null>")
			}
		}
	}
	return b.String()
}

func (a *arnPattern) render(ctx Context) string {
	if a.any {
		return "*"
	}
	if a.whole {
		return a.full.render(ctx)
	}
	var b strings.Builder
	for i := range a.parts {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(a.parts[i].render(ctx))
	}
	return b.String()
}
