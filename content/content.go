// Package content is the built-in library as data: case studies, questions, exam blueprints,
// live quizzes and the built-in code-set subset, embedded in the binary.
package content

import (
	"embed"
	"io/fs"
)

//go:embed codesets
var files embed.FS

// Codesets returns the built-in code-set files (*.tsv).
func Codesets() fs.FS {
	sub, err := fs.Sub(files, "codesets")
	if err != nil {
		panic(err) // the folder is embedded above; fs.Sub fails only on a malformed name
	}
	return sub
}
