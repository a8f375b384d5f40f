package grading

import (
	"encoding/json"
	"strings"
	"testing"
)

// lineSummary is what the tests compare: status, findings and credit of each line.
func summarize(r *Result) string {
	var b strings.Builder
	for i, l := range r.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		name := l.Code
		if name == "" {
			name = "(" + l.Key + ")"
		}
		if l.Status == Unreadable {
			name = "?" + l.Input
		}
		b.WriteString(name + " " + l.Status.String() + " " + ftoa(l.Credit))
	}
	return b.String()
}

func ftoa(f float64) string {
	s, _ := json.Marshal(f)
	return string(s)
}

// TestCreditTable has one case per row of the credit table of GRADING.md, and the ways the rows
// combine.
func TestCreditTable(t *testing.T) {
	book := testBook(t, true)
	tests := []struct {
		name, key, answer string
		want              string // summary of the lines
		score             float64
	}{
		{"same code", "E11.65", "E11.65", "E11.65 correct 1", 100},
		{"accepted alternate", "E11.65|E11.69", "E11.69", "E11.69 correct 1", 100},
		{"same code, same modifiers and units", "20610-RT, J1885x2", "20610-RT, J1885 x2", "20610-RT correct 1; J1885 x2 correct 1", 100},
		{"units differ", "J1885x2", "J1885", "J1885 units 0.75", 75},
		{"modifier missing", "99214-25", "99214", "99214 modifier 0.5", 50},
		{"modifier wrong", "20610-RT", "20610-LT", "20610-LT modifier 0.5", 50},
		{"modifier extra", "99214", "99214-25", "99214-25 modifier 0.5", 50},
		{"modifier and units differ", "J1885-RT x2", "J1885", "J1885 modifier 0.375", 37.5},
		{"7th character", "S52.521A", "S52.521D", "S52.521D seventh-character 0.75", 75},
		{"same subcategory", "E11.65", "E11.69", "E11.69 specificity 0.6", 60},
		{"same category", "E11.65", "E11.9", "E11.9 specificity 0.4", 40},
		{"header ancestor (category)", "E11.65", "E11", "E11 incomplete-code 0.4", 40},
		{"header ancestor beats subcategory row", "E11.649", "E11.64", "E11.64 incomplete-code 0.4", 40},
		{"header not an ancestor earns nothing", "E11.9", "E11.6", "E11.6 extra 0; (E11.9) missing 0", 0},
		{"CPT wrong level", "99214", "99213", "99213 wrong-level 0.4", 40},
		{"CPT wrong level with modifier", "99214-25", "99213", "99213 wrong-level 0.2", 20},
		{"PCS same first four", "0FT44ZZ", "0FT40ZZ", "0FT40ZZ specificity 0.4", 40},
		{"HCPCS same first three", "J1030", "J1040", "J1040 related-code 0.25", 25},
		{"partial credit times units", "J1030 x2", "J1040", "J1040 related-code 0.1875", 18.8},
		{"anything else", "E11.65", "I10", "I10 extra 0; (E11.65) missing 0", 0},
		{"other system never matches", "J1885", "99214", "99214 extra 0; (J1885) missing 0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Grade(MustParseKey(book, tt.key), tt.answer, book, Practice)
			if got := summarize(r); got != tt.want || r.Score != tt.score {
				t.Errorf("key %q answer %q:\n got  %s (score %v)\n want %s (score %v)", tt.key, tt.answer, got, r.Score, tt.want, tt.score)
			}
		})
	}
}

