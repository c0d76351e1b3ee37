import string
from collections import Counter


def word_frequency(text: str) -> dict[str, int]:
    """Return how many times each word appears in text."""
    words = (piece.strip(string.punctuation).lower() for piece in text.split())
    return dict(Counter(word for word in words if word))
