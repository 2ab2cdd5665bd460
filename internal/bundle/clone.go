package bundle

import "reflect"

// Clone returns a deep copy of b: editing the copy (a candidate fix) never
// changes b. Problems' errors are shared (they are immutable values).
func (b *Bundle) Clone() *Bundle {
	if b == nil {
		return nil
	}
	out := reflect.New(reflect.TypeFor[Bundle]()).Elem()
	deepCopy(out, reflect.ValueOf(b).Elem())
	return out.Addr().Interface().(*Bundle)
}

// deepCopy copies src into dst (settable, same type), allocating new
// pointers, slices and maps. Structs are first copied whole (so unexported
// fields such as time.Time's come along), then their exported fields deep.
// Interfaces (error) are shared.
func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		deepCopy(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			deepCopy(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			deepCopy(v, it.Value())
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	case reflect.Struct:
		dst.Set(src)
		t := src.Type()
		for i := 0; i < src.NumField(); i++ {
			if t.Field(i).IsExported() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// Copy returns a deep copy of v: any of the bundle's types, or the
// CloudFront shapes they hold (a world imports copies, never the
// bundle's own values).
func Copy[T any](v T) T {
	out := reflect.New(reflect.TypeFor[T]()).Elem()
	deepCopy(out, reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}
