"""Pure logic on subtitle data: model, loading, languages, validation, fixes, alignment maths.

Nothing in this package starts a subprocess or imports ``media`` or ``pipeline``.
"""
