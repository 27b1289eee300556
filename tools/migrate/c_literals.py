"""Writes SQL text as C string literals in the project's layout (one literal per line of SQL, long
lines split at a space so the source stays within 120 columns). Used by the schema generators."""

import json

WIDTH = 110


def _chunks(line):
    while len(line) > WIDTH:
        cut = line.rfind(" ", 0, WIDTH)
        if cut <= 0:
            cut = WIDTH
        yield line[: cut + 1]
        line = line[cut + 1 :]
    yield line


def literal(sql, indent="    "):
    """The C array element for sql (without the trailing comma)."""
    lines = sql.split("\n")
    parts = []
    for i, line in enumerate(lines):
        text = line + ("\n" if i + 1 < len(lines) else "")
        for chunk in _chunks(text):
            if chunk:
                parts.append(indent + json.dumps(chunk, ensure_ascii=False).replace("\\u0009", "\\t"))
    return "\n".join(parts)
