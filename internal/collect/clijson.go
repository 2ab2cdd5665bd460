package collect

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// timeFormat is how a protocol puts a timestamp on the wire, which is what
// the aws CLI v1 prints (its default cli_timestamp_format "none" keeps the
// wire form).
type timeFormat int

const (
	// isoMillis is the XML protocols' form (S3 bodies, CloudFront):
	// 2006-01-02T15:04:05.000Z, as AWS sends it.
	isoMillis timeFormat = iota
	// httpDate is a header's form (S3 HeadObject's Last-Modified).
	httpDate
	// epochSeconds is the JSON protocols' form (KMS): seconds since the
	// epoch with milliseconds, a JSON number.
	epochSeconds
)

// skipFields are Go SDK fields that are not members of the API's output
// shape (the CLI never prints them).
var skipFields = map[string]bool{
	"ResultMetadata": true, // middleware metadata
	"ExpiresString":  true, // S3 HeadObject: the SDK's raw copy of Expires
}

// cliValue converts an aws-sdk-go-v2 output value into the JSON tree the
// aws CLI v1 prints for the same response: members by their API names
// (the SDK's field names), absent members (nil pointers, nil slices and
// maps, empty enums) left out, timestamps in the protocol's wire form tf.
// It returns ok=false for an absent value.
//
// wire, when not nil, holds the timestamps as the response carried them
// (wireTimes): a timestamp found there is printed verbatim, as the CLI
// does; name is the member that holds v.
func cliValue(v reflect.Value, tf timeFormat, wire wireTimes, name string) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return cliValue(v.Elem(), tf, wire, name)
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return wire.format(name, t, tf), true
		}
		out := map[string]any{}
		typ := v.Type()
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if !f.IsExported() || skipFields[f.Name] {
				continue
			}
			if x, ok := cliValue(v.Field(i), tf, wire, f.Name); ok {
				out[f.Name] = x
			}
		}
		return out, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes(), true // base64, as the CLI prints blobs
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if x, ok := cliValue(v.Index(i), tf, wire, name); ok {
				out = append(out, x)
			}
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		out := map[string]any{}
		it := v.MapRange()
		for it.Next() {
			if x, ok := cliValue(it.Value(), tf, wire, name); ok {
				out[it.Key().String()] = x
			}
		}
		return out, true
	case reflect.String:
		// A non-pointer string is an enum: "" means the member was absent.
		if v.String() == "" && v.Type().Name() != "string" {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

// cliTree is cliValue of a whole SDK output; an absent output is an empty
// object.
func cliTree(out any, tf timeFormat, wire wireTimes) map[string]any {
	if x, ok := cliValue(reflect.ValueOf(out), tf, wire, ""); ok {
		if m, ok := x.(map[string]any); ok {
			return m
		}
	}
	return map[string]any{}
}

// wireTimes maps a member name and instant to the timestamp's text in the
// response (see captureTimes).
type wireTimes map[wireKey]string

type wireKey struct {
	member string
	nanos  int64
}

// format prints t, held by member name, as the CLI would: the response's
// own text when known, else AWS's form for the protocol.
func (w wireTimes) format(name string, t time.Time, tf timeFormat) any {
	if raw, ok := w[wireKey{name, t.UnixNano()}]; ok {
		if tf != epochSeconds {
			return raw
		}
		if !strings.ContainsAny(raw, ".eE") {
			return json.Number(raw) // an integer on the wire: Python prints an int
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err == nil {
			s := strconv.FormatFloat(f, 'f', -1, 64)
			if !strings.Contains(s, ".") {
				s += ".0" // Python's repr of an integral float
			}
			return json.Number(s)
		}
	}
	return formatTime(t, tf)
}

func formatTime(t time.Time, tf timeFormat) any {
	t = t.UTC()
	switch tf {
	case httpDate:
		return t.Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT")
	case epochSeconds:
		ms := t.UnixMilli()
		if ms%1000 == 0 {
			return json.Number(strconv.FormatInt(ms/1000, 10))
		}
		return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// cliJSON renders a tree as the aws CLI v1 prints JSON: four-space
// indent, non-ASCII and <>& unescaped, a final newline; an empty object
// prints nothing at all (the CLI's formatter skips an empty response,
// which is what an empty paginated listing gives).
func cliJSON(tree map[string]any) ([]byte, error) {
	if len(tree) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
