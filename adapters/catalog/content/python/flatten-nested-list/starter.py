def flatten(items: list) -> list:
    """Return every non-list value inside items, from left to right.

    Lists may be nested to any depth, e.g. [1, [2, [3]]] -> [1, 2, 3].
    """
    # TODO: open up every item that is itself a list.
    return []
