package server

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
	"chartcode/grading"
	"chartcode/server/live"
	"chartcode/server/store"
)

// Live quizzes: trainers create rooms from a quiz (or a pick of items) and run them from the
// host page; players join with the PIN. The rooms and their WebSockets are package live; here
// are the pages, the checks before a WebSocket opens, grading and saving.

// liveRequest is what a trainer asks for when creating a room (form or JSON).
type liveRequest struct {
	Quiz        string   `json:"quiz"`
	Items       []string `json:"items"`
	Title       string   `json:"title"`
	Seconds     *int     `json:"seconds"`
	SpeedPoints *bool    `json:"speed_points"`
	Streaks     *bool    `json:"streaks"`
	Leaderboard *bool    `json:"leaderboard"`
}

const (
	minLiveSeconds = 5
	maxLiveSeconds = 600
	maxLiveItems   = 100
)

// createRoom checks a request against the catalog and starts a room hosted by u.
func (s *Server) createRoom(c *gin.Context, u store.User, req liveRequest) (*live.Room, error) {
	cfg := live.Config{HostID: u.ID, Grade: s.liveGrade, Record: liveRecorder{s}, Now: s.now, Log: s.log,
		Settings: live.Settings{Seconds: 30, SpeedPoints: true, Streaks: true, Leaderboard: true}}
	ids := req.Items
	if req.Quiz != "" {
		q, ok := s.lib().Quiz(req.Quiz)
		if !ok {
			return nil, badRequest("quiz", "no quiz has the id %q", req.Quiz)
		}
		ids, cfg.QuizID, cfg.Title = q.Items, q.ID, q.Title
		cfg.Settings = live.Settings{Seconds: q.Seconds, SpeedPoints: q.SpeedPoints, Streaks: q.Streaks, Leaderboard: q.Leaderboard}
	}
	if len(ids) == 0 {
		return nil, badRequest("quiz", "choose a quiz or list the items to ask")
	}
	if len(ids) > maxLiveItems {
		return nil, badRequest("items", "a live quiz has at most %d questions", maxLiveItems)
	}
	for _, id := range ids {
		it, ok := s.lib().Item(strings.TrimSpace(id))
		if !ok {
			return nil, badRequest("items", "no exercise has the id %q", id)
		}
		cfg.Items = append(cfg.Items, it)
	}
	if t := strings.TrimSpace(req.Title); t != "" {
		cfg.Title = t
	}
	if cfg.Title == "" {
		cfg.Title = "Live quiz: 1 question"
		if n := len(cfg.Items); n > 1 {
			cfg.Title = fmt.Sprintf("Live quiz: %d questions", n)
		}
	}
	if req.Seconds != nil {
		if *req.Seconds < minLiveSeconds || *req.Seconds > maxLiveSeconds {
			return nil, badRequest("seconds", "the time per question is %d to %d seconds", minLiveSeconds, maxLiveSeconds)
		}
		cfg.Settings.Seconds = *req.Seconds
	}
	for _, o := range []struct {
		v   *bool
		dst *bool
	}{{req.SpeedPoints, &cfg.Settings.SpeedPoints}, {req.Streaks, &cfg.Settings.Streaks}, {req.Leaderboard, &cfg.Settings.Leaderboard}} {
		if o.v != nil {
			*o.dst = *o.v
		}
	}
	cfg.Started = s.now()
	cfg.ID = s.db.NewLiveSessionID(cfg.Started)
	cfg.JoinURL = origin(c, s.cfg.SecureCookies) + "/play/"
	r, err := s.live.Create(cfg)
	if errors.Is(err, live.ErrTooManyRooms) {
		return nil, &httpError{Status: http.StatusConflict, Msg: "you already run " + strconv.Itoa(live.MaxRoomsPerHost) + " live quizzes: end one first"}
	}
	return r, err
}

