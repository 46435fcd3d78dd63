package a

import (
	"errors"
	"sync"
)

type KV struct {
	mu   sync.Mutex
	data map[string]string
}

func (kv *KV) Get(key string) (string, error) {
	kv.mu.Lock()
	v, ok := kv.data[key]
	if !ok {
		return "", errors.New("no key") // want `return with kv.mu still locked \(locked at line 14\)`
	}
	kv.mu.Unlock()
	return v, nil
}

// The idiom: defer right after the Lock.
func (kv *KV) Put(key, value string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if key == "" {
		return errors.New("empty key")
	}
	kv.data[key] = value
	return nil
}

// Unlocked on the early path too.
func (kv *KV) Has(key string) bool {
	kv.mu.Lock()
	if kv.data == nil {
		kv.mu.Unlock()
		return false
	}
	_, ok := kv.data[key]
	kv.mu.Unlock()
	return ok
}

func (kv *KV) Slip() {
	kv.mu.Lock()
	defer kv.mu.Lock() // want `defer kv.mu.Lock\(\): the lock is taken again`
	kv.data = nil
}

// A helper that returns holding the lock, on purpose: never unlocks it.
func (kv *KV) lock() *KV {
	kv.mu.Lock()
	return kv
}

// A function literal is a function of its own.
func (kv *KV) Each(f func(string)) {
	kv.mu.Lock()
	keys := make([]string, 0, len(kv.data))
	for k := range kv.data {
		keys = append(keys, k)
	}
	kv.mu.Unlock()
	for _, k := range keys {
		func() {
			kv.mu.Lock()
			defer kv.mu.Unlock()
			if _, ok := kv.data[k]; !ok {
				return
			}
			f(k)
		}()
	}
}

// Lock, defer Unlock, then drop the lock around a slow call and take it
// again: the deferred Unlock releases it at every return.
func (kv *KV) Around(slow func()) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.mu.Unlock()
	slow()
	kv.mu.Lock()
	if kv.data == nil {
		return errors.New("closed")
	}
	return nil
}

// Entered holding the lock: drops it around a call and returns holding it.
func (kv *KV) callLocked(slow func() error) error {
	kv.mu.Unlock()
	err := slow()
	kv.mu.Lock()
	if err != nil {
		return err
	}
	return nil
}

// The unlock in a deferred function literal.
func (kv *KV) Deferred(key string) (string, error) {
	kv.mu.Lock()
	defer func() {
		kv.mu.Unlock()
	}()
	if kv.data == nil {
		return "", errors.New("closed")
	}
	return kv.data[key], nil
}

// A deferred Unlock in a loop: the second turn's Lock waits forever.
func (kv *KV) All(keys []string) {
	for _, k := range keys {
		kv.mu.Lock()
		defer kv.mu.Unlock() // want `defer kv.mu.Unlock\(\) in a loop runs when the function returns`
		kv.data[k] = ""
	}
}
