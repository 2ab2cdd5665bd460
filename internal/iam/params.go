package iam

import (
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
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

	roleNameRule          = strRule{1, 64, `[\w+=,.@-]+`, allRunes(isUserNameRune)}
	policyNameRule        = strRule{1, 128, `[\w+=,.@-]+`, allRunes(isUserNameRune)}
	policyPathRule        = strRule{1, 512, `((/[A-Za-z0-9\.,\+@=_-]+)*)/`, isPolicyPath}
	policyDocumentRule    = strRule{1, 131072, `[\u0009\u000A\u000D\u0020-\u00FF]+`, allRunes(isPolicyRune)}
	roleDescriptionRule   = strRule{0, 1000, `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`, allRunes(isRoleDescriptionRune)}
	policyDescriptionRule = strRule{0, 1000, `.*`, func(string) bool { return true }}
	versionIDRule         = strRule{2, 128, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, isVersionID}
	arnRule               = strRule{20, 2048, `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, allRunes(isARNRune)}
	roleSessionNameRule   = strRule{2, 64, `[\w+=,.@-]*`, allRunes(isUserNameRune)}
	externalIDRule        = strRule{2, 1224, `[\w+=,.@:\/-]*`, allRunes(func(r rune) bool { return isUserNameRune(r) || r == ':' || r == '/' })}
)

// isPolicyPath matches ((/[A-Za-z0-9\.,\+@=_-]+)*)/ : "/" or
// "/seg/.../" with non-empty segments.
func isPolicyPath(s string) bool {
	if s == "" || s[0] != '/' || s[len(s)-1] != '/' {
		return false
	}
	if s == "/" {
		return true
	}
	for _, seg := range strings.Split(s[1:len(s)-1], "/") {
		if seg == "" || !allRunes(func(r rune) bool {
			return isWordRune(r) || strings.ContainsRune(".,+@=-", r)
		})(seg) {
			return false
		}
	}
	return true
}

func isPolicyRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)
}

func isRoleDescriptionRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7E) || (r >= 0xA1 && r <= 0xFF)
}

func isARNRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7E) || r == 0x85 ||
		(r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000
}

// isVersionID matches v[1-9][0-9]*(\.[A-Za-z0-9-]*)? .
func isVersionID(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] < '1' || s[1] > '9' {
		return false
	}
	i := 2
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' {
		return false
	}
	return allRunes(func(r rune) bool { return isWordRune(r) && r != '_' || r == '-' })(s[i+1:])
}

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

// strOr is str for an optional parameter, def when absent.
func (p *params) strOr(name, member, def string, rule strRule) string {
	if v, ok := p.str(name, member, false, rule); ok {
		return v
	}
	return def
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

// intRange reads an optional integer parameter that must lie in [lo, hi].
func (p *params) intRange(name, member string, lo, hi int) (int, bool) {
	v, ok := p.get(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		p.fail(member, &v, "must be a number")
	case n < lo:
		p.fail(member, &v, "must have value greater than or equal to "+strconv.Itoa(lo))
	case n > hi:
		p.fail(member, &v, "must have value less than or equal to "+strconv.Itoa(hi))
	}
	return n, true
}

// boolean reads an optional boolean parameter ("true" or "false").
func (p *params) boolean(name, member string) bool {
	v, ok := p.get(name)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.fail(member, &v, "must be a boolean")
	return false
}

// listing is the Marker / MaxItems pair of a list operation.
type listing struct {
	from  string // the sort key to resume at; "" from the start
	limit int
}

// listing reads Marker and MaxItems (default 100), the last parameters a
// list operation reads, and then reports the request's invalid
// parameters. A marker is the base64url of the sort key of the first item
// of the next page.
func (p *params) listing() (listing, *awsapi.Error) {
	marker, hasMarker := p.str("Marker", "marker", false, markerRule)
	l := listing{limit: p.maxItems(100)}
	if err := p.err(); err != nil {
		return l, err
	}
	if hasMarker {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return l, errBadMarker
		}
		l.from = string(b)
	}
	return l, nil
}

// xmlPage is the result of a listing: <LIST><member>…</member>…</LIST>
// <IsTruncated/><Marker/>, LIST the listing's own name (Users, Roles, …),
// which page sets.
type xmlPage[X any] struct {
	List struct {
		XMLName xml.Name
		Members []X `xml:"member"`
	}
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

// page applies l to items sorted by key: the items from l.from on, at
// most l.limit of them, as toXML renders them in the listing named list,
// and the marker of the next page (none on the last).
func page[T, X any](l listing, list string, items []T, key func(T) string, toXML func(T) X) xmlPage[X] {
	var res xmlPage[X]
	res.List.XMLName.Local = list
	res.List.Members = []X{}
	for _, it := range items {
		k := key(it)
		if k < l.from {
			continue
		}
		if len(res.List.Members) == l.limit {
			res.IsTruncated, res.Marker = true, base64.RawURLEncoding.EncodeToString([]byte(k))
			break
		}
		res.List.Members = append(res.List.Members, toXML(it))
	}
	return res
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

// indexes returns the Ns of the parameters named prefix + N or
// prefix + N + "." + anything (N from 1), in increasing order.
func (p *params) indexes(prefix string) []int {
	var idx []int
	for k := range p.form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(num); err == nil && n >= 1 && !slices.Contains(idx, n) {
			idx = append(idx, n)
		}
	}
	slices.Sort(idx)
	return idx
}

// tags reads Tags.member.N.Key / Tags.member.N.Value (N from 1).
func (p *params) tags() []Tag {
	const prefix = "Tags.member."
	var out []Tag
	for _, n := range p.indexes(prefix) {
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
