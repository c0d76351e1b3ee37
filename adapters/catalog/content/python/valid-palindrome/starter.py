def is_palindrome(text: str) -> bool:
    """Return True if text reads the same both ways.

    Only letters and digits count, and case is ignored.
    """
    # TODO: compare characters from both ends, skipping the ones that don't count.
    return False
