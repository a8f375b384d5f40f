package codeset

import (
	"slices"
	"strings"
)

// searchIndex is an inverted index of the words in a set's descriptions.
type searchIndex struct {
	words    []string  // sorted, unique, lower case
	postings [][]int32 // per word: the entries using it, ascending
	entryLen []uint16  // per entry: number of words in its description (shorter ranks higher)
	first    []int32   // per entry: index in words of its description's first word
	// The word ids of entry i are entryWords[offsets[i]:offsets[i+1]]. Word ids follow the
	// sorted order of words, so the words that begin with a prefix are a range of ids.
	entryWords []int32
	offsets    []int32
}

func (s *Set) index4search() *searchIndex {
	s.searchOnce.Do(func() { s.search = buildSearchIndex(s.entries) })
	return s.search
}

func buildSearchIndex(entries []Entry) *searchIndex {
	byWord := map[string][]int32{}
	entryLen := make([]uint16, len(entries))
	firstWord := make([]string, len(entries))
	var buf []string
	for i := range entries {
		e := &entries[i]
		buf = appendWords(buf[:0], e.Short)
		n := len(buf)
		if e.Long != "" && e.Long != e.Short {
			buf = appendWords(buf, e.Long)
			n = len(buf) - n
		}
		entryLen[i] = uint16(min(n, 1<<16-1))
		if len(buf) > 0 {
			firstWord[i] = buf[len(buf)-n]
		}
		for j, w := range buf {
			if slices.Contains(buf[:j], w) {
				continue
			}
			byWord[w] = append(byWord[w], int32(i))
		}
	}
	ix := &searchIndex{entryLen: entryLen, first: make([]int32, len(entries))}
	ix.words = make([]string, 0, len(byWord))
	for w := range byWord {
		ix.words = append(ix.words, w)
	}
	slices.Sort(ix.words)
	ix.postings = make([][]int32, len(ix.words))
	for i, w := range ix.words {
		ix.postings[i] = byWord[w]
	}
	for i, w := range firstWord {
		j, _ := slices.BinarySearch(ix.words, w)
		ix.first[i] = int32(j)
	}
	ix.offsets = make([]int32, len(entries)+1)
	counts := ix.offsets[1:]
	for _, p := range ix.postings {
		for _, i := range p {
			counts[i]++
		}
	}
	for i := 1; i < len(ix.offsets); i++ {
		ix.offsets[i] += ix.offsets[i-1]
	}
	ix.entryWords = make([]int32, ix.offsets[len(entries)])
	fill := slices.Clone(ix.offsets[:len(entries)])
	for w, p := range ix.postings {
		for _, i := range p {
			ix.entryWords[fill[i]] = int32(w)
			fill[i]++
		}
	}
	return ix
}

// appendWords splits text into lower-case words of letters and digits.
func appendWords(dst []string, text string) []string {
	start := -1
	for i := 0; i <= len(text); i++ {
		alnum := i < len(text) && (isDigit(text[i]) || isUpper(text[i]) || 'a' <= text[i] && text[i] <= 'z' || text[i] >= 0x80)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			dst = append(dst, strings.ToLower(text[start:i]))
			start = -1
		}
	}
	return dst
}

// Hit is one search result.
type Hit struct {
	*Entry
	rank rankKey
}

type rankKey struct {
	exact   bool   // the query is the code itself
	byWords bool   // found by words rather than by code
	lead    bool   // the description starts with the first query word
	length  uint16 // words in the description
	system  System
	code    string
}

func (a rankKey) less(b rankKey) bool {
	if a.exact != b.exact {
		return a.exact
	}
	if a.byWords != b.byWords {
		return !a.byWords
	}
	if a.lead != b.lead {
		return a.lead
	}
	if a.length != b.length {
		return a.length < b.length
	}
	if a.system != b.system {
		return a.system < b.system
	}
	return a.code < b.code
}

