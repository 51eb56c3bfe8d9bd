"""Regenerate the Word templates: `python -m branchflow.reports [DIR]` (default templates/word),
overwriting what is there — for the repository's committed copies, not for HQ's edited ones."""

import sys
from pathlib import Path

from branchflow.reports.word_templates import install_word_templates

install_word_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "templates/word"), True)
