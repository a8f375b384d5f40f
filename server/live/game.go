package live

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"chartcode/exercises"
)

// game is the state of one room: players, the open question, answers and scores. It is the
// room's state machine: every method is called by the room's goroutine only, with the time the
// event happened, so tests drive it directly with any clock they like. It talks to the outside
// through Peers (messages out) and the Recorder (results saved).
type game struct {
	cfg       *Config
	phase     Phase
	q         int       // the current question; -1 in the lobby
	opened    time.Time // when the open question opened, moved forward by pauses
	deadline  time.Time // when the open question closes (while phase == PhaseQuestion)
	remaining time.Duration
	questions []questionState

	players []*player // in order of joining
	byID    map[string]*player
	byToken map[string]*player
	byName  map[string]*player // by folded name
	byPeer  map[Peer]*player
	hosts   map[Peer]bool
	seq     int

	active        time.Time // the host's last command (or the room's start)
	answered      int       // answers to the open question
	playersDirty  bool      // the host's player list changed since the last update
	answeredDirty bool      // the host's answered count changed since the last update
	ended         time.Time
}

// Phase is where a room is.
type Phase string

// The phases of a room, in order.
const (
	PhaseLobby    Phase = "lobby"
	PhaseQuestion Phase = "question"
	PhasePaused   Phase = "paused"
	PhaseReveal   Phase = "reveal"
	PhaseEnd      Phase = "end"
)

type questionState struct {
	skipped        bool
	opened, closed time.Time
	reveal         *Msg // the reveal broadcast, kept for players who reconnect
}

// player is one person in the room. A player outlives connections: peer is nil while they are
// away, and a rejoin with the token attaches a new one.
type player struct {
	id, name, userID string
	token            string
	peer             Peer
	joined           time.Time
	kicked           bool
	score, streak    int
	answers          []*answer // by question; nil where they did not answer
	rank             int       // after the last reveal
}

type answer struct {
	choices []string
	codes   string
	elapsed time.Duration // from opening, paused time excluded
	at      time.Time
	graded  Graded
	points  int // including bonus
	bonus   int
}

func newGame(cfg *Config) *game {
	return &game{
		cfg: cfg, phase: PhaseLobby, q: -1,
		questions: make([]questionState, len(cfg.Items)),
		byID:      map[string]*player{}, byToken: map[string]*player{}, byName: map[string]*player{},
		byPeer: map[Peer]*player{}, hosts: map[Peer]bool{}, active: cfg.Started,
	}
}

func (g *game) info() quizInfo {
	s := g.cfg.Settings
	return quizInfo{Title: g.cfg.Title, Questions: len(g.cfg.Items), Seconds: s.Seconds,
		SpeedPoints: s.SpeedPoints, Streaks: s.Streaks, Leaderboard: s.Leaderboard}
}

func (g *game) seconds() time.Duration { return time.Duration(g.cfg.Settings.Seconds) * time.Second }

// --- players -------------------------------------------------------------------------------

// hello handles a player's hello: a new player by name, or a returning one by token.
func (g *game) hello(p Peer, in *inbound, u *User, at time.Time) {
	if old, ok := g.byPeer[p]; ok && !old.kicked {
		g.send(p, errorMsg{Type: "error", Code: errBadMessage, Message: "you have already joined as " + old.name})
		return
	}
	if in.Token != "" {
		pl, ok := g.byToken[in.Token]
		switch {
		case !ok:
			g.send(p, errorMsg{Type: "error", Code: errBadToken, Message: "this quiz does not know that token; join with a name"})
		case pl.kicked:
			g.send(p, errorMsg{Type: "error", Code: errKicked, Message: "the host removed you from this quiz"})
			p.Close(closeNormal, "kicked")
		default:
			g.attach(pl, p, at)
		}
		return
	}
	if g.phase == PhaseEnd {
		g.send(p, errorMsg{Type: "error", Code: errEnded, Message: "this quiz is over"})
		p.Close(closeNormal, "ended")
		return
	}
	name, err := cleanName(in.Name)
	if err != nil {
		g.send(p, errorMsg{Type: "error", Code: errNameRequired, Message: err.Error()})
		return
	}
	if _, taken := g.byName[foldName(name)]; taken {
		g.send(p, errorMsg{Type: "error", Code: errNameTaken, Message: fmt.Sprintf("someone here is already called %q; pick another name", name)})
		return
	}
	if len(g.byID) >= g.cfg.MaxPlayers {
		g.send(p, errorMsg{Type: "error", Code: errRoomFull, Message: fmt.Sprintf("this quiz is full (%d players)", g.cfg.MaxPlayers)})
		p.Close(closeNormal, "full")
		return
	}
	g.seq++
	pl := &player{id: fmt.Sprintf("p%d", g.seq), name: name, token: newToken(), joined: at,
		answers: make([]*answer, len(g.cfg.Items))}
	if u != nil {
		pl.userID = u.ID
	}
	g.players = append(g.players, pl)
	g.byID[pl.id], g.byToken[pl.token], g.byName[foldName(name)] = pl, pl, pl
	g.attach(pl, p, at)
}

