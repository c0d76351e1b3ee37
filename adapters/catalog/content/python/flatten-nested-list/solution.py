def flatten(items: list) -> list:
    """Return every non-list value inside items, from left to right."""
    flat = []
    for item in items:
        if isinstance(item, list):
            flat.extend(flatten(item))
        else:
            flat.append(item)
    return flat
