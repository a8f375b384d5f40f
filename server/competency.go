package server

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"chartcode/competency"
	"chartcode/exercises"
	"chartcode/server/store"
)

// Competency: each person's standing per section, from the evidence the store keeps with every
// attempt (docs/competency.md), and what a supervisor's pages make of it.

// sectionCell is one person's assessment in one section.
type sectionCell struct {
	Section string
	competency.Assessment
}

// Accuracy is the current window's accuracy, 0–1.
func (c sectionCell) Accuracy() float64 { return c.Current.Accuracy() }

// personCompetency is one person's competency in every section they have worked in.
type personCompetency struct {
	User     store.User
	Name     string
	Sections map[string]sectionCell
	Overall  competency.Assessment // all sections together
}

// assess judges a person's evidence (by section) at now.
func assess(u store.User, bySection map[string][]competency.Evidence, now time.Time) personCompetency {
	pc := personCompetency{User: u, Name: displayName(u), Sections: make(map[string]sectionCell, len(bySection))}
	lists := make([][]competency.Evidence, 0, len(bySection))
	for sec, ev := range bySection {
		pc.Sections[sec] = sectionCell{Section: sec, Assessment: competency.Default.Assess(ev, now)}
		lists = append(lists, ev)
	}
	pc.Overall = competency.Default.Assess(competency.Merge(lists, competency.Default.Keep()), now)
	return pc
}

// attention orders people for "who needs attention first": most sections needing review, then
// most still developing, then the lowest overall accuracy.
func attention(a, b *personCompetency) int {
	count := func(p *personCompetency, l competency.Level) int {
		n := 0
		for _, c := range p.Sections {
			if c.Level == l {
				n++
			}
		}
		return n
	}
	return cmp.Or(
		cmp.Compare(count(b, competency.NeedsReview), count(a, competency.NeedsReview)),
		cmp.Compare(count(b, competency.Developing), count(a, competency.Developing)),
		cmp.Compare(a.Overall.Current.Accuracy(), b.Overall.Current.Accuracy()),
		strings.Compare(a.Name, b.Name),
	)
}

// needsAttention reports whether a person has a section below the benchmark.
func (p *personCompetency) needsAttention() bool {
	for _, c := range p.Sections {
		if c.Level == competency.NeedsReview || c.Level == competency.Developing {
			return true
		}
	}
	return false
}

// usedSections returns the sections any of people has evidence in, in catalog order.
func usedSections(people []personCompetency) []string {
	var out []string
	for _, sec := range exercises.Sections {
		for i := range people {
			if _, ok := people[i].Sections[sec]; ok {
				out = append(out, sec)
				break
			}
		}
	}
	return out
}

// errorShare is one error class's part of an error mix.
type errorShare struct {
	Class string  `json:"class"`
	Count int     `json:"count"`
	Share float64 `json:"share"` // of all errors, 0–1
}

