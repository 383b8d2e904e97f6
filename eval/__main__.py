"""``python -m eval FILE.jsonl …`` — the same as ``gongkai eval FILE.jsonl …``."""
import sys

from eval.runner import main

sys.exit(main(prog="python -m eval"))
