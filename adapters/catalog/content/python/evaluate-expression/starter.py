def evaluate(expression: str) -> int:
    """Return the value of an integer arithmetic expression.

    Supports + - * / (truncating toward zero), parentheses, unary minus
    and spaces, with the usual precedence.
    """
    # TODO: split the expression into tokens, then parse them by precedence.
    return 0