// attach connects peer p to player pl (replacing an older connection) and brings the peer up
// to date: welcome, then the current phase.
func (g *game) attach(pl *player, p Peer, at time.Time) {
	if pl.peer != nil && pl.peer != p {
		delete(g.byPeer, pl.peer)
		pl.peer.Close(closeReplaced, "replaced by a newer connection")
	}
	pl.peer = p
	g.byPeer[p] = pl
	g.playersDirty = true
	g.send(p, welcomeMsg{Type: "welcome", Player: playerRef{pl.id, pl.name}, Token: pl.token, Quiz: g.info(),
		Phase: string(g.phase), Score: pl.score, Streak: pl.streak})
	g.catchUp(p, pl, at)
}

// catchUp sends a (re)connecting peer the message of the current phase; pl is nil for hosts.
func (g *game) catchUp(p Peer, pl *player, at time.Time) {
	switch g.phase {
	case PhaseQuestion, PhasePaused:
		m := g.questionMsg(at)
		if pl != nil && pl.answers[g.q] != nil {
			m.Answered = true
		}
		g.send(p, m)
		if g.phase == PhasePaused {
			g.send(p, pausedMsg{Type: "paused", Q: g.q, RemainingMS: g.remaining.Milliseconds()})
		}
	case PhaseReveal:
		if r := g.questions[g.q].reveal; r != nil {
			g.deliver(p, r)
		}
		if pl != nil {
			g.send(p, g.resultMsg(pl, g.q))
		}
	case PhaseEnd:
		g.deliver(p, g.endMsg())
		if pl != nil {
			g.send(p, g.finalMsg(pl))
		}
	}
}

// gone forgets a connection that closed. The player stays, and may come back with the token.
func (g *game) gone(p Peer) {
	if g.hosts[p] {
		delete(g.hosts, p)
		return
	}
	if pl, ok := g.byPeer[p]; ok {
		delete(g.byPeer, p)
		if pl.peer == p {
			pl.peer = nil
			g.playersDirty = true
		}
	}
}

func (g *game) kick(host Peer, id string) {
	pl, ok := g.byID[id]
	if !ok || pl.kicked {
		g.send(host, errorMsg{Type: "error", Code: errNoPlayer, Message: "no player has the id " + id})
		return
	}
	pl.kicked = true
	delete(g.byName, foldName(pl.name))
	if pl.peer != nil {
		g.send(pl.peer, struct {
			Type string `json:"type"`
		}{"kicked"})
		pl.peer.Close(closeNormal, "kicked")
		delete(g.byPeer, pl.peer)
		pl.peer = nil
	}
	if (g.phase == PhaseQuestion || g.phase == PhasePaused) && pl.answers[g.q] != nil {
		g.answered--
		g.answeredDirty = true
	}
	g.playersDirty = true
}

// --- hosts ---------------------------------------------------------------------------------