// errorMix lists the classes of errs, largest first, leaving out those with none.
func errorMix(errs competency.Errors) []errorShare {
	total := errs.Total()
	var out []errorShare
	for c := competency.Class(0); c < competency.NumClasses; c++ {
		if errs[c] > 0 {
			out = append(out, errorShare{Class: c.String(), Count: errs[c], Share: float64(errs[c]) / float64(total)})
		}
	}
	slices.SortStableFunc(out, func(a, b errorShare) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

// dayTrend turns day totals (oldest first, of one person or summed for a team) into trend points.
func dayTrend(days []store.Day) []trendPoint {
	out := make([]trendPoint, 0, len(days))
	for _, d := range days {
		if d.Attempts == 0 {
			continue
		}
		t, _ := time.Parse("2006-01-02", d.Date)
		p := trendPoint{Day: t, Score: d.ScoreSum / float64(d.Attempts), Attempts: d.Attempts}
		if d.Units > 0 {
			p.Accuracy = float64(d.Correct) / float64(d.Units)
		}
		out = append(out, p)
	}
	return out
}

// sumDays adds several people's day totals into one series, oldest first.
func sumDays(byPerson map[string][]store.Day) []store.Day {
	sum := map[string]*store.Day{}
	for _, days := range byPerson {
		for _, d := range days {
			t := sum[d.Date]
			if t == nil {
				t = &store.Day{Date: d.Date}
				sum[d.Date] = t
			}
			t.Attempts += d.Attempts
			t.Units += d.Units
			t.Correct += d.Correct
			t.ScoreSum += d.ScoreSum
		}
	}
	out := make([]store.Day, 0, len(sum))
	for _, d := range sum {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b store.Day) int { return strings.Compare(a.Date, b.Date) })
	return out
}

// levelClass is the CSS class and the glyph of a level: the glyph carries the meaning where
// colour cannot (print, colour-blind readers).
func levelGlyph(l competency.Level) (class, glyph string) {
	switch l {
	case competency.Proficient:
		return "lvl-proficient", "✓"
	case competency.NeedsReview:
		return "lvl-review", "!"
	case competency.Developing:
		return "lvl-developing", "~"
	}
	return "lvl-none", "·"
}

// heatRow is one person's line of the heat map.
type heatRow struct {
	Name  string
	Href  string // the person's page
	Cells []heatCell
}

type heatCell struct {
	Known bool // the person has evidence in the section
	Level competency.Level
	Acc   float64
	Units int
	Href  string // the drill-down
}

// heatmapSVG draws the team × section heat map. Each cell shows the accuracy as text and the
// level as a glyph and a fill (light to dark, patterned for "needs review"), so it reads without
// colour; every cell with evidence links to the person's answers in that section.
func heatmapSVG(sections []string, rows []heatRow) string {
	const (
		cellW, cellH = 64, 34
		nameW        = 170
		maxHead      = 24 // longer section names are shortened (the full name is in the cell titles)
	)
	// The headers slant at 40°: at about 7 px a character, a label of n characters needs
	// n×4.5 px above the cells and n×5.4 px to the right of its column.
	longest := 0
	for _, sec := range sections {
		longest = max(longest, min(len([]rune(sec)), maxHead))
	}
	headH := 28 + longest*45/10
	w := nameW + cellW*max(len(sections), 1) + longest*54/10
	h := headH + cellH*max(len(rows), 1) + 8
	var b strings.Builder
	// role=group, not img: an img hides the links inside from screen readers.
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" class="heatmap" role="group" aria-labelledby="heat-title heat-desc">`, w, h, w)
	b.WriteString(`<title id="heat-title">Competency by person and section</title>`)
	b.WriteString(`<desc id="heat-desc">Each cell: code-level accuracy over the recent window and a level mark — ✓ proficient (95 % or more), ~ developing, ! needs review (fell below 95 %), · not enough evidence.</desc>`)
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#7a1f1f" stroke-width="2"/></pattern></defs>`)
	for j, sec := range sections {
		x := nameW + j*cellW + cellW/2
		label := sec
		if r := []rune(sec); len(r) > maxHead {
			label = string(r[:maxHead-1]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="heat-head" transform="rotate(-40 %d %d)"><title>%s</title>%s</text>`,
			x, headH-8, x, headH-8, html.EscapeString(sec), html.EscapeString(label))
	}
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty">No members yet.</text>`, 8, headH+20)
	}
	for i, r := range rows {
		y := headH + i*cellH
		fmt.Fprintf(&b, `<a href="%s"><text x="%d" y="%d" class="heat-name">%s</text></a>`, html.EscapeString(r.Href), nameW-8, y+cellH/2+5, html.EscapeString(r.Name))
		for j, c := range r.Cells {
			x := nameW + j*cellW
			class, glyph := levelGlyph(c.Level)
			label := "—"
			if c.Known {
				label = fmt.Sprintf("%.0f%%", 100*c.Acc)
			}
			title := fmt.Sprintf("%s · %s: %s", r.Name, sections[j], c.Level)
			if c.Known {
				title += fmt.Sprintf(", %.1f %% of %d codes", 100*c.Acc, c.Units)
			}
			if c.Known {
				fmt.Fprintf(&b, `<a href="%s">`, html.EscapeString(c.Href))
			}
			fmt.Fprintf(&b, `<g><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" class="heat-cell %s"/>`, html.EscapeString(title), x+1, y+1, cellW-2, cellH-2, class)
			if c.Level == competency.NeedsReview {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="url(#hatch)" opacity="0.35"/>`, x+1, y+1, cellW-2, cellH-2)
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="heat-val %s" text-anchor="middle">%s %s</text></g>`, x+cellW/2, y+cellH/2+5, class, glyph, label)
			if c.Known {
				b.WriteString(`</a>`)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
