"""Reply letters (答复函) as files: `sources` gets their text from .txt/.md/.docx/.pdf,
`reader` reads that text into fields, `writer` produces letters and forms as Word files."""
