package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// AuthoredItem is content a trainer wrote in the browser or imported: Markdown in the format of
// the built-in library (docs/content-format.md). A draft is private to trainers; publishing it
// makes a new version, which the catalog shows beside the built-in items. Attempts name the
// version they answered, so editing a published item never changes a past result.
type AuthoredItem struct {
	ID       string        `json:"id"` // the content id, the same in every version
	Type     string        `json:"type"`
	Title    string        `json:"title"`
	Author   string        `json:"author"` // user ID of who created it
	Created  time.Time     `json:"created"`
	Updated  time.Time     `json:"updated"`
	Draft    string        `json:"draft,omitempty"` // Markdown not yet published ("" when none)
	DraftBy  string        `json:"draftBy,omitempty"`
	Versions []ItemVersion `json:"versions,omitempty"` // published versions, oldest first; N = index+1
	Live     int           `json:"live"`               // the version students see; 0 when none
	Retired  bool          `json:"retired,omitempty"`  // taken out of the catalog
}

// ItemVersion is one published version of an authored item.
type ItemVersion struct {
	N         int       `json:"n"`
	Markdown  string    `json:"markdown"`
	Published time.Time `json:"published"`
	By        string    `json:"by"`
}

// Current is the Markdown an editor opens: the draft, or else the live (or last) version.
func (a *AuthoredItem) Current() string {
	if a.Draft != "" {
		return a.Draft
	}
	if n := len(a.Versions); n > 0 {
		return a.Versions[n-1].Markdown
	}
	return ""
}

// Version returns version n (1-based).
func (a *AuthoredItem) Version(n int) (ItemVersion, bool) {
	if n < 1 || n > len(a.Versions) {
		return ItemVersion{}, false
	}
	return a.Versions[n-1], true
}

// maxMarkdown bounds one authored file.
const maxMarkdown = 256 << 10

// Draft is a draft to save: its Markdown and the id, type and title read from it.
type Draft struct {
	ID, Type, Title, Markdown string
}

func checkDraft(d Draft) error {
	switch {
	case d.ID == "" || strings.Contains(d.ID, "/"):
		return fmt.Errorf("%w: authored item id %q", ErrInvalid, d.ID)
	case strings.TrimSpace(d.Markdown) == "":
		return fmt.Errorf("%w: authored item %s is empty", ErrInvalid, d.ID)
	case len(d.Markdown) > maxMarkdown:
		return fmt.Errorf("%w: authored item %s is larger than %d KiB", ErrInvalid, d.ID, maxMarkdown>>10)
	}
	return nil
}

// saveDraft creates the item or replaces its draft, inside tx.
func saveDraft(tx *bbolt.Tx, d Draft, by string, now time.Time) (AuthoredItem, error) {
	b, err := top(tx, bucketAuthored)
	if err != nil {
		return AuthoredItem{}, err
	}
	var a AuthoredItem
	switch err := getJSON(b, d.ID, &a); {
	case err == ErrNotFound:
		a = AuthoredItem{ID: d.ID, Author: by, Created: now}
	case err != nil:
		return a, err
	}
	a.Type, a.Title, a.Draft, a.DraftBy, a.Updated = d.Type, d.Title, d.Markdown, by, now
	return a, putJSON(b, a.ID, &a)
}

// SaveDraft stores d as the draft of its item, creating the item when it is new.
func (s *Store) SaveDraft(d Draft, by string, now time.Time) (AuthoredItem, error) {
	if err := checkDraft(d); err != nil {
		return AuthoredItem{}, err
	}
	var a AuthoredItem
	err := s.update("save draft", func(tx *bbolt.Tx) error {
		var err error
		a, err = saveDraft(tx, d, by, now)
		return err
	})
	return a, err
}

// ImportDrafts saves every draft in one transaction: all of them or none.
func (s *Store) ImportDrafts(ds []Draft, by string, now time.Time) error {
	for _, d := range ds {
		if err := checkDraft(d); err != nil {
			return err
		}
	}
	return s.update("import drafts", func(tx *bbolt.Tx) error {
		for _, d := range ds {
			if _, err := saveDraft(tx, d, by, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateAuthored changes an authored item with fn inside one transaction.
func (s *Store) UpdateAuthored(id string, fn func(a *AuthoredItem) error) (AuthoredItem, error) {
	var out AuthoredItem
	err := s.update("update authored item", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAuthored)
		if err != nil {
			return err
		}
		var a AuthoredItem
		if err := getJSON(b, id, &a); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: authored item %s", ErrNotFound, id)
			}
			return err
		}
		if err := fn(&a); err != nil {
			return err
		}
		a.ID = id
		out = a
		return putJSON(b, id, &a)
	})
	return out, err
}

// Publish makes the draft of an item its next version and puts it in the catalog.
func (s *Store) Publish(id, by string, now time.Time) (AuthoredItem, error) {
	return s.UpdateAuthored(id, func(a *AuthoredItem) error {
		if a.Draft == "" {
			if a.Retired && len(a.Versions) > 0 { // publishing a retired item brings it back
				a.Retired, a.Live, a.Updated = false, len(a.Versions), now
				return nil
			}
			return fmt.Errorf("%w: %s has no draft to publish", ErrInvalid, id)
		}
		a.Versions = append(a.Versions, ItemVersion{N: len(a.Versions) + 1, Markdown: a.Draft, Published: now, By: by})
		a.Live, a.Draft, a.DraftBy, a.Retired, a.Updated = len(a.Versions), "", "", false, now
		return nil
	})
}

// Retire takes an item out of the catalog; its versions stay for the attempts that name them.
func (s *Store) Retire(id string, now time.Time) (AuthoredItem, error) {
	return s.UpdateAuthored(id, func(a *AuthoredItem) error {
		if a.Live == 0 {
			return fmt.Errorf("%w: %s is not published", ErrInvalid, id)
		}
		a.Live, a.Retired, a.Updated = 0, true, now
		return nil
	})
}

// Authored reads an authored item.
func (s *Store) Authored(id string) (AuthoredItem, error) {
	var a AuthoredItem
	err := s.view("authored item", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAuthored)
		if err != nil {
			return err
		}
		if err := getJSON(b, id, &a); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: authored item %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return a, err
}

// AuthoredItems lists every authored item, by id.
func (s *Store) AuthoredItems() ([]AuthoredItem, error) {
	var list []AuthoredItem
	err := s.view("authored items", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAuthored)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var a AuthoredItem
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode authored item %s: %w", k, err)
			}
			list = append(list, a)
			return nil
		})
	})
	return list, err
}

// DeleteDraft removes an item that was never published (published ones are retired instead).
func (s *Store) DeleteDraft(id string) error {
	return s.update("delete draft", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAuthored)
		if err != nil {
			return err
		}
		var a AuthoredItem
		if err := getJSON(b, id, &a); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: authored item %s", ErrNotFound, id)
			}
			return err
		}
		if len(a.Versions) > 0 {
			return fmt.Errorf("%w: %s has been published: retire it instead", ErrInvalid, id)
		}
		return b.Delete([]byte(id))
	})
}

// LiveMarkdown returns the live version of every published, unretired item, by id.
func LiveMarkdown(items []AuthoredItem) map[string]ItemVersion {
	out := map[string]ItemVersion{}
	for _, a := range items {
		if v, ok := a.Version(a.Live); ok && !a.Retired {
			out[a.ID] = v
		}
	}
	return out
}
