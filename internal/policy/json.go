package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// A small ordered JSON tree. encoding/json's maps lose member order and
// silently keep the last of duplicated keys; a policy needs both: statement
// order for traces, and duplicate detection so that a repeated "Condition"
// or "Effect" cannot silently widen or narrow a statement.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "boolean"
	case jNum:
		return "number"
	case jStr:
		return "string"
	case jArr:
		return "array"
	}
	return "object"
}

type jval struct {
	kind jkind
	s    string // string value, number literal, or "true"/"false"
	arr  []jval
	obj  []jmember
}

type jmember struct {
	key string
	val jval
}

// errDuplicateKey reports an object with the same member name twice.
type errDuplicateKey struct{ key string }

func (e errDuplicateKey) Error() string { return "duplicate key " + e.key }

var errTrailing = errors.New("data after the top-level JSON value")

// maxJSONDepth bounds nesting; a policy never goes deeper than 6.
const maxJSONDepth = 32

// decodeJSON parses data into an ordered tree. It rejects duplicate member
// names, trailing data, and nesting deeper than maxJSONDepth.
func decodeJSON(data []byte) (jval, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return jval{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jval{}, errTrailing
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (jval, error) {
	if depth > maxJSONDepth {
		return jval{}, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return jval{}, io.ErrUnexpectedEOF
		}
		return jval{}, err
	}
	switch t := tok.(type) {
	case nil:
		return jval{kind: jNull}, nil
	case bool:
		if t {
			return jval{kind: jBool, s: "true"}, nil
		}
		return jval{kind: jBool, s: "false"}, nil
	case json.Number:
		return jval{kind: jNum, s: string(t)}, nil
	case string:
		return jval{kind: jStr, s: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := jval{kind: jArr}
			for dec.More() {
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jval{}, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return jval{}, err
			}
			return v, nil
		case '{':
			v := jval{kind: jObj}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jval{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return jval{}, errors.New("object key is not a string")
				}
				for _, m := range v.obj {
					if m.key == key {
						return jval{}, errDuplicateKey{key}
					}
				}
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jval{}, err
				}
				v.obj = append(v.obj, jmember{key, e})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return jval{}, err
			}
			return v, nil
		}
	}
	return jval{}, errors.New("unexpected JSON token")
}

// isJSONSpace reports the four JSON whitespace bytes.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// CompactSize returns the size of doc with the JSON whitespace outside string
// literals removed: the measure AWS applies to its policy size limits ("IAM
// doesn't count white space"). It counts bytes when bytes is true, otherwise
// Unicode characters (IAM's quotas are in characters). doc need not be valid
// JSON; an unterminated string simply runs to the end.
func CompactSize(doc []byte, countBytes bool) int {
	n := 0
	inStr, esc := false, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		} else if c == '"' {
			inStr = true
		} else if isJSONSpace(c) {
			continue
		}
		if countBytes || c < 0x80 || c >= 0xC0 { // count UTF-8 lead bytes only
			n++
		}
	}
	return n
}
