"""``python -m classifier``: the same as the ``classifier`` command."""

from classifier.cli import main

if __name__ == "__main__":
    main()