// origin is the scheme and host the request came to.
func origin(c *gin.Context, secure bool) string {
	scheme := "http"
	if c.Request.TLS != nil || secure {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// liveGrade grades an answer in a live quiz with practice credit. Signed-in players' answers
// also become attempts (Detail), saved when the question closes.
func (s *Server) liveGrade(it *exercises.Item, a live.Answer) (live.Graded, error) {
	out, att, err := s.gradeItem(it, submission{Answer: a.Codes, Choices: a.Choices}, grading.Practice)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return live.Graded{}, errors.New(he.Msg)
		}
		return live.Graded{}, err
	}
	g := live.Graded{Credit: out.Score / 100, Picked: out.Picked}
	if a.UserID != "" {
		g.Detail = att
	}
	return g, nil
}

// liveRecorder saves rooms' results in the store.
type liveRecorder struct{ s *Server }

func (r liveRecorder) Record(rec *live.Record) error {
	ss := rec.Session
	sess := &store.LiveSession{ID: ss.ID, PIN: ss.PIN, QuizID: ss.QuizID, Title: ss.Title, HostID: ss.HostID, Items: ss.Items,
		Settings: store.LiveSettings{Seconds: ss.Settings.Seconds, SpeedPoints: ss.Settings.SpeedPoints,
			Streaks: ss.Settings.Streaks, Leaderboard: ss.Settings.Leaderboard},
		Started: ss.Started, Ended: ss.Ended, Phase: string(ss.Phase), Closed: ss.Closed,
		Players: make([]store.LivePlayer, len(rec.Players))}
	for i, p := range rec.Players {
		sess.Players[i] = store.LivePlayer{ID: p.ID, Name: p.Name, UserID: p.UserID, Joined: p.Joined, Score: p.Score, Kicked: p.Kicked}
	}
	var q *store.LiveQuestion
	attempts := map[int]*store.Attempt{}
	if qr := rec.Question; qr != nil {
		q = &store.LiveQuestion{Index: qr.Index, ItemID: qr.ItemID, Skipped: qr.Skipped, Opened: qr.Opened, Closed: qr.Closed,
			Answers: make([]store.LiveAnswer, len(qr.Answers))}
		for i, a := range qr.Answers {
			q.Answers[i] = store.LiveAnswer{PlayerID: a.PlayerID, Answer: a.Answer, Credit: a.Credit, Points: a.Points,
				Bonus: a.Bonus, ElapsedMS: a.Elapsed.Milliseconds(), At: a.At}
			if att, ok := a.Detail.(*store.Attempt); ok && a.UserID != "" {
				cp := *att
				cp.UserID, cp.Source, cp.At = a.UserID, "live", a.At
				attempts[i] = &cp
			}
		}
	}
	return r.s.db.SaveLive(sess, q, attempts)
}

// --- trainers ----------------------------------------------------------------------------

type liveIndexView struct {
	Quizzes  []*exercises.LiveQuiz
	Sessions []liveSessionRow
	Error    string
	Field    string
	Form     liveForm
}

type liveForm struct {
	Quiz, Items, Title, Seconds       string
	SpeedPoints, Streaks, Leaderboard bool
}

type liveSessionRow struct {
	store.LiveSession
	Running bool   // the room is still open
	Host    string // who ran it (admins see everyone's)
}

func (s *Server) liveIndexPage(c *gin.Context) error {
	return s.renderLiveIndex(c, liveIndexView{Form: liveForm{SpeedPoints: true, Streaks: true, Leaderboard: true}})
}

func (s *Server) renderLiveIndex(c *gin.Context, v liveIndexView) error {
	u, _ := currentUser(c)
	v.Quizzes = s.lib().Quizzes()
	host := u.ID
	if u.Role == store.Admin {
		host = ""
	}
	list, err := s.db.LiveSessions(host, 50)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, sess := range list {
		row := liveSessionRow{LiveSession: sess}
		if r, err := s.live.Room(sess.PIN); err == nil && r.ID() == sess.ID {
			row.Running = !r.Over()
		}
		if _, ok := names[sess.HostID]; !ok {
			if hu, err := s.db.User(sess.HostID); err == nil {
				names[sess.HostID] = displayName(hu)
			}
		}
		row.Host = names[sess.HostID]
		v.Sessions = append(v.Sessions, row)
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusBadRequest
	}
	c.Status(status)
	s.render(c, "live", page{Title: "Live quizzes", Nav: "live", Data: v})
	return nil
}

