def longest_unique_substring(text: str) -> str:
    """Return the longest substring of text with no repeated character.

    On a tie, return the one that starts first.
    """
    # TODO: slide a window of distinct characters along the text.
    return ""
