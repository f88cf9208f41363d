// Prints the Platform and Buildpack APIs a lifecycle release supports, from its own api package.
package main

import (
	"fmt"
	"strings"

	"github.com/buildpacks/lifecycle/api"
)

func quoted(list api.List) string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, fmt.Sprintf("%q", v.String()))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

func main() {
	fmt.Printf("platform = %s\nbuildpack = %s\n", quoted(api.Platform.Supported), quoted(api.Buildpack.Supported))
}
