// Package templates holds the server's html/template pages, embedded in the binary.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed *.html
var files embed.FS

// FS returns the templates.
func FS() fs.FS { return files }
