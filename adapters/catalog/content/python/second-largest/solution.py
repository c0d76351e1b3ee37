def second_largest(numbers: list[int]) -> int | None:
    """Return the second largest distinct value in numbers, or None."""
    largest = second = None
    for n in numbers:
        if largest is None or n > largest:
            largest, second = n, largest
        elif n != largest and (second is None or n > second):
            second = n
    return second