func displayName(u store.User) string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Name
}

func (s *Server) createLiveForm(c *gin.Context) error {
	u, _ := currentUser(c)
	f := liveForm{Quiz: c.PostForm("quiz"), Items: c.PostForm("items"), Title: c.PostForm("title"), Seconds: c.PostForm("seconds"),
		SpeedPoints: c.PostForm("speed_points") != "", Streaks: c.PostForm("streaks") != "", Leaderboard: c.PostForm("leaderboard") != ""}
	req := liveRequest{Quiz: f.Quiz, Title: f.Title, SpeedPoints: &f.SpeedPoints, Streaks: &f.Streaks, Leaderboard: &f.Leaderboard}
	if f.Quiz == "" {
		req.Items = splitList(f.Items)
	}
	if f.Seconds != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.Seconds))
		if err != nil {
			return s.renderLiveIndex(c, liveIndexView{Form: f, Error: "the time per question is a number of seconds", Field: "seconds"})
		}
		req.Seconds = &n
	}
	r, err := s.createRoom(c, u, req)
	if he := (*httpError)(nil); errors.As(err, &he) && (he.Status == http.StatusBadRequest || he.Status == http.StatusConflict) {
		return s.renderLiveIndex(c, liveIndexView{Form: f, Error: he.Msg, Field: he.Field})
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/live/"+r.PIN()+"/host")
	return nil
}

func (s *Server) apiCreateLive(c *gin.Context) error {
	u, _ := currentUser(c)
	var req liveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := s.createRoom(c, u, req)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"id": r.ID(), "pin": r.PIN(), "join_url": origin(c, s.cfg.SecureCookies) + "/play/" + r.PIN(),
		"host_url": "/live/" + r.PIN() + "/host"})
	return nil
}

func (s *Server) apiLiveSessions(c *gin.Context) error {
	u, _ := currentUser(c)
	host := u.ID
	if u.Role == store.Admin {
		host = ""
	}
	list, err := s.db.LiveSessions(host, 200)
	if err != nil {
		return err
	}
	if list == nil {
		list = []store.LiveSession{}
	}
	c.JSON(http.StatusOK, gin.H{"sessions": list})
	return nil
}

// hostedRoom finds the room of the :pin for its host or an administrator.
func (s *Server) hostedRoom(c *gin.Context) (*live.Room, error) {
	r, err := s.live.Room(c.Param("pin"))
	if err != nil {
		return nil, &httpError{Status: http.StatusNotFound, Msg: "no live quiz is running with the PIN " + c.Param("pin")}
	}
	if u, _ := currentUser(c); u.ID != r.HostID() && u.Role != store.Admin {
		return nil, &httpError{Status: http.StatusForbidden, Msg: "this live quiz is run by someone else"}
	}
	return r, nil
}

type hostView struct {
	PIN, SessionID, Title, JoinURL, QR, WS, ResultsURL string
}

func (s *Server) hostPage(c *gin.Context) error {
	r, err := s.hostedRoom(c)
	if err != nil {
		return err
	}
	s.render(c, "live_host", page{Title: r.Title() + " · host", Nav: "live", Data: hostView{PIN: r.PIN(), SessionID: r.ID(), Title: r.Title(),
		JoinURL: origin(c, s.cfg.SecureCookies) + "/play/" + r.PIN(), QR: "/live/" + r.PIN() + "/qr.svg",
		WS: "/live/" + r.PIN() + "/host/ws", ResultsURL: "/live/sessions/" + r.ID()}})
	return nil
}

func (s *Server) hostSocket(c *gin.Context) error {
	r, err := s.hostedRoom(c)
	if err != nil {
		return err
	}
	return s.upgraded(c, s.live.ServeHost(c.Writer, c.Request, r))
}

