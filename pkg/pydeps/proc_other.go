//go:build !linux

package pydeps

import (
	"os/exec"
	"time"
)

// setProcAttrs lets a cancelled command be killed and its pipes closed.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.WaitDelay = 5 * time.Second
}
