def longest_unique_substring(text: str) -> str:
    """Return the first longest substring of text with no repeated character."""
    last_seen: dict[str, int] = {}
    start = best_start = best_length = 0
    for i, char in enumerate(text):
        if last_seen.get(char, -1) >= start:
            start = last_seen[char] + 1
        last_seen[char] = i
        if i - start + 1 > best_length:
            best_start, best_length = start, i - start + 1
    return text[best_start:best_start + best_length]
