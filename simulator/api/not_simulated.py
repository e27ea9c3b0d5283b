"""Operations of the contract that answer 501 because their area is not simulated yet.

This list only shrinks: a test checks that every listed operation answers 501 and that no
other operation does.
"""

NOT_SIMULATED: frozenset[str] = frozenset()