// hostJoined adds a host connection and brings it up to date.
func (g *game) hostJoined(p Peer, at time.Time) {
	g.hosts[p] = true
	g.send(p, hostMsg{Type: "host", ID: g.cfg.ID, PIN: g.cfg.PIN, JoinURL: g.cfg.JoinURL, Quiz: g.info(),
		Phase: string(g.phase), Q: g.q, Players: g.count()})
	g.send(p, g.playersMsg())
	g.catchUp(p, nil, at)
	if g.phase == PhaseQuestion || g.phase == PhasePaused {
		g.send(p, answeredMsg{Type: "answered", Q: g.q, Count: g.answered, Of: g.count()})
	}
}

// command runs a host's command; host is nil when the room ends itself.
func (g *game) command(host Peer, in *inbound, at time.Time) {
	g.active = at
	bad := func(what string) {
		if host == nil {
			return
		}
		g.send(host, errorMsg{Type: "error", Code: errBadState, Message: fmt.Sprintf("%s is not possible while the quiz is in %s", what, g.phase)})
	}
	switch in.Type {
	case "start":
		if g.phase != PhaseLobby {
			bad("start")
			return
		}
		g.open(0, at)
	case "next":
		if g.phase != PhaseReveal {
			bad("next")
			return
		}
		g.advance(at)
	case "close":
		if g.phase != PhaseQuestion && g.phase != PhasePaused {
			bad("close")
			return
		}
		g.close(at)
	case "pause":
		if g.phase != PhaseQuestion {
			bad("pause")
			return
		}
		g.phase, g.remaining = PhasePaused, max(g.deadline.Sub(at), 0)
		g.broadcast(pausedMsg{Type: "paused", Q: g.q, RemainingMS: g.remaining.Milliseconds()})
	case "resume":
		if g.phase != PhasePaused {
			bad("resume")
			return
		}
		g.phase, g.deadline = PhaseQuestion, at.Add(g.remaining)
		g.opened = g.deadline.Add(-g.seconds())
		g.broadcast(pausedMsg{Type: "resumed", Q: g.q, RemainingMS: g.remaining.Milliseconds(), SentUS: at.UnixMicro()})
	case "skip":
		if g.phase != PhaseQuestion && g.phase != PhasePaused {
			bad("skip")
			return
		}
		g.questions[g.q].skipped, g.questions[g.q].closed = true, at
		for _, pl := range g.players {
			pl.answers[g.q] = nil
		}
		g.record(at, g.q)
		g.advance(at)
	case "kick":
		g.kick(host, in.Player)
	case "end":
		if g.phase == PhaseEnd {
			bad("end")
			return
		}
		if g.phase == PhaseQuestion || g.phase == PhasePaused {
			g.close(at)
		}
		g.end(at)
	default:
		g.send(host, errorMsg{Type: "error", Code: errBadMessage, Message: fmt.Sprintf("unknown host message type %q", in.Type)})
	}
}

// --- questions -----------------------------------------------------------------------------

func (g *game) open(q int, at time.Time) {
	g.phase, g.q, g.answered, g.answeredDirty = PhaseQuestion, q, 0, true
	g.opened, g.deadline = at, at.Add(g.seconds())
	g.questions[q].opened = at
	g.broadcast(g.questionMsg(at))
}

// advance opens the question after the current one, or ends the quiz after the last.
func (g *game) advance(at time.Time) {
	if g.q+1 < len(g.cfg.Items) {
		g.open(g.q+1, at)
		return
	}
	g.end(at)
}

func (g *game) questionMsg(at time.Time) questionMsg {
	rem := g.remaining
	if g.phase == PhaseQuestion {
		rem = max(g.deadline.Sub(at), 0)
	}
	return questionMsg{Type: "question", Q: g.q, Of: len(g.cfg.Items), Item: g.cfg.Items[g.q].Public(),
		Seconds: g.cfg.Settings.Seconds, RemainingMS: rem.Milliseconds(), SentUS: g.cfg.Now().UnixMicro()}
}

