"""``python -m classifier``: the same as the ``classifier`` command."""

from .cli import main

if __name__ == "__main__":
    main()
