import re

TOKEN = re.compile(r"\d+|[-+*/()]")


def evaluate(expression: str) -> int:
    """Return the value of an integer arithmetic expression."""
    tokens = TOKEN.findall(expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def parse_expression() -> int:  # term (("+" | "-") term)*
        value = parse_term()
        while peek() in ("+", "-"):
            if take() == "+":
                value += parse_term()
            else:
                value -= parse_term()
        return value

    def parse_term() -> int:  # factor (("*" | "/") factor)*
        value = parse_factor()
        while peek() in ("*", "/"):
            if take() == "*":
                value *= parse_factor()
            else:
                value = divide(value, parse_factor())
        return value

    def parse_factor() -> int:  # number | "(" expression ")" | "-" factor
        token = take()
        if token == "-":
            return -parse_factor()
        if token == "(":
            value = parse_expression()
            take()  # the closing ")"
            return value
        return int(token)

    return parse_expression()


def divide(a: int, b: int) -> int:
    """Integer division truncating toward zero."""
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient
