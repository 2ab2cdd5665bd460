package originaccess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The ordered JSON model: a policy document is decoded into values that
// keep object members in document order, so that a merged document differs
// from the original only where a grant changed it.
//
// A value is one of: *object, []any, string, json.Number, bool, nil.

// object is a JSON object with its members in document order. Duplicate
// names are kept as written (the services reject them anyway).
type object struct {
	members []member
}

type member struct {
	name  string
	value any
}

// get returns the value of the first member called name.
func (o *object) get(name string) (any, bool) {
	for i := range o.members {
		if o.members[i].name == name {
			return o.members[i].value, true
		}
	}
	return nil, false
}

// set replaces the value of the first member called name, or appends the
// member.
func (o *object) set(name string, v any) {
	for i := range o.members {
		if o.members[i].name == name {
			o.members[i].value = v
			return
		}
	}
	o.members = append(o.members, member{name, v})
}

// names lists the member names in order.
func (o *object) names() []string {
	out := make([]string, len(o.members))
	for i, m := range o.members {
		out[i] = m.name
	}
	return out
}

// maxDepth bounds nesting; policy documents are a few levels deep.
const maxDepth = 64

// decodeJSON decodes one JSON value, keeping object member order and
// numbers as written.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the top-level JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				name, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("object member name is %v", k)
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.members = append(o.members, member{name, v})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil // string, json.Number, bool, nil
	}
}

// encodeJSON renders v. With indent "" the output is compact; otherwise
// each member and element is on its own line, indented like
// json.MarshalIndent(v, "", indent). No HTML escaping, no trailing newline.
func encodeJSON(v any, indent string) []byte {
	var b bytes.Buffer
	writeValue(&b, v, indent, 0)
	return b.Bytes()
}

func writeValue(b *bytes.Buffer, v any, indent string, level int) {
	newline := func(l int) {
		if indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(indent, l))
		}
	}
	switch t := v.(type) {
	case *object:
		if len(t.members) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, m := range t.members {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(level + 1)
			writeString(b, m.name)
			b.WriteByte(':')
			if indent != "" {
				b.WriteByte(' ')
			}
			writeValue(b, m.value, indent, level+1)
		}
		newline(level)
		b.WriteByte('}')
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(level + 1)
			writeValue(b, e, indent, level+1)
		}
		newline(level)
		b.WriteByte(']')
	case string:
		writeString(b, t)
	case json.Number:
		b.WriteString(t.String())
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("originaccess: unexpected JSON value %T", v))
	}
}

func writeString(b *bytes.Buffer, s string) {
	var sb bytes.Buffer
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(sb.Bytes(), []byte("\n")))
}

// Pretty re-indents a JSON document with two spaces, keeping member order
// and numbers as written; the result ends with a newline. It is the form
// diffs are shown in.
func Pretty(doc []byte) ([]byte, error) {
	v, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	return append(encodeJSON(v, "  "), '\n'), nil
}

// stringList returns v as a list of strings when it is a string or an array
// of strings.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// listValue is the JSON form of a list of strings in a new statement: a
// plain string for one value, as the console and the AWS documentation
// write them, else an array.
func listValue(vals []string) any {
	if len(vals) == 1 {
		return vals[0]
	}
	a := make([]any, len(vals))
	for i, v := range vals {
		a[i] = v
	}
	return a
}
