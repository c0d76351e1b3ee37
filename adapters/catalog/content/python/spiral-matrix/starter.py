def spiral_order(matrix: list[list[int]]) -> list[int]:
    """Return the elements of matrix in clockwise spiral order.

    Start at the top-left corner and go right, down, left, up, inwards.
    """
    # TODO: walk the outer ring, then the rings inside it.
    return []
