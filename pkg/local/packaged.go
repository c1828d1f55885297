package local

import (
	"context"
	"fmt"
	"os"

	"github.com/stormpy/stormpy/pkg/topology"
)

// Stager writes a topology's packaged resources/ tree, exactly what its
// jar carries, into a directory.
type Stager interface {
	Stage(ctx context.Context, dir string) error
}

// RunPackaged stages the packaged resources into a fresh directory and runs
// t there, so that what runs locally is what runs on the cluster. The
// directory is removed afterwards. opts.ResourcesDir is ignored.
func RunPackaged(ctx context.Context, s Stager, t *topology.Topology, opts Options) (*Summary, error) {
	if err := unrunnable(t); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stormpy-run-")
	if err != nil {
		return nil, fmt.Errorf("stage resources: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := s.Stage(ctx, dir); err != nil {
		return nil, fmt.Errorf("stage resources: %w", err)
	}
	opts.ResourcesDir = dir
	return Run(ctx, t, opts)
}
