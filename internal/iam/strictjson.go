package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A tiny strict JSON walker for configuration files: unlike
// json.Decoder.DisallowUnknownFields it names the path of the offending
// field (accounts[1].access_keys[0].secrt), rejects repeated fields, and
// reports syntax errors by line and column.

// fields maps the allowed keys of one object to their decoders. A decoder
// receives the path of the value and its raw JSON.
type fields map[string]func(path string, raw []byte) error

// topLevelValue returns the single JSON value of data, or an error that
// locates a syntax error, or trailing data after the value.
func topLevelValue(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, int(dec.InputOffset()))
		return nil, fmt.Errorf("line %d, column %d: unexpected data after the top-level JSON value", line, col)
	}
	return v, nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, int(se.Offset))
		return fmt.Errorf("line %d, column %d: invalid JSON: %v", line, col, se)
	}
	if err == io.EOF {
		return errors.New("empty file (want a JSON object)")
	}
	if err == io.ErrUnexpectedEOF {
		return errors.New("invalid JSON: unexpected end of file")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func joinPath(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

func describe(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// decodeObject walks the object in raw, handing every member to its
// decoder in fs. Unknown and repeated members are errors.
func decodeObject(raw []byte, path string, fs fields) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %v", describe(path), err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%s: must be a JSON object, not %s", describe(path), kindOf(raw))
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %v", describe(path), err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return fmt.Errorf("%s: %v", describe(path), err)
		}
		fn, ok := fs[key]
		if !ok {
			known := make([]string, 0, len(fs))
			for k := range fs {
				known = append(known, k)
			}
			slices.Sort(known)
			return fmt.Errorf("%s: unknown field %q (known: %s)", describe(path), key, strings.Join(known, ", "))
		}
		if seen[key] {
			return fmt.Errorf("%s: field %q appears twice", describe(path), key)
		}
		seen[key] = true
		if err := fn(joinPath(path, key), val); err != nil {
			return err
		}
	}
	return nil
}

// decodeArray hands every element of the array in raw to fn.
func decodeArray(raw []byte, path string, fn func(path string, raw []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%s: must be a JSON array, not %s", path, kindOf(raw))
	}
	for i := 0; dec.More(); i++ {
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		if err := fn(fmt.Sprintf("%s[%d]", path, i), val); err != nil {
			return err
		}
	}
	return nil
}

// decodeString decodes a JSON string (null is not a string).
func decodeString(raw []byte, path string, dst *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return fmt.Errorf("%s: must be a string, not %s", path, kindOf(raw))
	}
	return json.Unmarshal(raw, dst)
}

func kindOf(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
