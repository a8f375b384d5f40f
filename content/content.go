// Package content is the built-in library as data: case studies, questions, exam blueprints,
// live quizzes and the built-in code-set subset, embedded in the binary.
package content

import (
	"embed"
	"io/fs"
)

//go:embed cases questions exams quizzes codesets
var files embed.FS

// Library returns the built-in exercises, exam blueprints and quizzes (*.md files).
func Library() fs.FS { return sub("") }

// Codesets returns the built-in code-set files (*.tsv).
func Codesets() fs.FS { return sub("codesets") }

func sub(dir string) fs.FS {
	if dir == "" {
		return files
	}
	s, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the folder is embedded above; fs.Sub fails only on a malformed name
	}
	return s
}
