def is_balanced(text: str) -> bool:
    """Return True if every (, [ and { in text is closed in the right order.

    Characters other than ()[]{} are ignored.
    """
    # TODO: remember the brackets that are still open.
    return False
