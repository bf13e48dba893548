"""The ``optarium`` command line: one module per command group, each thin."""


def run() -> None:
    """The ``optarium`` console script: :func:`optarium.cli.main.main`, with Ctrl-C at any moment ending it with
    exit code 130 and one line, while the command's modules are still being imported too (no traceback)."""
    import sys

    try:
        from optarium.cli.main import main

        main()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)  # EXIT_INTERRUPTED of optarium.cli.common, which may not be imported yet
