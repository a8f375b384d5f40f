// Package store keeps Chartcode's state in one bbolt file: accounts, sessions, attempts and the
// per-person progress derived from them. It is the only package that imports bbolt; nothing
// outside it knows how the data is laid out (see buckets.go), so it is the seam where a
// networked database would go.
package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors callers can test for with errors.Is. Returned errors wrap them with detail.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	// ErrInvalid reports a value the store refuses: a bad user name, role, score, ...
	ErrInvalid = errors.New("store: invalid")
	// ErrLocked reports that another process holds the database file open.
	ErrLocked = errors.New("store: database is in use by another process")
	// ErrNewerSchema reports a database written by a newer version of the program.
	ErrNewerSchema = errors.New("store: database schema is newer than this program")
)

// Options tune Open. The zero value is a good default.
type Options struct {
	Timeout time.Duration // waiting for the file lock; default 1s
	// NoBatch commits each attempt in its own transaction (db.Update) instead of db.Batch — for
	// benchmarks comparing one fsync per submission with batching.
	NoBatch bool
	// BatchDelay is how long db.Batch waits to gather concurrent submissions into one
	// transaction; 0 keeps bbolt's default (10ms).
	BatchDelay time.Duration
}

// Store is the database. It is safe for concurrent use.
type Store struct {
	db      *bbolt.DB
	noBatch bool
	seq     atomic.Uint32 // low bits of attempt IDs, so that equal timestamps still differ
}

// migration moves the database one schema version up, inside the transaction that opens it.
type migration func(tx *bbolt.Tx) error

// migrations returns the steps that bring an older database up to date: migrations()[i] moves
// version i+1 to i+2, so the current version is 1+len(migrations()). When the layout changes,
// append a step; never edit a released one.
func migrations() []migration {
	return []migration{
		migrateEvidence, // 1 → 2: competency evidence and day totals from the attempts
	}
}

// Open opens the database at path, creating it (and its directory) when absent. It waits
// opt.Timeout for another process to release the file, then fails with ErrLocked. It refuses a
// database with a newer schema than this program knows (ErrNewerSchema) and migrates an older one.
func Open(path string, opt Options) (*Store, error) {
	return open(path, opt, migrations())
}

func open(path string, opt Options, steps []migration) (*Store, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opt.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (waited %s)", ErrLocked, path, opt.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if opt.BatchDelay > 0 {
		db.MaxBatchDelay = opt.BatchDelay
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return setUp(tx, path, steps) }); err != nil {
		db.Close()
		if errors.Is(err, ErrNewerSchema) {
			return nil, err
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, noBatch: opt.NoBatch}, nil
}

// setUp brings a fresh or older database to the current schema, all in one transaction so that
// a failed migration leaves the file as it was.
func setUp(tx *bbolt.Tx, path string, steps []migration) error {
	want := 1 + len(steps)
	have, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	if have > want {
		return fmt.Errorf("%w: %s has schema version %d, this program knows up to %d; run a newer chartcode or restore a backup",
			ErrNewerSchema, path, have, want)
	}
	if have > 0 {
		for v := have; v < want; v++ {
			if err := steps[v-1](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
	}
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if have == want {
		return nil
	}
	return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchema), []byte(strconv.Itoa(want)))
}

// schemaVersion reads the version in the meta bucket; 0 means a new, empty database.
func schemaVersion(tx *bbolt.Tx) (int, error) {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return 0, nil
	}
	data := meta.Get([]byte(keySchema))
	if data == nil {
		return 0, nil
	}
	var v int
	if err := json.Unmarshal(data, &v); err != nil || v < 1 {
		return 0, fmt.Errorf("unreadable schema version %q", data)
	}
	return v, nil
}

// Close releases the database file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the whole database to w while others keep reading and
// writing, and reports the bytes written. The copy is a database file Open accepts.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a backup to path without ever leaving a partial file there: it writes
// path+".tmp", syncs it and renames it over path. It refuses to overwrite the live database.
func (s *Store) BackupFile(path string) error {
	if live, err := os.Stat(s.db.Path()); err == nil {
		if fi, err := os.Stat(path); err == nil && os.SameFile(live, fi) {
			return fmt.Errorf("%w: backup %s: that is the live database", ErrInvalid, path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	_, err = s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	// Make the rename itself durable. Not every platform can sync a directory; the copy is
	// complete either way.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// update runs fn in a read-write transaction, wrapping bbolt's own errors.
func (s *Store) update(op string, fn func(tx *bbolt.Tx) error) error {
	return wrap(op, s.db.Update(fn))
}

// view runs fn in a read-only transaction, wrapping bbolt's own errors.
func (s *Store) view(op string, fn func(tx *bbolt.Tx) error) error {
	return wrap(op, s.db.View(fn))
}

// wrap prefixes an error with the operation, unless it already is one of the package's own
// (whose message starts with "store:" and carries the detail).
func wrap(op string, err error) error {
	switch {
	case err == nil,
		errors.Is(err, ErrNotFound), errors.Is(err, ErrExists), errors.Is(err, ErrInvalid):
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// getJSON decodes the value at key into v, or reports ErrNotFound. Decoding copies everything
// out of the memory map, so v stays valid after the transaction.
func getJSON(b *bbolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// putJSON encodes v and stores it at key.
func putJSON(b *bbolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

// top returns a top-level bucket; Open has created them all.
func top(tx *bbolt.Tx, name string) (*bbolt.Bucket, error) {
	b := tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("bucket %s missing", name)
	}
	return b, nil
}

// nested returns the per-user bucket inside the top-level bucket name, or nil when the user
// has none yet.
func nested(tx *bbolt.Tx, name, userID string) (*bbolt.Bucket, error) {
	b, err := top(tx, name)
	if err != nil || userID == "" {
		return nil, err
	}
	return b.Bucket([]byte(userID)), nil
}

// nestedCreate returns the per-user bucket inside the top-level bucket name, creating it.
func nestedCreate(tx *bbolt.Tx, name, userID string) (*bbolt.Bucket, error) {
	b, err := top(tx, name)
	if err != nil {
		return nil, err
	}
	return b.CreateBucketIfNotExists([]byte(userID))
}

// newID returns 16 random bytes as 32 hex digits.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b[:])
}
