def parse_csv_line(line: str) -> list[str] | None:
    """Split one CSV line into its fields, or return None if it is malformed."""
    fields: list[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1  # skip the opening quote
            chars = []
            while True:
                if i >= n:
                    return None  # the quoted field is never closed
                if line[i] != '"':
                    chars.append(line[i])
                    i += 1
                elif i + 1 < n and line[i + 1] == '"':
                    chars.append('"')  # "" stands for one literal quote
                    i += 2
                else:
                    i += 1  # skip the closing quote
                    break
            fields.append("".join(chars))
            if i < n and line[i] != ",":
                return None  # text after a closing quote
        else:
            end = line.find(",", i)
            if end == -1:
                end = n
            fields.append(line[i:end])
            i = end
        if i >= n:
            return fields
        i += 1  # skip the comma: another field follows
