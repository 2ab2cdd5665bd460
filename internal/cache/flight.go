package cache

import "sync"

// Flight coalesces concurrent work by key: while fn runs for a key, other
// callers of Do with that key wait and get its result (request
// collapsing: concurrent misses of one object make one origin request).
// The zero Flight is ready to use.
type Flight[T any] struct {
	mu    sync.Mutex
	calls map[Key]*flightCall[T]
}

type flightCall[T any] struct {
	done chan struct{}
	val  T
	dups int
}

// Do runs fn for k unless a call for k is in flight, in which case it
// waits for that call and returns its value with leader false. The
// leader's share, if not nil, is called with the value and the number of
// waiters before any waiter is released (to count the users of a shared
// resource); no waiter joins after that.
func (f *Flight[T]) Do(k Key, fn func() T, share func(v T, waiters int)) (v T, leader bool) {
	f.mu.Lock()
	if c, ok := f.calls[k]; ok {
		c.dups++
		f.mu.Unlock()
		<-c.done
		return c.val, false
	}
	if f.calls == nil {
		f.calls = make(map[Key]*flightCall[T])
	}
	c := &flightCall[T]{done: make(chan struct{})}
	f.calls[k] = c
	f.mu.Unlock()

	defer func() {
		f.mu.Lock()
		delete(f.calls, k)
		dups := c.dups
		f.mu.Unlock()
		if share != nil {
			share(c.val, dups)
		}
		close(c.done)
	}()
	c.val = fn()
	return c.val, true
}
