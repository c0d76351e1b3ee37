def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance between a and b."""
    # previous[j] is the distance between the prefix of a seen so far and b[:j].
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(
                previous[j] + 1,                        # delete char_a
                current[j - 1] + 1,                     # insert char_b
                previous[j - 1] + (char_a != char_b),   # keep or substitute
            ))
        previous = current
    return previous[-1]
