package exercises

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"chartcode/grading"
	"chartcode/grading/codeset"
)

func testBook(t testing.TB) *codeset.Book {
	t.Helper()
	icd, err := codeset.NewSet(codeset.ICD10CM, "test", []codeset.Entry{
		{Code: "E11"}, {Code: "E116"}, {Code: "E1165", Billable: true}, {Code: "E119", Billable: true},
		{Code: "I10", Billable: true}, {Code: "Z79"}, {Code: "Z794", Billable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return codeset.NewBook(icd)
}

func TestLoadGood(t *testing.T) {
	cat, problems := Load(os.DirFS("testdata/good"), testBook(t))
	if len(problems) > 0 {
		t.Fatalf("problems in good content:\n%v", problems)
	}
	if got := len(cat.Items()); got != 3 {
		t.Fatalf("%d items, want 3", got)
	}
	it, ok := cat.Item("case-dm")
	if !ok {
		t.Fatal("case-dm not found")
	}
	if it.Key.String() != "E11.65, *Z79.4, 99214" || it.Key.Principal != 0 || it.Mode != grading.Practice {
		t.Errorf("key = %q principal %d", it.Key, it.Key.Principal)
	}
	body := string(it.Body)
	for _, want := range []string{"<strong>high</strong>", "<table>", "<td>9.8 %</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	for _, bad := range []string{"<script", "javascript:", "Rationale", "hyperglycemia"} {
		if strings.Contains(body, bad) {
			t.Errorf("body holds %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(string(it.Rationale), "hyperglycemia") {
		t.Errorf("rationale = %s", it.Rationale)
	}
	q, _ := cat.Item("q-multi")
	if strings.Join(q.Answer, "") != "AC" || len(q.Choices) != 4 || q.Choices[2].Text != "A compliance officer" {
		t.Errorf("q-multi = %+v", q)
	}
	if len(cat.Exams()) != 1 || cat.Exams()[0].Total() != 2 || len(cat.Quizzes()) != 1 || cat.Quizzes()[0].Seconds != 30 {
		t.Errorf("exams %+v quizzes %+v", cat.Exams(), cat.Quizzes())
	}
	if got := cat.Filter(Filter{Credential: "CPB"}); len(got) != 1 || got[0].ID != "q-multi" {
		t.Errorf("Filter(CPB) = %v", got)
	}
	if got := cat.Filter(Filter{Types: []Type{Case, Choice}, Difficulty: 1}); len(got) != 1 || got[0].ID != "q-one" {
		t.Errorf("Filter(case|choice, 1) = %v", got)
	}
}

// TestPublicHidesAnswers: nothing a browser receives before the answer is final holds the key,
// the correct letters or the rationale.
func TestPublicHidesAnswers(t *testing.T) {
	cat, _ := Load(os.DirFS("testdata/good"), testBook(t))
	for _, it := range cat.Items() {
		b, err := json.Marshal(it.Public())
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, secret := range []string{"E11.65", "Z79.4", "99214", `"answer"`, "hyperglycemia", "Rationale", `"A and C`} {
			if strings.Contains(s, secret) && !(it.Type != Case && secret == "E11.65") && !(it.Type != Case && secret == "Z79.4") {
				t.Errorf("%s: public view holds %q: %s", it.ID, secret, s)
			}
		}
	}
	q, _ := cat.Item("q-multi")
	if q.Public().Choose != 2 {
		t.Errorf("a multi item says how many to choose")
	}
}

// TestLintRules loads good and broken files together: every rule fires on its file, at the
// line of the offending field.
func TestLintRules(t *testing.T) {
	_, problems := Load(os.DirFS("testdata"), testBook(t))
	want := []string{
		`lint/unknown-field.md:10: unknown field "colour"`,
		`lint/missing.md:1: missing required field credentials`,
		`lint/missing.md:1: missing required field section`,
		`lint/missing.md:1: missing required field setting`,
		`lint/missing.md:1: missing required field difficulty`,
		`lint/missing.md:1: missing required field references`,
		`lint/dup-id.md:2: duplicate id "q-one" (first defined at good/q-one.md:2)`,
		`lint/key-parse.md:10: diagnoses: key does not parse: "diabetes": is not a code`,
		`lint/key-codes.md:10: diagnoses: E11.6: a header, not a billable ICD-10-CM code`,
		`lint/key-codes.md:10: diagnoses: E11.99: not a valid ICD-10-CM code (nearest: E11.9)`,
		`lint/key-codes.md:11: procedures: E11.9 is ICD-10-CM; this field holds CPT, HCPCS Level II, ICD-10-PCS`,
		`lint/two-answers.md:11: a choice item has exactly one correct answer (found 2: A, B)`,
		`lint/no-rationale.md:1: missing rationale`,
		`lint/no-rationale.md:11: answer "E" is not one of the choices`,
		`lint/exam.md:9: sections: ICD-10-CM asks for 5 items but the library has`,
		`lint/exam.md:10: sections: unknown section "Astrology"`,
		`lint/quiz.md:6: items: no exercise has the id "q-nowhere"`,
		`lint/phi.md:12: looks like real patient data (a date of birth`,
		`lint/phi.md:13: looks like real patient data (a medical record or account number`,
		`lint/phi.md:13: looks like real patient data (a telephone number`,
		`lint/phi.md:13: looks like real patient data (an e-mail address`,
		`lint/phi.md:14: looks like real patient data (a social security number`,
		`lint/yaml.md:4: front matter is not valid YAML`,
		`lint/nofront.md:1: no front matter`,
	}
	got := make([]string, len(problems))
	for i, p := range problems {
		got[i] = p.String()
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %q", w)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g, "good/") {
			t.Errorf("unexpected problem in good content: %s", g)
		}
	}
	if t.Failed() {
		t.Logf("all problems:\n%s", strings.Join(got, "\n"))
	}
}
