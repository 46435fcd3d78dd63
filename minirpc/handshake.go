//go:build !solution

package minirpc

import "io"

// WriteOption writes opt to w as one frame: the length of its JSON in 4
// bytes, big endian (encoding/binary), then the JSON itself, in a single
// Write (handout part A).
//
// Why a frame: the lecture notes write the Option with json.NewEncoder and
// read it with json.NewDecoder(conn). A json.Decoder reads ahead into a
// buffer of its own, so when the client sends the Option and its first
// request together, the decoder swallows the start of the request, and the
// codec that reads next never sees it. A reader that knows the length reads
// exactly the Option and not a byte more.
func WriteOption(w io.Writer, opt *Option) error {
	panic("minirpc: WriteOption is not implemented yet: write it in minirpc/handshake.go (docs/minirpc.md, part A)")
}

// ReadOption reads one frame that WriteOption wrote, and not a byte more
// (io.ReadFull). It refuses a length above MaxOptionSize before reading on,
// a magic number other than MagicNumber, and a codec type that
// codec.NewCodecFuncMap does not know, each with an error that says which.
func ReadOption(r io.Reader) (*Option, error) {
	panic("minirpc: ReadOption is not implemented yet: write it in minirpc/handshake.go (docs/minirpc.md, part A)")
}