// answer takes a player's answer, stamped with the time the server received it.
func (g *game) answer(p Peer, in *inbound, at time.Time) {
	pl, ok := g.byPeer[p]
	if !ok {
		g.send(p, errorMsg{Type: "error", Code: errHelloRequired, Message: "send hello first"})
		p.Close(closePolicy, "hello required")
		return
	}
	if in.Q == nil {
		g.send(p, errorMsg{Type: "error", Code: errBadMessage, Message: "an answer needs q, the question number"})
		return
	}
	q := *in.Q
	fail := func(code, format string, args ...any) {
		g.send(p, errorMsg{Type: "error", Code: code, Message: fmt.Sprintf(format, args...), Q: &q})
	}
	if q >= 0 && q < len(pl.answers) && pl.answers[q] != nil && q == g.q {
		g.send(p, ackMsg{Type: "ack", Q: q, ElapsedMS: pl.answers[q].elapsed.Milliseconds(), Duplicate: true})
		return
	}
	switch {
	case q != g.q || g.phase != PhaseQuestion && g.phase != PhasePaused:
		if g.phase == PhaseReveal && q == g.q || q < g.q {
			fail(errLate, "question %d has closed", q+1)
			return
		}
		fail(errNotOpen, "question %d is not open", q+1)
		return
	case g.phase == PhasePaused:
		fail(errNotOpen, "the quiz is paused")
		return
	case at.After(g.deadline):
		fail(errLate, "time was up for question %d", q+1)
		return
	}
	it := g.cfg.Items[q]
	a := Answer{Codes: in.Codes, Choices: in.Choices, UserID: pl.userID}
	graded, err := g.cfg.Grade(it, a)
	if err != nil {
		fail(errInvalidAnswer, "%s", err.Error())
		return
	}
	elapsed := min(max(at.Sub(g.opened), 0), g.seconds())
	ans := &answer{choices: in.Choices, codes: in.Codes, elapsed: elapsed, at: at, graded: graded}
	ans.points = g.points(graded.Credit, elapsed)
	if g.cfg.Settings.Streaks && graded.Credit >= 1 {
		ans.bonus = min(100*pl.streak, 500)
		ans.points += ans.bonus
	}
	pl.answers[q] = ans
	g.answered++
	g.answeredDirty = true
	g.send(p, ackMsg{Type: "ack", Q: q, ElapsedMS: elapsed.Milliseconds()})
}

// points are the points an answer with credit earns after elapsed, before any streak bonus.
func (g *game) points(credit float64, elapsed time.Duration) int {
	if !g.cfg.Settings.SpeedPoints {
		return int(math.Round(1000 * credit))
	}
	t := elapsed.Seconds() / g.seconds().Seconds()
	return int(math.Round(1000 * credit * (1 - t/2)))
}

// expire closes the open question if its deadline has passed by now.
func (g *game) expire(now time.Time) {
	if g.phase == PhaseQuestion && !now.Before(g.deadline) {
		g.close(now)
	}
}

// close ends the open question: scores and streaks, saving, then the reveal and each player's
// result.
func (g *game) close(at time.Time) {
	q := g.q
	g.questions[q].closed = at
	for _, pl := range g.players {
		a := pl.answers[q]
		switch {
		case pl.kicked:
		case a == nil:
			pl.streak = 0
		default:
			pl.score += a.points
			if a.graded.Credit >= 1 {
				pl.streak++
			} else {
				pl.streak = 0
			}
		}
	}
	g.phase = PhaseReveal
	g.record(at, q)
	board := g.rank()
	it := g.cfg.Items[q]
	r := revealMsg{Type: "reveal", Q: q, ItemID: it.ID, ItemType: it.Type, Distribution: g.distribution(q),
		Answered: g.answered, Players: g.count(), Rationale: firstParagraph(it.Rationale)}
	if it.Type == exercises.Case {
		r.Key.Codes = it.Key.String()
	} else {
		r.Key.Correct, r.Key.Choices = it.Answer, it.Choices
	}
	if g.cfg.Settings.Leaderboard {
		r.Leaderboard = top(board, 5)
	}
	m := newShared(r)
	g.questions[q].reveal = m
	g.broadcastMsg(m)
	for _, pl := range g.players {
		if pl.peer != nil {
			g.send(pl.peer, g.resultMsg(pl, q))
		}
	}
}

