package exitcode

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"plain", base, Failure},
		{"invalid", Invalid(base), Usage},
		{"invalid wrapped again", fmt.Errorf("package: %w", Invalid(base)), Usage},
		{"refused", RefusedBy(base), Refused},
		{"interrupt", Interrupt(base), Interrupted},
		{"context canceled", fmt.Errorf("upload: %w", context.Canceled), Interrupted},
	}
	for _, c := range cases {
		if got := Code(c.err); got != c.want {
			t.Errorf("%s: Code = %d, want %d", c.name, got, c.want)
		}
	}
	if !errors.Is(Invalid(base), base) {
		t.Error("Invalid must keep the wrapped error reachable")
	}
	if Invalid(base).Error() != "boom" {
		t.Error("Invalid must not change the message")
	}
	if Invalid(nil) != nil {
		t.Error("Invalid(nil) must be nil")
	}
}
