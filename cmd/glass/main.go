// Command glass is break-glass access for GitHub.
package main

import (
	"os"

	"github.com/glass-cli/glass/internal/app"
)

func main() { os.Exit(app.Main(os.Args[1:])) }
