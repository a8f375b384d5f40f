package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"rsc.io/qr"

	"chartcode/server/store"
)

// writeLiveCSV writes a live session's results: one row per player and question, in join
// order, with a blank answer where the player did not answer.
func writeLiveCSV(w io.Writer, sess store.LiveSession, qs []store.LiveQuestion) error {
	cw := csv.NewWriter(w)
	header := []string{"session", "quiz", "player", "name", "signed_in", "kicked", "total_score",
		"question", "item", "skipped", "answer", "credit", "points", "streak_bonus", "elapsed_ms", "answered_at"}
	if err := cw.Write(header); err != nil {
		return err
	}
	byQ := map[int]map[string]*store.LiveAnswer{}
	skipped := map[int]bool{}
	for i := range qs {
		m := make(map[string]*store.LiveAnswer, len(qs[i].Answers))
		for j := range qs[i].Answers {
			m[qs[i].Answers[j].PlayerID] = &qs[i].Answers[j]
		}
		byQ[qs[i].Index], skipped[qs[i].Index] = m, qs[i].Skipped
	}
	for _, p := range sess.Players {
		for n, item := range sess.Items {
			answers, saved := byQ[n]
			if !saved {
				continue // the quiz never got to this question
			}
			row := []string{sess.ID, csvSafe(sess.Title), p.ID, csvSafe(p.Name), strconv.FormatBool(p.UserID != ""), strconv.FormatBool(p.Kicked),
				strconv.Itoa(p.Score), strconv.Itoa(n + 1), item, strconv.FormatBool(skipped[n]), "", "", "", "", "", ""}
			if a := answers[p.ID]; a != nil {
				row[10], row[11], row[12] = csvSafe(a.Answer), strconv.FormatFloat(a.Credit, 'f', 3, 64), strconv.Itoa(a.Points)
				row[13], row[14], row[15] = strconv.Itoa(a.Bonus), strconv.FormatInt(a.ElapsedMS, 10), liveTime(a.At)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading text a person typed as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// qrSVG draws text as a QR code in SVG, one path of unit squares inside a four-module margin.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	const margin = 4
	n := code.Size + 2*margin
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR code of the join address">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := range code.Size {
		for x := range code.Size {
			if code.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+margin, y+margin)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
