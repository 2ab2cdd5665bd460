package originaccess

import (
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines surround each change, as in
// diff -u.
const diffContext = 3

// UnifiedDiff returns the unified diff of two texts, line by line, with
// "--- fromName" and "+++ toName" headers and hunks of diffContext lines of
// context, as diff -u prints them (without timestamps). Equal texts give
// "". A text that does not end with a newline gets the
// "\ No newline at end of file" marker after its last line.
//
// The edit script is a longest common subsequence of the lines, found by
// dynamic programming: O(len(a)·len(b)) time and memory, ample for policy
// documents (a few hundred lines; the largest, a 32 KB key policy,
// pretty-printed, stays under a few thousand).
func UnifiedDiff(fromName, toName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	x, y := splitLines(string(a)), splitLines(string(b))
	ops := editScript(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromName, toName)
	// Group the script into hunks: runs of changes closer than
	// 2*diffContext unchanged lines share a hunk.
	for start := 0; start < len(ops); {
		// Find the next change.
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		lo := max(start-diffContext, 0)
		end := start
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			// end is at an unchanged line or the end; look for another
			// change within 2*diffContext lines.
			next := end
			for next < len(ops) && ops[next].kind == ' ' && next-end < 2*diffContext {
				next++
			}
			if next < len(ops) && ops[next].kind != ' ' {
				end = next
				continue
			}
			break
		}
		hi := min(end+diffContext, len(ops))
		writeHunk(&out, ops[lo:hi])
		start = hi
	}
	return out.String()
}

// line is one line of text, without its newline; last marks a final line
// that had none.
type line struct {
	text      string
	noNewline bool
}

func splitLines(s string) []line {
	if s == "" {
		return nil
	}
	parts := strings.SplitAfter(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]line, len(parts))
	for i, p := range parts {
		t, had := strings.CutSuffix(p, "\n")
		out[i] = line{text: t, noNewline: !had}
	}
	return out
}

// op is one line of the edit script: ' ' kept, '-' removed, '+' added; ai
// and bi are its 0-based line numbers in a and b (the position it would
// have for the side it is not on).
type op struct {
	kind   byte
	l      line
	ai, bi int
}

func editScript(a, b []line) []op {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	ops := make([]op, 0, n+m)
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i++
			j++
		case j == m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	return ops
}

func writeHunk(out *strings.Builder, ops []op) {
	var aStart, aLen, bStart, bLen int
	aStart, bStart = -1, -1
	for _, o := range ops {
		if o.kind != '+' {
			if aStart < 0 {
				aStart = o.ai
			}
			aLen++
		}
		if o.kind != '-' {
			if bStart < 0 {
				bStart = o.bi
			}
			bLen++
		}
	}
	// An empty side is named by the line before the hunk (0 at the top),
	// a non-empty one by its first line, 1-based.
	if aStart < 0 {
		aStart = ops[0].ai
	} else {
		aStart++
	}
	if bStart < 0 {
		bStart = ops[0].bi
	} else {
		bStart++
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range ops {
		out.WriteByte(o.kind)
		out.WriteString(o.l.text)
		out.WriteByte('\n')
		if o.l.noNewline {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
