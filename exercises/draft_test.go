package exercises

import (
	"strings"
	"testing"
)

func TestCheckDraft(t *testing.T) {
	book := testBook(t)
	lib, problems := LoadAll(nil, []Source{{Name: "lib.md", Data: []byte(`---
id: q-lib-001
type: choice
title: A library question
credentials: [CPC]
section: Anatomy
setting: physician office
difficulty: 1
references: [Anatomy basics]
choices:
  A: One
  B: Two
  C: Three
  D: Four
answer: A
---

Which?

## Rationale

Because.
`)}}, book)
	if len(problems) > 0 {
		t.Fatalf("library: %v", problems)
	}
	draft := func(id, key string) Source {
		return Source{Name: "draft", Data: []byte(`---
id: ` + id + `
type: case
title: A draft case
credentials: [CPC]
section: ICD-10-CM
setting: physician office
difficulty: 2
diagnoses: ` + key + `
references: [ICD-10-CM guidelines I.C.10]
---

Synthetic note.

## Rationale

Why.
`)}
	}
	tests := []struct {
		name, id, key, self string
		want                string // a problem must contain this, or "" for none
	}{
		{"good", "case-new-001", "E11.9", "", ""},
		{"id taken", "q-lib-001", "E11.9", "", `id "q-lib-001" is already used`},
		{"editing itself", "q-lib-001", "E11.9", "q-lib-001", ""},
		{"bad key", "case-new-001", "E11.99", "", "E11.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ps := Check(draft(tt.id, tt.key), book, lib, tt.self)
			if tt.want == "" {
				if len(ps) > 0 || d.Item == nil || d.Item.Key == nil || !strings.Contains(string(d.Item.Body), "Synthetic note") {
					t.Fatalf("problems %v, draft %+v", ps, d)
				}
				return
			}
			if len(ps) == 0 || !strings.Contains(ps.Error(), tt.want) {
				t.Fatalf("problems %v, want one with %q", ps, tt.want)
			}
		})
	}
}
