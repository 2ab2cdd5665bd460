package cloudfront

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// checkElements walks the document in body against the Go type of v (a
// generated shape) and rejects any element the shape does not define, so
// a misspelled or misplaced element is an error rather than silently lost.
func checkElements(body []byte, v any) *awsapi.Error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	// stack of expected types: a struct type, or a list item (name, type).
	type frame struct {
		t        reflect.Type // struct type whose children are checked; nil = leaf
		listItem string       // for a list wrapper: the item element name
		itemType reflect.Type
		path     string
	}
	var stack []frame
	root := reflect.TypeOf(v)
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // end of document or a syntax error DecodeElement reports
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				stack = append(stack, frame{t: root, path: t.Name.Local})
				continue
			}
			top := stack[len(stack)-1]
			name := t.Name.Local
			switch {
			case top.listItem != "":
				if name != top.listItem {
					return cfError("MalformedInput", "Unexpected element %s in %s; expected %s.", name, top.path, top.listItem)
				}
				stack = append(stack, frame{t: structOf(top.itemType), path: top.path + "." + name})
			case top.t != nil:
				f, item, ok := fieldFor(top.t, name)
				if !ok {
					return cfError("MalformedInput", "Unexpected element %s in %s.", name, top.path)
				}
				if item != "" {
					stack = append(stack, frame{listItem: item, itemType: f.Type.Elem(), path: top.path + "." + name})
				} else {
					stack = append(stack, frame{t: structOf(f.Type), path: top.path + "." + name})
				}
			default:
				return cfError("MalformedInput", "Unexpected element %s in %s, which holds a value.", name, top.path)
			}
		case xml.EndElement:
			depth--
			stack = stack[:len(stack)-1]
		}
	}
}

// structOf returns t's struct type (through pointers), or nil for scalars.
func structOf(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.PkgPath() != "time" {
		return t
	}
	return nil
}

// fieldFor finds the field of struct t whose XML element is name. For a
// list field (tag "Items>Item") it returns the item element name.
func fieldFor(t reflect.Type, name string) (reflect.StructField, string, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		outer, item, isList := strings.Cut(tag, ">")
		if outer == name {
			if isList {
				return f, item, true
			}
			return f, "", true
		}
	}
	return reflect.StructField{}, "", false
}
