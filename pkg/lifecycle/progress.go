package lifecycle

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws one self-overwriting line on a terminal, at most ten
// times a second.
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
	drawn bool
}

const progressEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label}
}

func (p *progressBar) update(sent, total int64) {
	now := time.Now()
	if sent < total && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	pct := 100.0
	if total > 0 {
		pct = float64(sent) * 100 / float64(total)
	}
	const width = 30
	fill := int(pct * width / 100)
	fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%% %s/%s", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, size(sent), size(total))
	p.drawn = true
}

// done ends the line so later output starts on a fresh one.
func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