func (g *game) resultMsg(pl *player, q int) resultMsg {
	r := resultMsg{Type: "result", Q: q, Score: pl.score, Streak: pl.streak}
	if a := pl.answers[q]; a != nil {
		r.Answered, r.Credit, r.Points, r.Bonus = true, a.graded.Credit, a.points, a.bonus
	}
	if g.cfg.Settings.Leaderboard {
		r.Rank, r.Of = pl.rank, g.count()
	}
	return r
}

func (g *game) distribution(q int) map[string]int {
	d := map[string]int{}
	it := g.cfg.Items[q]
	if it.Type == exercises.Case {
		d["full"], d["partial"], d["none"] = 0, 0, 0
	}
	for _, o := range it.Choices {
		d[o.Letter] = 0
	}
	for _, pl := range g.players {
		a := pl.answers[q]
		if pl.kicked || a == nil {
			continue
		}
		if it.Type != exercises.Case {
			for _, c := range a.graded.Picked {
				d[c]++
			}
			continue
		}
		switch c := a.graded.Credit; {
		case c >= 1:
			d["full"]++
		case c > 0:
			d["partial"]++
		default:
			d["none"]++
		}
	}
	return d
}

// rank sorts the players still in the room by score and sets their ranks: equal scores share
// a rank (1, 2, 2, 4). It returns the sorted players.
func (g *game) rank() []*player {
	board := make([]*player, 0, len(g.players))
	for _, pl := range g.players {
		if !pl.kicked {
			board = append(board, pl)
		}
	}
	slices.SortStableFunc(board, func(a, b *player) int { return cmp.Compare(b.score, a.score) })
	for i, pl := range board {
		if i > 0 && pl.score == board[i-1].score {
			pl.rank = board[i-1].rank
		} else {
			pl.rank = i + 1
		}
	}
	return board
}

func top(board []*player, n int) []Row {
	rows := make([]Row, 0, min(n, len(board)))
	for _, pl := range board[:min(n, len(board))] {
		rows = append(rows, Row{Rank: pl.rank, Name: pl.name, Score: pl.score})
	}
	return rows
}

// end finishes the quiz: the podium, each player's final result, and the last save.
func (g *game) end(at time.Time) {
	g.phase, g.ended = PhaseEnd, at
	board := g.rank()
	g.record(at, -1)
	m := g.endMsgFrom(board)
	g.broadcastMsg(m)
	for _, pl := range g.players {
		if pl.peer != nil {
			g.send(pl.peer, g.finalMsg(pl))
		}
	}
}

func (g *game) endMsg() *Msg { return g.endMsgFrom(g.rank()) }

func (g *game) endMsgFrom(board []*player) *Msg {
	e := endMsg{Type: "end", Questions: len(g.cfg.Items), Players: g.count()}
	if g.cfg.Settings.Leaderboard {
		e.Podium = top(board, 3)
	}
	return newShared(e)
}

func (g *game) finalMsg(pl *player) finalMsg {
	f := finalMsg{Type: "final", Score: pl.score}
	for _, a := range pl.answers {
		if a != nil {
			f.Answered++
			if a.graded.Credit >= 1 {
				f.Correct++
			}
		}
	}
	if g.cfg.Settings.Leaderboard {
		f.Rank, f.Of = pl.rank, g.count()
	}
	return f
}

// --- saving --------------------------------------------------------------------------------

// record saves the session, and question q's results when q ≥ 0. A failed save is logged and
// reported to the hosts; the quiz goes on.
func (g *game) record(at time.Time, q int) {
	rec := &Record{Session: g.session(), Players: make([]PlayerRecord, 0, len(g.players))}
	for _, pl := range g.players {
		rec.Players = append(rec.Players, PlayerRecord{ID: pl.id, Name: pl.name, UserID: pl.userID, Joined: pl.joined,
			Score: pl.score, Kicked: pl.kicked})
	}
	if q >= 0 {
		qs := g.questions[q]
		qr := &QuestionRecord{Index: q, ItemID: g.cfg.Items[q].ID, Skipped: qs.skipped, Opened: qs.opened, Closed: qs.closed}
		for _, pl := range g.players {
			if a := pl.answers[q]; a != nil && !pl.kicked {
				text := a.codes
				if a.graded.Picked != nil {
					text = strings.Join(a.graded.Picked, ",")
				}
				qr.Answers = append(qr.Answers, AnswerRecord{PlayerID: pl.id, UserID: pl.userID, Answer: text,
					Credit: a.graded.Credit, Points: a.points, Bonus: a.bonus, Elapsed: a.elapsed, At: a.at, Detail: a.graded.Detail})
			}
		}
		rec.Question = qr
	}
	if err := g.cfg.Record.Record(rec); err != nil {
		g.cfg.Log.Error("live: save results", "session", g.cfg.ID, "question", q, "err", err)
		for h := range g.hosts {
			g.send(h, errorMsg{Type: "error", Code: errSaveFailed, Message: "the results of this question could not be saved: " + err.Error()})
		}
	}
}

