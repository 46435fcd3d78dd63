//go:build solution

package minirpc

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"golabs/minirpc/codec"
)

// WriteOption writes opt to w as one frame: its length in 4 bytes, big
// endian, then its JSON.
func WriteOption(w io.Writer, opt *Option) error {
	body, err := json.Marshal(opt)
	if err != nil {
		return fmt.Errorf("rpc: encoding the option: %w", err)
	}
	if len(body) > MaxOptionSize {
		return fmt.Errorf("rpc: the option is %d bytes, more than %d", len(body), MaxOptionSize)
	}
	frame := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(frame, uint32(len(body)))
	copy(frame[4:], body)
	_, err = w.Write(frame)
	return err
}

// ReadOption reads one frame written by WriteOption from r, and not a byte
// more: what follows belongs to the codec. It checks the magic number and
// the codec type.
func ReadOption(r io.Reader) (*Option, error) {
	var length [4]byte
	if _, err := io.ReadFull(r, length[:]); err != nil {
		return nil, fmt.Errorf("reading the option's length: %w", err)
	}
	n := binary.BigEndian.Uint32(length[:])
	if n > MaxOptionSize {
		return nil, fmt.Errorf("the option's length is %d bytes, more than MaxOptionSize (%d)", n, MaxOptionSize)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("reading the option (%d bytes): %w", n, err)
	}
	var opt Option
	if err := json.Unmarshal(body, &opt); err != nil {
		return nil, fmt.Errorf("decoding the option: %w", err)
	}
	if opt.MagicNumber != MagicNumber {
		return nil, fmt.Errorf("invalid magic number %#x", opt.MagicNumber)
	}
	if codec.NewCodecFuncMap[opt.CodecType] == nil {
		return nil, fmt.Errorf("invalid codec type %q", opt.CodecType)
	}
	return &opt, nil
}
