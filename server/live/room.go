// Package live runs live quizzes: rooms that push timed questions to players, grade their
// answers as they come, and keep a leaderboard (docs/live-protocol.md). A room is one
// goroutine owning all its state; the server's clock is the only clock. The WebSocket
// connections, one reader and one writer goroutine each, are in conn.go: nothing else here
// knows about WebSockets.
package live

import (
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"chartcode/exercises"
)

// Settings are the rules of a session.
type Settings struct {
	Seconds     int  `json:"seconds"`      // time per question
	SpeedPoints bool `json:"speed_points"` // points fall with time taken
	Streaks     bool `json:"streaks"`      // bonus for consecutive fully right answers
	Leaderboard bool `json:"leaderboard"`  // show ranks and the leaderboard
}

// Answer is a player's answer as sent: letters for choice questions, text for code entry.
type Answer struct {
	Choices []string
	Codes   string
	UserID  string // the signed-in person answering, or empty
}

// Graded is what the grader made of an answer.
type Graded struct {
	Credit float64  // 0–1, practice credit
	Picked []string // the letters, normalized (choice questions)
	Detail any      // kept for the Recorder (the server keeps the attempt to store)
}

// Grader grades an answer to an item; an error means the answer is not acceptable (two letters
// for a single-answer question, say) and its message is shown to the player.
type Grader func(it *exercises.Item, a Answer) (Graded, error)

// Recorder saves a room's results. Record returns once the write is durable; the room calls
// it when each question closes and when the quiz ends.
type Recorder interface {
	Record(r *Record) error
}

// Record is what a room saves: the session so far and, when a question has just closed, its
// answers.
type Record struct {
	Session  Session
	Players  []PlayerRecord
	Question *QuestionRecord // nil when only the session changed
}

// Session describes a live quiz.
type Session struct {
	ID       string
	PIN      string
	QuizID   string // empty for an ad-hoc pick of items
	Title    string
	HostID   string
	Items    []string
	Settings Settings
	Started  time.Time
	Ended    time.Time // zero while it runs
	Phase    Phase
	Closed   int // questions closed so far
}

// PlayerRecord is a player as saved.
type PlayerRecord struct {
	ID, Name, UserID string
	Joined           time.Time
	Score            int
	Kicked           bool
}

// QuestionRecord is a closed question's results.
type QuestionRecord struct {
	Index          int
	ItemID         string
	Skipped        bool
	Opened, Closed time.Time
	Answers        []AnswerRecord
}

// AnswerRecord is one player's answer to one question.
type AnswerRecord struct {
	PlayerID, UserID string
	Answer           string // the letters picked ("A,C") or the codes typed
	Credit           float64
	Points, Bonus    int
	Elapsed          time.Duration
	At               time.Time
	Detail           any // from the Grader
}

// User is a signed-in person joining as a player.
type User struct{ ID, Name string }

// Peer is one connection as a room sees it.
type Peer interface {
	// Send queues m without blocking; false means the queue is full.
	Send(m *Msg) bool
	// Close sends a close frame with code and reason after what is queued, then hangs up.
	Close(code int, reason string)
}

// Config makes a room.
type Config struct {
	ID, PIN, Title, QuizID, HostID string
	// JoinURL is the address players join at, without the PIN: Hub.Create appends it.
	JoinURL    string
	Items      []*exercises.Item
	Settings   Settings
	Started    time.Time
	MaxPlayers int // default 20,000
	Grade      Grader
	Record     Recorder
	Now        func() time.Time
	Log        *slog.Logger
}

