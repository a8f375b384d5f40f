// Package static holds the site's CSS, JavaScript and images, embedded in the binary.
package static

import (
	"embed"
	"io/fs"
)

//go:embed *.css *.js *.svg
var files embed.FS

// FS returns the static files.
func FS() fs.FS { return files }
