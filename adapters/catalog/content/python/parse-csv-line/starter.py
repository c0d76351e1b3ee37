def parse_csv_line(line: str) -> list[str] | None:
    """Split one CSV line into its fields.

    Fields are separated by commas; a field starting with a double quote
    runs to its closing quote, and "" inside it is a literal quote.
    Return None if the line is malformed.
    """
    # TODO: read the line character by character, field by field.
    return []
