"""The ``finrpa`` command line: one module per command group."""
