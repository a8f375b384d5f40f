package server

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/server/store"
)

// auditLine is the code-level accuracy an audit expects.
const auditLine = 0.95

// progressRow is one section or credential of the progress page.
type progressRow struct {
	Name      string         `json:"name"`
	Attempts  int            `json:"attempts"`
	MeanScore float64        `json:"meanScore"`
	Accuracy  float64        `json:"accuracy"` // code-level, 0-1
	Codes     int            `json:"codes"`    // key codes + extra codes behind the accuracy
	MeetsLine bool           `json:"meetsAuditLine"`
	Findings  map[string]int `json:"findings,omitempty"`
}

type progress struct {
	Sections    []progressRow `json:"sections"`    // weakest first
	Credentials []progressRow `json:"credentials"` // by name
	Trend       []trendPoint  `json:"-"`
	Total       progressRow   `json:"total"`
}

// trendDays is how far back the trend chart looks.
const trendDays = 90

func (s *Server) progress(u store.User) (*progress, error) {
	aggs, err := s.db.Aggregates(u.ID)
	if err != nil {
		return nil, err
	}
	p := &progress{Total: progressRow{Name: "All work"}, Sections: []progressRow{}, Credentials: []progressRow{}}
	var scoreSum float64
	var correct int
	for _, a := range aggs {
		kind, name, _ := strings.Cut(a.Key, ":")
		row := progressRow{Name: name, Attempts: a.Attempts, MeanScore: a.MeanScore(), Accuracy: a.Accuracy(),
			Codes: a.KeyCodes + a.Extra, Findings: a.Findings}
		row.MeetsLine = row.Codes > 0 && row.Accuracy >= auditLine
		switch kind {
		case "section":
			p.Sections = append(p.Sections, row)
			p.Total.Attempts += a.Attempts
			p.Total.Codes += a.KeyCodes + a.Extra
			scoreSum += a.ScoreSum
			correct += a.Correct
		case "credential":
			p.Credentials = append(p.Credentials, row)
		}
	}
	if p.Total.Attempts > 0 {
		p.Total.MeanScore = scoreSum / float64(p.Total.Attempts)
	}
	if p.Total.Codes > 0 {
		p.Total.Accuracy = float64(correct) / float64(p.Total.Codes)
		p.Total.MeetsLine = p.Total.Accuracy >= auditLine
	}
	slices.SortStableFunc(p.Sections, func(a, b progressRow) int {
		return cmp.Or(cmp.Compare(a.MeanScore, b.MeanScore), cmp.Compare(a.Name, b.Name))
	})
	since := s.now().AddDate(0, 0, -trendDays)
	atts, err := s.db.AttemptsSince(u.ID, since)
	if err != nil {
		return nil, err
	}
	p.Trend = trend(atts)
	return p, nil
}

// emptyTrend is what a person's own trend chart says before any graded work.
const emptyTrend = "No graded work yet: your trend appears after your first attempts."

// trend groups attempts by day.
func trend(atts []store.Attempt) []trendPoint {
	var out []trendPoint
	var correct, codes int
	for _, a := range atts {
		at := a.At.Local()
		day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.Local)
		if n := len(out); n == 0 || !out[n-1].Day.Equal(day) {
			if n > 0 && codes > 0 {
				out[n-1].Accuracy = float64(correct) / float64(codes)
			}
			out = append(out, trendPoint{Day: day})
			correct, codes = 0, 0
		}
		p := &out[len(out)-1]
		p.Score = (p.Score*float64(p.Attempts) + a.Score) / float64(p.Attempts+1)
		p.Attempts++
		correct += a.Correct
		codes += a.KeyCodes + a.Extra
	}
	if n := len(out); n > 0 && codes > 0 {
		out[n-1].Accuracy = float64(correct) / float64(codes)
	}
	return out
}

func (s *Server) progressPage(c *gin.Context) error {
	u, _ := currentUser(c)
	p, err := s.progress(u)
	if err != nil {
		return err
	}
	s.render(c, "progress", page{Title: "Progress", Nav: "progress", Data: map[string]any{
		"P": p, "Chart": template.HTML(trendSVG(p.Trend, emptyTrend)), "AuditLine": auditLine,
	}})
	return nil
}

func (s *Server) progressChart(c *gin.Context) error {
	u, _ := currentUser(c)
	p, err := s.progress(u)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/svg+xml", []byte(trendSVG(p.Trend, emptyTrend)))
	return nil
}

func (s *Server) apiProgress(c *gin.Context) error {
	u, _ := currentUser(c)
	p, err := s.progress(u)
	if err != nil {
		return err
	}
	type day struct {
		Day      string  `json:"day"`
		Score    float64 `json:"score"`
		Accuracy float64 `json:"accuracy"`
		Attempts int     `json:"attempts"`
	}
	days := make([]day, len(p.Trend)) // [] rather than null when empty
	for i, t := range p.Trend {
		days[i] = day{t.Day.Format(time.DateOnly), t.Score, t.Accuracy, t.Attempts}
	}
	c.JSON(http.StatusOK, gin.H{"total": p.Total, "sections": p.Sections, "credentials": p.Credentials, "trend": days,
		"auditLine": auditLine})
	return nil
}