// ctxUpgraded marks a request whose connection became a WebSocket (for the request log).
const ctxUpgraded = "upgraded"

// upgraded maps the result of a WebSocket upgrade to the handler's error.
func (s *Server) upgraded(c *gin.Context, err error) error {
	switch {
	case err == nil:
		c.Set(ctxUpgraded, true)
		return nil
	case live.IsAnswered(err):
		return nil
	case errors.Is(err, live.ErrOrigin):
		return &httpError{Status: http.StatusForbidden, Msg: "a live quiz can only be opened from this site"}
	}
	return err
}

func (s *Server) joinQR(c *gin.Context) error {
	r, err := s.hostedRoom(c)
	if err != nil {
		return err
	}
	svg, err := qrSVG(origin(c, s.cfg.SecureCookies) + "/play/" + r.PIN())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/svg+xml", svg)
	return nil
}

// --- players -------------------------------------------------------------------------------

var pinPattern = regexp.MustCompile(`^[0-9]{6}$`)

type joinView struct{ PIN, Error string }

func (s *Server) joinPage(c *gin.Context) error {
	pin := strings.TrimSpace(strings.ReplaceAll(c.Query("pin"), " ", ""))
	if pin == "" {
		s.render(c, "join", page{Title: "Join a live quiz", Nav: "join", Data: joinView{}})
		return nil
	}
	if pinPattern.MatchString(pin) {
		if _, err := s.live.Room(pin); err == nil {
			c.Redirect(http.StatusSeeOther, "/play/"+pin)
			return nil
		}
	}
	c.Status(http.StatusNotFound)
	s.render(c, "join", page{Title: "Join a live quiz", Nav: "join",
		Data: joinView{PIN: pin, Error: "No live quiz is running with the PIN " + pin + ". Check the number on the host's screen."}})
	return nil
}

type playView struct {
	PIN, WS, Name, Title string
	SignedIn             bool
}

func (s *Server) playPage(c *gin.Context) error {
	r, err := s.live.Room(c.Param("pin"))
	if err != nil {
		c.Redirect(http.StatusSeeOther, "/join?pin="+c.Param("pin"))
		return nil
	}
	v := playView{PIN: r.PIN(), WS: "/live/" + r.PIN() + "/ws", Title: r.Title()}
	if u, ok := currentUser(c); ok {
		v.Name, v.SignedIn = displayName(u), true
	}
	s.render(c, "play", page{Title: r.Title(), Nav: "join", Data: v})
	return nil
}

func (s *Server) playerSocket(c *gin.Context) error {
	r, err := s.live.Room(c.Param("pin"))
	if err != nil {
		return &httpError{Status: http.StatusNotFound, Msg: "no live quiz is running with the PIN " + c.Param("pin")}
	}
	var lu *live.User
	if u, ok := currentUser(c); ok && !u.MustChange {
		lu = &live.User{ID: u.ID, Name: displayName(u)}
	}
	return s.upgraded(c, s.live.ServePlayer(c.Writer, c.Request, r, lu))
}

// --- results -------------------------------------------------------------------------------

// liveSession reads the :id session for its host or an administrator.
func (s *Server) liveSession(c *gin.Context) (store.LiveSession, []store.LiveQuestion, error) {
	sess, err := s.db.LiveSession(c.Param("id"))
	if err != nil {
		return sess, nil, err
	}
	if u, _ := currentUser(c); u.ID != sess.HostID && u.Role != store.Admin {
		return sess, nil, &httpError{Status: http.StatusForbidden, Msg: "these are the results of someone else's live quiz"}
	}
	qs, err := s.db.LiveResults(sess.ID)
	return sess, qs, err
}

// liveStatus says whether a saved session is running, ended or was cut short (the server
// stopped while it ran).
func (s *Server) liveStatus(sess store.LiveSession) string {
	if sess.Phase == string(live.PhaseEnd) {
		return "ended"
	}
	if r, err := s.live.Room(sess.PIN); err == nil && r.ID() == sess.ID {
		return "running"
	}
	return "interrupted"
}