func TestMatching(t *testing.T) {
	book := testBook(t, true)
	noCPT := testBook(t, false)
	tests := []struct {
		name, key, answer string
		want              string
		score, accuracy   float64
	}{
		{"exact answer", "E11.65, I10, Z79.4", "E11.65, I10, Z79.4", "E11.65 correct 1; I10 correct 1; Z79.4 correct 1", 100, 1},
		{"empty answer", "E11.65, I10", "", "(E11.65) missing 0; (I10) missing 0", 0, 0},
		{"secondary order does not matter", "E11.65, I10, Z79.4", "E11.65, Z79.4, I10", "E11.65 correct 1; Z79.4 correct 1; I10 correct 1", 100, 1},
		{"principal not first", "E11.65, I10", "I10, E11.65", "I10 correct 1; E11.65 sequencing 0.75", 87.5, 0.5},
		{"principal partial and not first", "E11.65, I10", "I10, E11.69", "I10 correct 1; E11.69 specificity 0.45", 72.5, 0.5},
		{"procedures before the diagnosis do not count as sequencing", "E11.65, 99214", "99214, E11.65", "99214 correct 1; E11.65 correct 1", 100, 1},
		{"extra code", "E11.65", "E11.65, I10", "E11.65 correct 1; I10 extra 0", 66.7, 0.5},
		{"duplicate code is extra", "E11.65", "E11.65, E11.65", "E11.65 correct 1; E11.65 extra 0", 66.7, 0.5},
		{"optional left out", "E11.65, *Z79.4", "E11.65", "E11.65 correct 1", 100, 1},
		{"optional reported", "E11.65, *Z79.4", "E11.65, Z79.4", "E11.65 correct 1; Z79.4 correct 1", 100, 1},
		{"optional reported wrong", "E11.65, *Z79.4", "E11.65, Z79.84", "E11.65 correct 1; Z79.84 specificity 0.4", 70, 0.5},
		{"invalid code", "E11.65", "E11.99", "E11.99 invalid 0; (E11.65) missing 0", 0, 0},
		{"discontinued code", "J1885", "A4550", "A4550 invalid 0; (J1885) missing 0", 0, 0},
		{"unreadable text is not counted", "E11.65", "see note, E11.65", "?see note unreadable 0; E11.65 correct 1", 100, 1},
		{"optimal, not first-come", "E11.65, E11.69", "E11.65, E11.69", "E11.65 correct 1; E11.69 correct 1", 100, 1},
		{"optimal assignment beats greedy", "I10, E11.65, E11.9", "I10, E11.69, E11.65", "I10 correct 1; E11.69 specificity 0.4; E11.65 correct 1", 80, 0.6667},
		{"sequencing weighs in the optimum", "E11.69, E11.65", "E11.8, E11.69", "E11.8 specificity 0.4; E11.69 sequencing 0.75", 57.5, 0},
		{"ties go to the earlier key line", "E11.65, E11.69", "E11.9", "E11.9 specificity 0.4; (E11.69) missing 0", 20, 0},
		{"weights and units together", "96365, 96366x2", "96365, 96366", "96365 correct 1; 96366 units 0.75", 87.5, 0.5},
		{"alternate modifiers: either is correct", "11042-59|11042-XS", "11042-XS", "11042-XS correct 1", 100, 1},
		{"alternate modifiers: neither given", "11042-59|11042-XS", "11042", "11042 modifier 0.5", 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Grade(MustParseKey(book, tt.key), tt.answer, book, Practice)
			if got := summarize(r); got != tt.want || r.Score != tt.score || r.Accuracy != tt.accuracy {
				t.Errorf("key %q answer %q:\n got  %s (score %v, accuracy %v)\n want %s (score %v, accuracy %v)",
					tt.key, tt.answer, got, r.Score, r.Accuracy, tt.want, tt.score, tt.accuracy)
			}
		})
	}
	t.Run("CPT without a CPT file", func(t *testing.T) {
		key := MustParseKey(noCPT, "99214-25, E11.65")
		r := Grade(key, "E11.65, 99214-25, 99999", noCPT, Practice)
		if got, want := summarize(r), "E11.65 correct 1; 99214-25 correct 1; 99999 unverified 0"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
		if r.Extra != 1 {
			t.Errorf("an unverified code that matches nothing counts as extra: Extra = %d", r.Extra)
		}
	})
}

func TestExamMode(t *testing.T) {
	book := testBook(t, true)
	tests := []struct {
		name, key, answer string
		score             float64
	}{
		{"exact", "E11.65, I10, 99214-25", "E11.65, I10, 99214-25", 100},
		{"exact, optional left out", "E11.65, *Z79.4", "E11.65", 100},
		{"exact, optional reported", "E11.65, *Z79.4", "E11.65, Z79.4", 100},
		{"partial credit does not count", "E11.65, I10", "E11.69, I10", 0},
		{"principal not first", "E11.65, I10", "I10, E11.65", 0},
		{"missing", "E11.65, I10", "E11.65", 0},
		{"extra", "E11.65", "E11.65, I10", 0},
		{"wrong modifier", "99214-25", "99214", 0},
		{"unreadable text is ignored", "E11.65", "E11.65 thanks", 100},
		{"empty", "E11.65", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Grade(MustParseKey(book, tt.key), tt.answer, book, Exam)
			if r.Score != tt.score {
				t.Errorf("exam key %q answer %q: score %v, want %v (%s)", tt.key, tt.answer, r.Score, tt.score, summarize(r))
			}
			for _, l := range r.Lines {
				if l.Status != Correct && l.Credit != 0 {
					t.Errorf("exam mode gives %v credit to a %s line", l.Credit, l.Status)
				}
			}
		})
	}
}

