def second_largest(numbers: list[int]) -> int | None:
    """Return the second largest distinct value in numbers.

    Return None when there are fewer than two distinct values.
    """
    # TODO: keep track of the largest and second largest values.
    return None
