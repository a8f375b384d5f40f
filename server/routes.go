package server

import (
	"github.com/gin-gonic/gin"

	"chartcode/server/store"
)

// everyone is every role: what any signed-in person may do.
var everyone = []store.Role{store.Student, store.Trainer, store.Supervisor, store.Admin}

// routes is the site map: every page, action and API call, with who may use it.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.wrap(s.healthz))
	r.HEAD("/healthz", s.wrap(s.healthz))
	r.GET("/static/*file", s.static)

	// Signed out.
	r.GET("/", s.wrap(s.home))
	r.GET("/signin", s.wrap(s.signinPage))
	r.POST("/signin", s.wrap(s.signin))
	r.POST("/api/session", s.wrap(s.apiSignin))

	// Live-quiz players: anyone with the PIN, signed in or not (docs/live-protocol.md).
	r.GET("/join", s.wrap(s.joinPage))
	r.GET("/play/:pin", s.wrap(s.playPage))
	r.GET("/live/:pin/ws", s.wrap(s.playerSocket))

	// Any signed-in person.
	in := r.Group("", s.require(everyone...))
	in.POST("/signout", s.wrap(s.signout))
	in.GET("/account/password", s.wrap(s.passwordPage))
	in.POST("/account/password", s.wrap(s.changePassword))
	in.GET("/practice", s.wrap(s.catalogPage))
	in.GET("/practice/:id", s.wrap(s.exercisePage))
	in.POST("/practice/:id", s.wrap(s.submit))
	in.GET("/attempts", s.wrap(s.historyPage))
	in.GET("/attempts/:id", s.wrap(s.resultPage))
	in.GET("/progress", s.wrap(s.progressPage))
	in.GET("/progress/chart.svg", s.wrap(s.progressChart))
	in.GET("/codes", s.wrap(s.codesPage))
	in.GET("/exams", s.wrap(s.examsPage))
	in.GET("/api/custom-exams", s.wrap(s.apiCustomExams))
	in.POST("/exams", s.wrap(s.startExamForm))
	in.GET("/exams/:id", s.wrap(s.examPage))
	in.GET("/exams/:id/confirm", s.wrap(s.examConfirmPage))
	in.POST("/exams/:id/submit", s.wrap(s.submitExamForm))
	in.GET("/exams/:id/report", s.wrap(s.examReportPage))

	in.DELETE("/api/session", s.wrap(s.apiSignout))
	in.GET("/api/exercises", s.wrap(s.apiExercises))
	in.GET("/api/exercises/:id", s.wrap(s.apiExercise))
	in.POST("/api/exercises/:id/attempts", s.wrap(s.apiSubmit))
	in.GET("/api/attempts/:id", s.wrap(s.apiAttempt))
	in.GET("/api/me/progress", s.wrap(s.apiProgress))
	in.GET("/api/me/assignments", s.wrap(s.apiMyAssignments))
	in.PUT("/api/me/password", s.wrap(s.apiChangePassword))
	in.GET("/api/codes", s.wrap(s.apiCodes))
	in.GET("/api/codes/:code", s.wrap(s.apiCode))
	in.GET("/api/exams", s.wrap(s.apiExams))
	in.POST("/api/exams", s.wrap(s.apiStartExam))
	in.GET("/api/exams/:id", s.wrap(s.apiExam))
	in.PUT("/api/exams/:id/items/:item", s.wrap(s.apiSaveItem))
	in.POST("/api/exams/:id/submit", s.wrap(s.apiSubmitExam))
	in.GET("/api/exams/:id/report", s.wrap(s.apiExamReport))

	// Trainers and administrators: custom exams (deleting one: its author or an administrator).
	staff := r.Group("", s.require(store.Trainer, store.Admin))
	staff.GET("/exams/new", s.wrap(s.newCustomPage))
	staff.POST("/exams/new", s.wrap(s.createCustomForm))
	staff.POST("/exams/custom/:id/delete", s.wrap(s.deleteCustomForm))
	staff.POST("/api/custom-exams", s.wrap(s.apiCreateCustom))
	staff.DELETE("/api/custom-exams/:id", s.wrap(s.apiDeleteCustom))

	// Trainers and administrators: live quizzes (a room's pages: its host or an administrator).
	staff.GET("/live", s.wrap(s.liveIndexPage))
	staff.POST("/live", s.wrap(s.createLiveForm))
	staff.GET("/live/:pin/host", s.wrap(s.hostPage))
	staff.GET("/live/:pin/host/ws", s.wrap(s.hostSocket))
	staff.GET("/live/:pin/qr.svg", s.wrap(s.joinQR))
	staff.GET("/live/sessions/:id", s.wrap(s.liveResultsPage))
	staff.GET("/live/sessions/:id/results.csv", s.wrap(s.liveResultsCSV))
	staff.POST("/api/live", s.wrap(s.apiCreateLive))
	staff.GET("/api/live/sessions", s.wrap(s.apiLiveSessions))
	staff.GET("/api/live/sessions/:id", s.wrap(s.apiLiveResults))

	// Supervisors and administrators: teams and competency (a team's pages: its supervisors
	// or an administrator).
	sup := r.Group("", s.require(store.Supervisor, store.Admin))
	sup.GET("/teams", s.wrap(s.teamsPage))
	sup.POST("/teams", s.wrap(s.createTeamForm))
	sup.GET("/teams/:id", s.wrap(s.teamPage))
	sup.POST("/teams/:id/members", s.wrap(s.teamMembersForm))
	sup.POST("/teams/:id/delete", s.wrap(s.deleteTeamForm))
	sup.GET("/teams/:id/matrix.csv", s.wrap(s.teamMatrixCSV))
	sup.GET("/teams/:id/assignments.csv", s.wrap(s.teamAssignmentsCSV))
	sup.GET("/teams/:id/people/:uid", s.wrap(s.personPage))
	sup.GET("/teams/:id/people/:uid/report", s.wrap(s.personReport))
	sup.GET("/teams/:id/people/:uid/history.csv", s.wrap(s.personHistoryCSV))
	sup.GET("/teams/:id/people/:uid/attempts/:aid", s.wrap(s.personAttempt))
	sup.GET("/api/teams", s.wrap(s.apiTeams))
	sup.POST("/api/teams", s.wrap(s.apiCreateTeam))
	sup.GET("/api/teams/:id", s.wrap(s.apiTeam))
	sup.PATCH("/api/teams/:id", s.wrap(s.apiChangeTeam))
	sup.DELETE("/api/teams/:id", s.wrap(s.apiDeleteTeam))
	sup.GET("/api/teams/:id/people/:uid", s.wrap(s.apiPerson))

	// Supervisors, trainers and administrators: assignments (one assignment: its author, a
	// supervisor of its team, or an administrator).
	assigners := r.Group("", s.require(store.Supervisor, store.Trainer, store.Admin))
	assigners.GET("/assignments", s.wrap(s.assignmentsPage))
	assigners.GET("/assignments/new", s.wrap(s.newAssignmentPage))
	assigners.POST("/assignments", s.wrap(s.createAssignmentForm))
	assigners.GET("/assignments/:id", s.wrap(s.assignmentPage))
	assigners.GET("/assignments/:id/completion.csv", s.wrap(s.assignmentCSV))
	assigners.POST("/assignments/:id/delete", s.wrap(s.deleteAssignmentForm))
	assigners.GET("/api/assignments", s.wrap(s.apiAssignments))
	assigners.POST("/api/assignments", s.wrap(s.apiCreateAssignment))
	assigners.GET("/api/assignments/:id", s.wrap(s.apiAssignment))
	assigners.DELETE("/api/assignments/:id", s.wrap(s.apiDeleteAssignment))

	// Trainers and administrators: authoring (docs/content-format.md).
	staff.GET("/authoring", s.wrap(s.authoringPage))
	staff.GET("/authoring/new", s.wrap(s.newItemPage))
	staff.POST("/authoring/new", s.wrap(s.saveForm))
	staff.GET("/authoring/items/:id", s.wrap(s.editItemPage))
	staff.POST("/authoring/items/:id", s.wrap(s.saveForm))
	staff.GET("/authoring/import", s.wrap(s.importPage))
	staff.POST("/authoring/import", s.wrap(s.importForm))
	staff.GET("/authoring/export", s.wrap(s.exportItems))
	staff.GET("/api/authoring/items", s.wrap(s.apiAuthoredItems))
	staff.POST("/api/authoring/items", s.wrap(s.apiSaveDraft))
	staff.GET("/api/authoring/items/:id", s.wrap(s.apiAuthoredItem))
	staff.PUT("/api/authoring/items/:id", s.wrap(s.apiSaveDraft))
	staff.DELETE("/api/authoring/items/:id", s.wrap(s.apiDeleteDraft))
	staff.POST("/api/authoring/items/:id/publish", s.wrap(s.apiPublish))
	staff.POST("/api/authoring/items/:id/retire", s.wrap(s.apiRetire))
	staff.POST("/api/authoring/preview", s.wrap(s.apiPreview))
	staff.POST("/api/authoring/import", s.wrap(s.apiImport))

	// Administrators.
	admin := r.Group("", s.require(store.Admin))
	admin.GET("/admin/users", s.wrap(s.usersPage))
	admin.POST("/admin/users", s.wrap(s.createUser))
	admin.POST("/admin/users/:id", s.wrap(s.updateUser))
	admin.GET("/api/users", s.wrap(s.apiUsers))
	admin.POST("/api/users", s.wrap(s.apiCreateUser))
}
