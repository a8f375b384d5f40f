package exams_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"chartcode/exams"
	"chartcode/exercises"
)

// checkDraw verifies a draw against the rules: the items of each line, in order, come from the
// line's pool; no item twice; and an avoided item is taken only when the line had too few
// others left (so exactly max(0, Count - fresh) avoided items per line). It returns how many
// avoided items were drawn.
func checkDraw(t *testing.T, cat *exercises.Catalog, b *exercises.Blueprint, avoid map[string]bool, items []string) int {
	t.Helper()
	if len(items) != b.Total() {
		t.Fatalf("drew %d items, the blueprint asks for %d", len(items), b.Total())
	}
	seen := map[string]bool{}
	avoided, at := 0, 0
	for _, line := range b.Sections {
		pool := cat.Pool(b, line)
		fresh := 0
		for _, it := range pool {
			if !seen[it.ID] && !avoid[it.ID] {
				fresh++
			}
		}
		got := items[at : at+line.Count]
		at += line.Count
		lineAvoided := 0
		for _, id := range got {
			if seen[id] {
				t.Errorf("%s drawn twice", id)
			}
			seen[id] = true
			if !slices.ContainsFunc(pool, func(it *exercises.Item) bool { return it.ID == id }) {
				t.Errorf("%s is not in the pool of line %q", id, line.Section)
			}
			if avoid[id] {
				lineAvoided++
			}
		}
		if want := max(0, line.Count-fresh); lineAvoided != want {
			t.Errorf("line %q: %d avoided items drawn, want %d (%d fresh for %d places)", line.Section, lineAvoided, want, fresh, line.Count)
		}
		avoided += lineAvoided
	}
	return avoided
}

func TestDraw(t *testing.T) {
	cat, _ := load(t)
	cpc := blueprint(t, cat, "exam-cpc-mock")
	line := func(n int) exercises.SectionCount { return exercises.SectionCount{Section: "Anesthesia", Count: n} }
	custom := func(lines ...exercises.SectionCount) *exercises.Blueprint {
		return &exercises.Blueprint{ID: "custom", Credentials: cpc.Credentials, Types: cpc.Types,
			TimeLimit: time.Hour, PassMark: 70, Sections: lines}
	}
	pool := ids(cat.Pool(cpc, line(0)))
	p := len(pool)
	if p < 6 {
		t.Fatalf("the Anesthesia pool has %d items, the tests need 6", p)
	}
	tests := []struct {
		name        string
		b           *exercises.Blueprint
		avoid       []string
		wantErr     error
		wantAvoided int
	}{
		{name: "CPC mock", b: cpc},
		{name: "CCS mock", b: blueprint(t, cat, "exam-ccs-mock")},
		{name: "diagnostic", b: blueprint(t, cat, "exam-diagnostic")},
		{name: "avoid respected", b: custom(line(p / 2)), avoid: pool[:p-p/2]},
		{name: "avoid relaxed", b: custom(line(p - 1)), avoid: pool[:3], wantAvoided: 2},
		{name: "everything avoided", b: custom(line(2)), avoid: pool, wantAvoided: 2},
		{name: "whole pool", b: custom(line(p))},
		{name: "lines sharing a pool", b: custom(line(p-2), line(2))},
		{name: "shared pool, avoid relaxed on the later line", b: custom(line(2), line(p-2)), avoid: pool[:1], wantAvoided: 1},
		{name: "empty line skipped", b: custom(line(0), line(1))},
		{name: "pool too small", b: custom(line(p + 1)), wantErr: exams.ErrPoolTooSmall},
		{name: "shared pool too small", b: custom(line(p-1), line(2)), wantErr: exams.ErrPoolTooSmall},
		{name: "unknown section", b: custom(exercises.SectionCount{Section: "Astrology", Count: 1}), wantErr: exams.ErrPoolTooSmall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(20) {
				items, err := exams.Draw(tt.b, cat, set(tt.avoid), rand.New(rand.NewPCG(seed, 7)))
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if err != nil {
					continue
				}
				if got := checkDraw(t, cat, tt.b, set(tt.avoid), items); got != tt.wantAvoided {
					t.Errorf("seed %d: %d avoided items drawn, want %d", seed, got, tt.wantAvoided)
				}
			}
		})
	}
}

func TestDrawDeterministic(t *testing.T) {
	cat, _ := load(t)
	b := blueprint(t, cat, "exam-cpc-mock")
	draw := func(seed uint64) []string {
		items, err := exams.Draw(b, cat, nil, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	if a, b := draw(42), draw(42); !slices.Equal(a, b) {
		t.Errorf("the same seed gave two draws:\n%v\n%v", a, b)
	}
	if a, b := draw(42), draw(43); slices.Equal(a, b) {
		t.Errorf("two seeds gave the same draw")
	}
}

// TestDrawRepeated sits every built-in blueprint three times in a row, each draw avoiding the
// previous one, as the server does for a person's next mock.
func TestDrawRepeated(t *testing.T) {
	cat, _ := load(t)
	for _, b := range cat.Exams() {
		t.Run(b.ID, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2026, 3))
			var prev []string
			for round := range 3 {
				avoid := set(prev)
				items, err := exams.Draw(b, cat, avoid, rng)
				if err != nil {
					t.Fatalf("round %d: %v", round+1, err)
				}
				repeated := checkDraw(t, cat, b, avoid, items)
				t.Logf("round %d: %d items, %d repeated from the previous sitting", round+1, len(items), repeated)
				// The CPC pools hold three full exams: a second and third mock need repeat nothing.
				if b.ID == "exam-cpc-mock" && repeated > 0 {
					t.Errorf("round %d repeats %d items of the previous CPC mock", round+1, repeated)
				}
				prev = items
			}
		})
	}
}