func (c *Config) check() error {
	switch {
	case len(c.Items) == 0:
		return errors.New("live: a quiz needs at least one question")
	case c.Settings.Seconds <= 0:
		return errors.New("live: a question needs some time")
	case c.Grade == nil || c.Record == nil:
		return errors.New("live: a room needs a grader and a recorder")
	}
	if c.MaxPlayers == 0 {
		c.MaxPlayers = 20000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Started.IsZero() {
		c.Started = c.Now()
	}
	return nil
}

// Room is a running live quiz: a goroutine that owns a game and takes events from connections
// through its inbox.
type Room struct {
	cfg   Config
	over  atomic.Bool // the quiz has ended (the room may linger for reloads)
	inbox chan event
	stop  chan int // a close code: end the room now
	done  chan struct{}
}

// How a room runs.
const (
	inboxSize   = 4096
	hostEvery   = 250 * time.Millisecond // at most 4 host updates a second
	endedLinger = 15 * time.Minute       // an ended room stays for late reloads, then goes
	idleLimit   = 3 * time.Hour          // a room whose host does nothing for this long ends
)

type eventKind int

const (
	evHello eventKind = iota
	evAnswer
	evGone
	evHostJoin
	evHost
)

type event struct {
	kind eventKind
	peer Peer
	in   *inbound
	user *User
	at   time.Time // when the server received it
}

// newRoom starts a room's goroutine; onDone runs when it stops.
func newRoom(cfg Config, onDone func()) (*Room, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r := &Room{cfg: cfg, inbox: make(chan event, inboxSize), stop: make(chan int, 1), done: make(chan struct{})}
	g := newGame(&r.cfg)
	g.record(cfg.Started, -1)
	go func() {
		defer onDone()
		r.run(g)
	}()
	return r, nil
}

// ID is the session's ID; PIN the code players join with.
func (r *Room) ID() string  { return r.cfg.ID }
func (r *Room) PIN() string { return r.cfg.PIN }

// HostID is the person who runs the room.
func (r *Room) HostID() string { return r.cfg.HostID }

// Title is the quiz's title.
func (r *Room) Title() string { return r.cfg.Title }

// Over reports whether the quiz has ended.
func (r *Room) Over() bool { return r.over.Load() }

// post hands an event to the room; false when the room has stopped.
func (r *Room) post(ev event) bool {
	select {
	case r.inbox <- ev:
		return true
	case <-r.done:
		return false
	}
}

// Stop ends the room at once (the server is going down): an open question is closed and saved,
// then every connection is closed with code.
func (r *Room) Stop() {
	select {
	case r.stop <- closeGoingOff:
	default:
	}
	<-r.done
}

func (r *Room) run(g *game) {
	defer close(r.done)
	tick := time.NewTicker(hostEvery)
	defer tick.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var armed time.Time // the deadline the timer is set for
	for {
		r.over.Store(g.phase == PhaseEnd)
		// One timer follows the open question's deadline.
		if g.phase == PhaseQuestion && !g.deadline.Equal(armed) {
			armed = g.deadline
			timer.Reset(max(armed.Sub(r.cfg.Now()), 0))
		}
		select {
		case ev := <-r.inbox:
			r.handle(g, ev)
		case <-timer.C:
			armed = time.Time{}
			// Answers already received carry their arrival time: take them before closing, so
			// that an answer in time is never refused for waiting in the queue.
			for n := len(r.inbox); n > 0; n-- {
				r.handle(g, <-r.inbox)
			}
			g.expire(r.cfg.Now())
		case <-tick.C:
			g.flushHosts()
			now := r.cfg.Now()
			if g.phase != PhaseEnd && now.Sub(g.active) > idleLimit {
				g.command(nil, &inbound{Type: "end"}, now)
			}
			if g.phase == PhaseEnd && now.Sub(g.ended) > endedLinger {
				g.closeAll(closeNormal, "the quiz is over")
				return
			}
		case code := <-r.stop:
			now := r.cfg.Now()
			if g.phase == PhaseQuestion || g.phase == PhasePaused {
				g.close(now)
			}
			if g.phase != PhaseEnd {
				g.end(now)
			}
			g.closeAll(code, "the server is shutting down")
			return
		}
	}
}

func (r *Room) handle(g *game, ev event) {
	switch ev.kind {
	case evHello:
		g.hello(ev.peer, ev.in, ev.user, ev.at)
	case evAnswer:
		g.answer(ev.peer, ev.in, ev.at)
	case evGone:
		g.gone(ev.peer)
	case evHostJoin:
		g.hostJoined(ev.peer, ev.at)
	case evHost:
		g.command(ev.peer, ev.in, ev.at)
	}
}

// closeAll closes every connection of the room.
func (g *game) closeAll(code int, reason string) {
	for p := range g.byPeer {
		p.Close(code, reason)
	}
	for h := range g.hosts {
		h.Close(code, reason)
	}
}
