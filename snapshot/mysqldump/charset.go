package mysqldump

// charset is a character set the scanner converts from.
type charset struct {
	name string
}

func lookupCharset(name []byte) *charset { return &charset{name: string(name)} }
