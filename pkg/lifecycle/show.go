package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
)

// ListOutput is `stormpy list --json`: a stable contract (README).
type ListOutput struct {
	// MessageType is "list", as every stormpy JSON document names its kind.
	MessageType string `json:"message_type"`
	// Nimbus is the leader's host:port.
	Nimbus     string            `json:"nimbus"`
	Topologies []nimbus.Topology `json:"topologies"`
}

// InfoOutput is `stormpy info --json`: a stable contract (README).
type InfoOutput struct {
	// MessageType is "info".
	MessageType string `json:"message_type"`
	Nimbus      string `json:"nimbus"`
	*nimbus.Info
}

// List prints the running topologies.
func List(ctx context.Context, t Target, out io.Writer, asJSON bool) error {
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	tops, err := cl.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(out, ListOutput{MessageType: "list", Nimbus: cl.Leader().Addr, Topologies: tops})
	}
	if len(tops) == 0 {
		fmt.Fprintf(out, "no topologies running on %s\n", cl.Leader().Addr)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tSTATUS\tUPTIME\tWORKERS\tEXECUTORS\tTASKS")
	for _, tp := range tops {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", tp.Name, tp.ID, tp.Status, uptime(tp.UptimeSecs), tp.Workers, tp.Executors, tp.Tasks)
	}
	return tw.Flush()
}

// Info prints one topology's state and per-component figures.
func Info(ctx context.Context, t Target, out io.Writer, name string, asJSON bool) error {
	if name == "" {
		return exitcode.Invalid(fmt.Errorf("info: give the topology name: stormpy info NAME"))
	}
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	info, err := cl.Info(ctx, name)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(out, InfoOutput{MessageType: "info", Nimbus: cl.Leader().Addr, Info: info})
	}
	fmt.Fprintf(out, "topology %s (%s) on %s\n", info.Name, info.ID, cl.Leader().Addr)
	fmt.Fprintf(out, "  status %s, up %s, %d workers, %d executors, %d tasks", info.Status, uptime(info.UptimeSecs), info.Workers, info.Executors, info.Tasks)
	if info.Owner != "" {
		fmt.Fprintf(out, ", owner %s", info.Owner)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tKIND\tEXECUTORS\tTASKS\tEMITTED\tTRANSFERRED\tACKED\tFAILED\tCOMPLETE ms\tPROCESS ms\tEXECUTE ms")
	for _, c := range info.Components {
		kind := c.Kind
		if kind == "" {
			kind = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", c.ID, kind, c.Executors, c.Tasks,
			c.Emitted, c.Transferred, c.Acked, c.Failed, ms(c.CompleteLatencyMs), ms(c.ProcessLatencyMs), ms(c.ExecuteLatencyMs))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	const lastErrors = 3
	header := false
	for _, c := range info.Components {
		for i, e := range c.Errors {
			if i == lastErrors {
				fmt.Fprintf(out, "  %s: %d older errors not shown (see --json)\n", c.ID, len(c.Errors)-lastErrors)
				break
			}
			if !header {
				fmt.Fprintln(out, "\nlast errors:")
				header = true
			}
			where := ""
			if e.Host != "" {
				where = " on " + e.Host
				if e.Port != 0 {
					where += ":" + strconv.Itoa(e.Port)
				}
			}
			fmt.Fprintf(out, "  %s at %s%s: %s\n", c.ID, time.Unix(e.Time, 0).UTC().Format(time.RFC3339), where, firstLine(e.Error))
		}
	}
	return nil
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func uptime(secs int) string {
	return (time.Duration(secs) * time.Second).String()
}

func ms(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}
