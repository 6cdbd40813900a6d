package asn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultCacheTTL is how long a cached answer is used: a week (AS
// assignments change rarely; registration details even more so).
const DefaultCacheTTL = 7 * 24 * time.Hour

// CacheFile is the name of the cache file in the cache folder.
const CacheFile = "asn-cache.json"

// Cache keeps answers in memory and, when Dir is set, in Dir/asn-cache.json
// (JSON, mode 0600, written atomically). Entries expire after TTL. It is
// safe for concurrent use.
type Cache struct {
	Dir string        // "" = memory only
	TTL time.Duration // 0 = DefaultCacheTTL

	mu      sync.Mutex
	mem     map[string]cacheEntry
	loaded  bool
	dirty   bool
	loadErr error
	now     func() time.Time
}

type cacheEntry struct {
	Info    Info      `json:"info"`
	Expires time.Time `json:"expires"`
}

type cacheFile struct {
	Version int                   `json:"version"`
	Entries map[string]cacheEntry `json:"entries"`
}

// NewCache returns a cache kept in dir ("" = memory only).
func NewCache(dir string, ttl time.Duration) *Cache { return &Cache{Dir: dir, TTL: ttl} }

func (c *Cache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *Cache) path() string { return filepath.Join(c.Dir, CacheFile) }

// load reads the file once. A missing file is an empty cache; an unreadable
// or corrupt one is reported by LoadErr and replaced on the next Save.
func (c *Cache) load() {
	if c.loaded {
		return
	}
	c.loaded = true
	c.mem = map[string]cacheEntry{}
	if c.Dir == "" {
		return
	}
	b, err := os.ReadFile(c.path())
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		c.loadErr = fmt.Errorf("asn cache: %w", err)
		return
	}
	var f cacheFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		if err == nil {
			err = fmt.Errorf("version %d, want 1", f.Version)
		}
		c.loadErr = fmt.Errorf("asn cache: %s is not a cache file (%v); starting afresh", c.path(), err)
		return
	}
	now := c.clock()
	for k, e := range f.Entries {
		if e.Expires.After(now) {
			c.mem[k] = e
		}
	}
}

// LoadErr is the problem met reading the cache file, if any.
func (c *Cache) LoadErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load()
	return c.loadErr
}

// Get returns the cached answer for ip if it has not expired.
func (c *Cache) Get(ip string) (Info, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load()
	e, ok := c.mem[ip]
	if !ok || !e.Expires.After(c.clock()) {
		return Info{}, false
	}
	return e.Info, true
}

// Put stores answers (keyed by Info.IP) until now+TTL.
func (c *Cache) Put(infos ...Info) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load()
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	exp := c.clock().Add(ttl)
	for _, inf := range infos {
		if inf.IP == "" {
			continue
		}
		c.mem[inf.IP] = cacheEntry{Info: inf, Expires: exp}
		c.dirty = true
	}
}

// Save writes the unexpired entries to Dir (no-op for a memory cache or
// when nothing changed). The folder is created 0700, the file 0600.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Dir == "" || !c.dirty {
		return nil
	}
	now := c.clock()
	f := cacheFile{Version: 1, Entries: map[string]cacheEntry{}}
	for k, e := range c.mem {
		if e.Expires.After(now) {
			f.Entries[k] = e
		}
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("asn cache: %w", err)
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("asn cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.Dir, ".asn-cache-*.tmp")
	if err != nil {
		return fmt.Errorf("asn cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("asn cache: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("asn cache: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("asn cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path()); err != nil {
		return fmt.Errorf("asn cache: %w", err)
	}
	c.dirty = false
	return nil
}