func TestScoreChoice(t *testing.T) {
	tests := []struct {
		correct, picked []string
		want            float64
	}{
		{[]string{"B"}, []string{"B"}, 1},
		{[]string{"B"}, []string{"A"}, 0},
		{[]string{"B"}, []string{"A", "B"}, 0},
		{[]string{"B"}, []string{"B", "B"}, 1},
		{[]string{"B"}, nil, 0},
		{[]string{"A", "C"}, []string{"A", "C"}, 1},
		{[]string{"A", "C"}, []string{"A"}, 0.5},
		{[]string{"A", "C"}, []string{"A", "B"}, 0},
		{[]string{"A", "C", "D"}, []string{"A", "C", "B"}, 1.0 / 3},
		{[]string{"A", "C"}, []string{"B", "D"}, 0},
		{[]string{"A", "C"}, []string{"A", "A"}, 0.5},
		{[]string{"A", "C"}, []string{"A", "B", "C", "D"}, 0},
	}
	for _, tt := range tests {
		if got := ScoreChoice(tt.correct, tt.picked); got != tt.want {
			t.Errorf("ScoreChoice(%v, %v) = %v, want %v", tt.correct, tt.picked, got, tt.want)
		}
	}
}

func TestMessages(t *testing.T) {
	book := testBook(t, true)
	key := MustParseKey(book, "E11.65, S52.521A, 99214-25, J1885 x2")
	r := Grade(key, "E11.9, S52.521D, 99214, J1885, E11.99, I10, hmm", book, Practice)
	want := map[string]string{
		"E11.9":    "E11.9 is in the right category, but the documentation supports E11.65 (Type 2 diabetes with hyperglycemia).",
		"S52.521D": "The 7th character of S52.521D should be A, not D.",
		"99214":    "99214 is the right code; modifiers should be -25, not none.",
		"J1885":    "J1885 is the right code; units should be 2, not 1.",
		"E11.99":   "E11.99 is not a valid ICD-10-CM code; valid codes nearby: E11.9.",
		"I10":      "I10 (Essential hypertension) is not supported by the documentation: extra codes lower the score.",
		"?hmm":     `"hmm" is not a code: write codes like E11.65, 99214-25 or J1885 x2.`,
	}
	for _, l := range r.Lines {
		name := l.Code
		if l.Status == Unreadable {
			name = "?" + l.Input
		}
		if w, ok := want[name]; ok && l.Message != w {
			t.Errorf("%s: message %q, want %q", name, l.Message, w)
		}
		if l.Message == "" || !strings.HasSuffix(l.Message, ".") {
			t.Errorf("%s: message %q is not a sentence", name, l.Message)
		}
	}
}

func TestResultJSON(t *testing.T) {
	book := testBook(t, true)
	r := Grade(MustParseKey(book, "E11.65, I10"), "I10, E11.9", book, Practice)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Score    float64 `json:"score"`
		Accuracy float64 `json:"accuracy"`
		Mode     string  `json:"mode"`
		Lines    []struct {
			Input, Code, System, Key, Status string
			Findings                         []string
			Credit                           float64
			Message                          string
		} `json:"lines"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Mode != "practice" || len(got.Lines) != 2 {
		t.Fatalf("json = %s", b)
	}
	l := got.Lines[1]
	if l.Input != "E11.9" || l.Code != "E11.9" || l.System != "icd10cm" || l.Key != "E11.65" || l.Status != "specificity" ||
		strings.Join(l.Findings, ",") != "specificity,sequencing" || l.Credit != 0.3 {
		t.Errorf("line = %+v", l)
	}
}
