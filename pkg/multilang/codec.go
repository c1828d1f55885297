package multilang

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// ErrTooLarge is returned for a message longer than the reader's limit.
var ErrTooLarge = errors.New("multilang message too large")

// Reader reads "end"-terminated JSON documents from a child's stdout.
type Reader struct {
	r   *bufio.Reader
	buf []byte
	max int
}

// NewReader returns a Reader that refuses documents longer than max bytes
// (0 means 64 MiB), so that a runaway child cannot exhaust memory.
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = 64 << 20
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next document, without the "end" line. The returned
// slice is valid until the following call. io.EOF means the child closed
// its stdout between messages; io.ErrUnexpectedEOF means mid-message.
func (r *Reader) Next() ([]byte, error) {
	r.buf = r.buf[:0]
	started := false
	for {
		line, err := r.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(r.buf)+len(line) > r.max {
				return nil, ErrTooLarge
			}
			r.buf = append(r.buf, line...)
			started = true
			continue
		}
		if err != nil {
			if err == io.EOF {
				if !started && len(line) == 0 {
					return nil, io.EOF
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		// line ends with '\n'; the "end" line is exactly "end\n" (or
		// "end\r\n" from a child on a text-mode stdout), and never the
		// continuation of a longer line.
		content := bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
		if string(content) == "end" && (len(r.buf) == 0 || r.buf[len(r.buf)-1] == '\n') {
			if !started {
				// An "end" with no document before it: skip, as Storm's
				// reader yields an empty message that carries nothing.
				continue
			}
			doc := bytes.TrimRight(r.buf, "\r\n")
			return doc, nil
		}
		if len(r.buf)+len(line) > r.max {
			return nil, ErrTooLarge
		}
		r.buf = append(r.buf, line...)
		started = true
	}
}

// Ready reports whether a whole message is already buffered, so that Next
// will return without waiting for the child.
func (r *Reader) Ready() bool {
	n := r.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := r.r.Peek(n)
	return bytes.HasPrefix(b, []byte("end\n")) || bytes.Contains(b, []byte("\nend\n")) ||
		bytes.HasPrefix(b, []byte("end\r\n")) || bytes.Contains(b, []byte("\nend\r\n"))
}

// ReadMessage reads and decodes the next message.
func (r *Reader) ReadMessage() (*Message, error) {
	doc, err := r.Next()
	if err != nil {
		return nil, err
	}
	return Decode(doc)
}

// Writer encodes host messages into a buffer; the caller decides when to
// Flush, so that a burst of tuples reaches the child in few writes.
type Writer struct {
	w   *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Flush writes buffered messages to the child.
func (w *Writer) Flush() error { return w.w.Flush() }

// Buffered returns the number of bytes not yet flushed.
func (w *Writer) Buffered() int { return w.w.Buffered() }

func (w *Writer) end() error {
	w.buf = append(w.buf, "\nend\n"...)
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// WriteRaw writes bytes that already hold whole framed messages, such as
// messages serialised once and sent many times.
func (w *Writer) WriteRaw(framed []byte) error {
	_, err := w.w.Write(framed)
	return err
}

// WriteJSON writes any JSON-encodable value as one message (the handshake).
func (w *Writer) WriteJSON(v any) error {
	var bb bytes.Buffer
	enc := json.NewEncoder(&bb)
	// Keys like "task->component" stay readable for the child's authors.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode multilang message: %w", err)
	}
	w.buf = append(w.buf[:0], bytes.TrimRight(bb.Bytes(), "\n")...)
	return w.end()
}

// WriteTuple writes a tuple to a bolt. Values are raw JSON documents.
func (w *Writer) WriteTuple(id uint64, comp, stream string, task int, values []json.RawMessage) error {
	b := append(w.buf[:0], `{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","comp":`...)
	b = AppendString(b, comp)
	b = append(b, `,"stream":`...)
	b = AppendString(b, stream)
	b = append(b, `,"task":`...)
	b = strconv.AppendInt(b, int64(task), 10)
	b = append(b, `,"tuple":[`...)
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	b = append(b, "]}"...)
	w.buf = b
	return w.end()
}

// WriteHeartbeat writes a heartbeat tuple, which a bolt answers with sync.
func (w *Writer) WriteHeartbeat(id uint64) error {
	b := append(w.buf[:0], `{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","comp":null,"stream":"__heartbeat","task":-1,"tuple":[]}`...)
	w.buf = b
	return w.end()
}

// WriteSpoutCommand writes next, ack, fail, activate or deactivate to a
// spout; id is the spout's own message id (raw JSON) for ack and fail.
func (w *Writer) WriteSpoutCommand(command string, id json.RawMessage) error {
	b := append(w.buf[:0], `{"command":`...)
	b = AppendString(b, command)
	if id != nil {
		b = append(b, `,"id":`...)
		b = append(b, id...)
	}
	b = append(b, '}')
	w.buf = b
	return w.end()
}

// WriteTaskIDs writes the reply to an emit that needs its task ids.
func (w *Writer) WriteTaskIDs(tasks []int) error {
	b := append(w.buf[:0], '[')
	for i, t := range tasks {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(t), 10)
	}
	b = append(b, ']')
	w.buf = b
	return w.end()
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// and line breaks are always escaped, so a document never contains a line
// that reads "end".
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
