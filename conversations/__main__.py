"""`python -m conversations FILE…`: check script files and list every problem found."""

from __future__ import annotations

import sys

from conversations.loading import ScriptError, load_script


def main(paths: list[str]) -> int:
    """Check each file; 0 when all are usable, 1 otherwise (problems go to stderr)."""
    if not paths:
        print("usage: python -m conversations SCRIPT.yaml…", file=sys.stderr)
        return 2
    failed = False
    for path in paths:
        try:
            script = load_script(path)
        except ScriptError as exc:
            failed = True
            print(exc, file=sys.stderr)
            continue
        print(f"{path}: ok, {len(script.questions)} questions in {', '.join(script.languages)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
