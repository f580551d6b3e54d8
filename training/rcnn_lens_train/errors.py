class UserError(Exception):
    """An error caused by the user's input (paths, data, config).

    CLIs catch it and print a one-line message plus a hint instead of a stack trace.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        msg = self.args[0]
        return f"{msg}\n  hint: {self.hint}" if self.hint else msg


def run_cli(main, argv=None) -> int:
    """Run `main(argv)`, turning UserError into a clear message and exit code 2."""
    import sys

    try:
        rc = main(argv)
        return 0 if rc is None else int(rc)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
