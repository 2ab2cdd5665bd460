package policy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// refGlob is the reference the matcher is checked against: a plain
// recursive glob over runes, * = any run, ? = one rune.
func refGlob(pat, s []rune, fold bool) bool {
	if len(pat) == 0 {
		return len(s) == 0
	}
	switch pat[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if refGlob(pat[1:], s[i:], fold) {
				return true
			}
		}
		return false
	case '?':
		return len(s) > 0 && refGlob(pat[1:], s[1:], fold)
	}
	if len(s) == 0 {
		return false
	}
	a, b := pat[0], s[0]
	if fold {
		a, b = asciiLower(a), asciiLower(b)
	}
	return a == b && refGlob(pat[1:], s[1:], fold)
}

func asciiLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"**", "x", true},
		{"a*", "a", true},
		{"a*", "abc", true},
		{"a*", "ba", false},
		{"*a", "bca", true},
		{"*a", "ab", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbYcZ", false},
		{"a*b*c", "abcbc", true},
		{"?", "", false},
		{"?", "é", true},
		{"??", "é", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*?", "", false},
		{"*?", "x", true},
		{"b/*/test/*", "b/1/2/test/x", true},
		{"b/*/test/*", "b/1/2/tests", false},
		{"*.jpg", "a.jpg.png", false},
		{"*.jpg", "a.png.jpg", true},
		{"a*a*a", "aaa", true},
		{"a*a*a", "aa", false},
		{"*ab*ab", "xabyab", true},
		{"*ab*ab", "xabyabz", false},
		{"mississippi*", "mississippi", true},
		{"*issip*", "mississippi", true},
		{"*sip?i", "mississippi", true},
	}
	for _, tt := range tests {
		p := compilePattern(tt.pat, compileOptions{wildcards: true})
		if got := p.match(tt.s, false, nil); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
		if ref := refGlob([]rune(tt.pat), []rune(tt.s), false); ref != tt.want {
			t.Errorf("reference disagrees on (%q, %q)", tt.pat, tt.s)
		}
	}
}

func TestWildcardShapes(t *testing.T) {
	for pat, want := range map[string]shape{
		"": shapeLiteral, "abc": shapeLiteral, "*": shapeStar, "***": shapeStar, "ab*": shapePrefixStar,
		"*ab": shapeGeneral, "a?": shapeGeneral, "a*b*": shapeGeneral,
	} {
		if got := compilePattern(pat, compileOptions{wildcards: true}).shape; got != want {
			t.Errorf("shape(%q) = %v, want %v", pat, got, want)
		}
	}
	// Without wildcards * and ? are literal text.
	p := compilePattern("a*?", compileOptions{})
	if p.shape != shapeLiteral || !p.match("a*?", false, nil) || p.match("abc", false, nil) {
		t.Error("literal * and ?")
	}
}

