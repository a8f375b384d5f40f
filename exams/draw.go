package exams

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"chartcode/exercises"
)

// ErrPoolTooSmall is returned when a blueprint line asks for more items than its pool holds.
var ErrPoolTooSmall = errors.New("exams: not enough items to draw")

// Draw picks the items of an exam on b: for each blueprint line, Count items at random from
// cat.Pool(b, line), in exam order grouped by line. Items in avoid (those of the person's last
// sitting, say) are taken only when the pool has too few others. No item appears twice, even
// when lines share a pool. The same rng state always gives the same draw.
func Draw(b *exercises.Blueprint, cat *exercises.Catalog, avoid map[string]bool, rng *rand.Rand) ([]string, error) {
	out := make([]string, 0, b.Total())
	taken := make(map[string]bool, b.Total())
	var fresh, stale []string
	for _, line := range b.Sections {
		if line.Count <= 0 {
			continue
		}
		fresh, stale = fresh[:0], stale[:0]
		for _, it := range cat.Pool(b, line) {
			switch {
			case taken[it.ID]:
			case avoid[it.ID]:
				stale = append(stale, it.ID)
			default:
				fresh = append(fresh, it.ID)
			}
		}
		if n := len(fresh) + len(stale); n < line.Count {
			return nil, fmt.Errorf("%w: blueprint %s asks for %d %s items, %d are available", ErrPoolTooSmall, b.ID, line.Count, line.Section, n)
		}
		start := len(out)
		out = append(out, pick(fresh, line.Count, rng)...)
		out = append(out, pick(stale, line.Count-(len(out)-start), rng)...)
		for _, id := range out[start:] {
			taken[id] = true
		}
	}
	return out, nil
}

// pick moves k elements of s, chosen at random, to its front (a partial Fisher–Yates shuffle)
// and returns them; fewer when s is shorter.
func pick(s []string, k int, rng *rand.Rand) []string {
	k = min(k, len(s))
	for i := range k {
		j := i + rng.IntN(len(s)-i)
		s[i], s[j] = s[j], s[i]
	}
	return s[:max(k, 0)]
}