// Search finds codes by code (prefix, with or without the dot) or by the words of their
// descriptions (every word, in any order, the last one as a prefix), ranked: the exact code,
// then codes by prefix in code order, then word matches with the description starting with
// the first word and shorter descriptions first. systems limits the search (none: all).
func (b *Book) Search(query string, limit int, systems ...System) []Hit {
	query = strings.TrimSpace(query)
	if query == "" || limit <= 0 {
		return nil
	}
	top := topN{n: limit}
	code := Normalize(query)
	codeLike := !strings.ContainsAny(query, " \t,;") && len(code) <= 7 && strings.IndexFunc(code, func(r rune) bool {
		return r >= '0' && r <= '9'
	}) >= 0
	for _, s := range b.Sets() {
		if len(systems) > 0 && !slices.Contains(systems, s.System) {
			continue
		}
		if codeLike {
			lo, hi := s.prefixRange(code)
			for i := lo; i < hi; i++ {
				e := &s.entries[i]
				top.offer(Hit{e, rankKey{exact: e.Code == code, system: s.System, code: e.Code, length: uint16(len(e.Code))}})
			}
		}
	}
	if len(top.hits) > 0 {
		return top.sorted()
	}
	words := appendWords(nil, query)
	if len(words) == 0 {
		return nil
	}
	for _, s := range b.Sets() {
		if len(systems) > 0 && !slices.Contains(systems, s.System) {
			continue
		}
		s.searchWords(words, &top)
	}
	return top.sorted()
}

func (s *Set) searchWords(words []string, top *topN) {
	ix := s.index4search()
	whole, last := words[:len(words)-1], words[len(words)-1]
	lo, _ := slices.BinarySearch(ix.words, last)
	hi := lo
	for hi < len(ix.words) && strings.HasPrefix(ix.words[hi], last) {
		hi++
	}
	if lo == hi {
		return
	}
	firstLo, firstHi := lo, hi // the range a description's first word must fall in to lead
	if len(whole) > 0 {
		firstLo, _ = slices.BinarySearch(ix.words, whole[0])
		firstHi = firstLo + 1
	}
	offer := func(i int32) {
		f := int(ix.first[i])
		top.offer(Hit{&s.entries[i], rankKey{byWords: true, lead: f >= firstLo && f < firstHi,
			length: ix.entryLen[i], system: s.System, code: s.entries[i].Code}})
	}
	if len(whole) == 0 {
		// Only a prefix: the union of the postings of every word it begins.
		if hi-lo == 1 {
			for _, i := range ix.postings[lo] {
				offer(i)
			}
			return
		}
		seen := make([]bool, len(s.entries))
		for w := lo; w < hi; w++ {
			for _, i := range ix.postings[w] {
				if !seen[i] {
					seen[i] = true
					offer(i)
				}
			}
		}
		return
	}
	lists := make([][]int32, 0, len(whole))
	for _, w := range whole {
		j, ok := slices.BinarySearch(ix.words, w)
		if !ok {
			return
		}
		lists = append(lists, ix.postings[j])
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	cand := lists[0]
	for _, l := range lists[1:] {
		cand = intersect(cand, l)
		if len(cand) == 0 {
			return
		}
	}
	// Keep the candidates that also have a word beginning with the last query word.
	for _, i := range cand {
		for _, w := range ix.entryWords[ix.offsets[i]:ix.offsets[i+1]] {
			if int(w) >= lo && int(w) < hi {
				offer(i)
				break
			}
		}
	}
}

func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// topN keeps the best n hits.
type topN struct {
	n    int
	hits []Hit
}

func (t *topN) offer(h Hit) {
	if len(t.hits) == t.n && !h.rank.less(t.hits[t.n-1].rank) {
		return
	}
	i, _ := slices.BinarySearchFunc(t.hits, h, func(a, b Hit) int {
		if a.rank.less(b.rank) {
			return -1
		}
		return 1
	})
	if len(t.hits) < t.n {
		t.hits = append(t.hits, Hit{})
	}
	copy(t.hits[i+1:], t.hits[i:len(t.hits)-1])
	t.hits[i] = h
}

func (t *topN) sorted() []Hit { return t.hits }
