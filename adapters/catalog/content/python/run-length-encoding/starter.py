def encode(text: str) -> str:
    """Return the run-length encoding of text.

    Each run of identical characters becomes the character followed by the
    length of the run, e.g. "aaabcc" -> "a3b1c2".
    """
    # TODO: walk through the text and count each run of equal characters.
    return ""
