package competency

import (
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// history builds evidence newest first: each run is n answers of units codes with correct of
// them right, one a day going back from start days ago.
type run struct {
	n, units, correct int
	source            string
}

func history(start int, runs ...run) []Evidence {
	var ev []Evidence
	day := start
	for _, r := range runs {
		for range r.n {
			ev = append(ev, Evidence{At: now.Add(-time.Duration(day) * 24 * time.Hour), Units: r.units, Correct: r.correct, Source: r.source})
			day++
		}
	}
	return ev
}

func TestAssess(t *testing.T) {
	tests := []struct {
		name      string
		ev        []Evidence
		level     Level
		units     int
		accuracy  float64
		prevUnits int
	}{
		{"nothing", nil, NotEnoughEvidence, 0, 0, 0},
		{"19 units, all right", history(0, run{19, 1, 1, "practice"}), NotEnoughEvidence, 19, 1, 0},
		{"20 units, all right", history(0, run{20, 1, 1, "practice"}), Proficient, 20, 1, 0},
		{"exactly 95 %", history(0, run{19, 1, 1, "practice"}, run{1, 1, 0, "practice"}), Proficient, 20, 0.95, 0},
		{"just under 95 %", history(0, run{1, 5, 2, "exam"}, run{9, 5, 5, "practice"}), Developing, 50, 0.94, 0},
		// The window stops at 50 units: older mistakes do not count…
		{"old errors leave the window", history(0, run{10, 5, 5, "practice"}, run{10, 5, 0, "practice"}), Proficient, 50, 1, 50},
		// …and a fall below the line after a proficient window is flagged.
		{"dropped below", history(0, run{10, 5, 4, "live"}, run{10, 5, 5, "practice"}), NeedsReview, 50, 0.8, 50},
		{"never proficient", history(0, run{10, 5, 4, "live"}, run{10, 5, 4, "practice"}), Developing, 50, 0.8, 50},
		// A proficient window before too little evidence does not make "needs review".
		{"previous window thin", history(0, run{10, 5, 4, "exam"}, run{3, 5, 5, "practice"}), Developing, 50, 0.8, 15},
		// Answers are whole: a 7-code answer that crosses 50 units is counted entire.
		{"whole answers", history(0, run{8, 7, 7, "practice"}, run{5, 1, 0, "practice"}), Proficient, 56, 1, 5},
		// Nothing older than 90 days is in the window.
		{"old evidence", history(91, run{30, 1, 1, "practice"}), NotEnoughEvidence, 0, 0, 30},
		{"partly old", history(80, run{15, 1, 1, "practice"}), NotEnoughEvidence, 11, 1, 4},
		// Mixed sources count alike: questions are one unit each.
		{"mixed sources", history(0, run{5, 1, 1, "live"}, run{5, 4, 4, "exam"}, run{10, 1, 1, "practice"}), Proficient, 35, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Default.Assess(tt.ev, now)
			if a.Level != tt.level || a.Current.Units != tt.units || a.Previous.Units != tt.prevUnits {
				t.Fatalf("level %v units %d prev %d, want %v %d %d", a.Level, a.Current.Units, a.Previous.Units, tt.level, tt.units, tt.prevUnits)
			}
			if got := a.Current.Accuracy(); got < tt.accuracy-1e-9 || got > tt.accuracy+1e-9 {
				t.Fatalf("accuracy %v, want %v", got, tt.accuracy)
			}
		})
	}
}

func TestWindowSumsErrorsAndDates(t *testing.T) {
	ev := history(0, run{3, 2, 1, "practice"})
	for i := range ev {
		ev[i].Errors[Specificity] = 1
	}
	ev[0].Errors[Sequencing] = 2
	a := Default.Assess(ev, now)
	w := a.Current
	if w.Errors[Specificity] != 3 || w.Errors[Sequencing] != 2 || w.Errors.Total() != 5 || w.Answers != 3 {
		t.Fatalf("window = %+v", w)
	}
	if !w.To.Equal(now) || !w.From.Equal(now.Add(-48*time.Hour)) {
		t.Fatalf("window from %v to %v", w.From, w.To)
	}
}

func TestAddKeepsOrderAndBound(t *testing.T) {
	var ev []Evidence
	for i := range 200 {
		ev = Add(ev, Evidence{At: now.Add(time.Duration(i) * time.Minute), Units: 1, Correct: 1}, Default.Keep())
	}
	if len(ev) != 100 || !ev[0].At.Equal(now.Add(199*time.Minute)) || !ev[99].At.Equal(now.Add(100*time.Minute)) {
		t.Fatalf("kept %d, newest %v, oldest %v", len(ev), ev[0].At, ev[len(ev)-1].At)
	}
	// An answer recorded late (an exam submitted by the clock) goes where its time says.
	ev = Add(ev, Evidence{At: now.Add(150*time.Minute + time.Second), Units: 3}, Default.Keep())
	for i := 1; i < len(ev); i++ {
		if ev[i].At.After(ev[i-1].At) {
			t.Fatalf("out of order at %d", i)
		}
	}
	units := 0
	for _, e := range ev {
		units += e.Units
	}
	if units != 100 && units-ev[len(ev)-1].Units >= 100 {
		t.Fatalf("kept %d units", units)
	}
}

func TestClassify(t *testing.T) {
	e := Classify(map[string]int{"specificity": 2, "wrong-level": 1, "seventh-character": 1, "modifier": 1, "units": 1,
		"missing": 3, "extra": 1, "invalid": 1, "sequencing": 1, "unverified": 4, "correct": 9})
	want := Errors{3, 1, 1, 2, 3, 1, 1}
	if e != want {
		t.Fatalf("Classify = %v, want %v", e, want)
	}
	if Specificity.String() != "specificity" || NeedsReview.String() != "needs review" {
		t.Fatal("names")
	}
}

func TestMerge(t *testing.T) {
	a := history(0, run{5, 10, 10, "practice"}) // days 0–4
	b := history(2, run{5, 10, 5, "exam"})      // days 2–6
	got := Merge([][]Evidence{a, b, nil}, 60)
	if len(got) != 6 {
		t.Fatalf("merged %d answers, want 6 (60 units)", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.After(got[i-1].At) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	all := Merge([][]Evidence{a, b}, 1000)
	if len(all) != 10 {
		t.Fatalf("merged everything: %d", len(all))
	}
}
