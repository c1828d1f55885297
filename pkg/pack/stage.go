package pack

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// Stage writes into dir exactly the tree that the jar holds under
// resources/, with the jar's modes, for the local runner to run components
// in, as a supervisor would after extracting the jar. dir must be missing
// or empty, so that nothing stale survives; on error it is left empty.
func Stage(ctx context.Context, o Options, dir string) (err error) {
	files, err := Files(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	if des, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("stage: %w", err)
	} else if len(des) > 0 {
		return exitcode.Invalid(fmt.Errorf("stage: %s is not empty; stage into a new directory", dir))
	}
	defer func() {
		if err != nil {
			emptyDir(dir)
		}
	}()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, ok := strings.CutPrefix(f.Name, "resources/")
		if !ok || rel == "" {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if f.IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("stage: %w", err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
		if err := stageFile(f, target); err != nil {
			return err
		}
	}
	return nil
}

func stageFile(f File, target string) (err error) {
	mode := os.FileMode(0o644)
	if f.Exec {
		mode = 0o755
	}
	in, err := f.Open()
	if err != nil {
		return fmt.Errorf("stage: read %s: %w", f.Name, err)
	}
	defer in.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("stage: %s: %w", f.Name, err)
	}
	// The umask may have taken bits away; the jar's modes are the contract.
	return os.Chmod(target, mode)
}

// emptyDir removes what Stage put into dir, which was empty before. It is
// best effort: the error that made Stage give up is the one to report.
func emptyDir(dir string) {
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		os.RemoveAll(filepath.Join(dir, de.Name()))
	}
}
