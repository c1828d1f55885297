package pydeps

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcAttrs runs cmd in its own process group, killed with stormpy and,
// on cancellation, killed as a group so that the build processes pip
// spawns stop too. pip's scratch files live in a directory the caller
// removes, so killing outright loses nothing.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}
