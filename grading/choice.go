package grading

import "slices"

// ScoreChoice scores a multiple-choice answer from 0 to 1. With one correct choice it is 1 for
// exactly that choice and 0 otherwise. With n correct choices each correct choice picked adds
// 1/n and each wrong choice picked takes 1/n away, never below 0. Repeated picks count once.
func ScoreChoice(correct, picked []string) float64 {
	var seen []string
	if len(correct) == 1 {
		for _, p := range picked {
			if !slices.Contains(seen, p) {
				seen = append(seen, p)
			}
		}
		if len(seen) == 1 && seen[0] == correct[0] {
			return 1
		}
		return 0
	}
	if len(correct) == 0 {
		return 0
	}
	score := 0
	for _, p := range picked {
		if slices.Contains(seen, p) {
			continue
		}
		seen = append(seen, p)
		if slices.Contains(correct, p) {
			score++
		} else {
			score--
		}
	}
	if score <= 0 {
		return 0
	}
	return float64(score) / float64(len(correct))
}
