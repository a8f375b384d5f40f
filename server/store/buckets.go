package store

// Every bucket of the database is declared here, with the layout of its keys and values. Values
// are JSON unless said otherwise. Keys are chosen for the scans the pages need: bbolt keeps keys
// in byte order, so a cursor walks them sorted.
const (
	// bucketMeta holds facts about the database itself.
	//   "schema" → the schema version, a JSON number (see schemaVersion in store.go).
	bucketMeta = "meta"

	// bucketUsers holds the accounts.
	//   user ID (32 hex digits) → User.
	bucketUsers = "users"

	// bucketUsernames is the unique index of login names.
	//   lowercase login name → user ID (raw bytes, not JSON).
	bucketUsernames = "usernames"

	// bucketSessions holds the signed-in sessions.
	//   session ID (hex SHA-256 of the cookie token) → Session.
	bucketSessions = "sessions"

	// bucketUserSessions indexes sessions by user, so that signing a person out everywhere does
	// not scan every session.
	//   user ID → nested bucket: session ID → empty value.
	bucketUserSessions = "usersessions"

	// bucketAttempts holds every graded answer.
	//   user ID → nested bucket: attempt ID → Attempt.
	// An attempt ID is 16 hex digits of the big-endian UnixNano of Attempt.At then 4 hex digits
	// of a sequence, so a person's attempts sort by time and a time range is a cursor range.
	bucketAttempts = "attempts"

	// bucketItems holds each person's summary per exercise, written with every attempt.
	//   user ID → nested bucket: item ID → ItemSummary.
	bucketItems = "items"

	// bucketAggregates holds each person's running totals, written with every attempt.
	//   user ID → nested bucket: aggregate key ("all", "section:<name>", "credential:<name>")
	//   → Aggregate.
	bucketAggregates = "aggregates"

	// bucketExams holds the timed mock-exam sittings.
	//   user ID → nested bucket: exam ID → ExamRecord.
	// Exam IDs follow the attempt ID scheme with the Started time, so a person's sittings sort
	// by when they began. Data and Report are the exam engine's JSON, opaque to the store.
	bucketExams = "exams"

	// bucketExamDue indexes the unsubmitted sittings by deadline, so that the sweeper finds the
	// expired ones without scanning every sitting. Submitting a sitting removes its entry.
	//   16 hex digits of the big-endian UnixNano of Deadline + "/" + user ID + "/" + exam ID
	//   → empty value.
	// Neither ID may contain "/", so the key splits back unambiguously.
	bucketExamDue = "examdue"

	// bucketCustomExams holds the exams trainers and administrators made.
	//   custom exam ID ("custom-" + 20 hex digits: the attempt ID scheme with Created) → CustomExam.
	// The IDs sort by creation time, so a reverse cursor walk lists the newest first.
	bucketCustomExams = "customexams"

	// bucketLiveSessions holds the live quizzes, rewritten as each question closes.
	//   live session ID ("live-" + 20 hex digits: the attempt ID scheme with Started)
	//   → LiveSession (with its players).
	bucketLiveSessions = "livesessions"

	// bucketLiveResults holds the answers of each closed question of a live quiz.
	//   live session ID + "/" + 4 decimal digits of the question index → LiveQuestion.
	// A session's questions are one cursor range, in order.
	bucketLiveResults = "liveresults"

	// bucketEvidence holds each person's recent competency evidence, written with every attempt.
	//   user ID → nested bucket: section → []competency.Evidence, newest first, as many as
	//   competency.Default.Keep() units need.
	bucketEvidence = "evidence"

	// bucketDaily holds each person's totals per day, written with every attempt.
	//   user ID → nested bucket: "YYYY-MM-DD" (UTC) → Day.
	bucketDaily = "daily"

	// bucketTeams holds the teams supervisors track.
	//   team ID ("team-" + 20 hex digits: the attempt ID scheme with Created) → Team.
	bucketTeams = "teams"

	// bucketAssignments holds the work assigned to teams and people.
	//   assignment ID ("asg-" + 20 hex digits: the attempt ID scheme with Created) → Assignment.
	bucketAssignments = "assignments"

	// bucketAuthored holds the content trainers write or import, with every published version.
	//   content id → AuthoredItem.
	bucketAuthored = "authored"
)

// allBuckets lists the top-level buckets Open creates.
func allBuckets() []string {
	return []string{
		bucketMeta,
		bucketUsers,
		bucketUsernames,
		bucketSessions,
		bucketUserSessions,
		bucketAttempts,
		bucketItems,
		bucketAggregates,
		bucketExams,
		bucketExamDue,
		bucketCustomExams,
		bucketLiveSessions,
		bucketLiveResults,
		bucketEvidence,
		bucketDaily,
		bucketTeams,
		bucketAssignments,
		bucketAuthored,
	}
}

// keySchema is the key of the schema version in bucketMeta.
const keySchema = "schema"
