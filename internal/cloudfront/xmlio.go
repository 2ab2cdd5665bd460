package cloudfront

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// namespace is the XML namespace of every CloudFront 2020-05-31 document.
const namespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// maxBodyBytes bounds a request document. CloudFront documents no body
// limit; its largest configurations (hundreds of behaviours and origins at
// the quotas) stay far below 1 MiB. (edgegate's choice, docs/cloudfront.md.)
const maxBodyBytes = 1 << 20

// readDocument reads the request body into v, a generated shape, requiring
// the root element root. It answers as CloudFront does: no body is
// MissingBody, a document that does not parse or has another root is
// MalformedInput, an element the shape does not have is MalformedInput
// (edgegate does not silently drop what it does not know), and absent
// required members are MalformedXML naming each one.
func readDocument(r *http.Request, root string, v interface {
	Missing(string, []string) []string
}) *awsapi.Error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return cfError("MalformedInput", "The request body could not be read: %v", err)
	}
	if len(body) > maxBodyBytes {
		return cfError("InvalidArgument", "The request body exceeds the maximum size of %d bytes.", maxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return cfError("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var start xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			return cfError("MalformedInput", "The XML document could not be parsed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
	}
	if start.Name.Local != root {
		return cfError("MalformedInput", "Unexpected root element %q; expected %s.", start.Name.Local, root)
	}
	if start.Name.Space != "" && start.Name.Space != namespace {
		return cfError("MalformedInput", "Unexpected namespace %q on %s; expected %s.", start.Name.Space, root, namespace)
	}
	if e := checkElements(body, v); e != nil {
		return e
	}
	if err := dec.DecodeElement(v, &start); err != nil {
		var se *strconv.NumError
		if errors.As(err, &se) {
			return cfError("MalformedInput", "Invalid value %q: expected a number.", se.Num)
		}
		return cfError("MalformedInput", "The XML document could not be parsed: %v", err)
	}
	if missing := v.Missing("", nil); len(missing) > 0 {
		var b strings.Builder
		b.WriteString(strconv.Itoa(len(missing)))
		if len(missing) == 1 {
			b.WriteString(" validation error detected: ")
		} else {
			b.WriteString(" validation errors detected: ")
		}
		for i, m := range missing {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString("Value null at '" + lowerPath(root+"."+m) + "' failed to satisfy constraint: Member must not be null")
		}
		return cfError("MalformedXML", "%s", b.String())
	}
	return nil
}

// lowerPath writes an element path as CloudFront's validation messages do:
// each name with a lowercase first letter (distributionConfig.origins...).
func lowerPath(p string) string {
	parts := strings.Split(p, ".")
	for i, s := range parts {
		if s != "" {
			r := []rune(s)
			r[0] = unicode.ToLower(r[0])
			parts[i] = string(r)
		}
	}
	return strings.Join(parts, ".")
}

// writeDocument sends v as the document root with CloudFront's namespace.
func writeDocument(w http.ResponseWriter, status int, root string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: root}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: namespace}}}
	if err := enc.EncodeElement(v, start); err != nil {
		WriteError(w, w.Header().Get("x-amz-request-id"), errInternal)
		return
	}
	out := dropEmptyListWrappers(buf.Bytes(), reflect.TypeOf(v))
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// dropEmptyListWrappers removes the empty list wrappers encoding/xml
// writes for an empty list (<Items></Items> for `xml:"Items>CNAME"`):
// CloudFront leaves the element out (<Aliases><Quantity>0</Quantity>
// </Aliases>), and clients that keep what they parse (the aws CLI shows
// "Items": []) would see the difference. Only the wrapper names of list
// fields of t are touched; an empty scalar element such as
// <DefaultRootObject></DefaultRootObject> stays.
func dropEmptyListWrappers(doc []byte, t reflect.Type) []byte {
	for _, name := range listWrapperNames(t) {
		doc = bytes.ReplaceAll(doc, []byte("<"+name+"></"+name+">"), nil)
	}
	return doc
}

// wrapperNames caches listWrapperNames by type.
var wrapperNames sync.Map // reflect.Type -> []string

// listWrapperNames returns the outer element names X of every `xml:"X>Y"`
// field reachable from t.
func listWrapperNames(t reflect.Type) []string {
	if v, ok := wrapperNames.Load(t); ok {
		return v.([]string)
	}
	set := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
			if outer, _, isList := strings.Cut(tag, ">"); isList {
				set[outer] = true
			}
			walk(f.Type)
		}
	}
	walk(t)
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	wrapperNames.Store(t, names)
	return names
}
