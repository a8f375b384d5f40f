package server

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// trendPoint is one day of work: the mean score and the code-level accuracy of its attempts.
type trendPoint struct {
	Day      time.Time
	Score    float64 // mean score, 0-100
	Accuracy float64 // exactly correct codes ÷ (key codes + extra codes), 0-1
	Attempts int
}

// trendSVG draws the trend chart: mean score per day (solid line, circles) and code-level
// accuracy (dashed line, squares) against the 95 % audit line, on a 0-100 scale. The two series
// differ in dash pattern and marker as well as colour, so they read in print and for colour-blind
// readers; <title> and <desc> describe the chart to screen readers.
func trendSVG(points []trendPoint, empty string) string {
	const (
		w, h                   = 720, 260
		left, right, top, bott = 44, 16, 16, 34
	)
	pw, ph := float64(w-left-right), float64(h-top-bott)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" class="chart" role="img" aria-labelledby="chart-title chart-desc">`, w, h)
	b.WriteString(`<title id="chart-title">Score and code accuracy over time</title>`)
	fmt.Fprintf(&b, `<desc id="chart-desc">%s</desc>`, html.EscapeString(describeTrend(points)))
	// Grid and axis labels.
	for _, v := range []int{0, 25, 50, 75, 100} {
		y := float64(top) + ph*(1-float64(v)/100)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="grid"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="axis" text-anchor="end">%d</text>`, left-6, y+4, v)
	}
	y95 := float64(top) + ph*(1-0.95)
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="benchmark"/>`, left, y95, w-right, y95)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="axis benchmark-label" text-anchor="end">95 %% audit line</text>`, w-right, y95-5)
	if len(points) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty" text-anchor="middle">%s</text>`, w/2, h/2, html.EscapeString(empty))
		b.WriteString(`</svg>`)
		return b.String()
	}
	x := func(i int) float64 {
		if len(points) == 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(len(points)-1)
	}
	y := func(v float64) float64 { return float64(top) + ph*(1-v/100) }
	// X labels: first, last and a few between.
	step := max(1, len(points)/6)
	for i := 0; i < len(points); i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>`, x(i), h-12, points[i].Day.Format("Jan 2"))
	}
	series := func(class string, val func(trendPoint) float64, marker func(x, y float64) string) {
		var d strings.Builder
		for i, p := range points {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, x(i), y(val(p)))
		}
		fmt.Fprintf(&b, `<path d="%s" class="%s"/>`, strings.TrimSpace(d.String()), class)
		for i, p := range points {
			b.WriteString(marker(x(i), y(val(p))))
		}
	}
	series("line score", func(p trendPoint) float64 { return p.Score }, func(cx, cy float64) string {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="3.5" class="dot score"/>`, cx, cy)
	})
	series("line accuracy", func(p trendPoint) float64 { return 100 * p.Accuracy }, func(cx, cy float64) string {
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="7" height="7" class="dot accuracy"/>`, cx-3.5, cy-3.5)
	})
	b.WriteString(`</svg>`)
	return b.String()
}

func describeTrend(points []trendPoint) string {
	if len(points) == 0 {
		return "No graded work yet."
	}
	first, last := points[0], points[len(points)-1]
	return fmt.Sprintf("%d days of work from %s to %s. Mean score went from %.0f to %.0f; code accuracy from %.0f %% to %.0f %% (audit benchmark 95 %%).",
		len(points), first.Day.Format("Jan 2"), last.Day.Format("Jan 2"), first.Score, last.Score, 100*first.Accuracy, 100*last.Accuracy)
}
