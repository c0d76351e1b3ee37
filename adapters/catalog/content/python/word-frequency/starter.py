def word_frequency(text: str) -> dict[str, int]:
    """Return how many times each word appears in text.

    Words are whitespace-separated pieces with punctuation stripped from
    both ends, lowercased; pieces that end up empty are ignored.
    """
    # TODO: clean up each piece of the text and count it.
    return {}
