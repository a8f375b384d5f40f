package live

import (
	"html/template"

	"chartcode/exercises"
)

// The wire messages of docs/live-protocol.md. Every message is one JSON object with a type.

// inbound is any message a client sends; which fields matter depends on Type.
type inbound struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`    // hello
	Token   string   `json:"token"`   // hello (rejoin)
	Q       *int     `json:"q"`       // answer
	Choices []string `json:"choices"` // answer to a choice question
	Codes   string   `json:"codes"`   // answer to a code-entry question
	Player  string   `json:"player"`  // kick
}

type quizInfo struct {
	Title       string `json:"title"`
	Questions   int    `json:"questions"`
	Seconds     int    `json:"seconds"`
	SpeedPoints bool   `json:"speed_points"`
	Streaks     bool   `json:"streaks"`
	Leaderboard bool   `json:"leaderboard"`
}

type playerRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type welcomeMsg struct {
	Type   string    `json:"type"`
	Player playerRef `json:"player"`
	Token  string    `json:"token"`
	Quiz   quizInfo  `json:"quiz"`
	Phase  string    `json:"phase"`
	Score  int       `json:"score"`
	Streak int       `json:"streak"`
}

type questionMsg struct {
	Type        string           `json:"type"`
	Q           int              `json:"q"`
	Of          int              `json:"of"`
	Item        exercises.Public `json:"item"`
	Seconds     int              `json:"seconds"`
	RemainingMS int64            `json:"remaining_ms"`
	SentUS      int64            `json:"sent_us"`
	Answered    bool             `json:"answered,omitempty"`
}

type pausedMsg struct {
	Type        string `json:"type"`
	Q           int    `json:"q"`
	RemainingMS int64  `json:"remaining_ms"`
	SentUS      int64  `json:"sent_us,omitempty"`
}

type ackMsg struct {
	Type      string `json:"type"`
	Q         int    `json:"q"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// revealKey is the key of a closed question: correct letters, or key codes.
type revealKey struct {
	Correct []string           `json:"correct,omitempty"`
	Choices []exercises.Option `json:"choices,omitempty"`
	Codes   string             `json:"codes,omitempty"`
}

// Row is one line of a leaderboard.
type Row struct {
	Rank  int    `json:"rank"`
	Name  string `json:"name"`
	Score int    `json:"score"`
}

type revealMsg struct {
	Type         string         `json:"type"`
	Q            int            `json:"q"`
	ItemID       string         `json:"item_id"`
	ItemType     exercises.Type `json:"item_type"`
	Key          revealKey      `json:"key"`
	Distribution map[string]int `json:"distribution"`
	Answered     int            `json:"answered"`
	Players      int            `json:"players"`
	Rationale    template.HTML  `json:"rationale"`
	Leaderboard  []Row          `json:"leaderboard,omitempty"`
}

type resultMsg struct {
	Type     string  `json:"type"`
	Q        int     `json:"q"`
	Answered bool    `json:"answered"`
	Credit   float64 `json:"credit"`
	Points   int     `json:"points"`
	Bonus    int     `json:"bonus"`
	Score    int     `json:"score"`
	Streak   int     `json:"streak"`
	Rank     int     `json:"rank,omitempty"`
	Of       int     `json:"of,omitempty"`
}

type endMsg struct {
	Type      string `json:"type"`
	Questions int    `json:"questions"`
	Players   int    `json:"players"`
	Podium    []Row  `json:"podium,omitempty"`
}

type finalMsg struct {
	Type     string `json:"type"`
	Score    int    `json:"score"`
	Rank     int    `json:"rank,omitempty"`
	Of       int    `json:"of,omitempty"`
	Answered int    `json:"answered"`
	Correct  int    `json:"correct"`
}

type errorMsg struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Q       *int   `json:"q,omitempty"`
}

type hostMsg struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	PIN     string   `json:"pin"`
	JoinURL string   `json:"join_url"`
	Quiz    quizInfo `json:"quiz"`
	Phase   string   `json:"phase"`
	Q       int      `json:"q"`
	Players int      `json:"players"`
}

type playersMsg struct {
	Type   string      `json:"type"`
	Count  int         `json:"count"`
	Recent []playerRef `json:"recent"`
	Left   int         `json:"left"`
}

type answeredMsg struct {
	Type  string `json:"type"`
	Q     int    `json:"q"`
	Count int    `json:"count"`
	Of    int    `json:"of"`
}

// The error codes of the protocol.
const (
	errBadMessage    = "bad_message"
	errHelloRequired = "hello_required"
	errNameRequired  = "name_required"
	errNameTaken     = "name_taken"
	errBadToken      = "bad_token"
	errKicked        = "kicked"
	errRoomFull      = "room_full"
	errEnded         = "ended"
	errNotOpen       = "not_open"
	errLate          = "late"
	errInvalidAnswer = "invalid_answer"
	errBadState      = "bad_state"
	errNoPlayer      = "no_player"
	errSaveFailed    = "save_failed"
)

// The close codes of the protocol.
const (
	closeNormal   = 1000
	closeGoingOff = 1001
	closePolicy   = 1008
	closeReplaced = 4000
	closeTooSlow  = 4001
)
