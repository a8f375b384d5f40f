package codeset

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Imported sets are kept in the data directory as one compact file per system
// (DIR/codesets/<system>.codes) and one for the ICD-10-CM tabular notes
// (DIR/codesets/icd10cm.notes), gob-encoded. Reading the full ICD-10-CM back takes a fraction
// of the time of parsing the official file again, and notes stay apart from the codes so that
// they attach to whichever ICD-10-CM set is in use.

const storeVersion = 1

// StoreDir is the folder below the data directory that holds imported sets.
func StoreDir(dataDir string) string { return filepath.Join(dataDir, "codesets") }

type storedSet struct {
	Version   int
	System    System
	Source    string
	Entries   []Entry
	Modifiers map[string]string
}

type storedNotes struct {
	Version int
	Source  string
	Notes   map[string]*Notes
}

// Save writes s into dir, replacing what was stored for its system. The file is written
// beside its final name and renamed into place, so a crash leaves the old file whole.
func Save(dir string, s *Set) error {
	return writeAtomic(filepath.Join(dir, s.System.String()+".codes"), storedSet{
		Version: storeVersion, System: s.System, Source: s.Source, Entries: s.entries, Modifiers: s.Modifiers,
	})
}

// SaveNotes writes ICD-10-CM tabular notes into dir, replacing the notes stored before.
func SaveNotes(dir, source string, notes map[string]*Notes) error {
	return writeAtomic(filepath.Join(dir, "icd10cm.notes"), storedNotes{Version: storeVersion, Source: source, Notes: notes})
}

func writeAtomic(name string, v any) (err error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("save code set: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return fmt.Errorf("save code set: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := gob.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("save code set %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("save code set %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save code set %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save code set %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("save code set: %w", err)
	}
	return nil
}

// Stored is what a data directory holds.
type Stored struct {
	Sets        []*Set
	Notes       map[string]*Notes // ICD-10-CM tabular notes, nil when none were imported
	NotesSource string
}

// LoadDir reads the sets and notes stored in dir. A missing dir holds nothing.
func LoadDir(dir string) (*Stored, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.codes"))
	if err != nil {
		return nil, fmt.Errorf("load code sets: %w", err)
	}
	slices.Sort(names)
	st := &Stored{}
	for _, name := range names {
		var ss storedSet
		if err := readGob(name, &ss); err != nil {
			return nil, err
		}
		if ss.Version != storeVersion {
			return nil, fmt.Errorf("load code sets: %s has format version %d, want %d: import the official files again", name, ss.Version, storeVersion)
		}
		s, err := NewSet(ss.System, ss.Source, ss.Entries)
		if err != nil {
			return nil, fmt.Errorf("load code sets: %s: %w", name, err)
		}
		s.Modifiers = ss.Modifiers
		st.Sets = append(st.Sets, s)
	}
	var sn storedNotes
	switch err := readGob(filepath.Join(dir, "icd10cm.notes"), &sn); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		st.Notes, st.NotesSource = sn.Notes, sn.Source
	}
	return st, nil
}

func readGob(name string, v any) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("load code sets: %w", err)
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<16)).Decode(v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("load code sets: %s is truncated: import the official files again", name)
		}
		return fmt.Errorf("load code sets: %s: %w", name, err)
	}
	return nil
}

// Open assembles the book a command or the server uses: the built-in sets, replaced system by
// system by what was imported into dataDir, with the imported ICD-10-CM notes attached.
func Open(builtin []*Set, dataDir string) (*Book, *Stored, error) {
	st, err := LoadDir(StoreDir(dataDir))
	if err != nil {
		return nil, nil, err
	}
	sets := append(slices.Clone(builtin), st.Sets...)
	if st.Notes != nil {
		for i := len(sets) - 1; i >= 0; i-- {
			if sets[i].System == ICD10CM {
				sets[i], _ = sets[i].WithNotes(st.Notes)
				break
			}
		}
	}
	return NewBook(sets...), st, nil
}
