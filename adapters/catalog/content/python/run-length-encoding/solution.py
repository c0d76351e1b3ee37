from itertools import groupby


def encode(text: str) -> str:
    """Return the run-length encoding of text, e.g. "aaabcc" -> "a3b1c2"."""
    return "".join(f"{char}{sum(1 for _ in run)}" for char, run in groupby(text))
