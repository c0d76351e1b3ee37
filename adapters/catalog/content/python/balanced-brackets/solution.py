OPENING_FOR = {")": "(", "]": "[", "}": "{"}


def is_balanced(text: str) -> bool:
    """Return True if every (, [ and { in text is closed in the right order."""
    stack = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in OPENING_FOR:
            if not stack or stack.pop() != OPENING_FOR[char]:
                return False
    return not stack
