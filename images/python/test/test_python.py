import fractions
import re
import subprocess
import sys

import pytest


def test_fractions_exact():
    assert sum(fractions.Fraction(1, n) for n in (2, 3, 6)) == 1


@pytest.mark.parametrize("text,expected", [("2026.1", ("2026", "1")), ("2026.12", ("2026", "12"))])
def test_regex(text, expected):
    assert re.fullmatch(r"(\d{4})\.(\d+)", text).groups() == expected


def test_pip_present():
    out = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("pip ")