type liveResultsView struct {
	Session   store.LiveSession
	Status    string
	Questions []liveQuestionRow
	Players   []livePlayerRow
	Shown     int // players listed on the page (the CSV has all)
}

type liveQuestionRow struct {
	N         int
	ItemID    string
	Title     string
	Skipped   bool
	Saved     bool
	Answered  int
	Full      int     // answers with full credit
	AvgCredit float64 // 0–1, of the answers given
}

type livePlayerRow struct {
	Rank   int
	Name   string
	Signed bool
	Kicked bool
	Score  int
	Cells  []*store.LiveAnswer // by question; nil where no answer
}

const livePlayersShown = 500

func (s *Server) liveResults(sess store.LiveSession, qs []store.LiveQuestion) liveResultsView {
	v := liveResultsView{Session: sess, Status: s.liveStatus(sess)}
	byQ := make(map[int]*store.LiveQuestion, len(qs))
	for i := range qs {
		byQ[qs[i].Index] = &qs[i]
	}
	index := map[string]int{}
	for i, p := range sess.Players {
		index[p.ID] = i
	}
	rows := make([]livePlayerRow, len(sess.Players))
	for i, p := range sess.Players {
		rows[i] = livePlayerRow{Name: p.Name, Signed: p.UserID != "", Kicked: p.Kicked, Score: p.Score, Cells: make([]*store.LiveAnswer, len(sess.Items))}
	}
	for n, id := range sess.Items {
		row := liveQuestionRow{N: n + 1, ItemID: id, Title: id}
		if it, ok := s.lib().Item(id); ok {
			row.Title = it.Title
		}
		if q := byQ[n]; q != nil {
			row.Saved, row.Skipped, row.Answered = true, q.Skipped, len(q.Answers)
			sum := 0.0
			for i := range q.Answers {
				a := &q.Answers[i]
				sum += a.Credit
				if a.Credit >= 1 {
					row.Full++
				}
				if pi, ok := index[a.PlayerID]; ok {
					rows[pi].Cells[n] = a
				}
			}
			if row.Answered > 0 {
				row.AvgCredit = sum / float64(row.Answered)
			}
		}
		v.Questions = append(v.Questions, row)
	}
	sortPlayers(rows)
	v.Shown = min(len(rows), livePlayersShown)
	v.Players = rows[:v.Shown]
	return v
}

// sortPlayers orders players by score, kicked ones last, and ranks them (ties share a rank).
func sortPlayers(rows []livePlayerRow) {
	slices.SortStableFunc(rows, func(a, b livePlayerRow) int {
		if a.Kicked != b.Kicked {
			if a.Kicked {
				return 1
			}
			return -1
		}
		return b.Score - a.Score
	})
	for i := range rows {
		if i > 0 && rows[i].Score == rows[i-1].Score && rows[i].Kicked == rows[i-1].Kicked {
			rows[i].Rank = rows[i-1].Rank
		} else {
			rows[i].Rank = i + 1
		}
	}
}

func (s *Server) liveResultsPage(c *gin.Context) error {
	sess, qs, err := s.liveSession(c)
	if err != nil {
		return err
	}
	s.render(c, "live_results", page{Title: sess.Title + " · results", Nav: "live", Data: s.liveResults(sess, qs)})
	return nil
}

func (s *Server) apiLiveResults(c *gin.Context) error {
	sess, qs, err := s.liveSession(c)
	if err != nil {
		return err
	}
	if qs == nil {
		qs = []store.LiveQuestion{}
	}
	c.JSON(http.StatusOK, gin.H{"session": sess, "status": s.liveStatus(sess), "questions": qs})
	return nil
}

func (s *Server) liveResultsCSV(c *gin.Context) error {
	sess, qs, err := s.liveSession(c)
	if err != nil {
		return err
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, sess.ID))
	c.Header("Cache-Control", "no-store")
	return writeLiveCSV(c.Writer, sess, qs)
}

// liveTime formats a time for exports.
func liveTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
