package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"chartcode/competency"
)

func TestEvidenceIsWrittenWithEachAttempt(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "dana", Student)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	attempts := []Attempt{
		{ItemID: "case-1", ItemType: "case", Section: "E/M", Score: 80, KeyCodes: 4, Correct: 3, Extra: 1,
			Findings: map[string]int{"specificity": 1, "extra": 1}, Source: "practice", At: at},
		{ItemID: "q-1", ItemType: "choice", Section: "E/M", Score: 100, Source: "live", At: at.Add(time.Hour)},
		{ItemID: "q-2", ItemType: "multi", Section: "Anatomy", Score: 50, Source: "exam", At: at.Add(25 * time.Hour)},
	}
	for i := range attempts {
		attempts[i].UserID = u.ID
		if err := s.AddAttempt(&attempts[i]); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := s.Evidence(u.ID, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	em := ev[u.ID]["E/M"]
	if len(ev) != 1 || len(em) != 2 || em[0].Units != 1 || em[0].Correct != 1 || em[1].Units != 5 || em[1].Correct != 3 ||
		em[1].Errors[competency.Specificity] != 1 || em[1].Errors[competency.Extra] != 1 || em[0].Source != "live" {
		t.Fatalf("E/M evidence = %+v", em)
	}
	if an := ev[u.ID]["Anatomy"]; len(an) != 1 || an[0].Correct != 0 {
		t.Fatalf("Anatomy evidence = %+v", an)
	}
	days, err := s.Days(at, at.Add(48*time.Hour), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []Day{{Date: "2026-11-02", Attempts: 2, Units: 6, Correct: 4, ScoreSum: 180}, {Date: "2026-11-03", Attempts: 1, Units: 1, ScoreSum: 50}}
	if !reflect.DeepEqual(days[u.ID], want) {
		t.Fatalf("days = %+v", days[u.ID])
	}
}

// TestEvidenceMigration: a version-1 database gets evidence and day totals for its attempts.
func TestEvidenceMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := open(path, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := addUser(t, s, "eli", Student)
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		a := Attempt{UserID: u.ID, ItemID: "case", ItemType: "case", Section: "Digestive", Score: 90, KeyCodes: 3, Correct: 2 + i%2,
			Findings: map[string]int{"missing": 1 - i%2}, At: at.Add(time.Duration(i) * 7 * time.Hour)}
		if err := s.AddAttempt(&a); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := s.Evidence(u.ID)
	beforeDays, _ := s.Days(at, at.Add(30*24*time.Hour), u.ID)
	// As a version-1 file would be: no evidence, no days.
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for _, b := range []string{bucketEvidence, bucketDaily} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, _ := s.Evidence(u.ID)
	afterDays, _ := s.Days(at, at.Add(30*24*time.Hour), u.ID)
	if len(after[u.ID]["Digestive"]) == 0 || !reflect.DeepEqual(before, after) || !reflect.DeepEqual(beforeDays, afterDays) {
		t.Fatalf("migrated evidence differs:\n%+v\n%+v", before[u.ID]["Digestive"][:2], after[u.ID]["Digestive"])
	}
	if kept := len(after[u.ID]["Digestive"]); kept != 34 { // 3 units each: 34 answers reach 100 units
		t.Fatalf("kept %d answers", kept)
	}
}
