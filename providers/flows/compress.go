package flows

import (
	"bytes"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compression is how a flow file is compressed, as its first bytes say.
type compression int

const (
	uncompressed compression = iota
	gzipped
	zstandard
)

func (c compression) String() string {
	switch c {
	case gzipped:
		return "gzip"
	case zstandard:
		return "zstd"
	}
	return "uncompressed"
}

// sniffCompression recognizes gzip (1f 8b) and Zstandard (28 b5 2f fd)
// streams by their magic numbers.
func sniffCompression(magic []byte) compression {
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzipped
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return zstandard
	}
	return uncompressed
}

// maxZstdWindow bounds the memory a Zstandard frame may ask for (the
// default levels use at most 8 MiB; --long=27 archives 128 MiB).
const maxZstdWindow = 128 << 20

// reader returns the decompressed content of raw; closing it closes raw.
// Gzip files of several members (concatenated .gz) read as one stream.
func (c compression) reader(raw io.ReadCloser) (io.ReadCloser, error) {
	switch c {
	case gzipped:
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, err
		}
		return &closeBoth{Reader: zr, inner: zr, raw: raw}, nil
	case zstandard:
		zr, err := zstd.NewReader(raw, zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderConcurrency(0))
		if err != nil {
			return nil, err
		}
		return &closeBoth{Reader: zr, inner: zstdCloser{zr}, raw: raw}, nil
	}
	return raw, nil
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }

// closeBoth closes a decompressor and the file under it.
type closeBoth struct {
	io.Reader
	inner io.Closer
	raw   io.Closer
}

func (c *closeBoth) Close() error {
	err := c.inner.Close()
	if e := c.raw.Close(); err == nil {
		err = e
	}
	return err
}
