package grading

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"chartcode/grading/codeset"
)

// The invariants at the end of GRADING.md, checked over generated keys and answers.

// pool is the codes answers are drawn from: key codes, their near misses and unrelated codes.
var pool = []string{
	"E11.65", "E11.69", "E11.9", "E11.8", "E11", "E11.64", "E11.649", "I10", "I11.0", "I50.22", "J18.9",
	"S52.521A", "S52.521D", "S52.522A", "W19.XXXA", "Z79.4", "Z79.84", "E11.99", "99213", "99214", "99214-25",
	"99215", "20610-RT", "20610-LT", "20611", "J1885", "J1885 x2", "J1030", "J1040", "J0696", "0FT44ZZ", "0FT40ZZ",
	"0DTJ4ZZ", "96365", "96366 x2", "96366",
}

var keyPool = []string{"E11.65", "E11.69|E11.8", "I10", "I11.0", "*Z79.4", "J18.9", "S52.521A", "*W19.XXXA",
	"99214-25", "20610-RT", "J1885 x2", "J1030", "0FT44ZZ", "96365", "96366 x2"}

func genKey(r *rand.Rand) string {
	n := 1 + r.IntN(6)
	perm := r.Perm(len(keyPool))[:n]
	parts := make([]string, n)
	for i, p := range perm {
		parts[i] = keyPool[p]
	}
	return strings.Join(parts, ", ")
}

func genAnswer(r *rand.Rand) []string {
	n := r.IntN(8)
	out := make([]string, n)
	for i := range out {
		out[i] = pool[r.IntN(len(pool))]
	}
	return out
}

func keyCodes(key *Key) []string {
	var out []string
	for i := range key.Lines {
		out = append(out, keyDisplay(&key.Lines[i], 0))
	}
	return out
}

func TestInvariants(t *testing.T) {
	book := testBook(t, true)
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		key := MustParseKey(book, genKey(r))
		ans := genAnswer(r)
		for _, mode := range []Mode{Practice, Exam} {
			res := Grade(key, strings.Join(ans, ", "), book, mode)
			if res.Score < 0 || res.Score > 100 || res.Accuracy < 0 || res.Accuracy > 1 {
				t.Fatalf("key %q answer %q: score %v accuracy %v out of range", key, ans, res.Score, res.Accuracy)
			}
			// The same input always gives the same output.
			if again := Grade(key, strings.Join(ans, ", "), book, mode); !reflect.DeepEqual(res, again) {
				t.Fatalf("key %q answer %q: two gradings differ", key, ans)
			}
			// Exact answer → 100; empty answer → 0.
			if exact := Grade(key, strings.Join(keyCodes(key), ", "), book, mode); exact.Score != 100 {
				t.Fatalf("key %q: exact answer scores %v (%s)", key, exact.Score, summarize(exact))
			}
			if empty := Grade(key, "", book, mode); empty.Score != 0 {
				t.Fatalf("key %q: empty answer scores %v", key, empty.Score)
			}
		}
		res := Grade(key, strings.Join(ans, ", "), book, Practice)

		// Reordering secondary codes never changes the score: shuffle everything but the first
		// diagnosis, which stays where it is.
		first := -1
		for i, a := range ans {
			if e := ParseAnswer(a, key, book); e[0].System == codeset.ICD10CM {
				first = i
				break
			}
		}
		var rest []string
		for i, a := range ans {
			if i != first {
				rest = append(rest, a)
			}
		}
		for k := 0; k < 5; k++ {
			r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
			shuffled := rest
			if first >= 0 {
				shuffled = append([]string{ans[first]}, rest...)
			}
			if s := Grade(key, strings.Join(shuffled, ", "), book, Practice).Score; s != res.Score {
				t.Fatalf("key %q: %q scores %v but reordered %q scores %v", key, ans, res.Score, shuffled, s)
			}
		}

		// Adding an extra code never raises the score.
		for _, extra := range []string{"J0696", "E11.99", "0DTJ4ZZ", "99215"} {
			if keyHas(key, extra) {
				continue
			}
			if s := Grade(key, strings.Join(append(ans, extra), ", "), book, Practice).Score; s > res.Score {
				t.Fatalf("key %q: %q scores %v, adding extra %s raises it to %v", key, ans, res.Score, extra, s)
			}
		}

		// Adding a missing correct code never lowers it.
		for _, l := range res.Lines {
			if l.Status != Missing {
				continue
			}
			if s := Grade(key, strings.Join(append(ans, l.Key), ", "), book, Practice).Score; s < res.Score {
				t.Fatalf("key %q: %q scores %v, adding missing %s lowers it to %v", key, ans, res.Score, l.Key, s)
			}
		}
	}
}

// keyHas reports whether code is related to any key code (then it is not an "extra" in the
// sense of the invariant).
func keyHas(key *Key, code string) bool {
	for _, l := range key.Lines {
		for _, c := range l.Codes {
			n := min(3, len(c.Code))
			if strings.HasPrefix(strings.ReplaceAll(code, ".", ""), c.Code[:n]) {
				return true
			}
		}
	}
	return false
}

func TestMovingThePrincipalChangesTheScore(t *testing.T) {
	book := testBook(t, true)
	key := MustParseKey(book, "E11.65, I10, Z79.4")
	a := Grade(key, "E11.65, I10, Z79.4", book, Practice).Score
	b := Grade(key, "I10, E11.65, Z79.4", book, Practice).Score
	if a == b {
		t.Errorf("moving the principal diagnosis kept the score at %v", a)
	}
}

func TestHugeAnswerIsBounded(t *testing.T) {
	book := testBook(t, true)
	key := MustParseKey(book, "E11.65, I10")
	r := Grade(key, strings.Repeat("E11.9, ", 5000), book, Practice)
	if got := len(r.Lines); got > MaxCodes+1+len(key.Lines) {
		t.Fatalf("%d lines for a huge answer", got)
	}
	unreadable := 0
	for _, l := range r.Lines {
		if l.Status == Unreadable {
			unreadable++
		}
	}
	if unreadable != 1 {
		t.Errorf("codes beyond MaxCodes should be reported as one unreadable line, got %d", unreadable)
	}
}
