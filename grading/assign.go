package grading

import "math"

// assign solves the assignment problem: rows (answer codes) to columns (key lines), one-to-one,
// maximizing the total value. val is row-major n×m; values ≤ 0 mean "no match". It writes the
// column of each row (or -1) into rowTo, and uses scratch to avoid allocating for small inputs.
// It is the Hungarian algorithm in its O(k³) shortest-augmenting-path form on a k×k square
// (k = max(n, m)), minimizing the negated values.
func assign(val []int64, n, m int, rowTo []int, scratch []int64) {
	k := max(n, m)
	need := 4*(k+1) + 1
	if len(scratch) < need {
		scratch = make([]int64, need)
	}
	u := scratch[0 : k+1]
	v := scratch[k+1 : 2*(k+1)]
	p := scratch[2*(k+1) : 3*(k+1)]   // p[j]: row matched to column j (1-based, 0 = none)
	way := scratch[3*(k+1) : 4*(k+1)] // way[j]: previous column on the augmenting path
	var minv [65]int64
	var used [65]bool
	var minvS []int64
	var usedS []bool
	if k+1 <= len(minv) {
		minvS, usedS = minv[:k+1], used[:k+1]
	} else {
		minvS, usedS = make([]int64, k+1), make([]bool, k+1)
	}
	clear(u)
	clear(v)
	clear(p)
	clear(way)
	cost := func(i, j int) int64 { // 1-based
		if i <= n && j <= m {
			if x := val[(i-1)*m+(j-1)]; x > 0 {
				return -x
			}
		}
		return 0
	}
	for i := 1; i <= k; i++ {
		p[0] = int64(i)
		j0 := 0
		for j := range minvS {
			minvS[j] = math.MaxInt64
			usedS[j] = false
		}
		for {
			usedS[j0] = true
			i0 := int(p[j0])
			delta, j1 := int64(math.MaxInt64), 0
			for j := 1; j <= k; j++ {
				if usedS[j] {
					continue
				}
				cur := cost(i0, j) - u[i0] - v[j]
				if cur < minvS[j] {
					minvS[j] = cur
					way[j] = int64(j0)
				}
				if minvS[j] < delta {
					delta, j1 = minvS[j], j
				}
			}
			for j := 0; j <= k; j++ {
				if usedS[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minvS[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := int(way[j0])
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for i := range rowTo[:n] {
		rowTo[i] = -1
	}
	for j := 1; j <= k; j++ {
		if i := int(p[j]); i >= 1 && i <= n && j <= m && val[(i-1)*m+(j-1)] > 0 {
			rowTo[i-1] = j - 1
		}
	}
}
