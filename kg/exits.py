"""The exit codes of every kg command, in one place (scripts test them)."""

EXIT_OK = 0  # everything was done
EXIT_SOME_FAILED = 1  # done, but some input was skipped, a graph does not conform, a server failed
EXIT_NOTHING = 2  # nothing could be done: a bad argument, no readable input, a refused request
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it

__all__ = ["EXIT_INTERRUPTED", "EXIT_NOTHING", "EXIT_OK", "EXIT_SOME_FAILED"]