func TestActionFold(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"s3:GetObject", "S3:GETOBJECT", true},
		{"s3:getobject", "s3:GetObject", true},
		{"s3:GetObject", "s3:GetObjectAcl", false},
		{"s3:Get*", "S3:getObjectVersion", true},
		{"s3:get*", "s3:Put", false},
		{"s3:*object", "s3:PutOBJECT", true},
		{"S3:?etObject", "s3:GetObject", true},
		{"*", "", true},
		{"s3:GetObject", "s3:GetObjecţ", false},
	}
	for _, tt := range tests {
		p := compilePattern(tt.pat, compileOptions{wildcards: true})
		if got := p.matchASCIIFold(tt.s); got != tt.want {
			t.Errorf("matchASCIIFold(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
}

func TestParseVariables(t *testing.T) {
	ctx := MapContext{"aws:username": {"alice"}, "aws:principaltag/team": {"web"}, "multi": {"a", "b"}, "empty": {}}
	tests := []struct {
		pat  string
		want string // rendered; "<null>" marks an absent variable
	}{
		{"${aws:username}", "alice"},
		{"${AWS:UserName}", "alice"},
		{"${ aws:username }", "alice"},
		{"home/${aws:username}/*", "home/alice/*"},
		{"${aws:PrincipalTag/team}", "web"},
		{"${aws:missing}", "<null>"},
		{"${aws:missing, 'dflt'}", "dflt"},
		{"${aws:missing,'dflt'}", "dflt"},
		{"${aws:missing ,  'a b}c' }", "a b}c"},
		{"${aws:username, 'dflt'}", "alice"},
		{"${multi}", "<null>"},
		{"${multi, 'x'}", "x"},
		{"${empty}", "<null>"},
		{"${*}${?}${$}", "${*}${?}${$}"}, // no variable: rendered as written
		{"${", "${"},
		{"${}", "${}"},
		{"${ }", "${ }"},
		{"${aws:username", "${aws:username"},
		{"${a b}", "${a b}"},
		{"${k, dflt}", "${k, dflt}"},
		{"${k, 'unterminated}", "${k, 'unterminated}"},
		{"${k, 'x' extra}", "${k, 'x' extra}"},
		{"$${aws:username}", "$alice"},
		{"a${aws:username}b${aws:username}", "aalicebalice"},
	}
	for _, tt := range tests {
		p := compilePattern(tt.pat, compileOptions{wildcards: true, variables: true})
		if got := p.render(ctx); got != tt.want {
			t.Errorf("render(%q) = %q, want %q", tt.pat, got, tt.want)
		}
		if resolvable := !strings.Contains(tt.want, "<null>"); p.resolvable(ctx) != resolvable {
			t.Errorf("resolvable(%q) = %v", tt.pat, !resolvable)
		}
	}
	// The escapes stand for the characters themselves, never wildcards.
	esc := compilePattern("${*}${?}${$}", compileOptions{wildcards: true, variables: true})
	if !esc.match("*?$", false, nil) || esc.match("xy$", false, nil) || esc.hasVar {
		t.Error("escapes")
	}
	// Without variables the text is literal.
	p := compilePattern("${aws:username}", compileOptions{wildcards: true})
	if p.hasVar || !p.match("${aws:username}", false, ctx) {
		t.Error("variables off")
	}
}

func TestVariableValuesAreLiteral(t *testing.T) {
	ctx := MapContext{"k": {"a*c"}}
	p := compilePattern("x/${k}/*", compileOptions{wildcards: true, variables: true})
	if !p.match("x/a*c/anything", false, ctx) {
		t.Error("no match of the literal value")
	}
	if p.match("x/abc/anything", false, ctx) {
		t.Error("substituted * acted as a wildcard")
	}
}

func TestSplitARN(t *testing.T) {
	parts, ok := splitARN("arn:aws:s3:::b/k:with:colons")
	if !ok || parts != [6]string{"arn", "aws", "s3", "", "", "b/k:with:colons"} {
		t.Errorf("splitARN = %q %v", parts, ok)
	}
	if _, ok := splitARN("arn:aws:s3::b"); ok {
		t.Error("5 parts accepted")
	}
	parts, ok = splitARNPattern("arn:aws:iam::${aws:PrincipalAccount}:role/${aws:x}:y", true)
	if !ok || parts[4] != "${aws:PrincipalAccount}" || parts[5] != "role/${aws:x}:y" {
		t.Errorf("splitARNPattern = %q %v", parts, ok)
	}
	if _, ok := splitARNPattern("${aws:SourceArn}", true); ok {
		t.Error("variable-only ARN split")
	}
}

func TestARNPatternMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "anything", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b", true},
		{"arn:aws:*:*:*:*", "arn:aws:s3:::b", true},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:111122223333:finance/d", true},
		{"arn:aws:s3:::*", "not-an-arn", false},
		{"arn:aws:iam::11112222333?:root", "arn:aws:iam::111122223333:root", true},
		{"arn:aws:iam::11112222333?:root", "arn:aws:iam::11112222333:root", false},
		{"arn:aws:s3:::b", "arn:aws:s3:::B", false},
	}
	for _, tt := range tests {
		a := compileARN(tt.pat, compileOptions{wildcards: true}, true)
		v := arnView{s: tt.s}
		if got := a.match(&v, nil); got != tt.want {
			t.Errorf("ARN match(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		sec  int64
		nsec int32
		ok   bool
	}{
		{"0", 0, 0, true},
		{"1700000000", 1700000000, 0, true},
		{"-1", -1, 0, true},
		{"2024", 2024, 0, true}, // all digits: epoch seconds (documented decision)
		{"2024-01", 1704067200, 0, true},
		{"2024-01-01", 1704067200, 0, true},
		{"2024-01-01T00:00Z", 1704067200, 0, true},
		{"2024-01-01T00:00:00Z", 1704067200, 0, true},
		{"2024-01-01T00:00:00", 1704067200, 0, true},
		{"2024-01-01t00:00:00z", 1704067200, 0, true},
		{"2024-01-01T01:00:00+01:00", 1704067200, 0, true},
		{"2024-01-01T01:00:00+0100", 1704067200, 0, true},
		{"2023-12-31T23:00:00-01:00", 1704067200, 0, true},
		{"2024-01-01T00:00:00.5Z", 1704067200, 500000000, true},
		{"2024-01-01T00:00:00.123456789Z", 1704067200, 123456789, true},
		{"2024-02-29", 1709164800, 0, true},
		{"2024-01-01T24:00:00Z", 1704153600, 0, true},
		{"", 0, 0, false},
		{"-", 0, 0, false},
		{"2024-1-01", 0, 0, false},
		{"2024-13-01", 0, 0, false},
		{"2024-00-01", 0, 0, false},
		{"2023-02-29", 0, 0, false},
		{"2024-01-32", 0, 0, false},
		{"2024-01-01T", 0, 0, false},
		{"2024-01-01T10", 0, 0, false},
		{"2024-01-01T10:60Z", 0, 0, false},
		{"2024-01-01T10:00:00.Z", 0, 0, false},
		{"2024-01-01T10:00:00+25:00", 0, 0, false},
		{"2024-01-01T10:00:00X", 0, 0, false},
		{"2024-01-01 10:00:00", 0, 0, false},
		{"yesterday", 0, 0, false},
		{"12345678901234567890", 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || (ok && (got.sec != tt.sec || got.nsec != tt.nsec)) {
			t.Errorf("parseDate(%q) = %+v %v, want %d.%09d %v", tt.in, got, ok, tt.sec, tt.nsec, tt.ok)
		}
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]float64{"0": 0, "10": 10, "-5": -5, "+2": 2, "1.5": 1.5, ".5": 0.5, "3.": 3, "007": 7}
	for in, want := range good {
		if got, ok := parseNumber(in); !ok || got != want {
			t.Errorf("parseNumber(%q) = %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-", ".", "1e3", "0x10", "NaN", "Inf", "1.2.3", " 1", "1,000", "--1"} {
		if _, ok := parseNumber(in); ok {
			t.Errorf("parseNumber(%q) accepted", in)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	tests := map[string]string{
		"203.0.113.0/24":          "203.0.113.0/24",
		"203.0.113.9/24":          "203.0.113.0/24",
		"203.0.113.5":             "203.0.113.5/32",
		"2001:DB8:1234:5678::/64": "2001:db8:1234:5678::/64",
		"::1":                     "::1/128",
		"::ffff:10.0.0.0/104":     "10.0.0.0/8",
	}
	for in, want := range tests {
		p, ok := parseCIDR(in)
		if !ok || p.String() != want {
			t.Errorf("parseCIDR(%q) = %v %v, want %s", in, p, ok, want)
		}
	}
	for _, in := range []string{"", "1.2.3", "1.2.3.4/33", "::ffff:10.0.0.0/90", "fe80::1%eth0", "x/8"} {
		if _, ok := parseCIDR(in); ok {
			t.Errorf("parseCIDR(%q) accepted", in)
		}
	}
}

func FuzzWildcardMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*b?c", "aXbYc"}, {"*ab*ab", "xabyab"}, {"b/*/test/*", "b/1/2/test/x"},
		{"?é*", "xéy"}, {"S3:Get*", "s3:getobject"}, {"**??**", "ab"}, {"a", "A"},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, fold bool) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || len(pat) > 64 || len(s) > 64 {
			return // the reference works on runes; keep it fast
		}
		want := refGlob([]rune(pat), []rune(s), fold)
		p := compilePattern(pat, compileOptions{wildcards: true})
		var got bool
		if fold {
			got = p.matchASCIIFold(s)
			// The general path folds Unicode too; compare it only on ASCII.
			if isASCII(pat) && isASCII(s) {
				if g2 := p.match(s, true, nil); g2 != want {
					t.Fatalf("match(%q, %q, fold) = %v, reference %v", pat, s, g2, want)
				}
			} else if p.shape != shapeGeneral {
				// matchASCIIFold's fast paths are ASCII-only by design.
			} else {
				return
			}
		} else {
			got = p.match(s, false, nil)
		}
		if got != want {
			t.Fatalf("match(%q, %q, fold=%v) = %v, reference %v", pat, s, fold, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// refARNMatch is the reference for ArnLike: split both into six parts and
// glob each part (the last part keeps its colons).
func refARNMatch(pat, s string) bool {
	if pat == "*" {
		return true
	}
	pp := strings.SplitN(pat, ":", 6)
	sp := strings.SplitN(s, ":", 6)
	if len(pp) != 6 {
		return refGlob([]rune(pat), []rune(s), false)
	}
	if len(sp) != 6 {
		return false
	}
	for i := range pp {
		if !refGlob([]rune(pp[i]), []rune(sp[i]), false) {
			return false
		}
	}
	return true
}

func FuzzARNMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k"},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"},
		{"arn:*:*:*:*:*", "arn:aws:s3:::b"},
		{"arn:aws:iam::11112222333?:root", "arn:aws:iam::111122223333:root"},
		{"*", "x"},
		{"a:b*", "a:bc"},
		{"arn:aws:logs:us-east-1:1:log-group:*", "arn:aws:logs:us-east-1:1:log-group:a:b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || len(pat) > 80 || len(s) > 80 {
			return
		}
		want := refARNMatch(pat, s)
		// As an ARN condition value (no variables: plain text).
		c := compileARN(pat, compileOptions{wildcards: true}, false)
		v := arnView{s: s}
		if got := c.match(&v, nil); got != want {
			t.Fatalf("ArnLike(%q, %q) = %v, reference %v", pat, s, got, want)
		}
		// As a Resource element (prefix fast path included).
		r := compileARN(pat, compileOptions{wildcards: true}, true)
		v = arnView{s: s}
		if got := r.match(&v, nil); got != want {
			t.Fatalf("Resource(%q, %q) = %v, reference %v", pat, s, got, want)
		}
	})
}
