package iam

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// strRule is one string member's constraints in the IAM model: length
// bounds (in characters) and a pattern, given both as AWS prints it in
// validation messages and as a matcher.
type strRule struct {
	min, max int
	pattern  string
	match    func(string) bool
}

var (
	userNameRule    = strRule{1, 64, `[\w+=,.@-]+`, allRunes(isUserNameRune)}
	pathRule        = strRule{1, 512, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, isPath}
	pathPrefixRule  = strRule{1, 512, `\u002F[\u0021-\u007F]*`, isPathPrefix}
	markerRule      = strRule{1, 320, `[\u0020-\u00FF]+`, allRunes(func(r rune) bool { return r >= 0x20 && r <= 0xFF })}
	accessKeyIDRule = strRule{1, 128, `[\w]+`, allRunes(isWordRune)}
	tagKeyRule      = strRule{1, 128, `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, allRunes(isTagRune)}
	tagValueRule    = strRule{0, 256, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, allRunes(isTagRune)}
)

func allRunes(ok func(rune) bool) func(string) bool {
	return func(s string) bool {
		for _, r := range s {
			if !ok(r) {
				return false
			}
		}
		return true
	}
}

// isWordRune is Java's \w: ASCII letters, digits and underscore.
func isWordRune(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func isUserNameRune(r rune) bool { return isWordRune(r) || strings.ContainsRune("+=,.@-", r) }

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

// isPath matches "/" or "/" + printable ASCII (no space) + "/".
func isPath(s string) bool {
	if s == "/" {
		return true
	}
	if len(s) < 3 || s[0] != '/' || s[len(s)-1] != '/' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func isPathPrefix(s string) bool {
	if s == "" || s[0] != '/' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7F {
			return false
		}
	}
	return true
}

func validUserName(s string) bool { return userNameRule.valid(s) }
func validPath(s string) bool     { return pathRule.valid(s) }

func (r strRule) valid(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= r.min && n <= r.max && r.match(s)
}

// params reads one request's query parameters and collects the
// constraint violations found on the way.
type params struct {
	form url.Values
	validation
}

// get returns a parameter's first value and whether it was sent.
func (p *params) get(name string) (string, bool) {
	vs, ok := p.form[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// str reads parameter name (member is its camelCase model name) and checks
// it against rule; a missing required parameter is a violation too.
func (p *params) str(name, member string, required bool, rule strRule) (string, bool) {
	v, ok := p.get(name)
	if !ok {
		if required {
			p.fail(member, nil, "must not be null")
		}
		return "", false
	}
	p.check(member, v, rule)
	return v, true
}

func (p *params) check(member, v string, rule strRule) {
	n := utf8.RuneCountInString(v)
	if n < rule.min {
		p.fail(member, &v, "must have length greater than or equal to "+strconv.Itoa(rule.min))
	}
	if n > rule.max {
		p.fail(member, &v, "must have length less than or equal to "+strconv.Itoa(rule.max))
	}
	if n > 0 && !rule.match(v) {
		p.fail(member, &v, "must satisfy regular expression pattern: "+rule.pattern)
	}
}

// maxItems reads MaxItems (1..1000; def when absent).
func (p *params) maxItems(def int) int {
	v, ok := p.get("MaxItems")
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		p.fail("maxItems", &v, "must be a number")
	case n < 1:
		p.fail("maxItems", &v, "must have value greater than or equal to 1")
	case n > 1000:
		p.fail("maxItems", &v, "must have value less than or equal to 1000")
	}
	return n
}

// enum reads a required parameter that must be one of values.
func (p *params) enum(name, member string, values ...string) string {
	v, ok := p.get(name)
	if !ok {
		p.fail(member, nil, "must not be null")
		return ""
	}
	if !slices.Contains(values, v) {
		p.fail(member, &v, "must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
	return v
}

// tags reads Tags.member.N.Key / Tags.member.N.Value (N from 1).
func (p *params) tags() []Tag {
	const prefix = "Tags.member."
	var idx []int
	for k := range p.form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			continue
		}
		if !slices.Contains(idx, n) {
			idx = append(idx, n)
		}
	}
	slices.Sort(idx)
	var out []Tag
	for _, n := range idx {
		base := prefix + strconv.Itoa(n)
		member := "tags." + strconv.Itoa(n) + ".member"
		k, _ := p.str(base+".Key", member+".key", true, tagKeyRule)
		v, _ := p.str(base+".Value", member+".value", true, tagValueRule)
		out = append(out, Tag{Key: k, Value: v})
	}
	if len(out) > 50 {
		p.msgs = append(p.msgs, "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return out
}