func (g *game) session() Session {
	s := Session{ID: g.cfg.ID, PIN: g.cfg.PIN, QuizID: g.cfg.QuizID, Title: g.cfg.Title, HostID: g.cfg.HostID,
		Settings: g.cfg.Settings, Started: g.cfg.Started, Ended: g.ended, Phase: g.phase}
	for _, it := range g.cfg.Items {
		s.Items = append(s.Items, it.ID)
	}
	for i, qs := range g.questions {
		if !qs.closed.IsZero() {
			s.Closed = i + 1
		}
	}
	return s
}

// --- sending -------------------------------------------------------------------------------

// count is the number of players in the room (not kicked), connected or not.
func (g *game) count() int { return len(g.byName) }

func (g *game) playersMsg() playersMsg {
	m := playersMsg{Type: "players", Count: g.count(), Recent: []playerRef{}}
	for i := len(g.players) - 1; i >= 0 && len(m.Recent) < 20; i-- {
		if pl := g.players[i]; !pl.kicked {
			m.Recent = append(m.Recent, playerRef{pl.id, pl.name})
		}
	}
	for _, pl := range g.players {
		if !pl.kicked && pl.peer == nil {
			m.Left++
		}
	}
	return m
}

// flushHosts sends the hosts what changed since the last call: at most one players and one
// answered message, however many players joined or answered in between.
func (g *game) flushHosts() {
	if len(g.hosts) == 0 {
		return
	}
	if g.playersDirty {
		g.playersDirty = false
		g.broadcastHosts(newMsg(g.playersMsg()))
	}
	if g.answeredDirty && (g.phase == PhaseQuestion || g.phase == PhasePaused) {
		g.answeredDirty = false
		g.broadcastHosts(newMsg(answeredMsg{Type: "answered", Q: g.q, Count: g.answered, Of: g.count()}))
	}
}

func (g *game) send(p Peer, v any) { g.deliver(p, newMsg(v)) }

// deliver queues m for p; a peer whose queue is full is too slow and is dropped.
func (g *game) deliver(p Peer, m *Msg) {
	if !p.Send(m) {
		p.Close(closeTooSlow, "too slow")
		g.gone(p)
	}
}

func (g *game) broadcast(v any) { g.broadcastMsg(newShared(v)) }

// broadcastMsg sends m, encoded once, to every connected player and host.
func (g *game) broadcastMsg(m *Msg) {
	for _, pl := range g.players {
		if pl.peer != nil {
			g.deliver(pl.peer, m)
		}
	}
	g.broadcastHosts(m)
}

func (g *game) broadcastHosts(m *Msg) {
	for h := range g.hosts {
		g.deliver(h, m)
	}
}

// --- helpers -------------------------------------------------------------------------------

const maxName = 24

// cleanName trims a display name and checks it.
func cleanName(s string) (string, error) {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", errors.New("enter a name to show on the leaderboard")
	case n > maxName:
		return "", fmt.Errorf("a name is at most %d characters", maxName)
	}
	return s, nil
}

func foldName(s string) string { return strings.ToLower(s) }

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// firstParagraph returns the first <p>…</p> of rendered HTML, or all of it.
func firstParagraph(html template.HTML) template.HTML {
	if i := strings.Index(string(html), "</p>"); i >= 0 {
		return html[:i+len("</p>")]
	}
	return html
}
