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

	// Administrators.
	admin := r.Group("", s.require(store.Admin))
	admin.GET("/admin/users", s.wrap(s.usersPage))
	admin.POST("/admin/users", s.wrap(s.createUser))
	admin.POST("/admin/users/:id", s.wrap(s.updateUser))
	admin.GET("/api/users", s.wrap(s.apiUsers))
	admin.POST("/api/users", s.wrap(s.apiCreateUser))
}
