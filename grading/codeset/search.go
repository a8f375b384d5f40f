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
	// First pass: give every distinct word an id in order of appearance, and note each entry's
	// word ids. Lower-casing goes through a reused buffer, so only new words allocate.
	var (
		ids       = map[string]int32{}
		words     []string
		entryIDs  = make([]int32, 0, len(entries)*8)
		offsets   = make([]int32, len(entries)+1)
		entryLen  = make([]uint16, len(entries))
		firstWord = make([]int32, len(entries))
		buf       []byte
	)
	for i := range entries {
		e := &entries[i]
		start := len(entryIDs)
		n := 0
		first := int32(-1)
		visit := func(text string) {
			forEachWord(text, func(w []byte) {
				buf = appendLower(buf[:0], w)
				id, ok := ids[string(buf)]
				if !ok {
					id = int32(len(words))
					words = append(words, string(buf))
					ids[words[id]] = id
				}
				n++
				if first < 0 {
					first = id
				}
				if !slices.Contains(entryIDs[start:], id) {
					entryIDs = append(entryIDs, id)
				}
			})
		}
		visit(e.Short)
		if e.Long != "" && e.Long != e.Short {
			n = 0
			visit(e.Long)
		}
		shown := n
		for _, syn := range e.Synonyms {
			visit(syn)
		}
		entryLen[i] = uint16(min(shown, 1<<16-1))
		firstWord[i] = first
		offsets[i+1] = int32(len(entryIDs))
	}
	// Renumber the words in sorted order, so that the words beginning with a prefix are a
	// range of ids, then build the postings.
	order := make([]int32, len(words))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(words[a], words[b]) })
	rank := make([]int32, len(words))
	sorted := make([]string, len(words))
	for r, id := range order {
		rank[id] = int32(r)
		sorted[r] = words[id]
	}
	counts := make([]int32, len(words))
	for k, id := range entryIDs {
		entryIDs[k] = rank[id]
		counts[rank[id]]++
	}
	postings := make([][]int32, len(words))
	flat := make([]int32, len(entryIDs))
	at := int32(0)
	for w, c := range counts {
		postings[w] = flat[at : at : at+c]
		at += c
	}
	for i := range entries {
		for _, w := range entryIDs[offsets[i]:offsets[i+1]] {
			postings[w] = append(postings[w], int32(i))
		}
		if firstWord[i] >= 0 {
			firstWord[i] = rank[firstWord[i]]
		}
	}
	return &searchIndex{words: sorted, postings: postings, entryLen: entryLen, first: firstWord,
		entryWords: entryIDs, offsets: offsets}
}

// forEachWord calls fn with each run of letters and digits in text (bytes ≥ 0x80 count as
// letters, so accented words stay whole).
func forEachWord(text string, fn func([]byte)) {
	start := -1
	for i := 0; i <= len(text); i++ {
		alnum := i < len(text) && isWordByte(text[i])
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			fn([]byte(text[start:i]))
			start = -1
		}
	}
}

func isWordByte(c byte) bool {
	return isDigit(c) || isUpper(c) || 'a' <= c && c <= 'z' || c >= 0x80
}

func appendLower(dst, w []byte) []byte {
	for _, c := range w {
		if isUpper(c) {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendWords splits text into lower-case words of letters and digits.
func appendWords(dst []string, text string) []string {
	forEachWord(text, func(w []byte) { dst = append(dst, string(appendLower(nil, w))) })
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
