"""The articles are quoted byte for byte, so they must never change."""

import hashlib

from tests.conftest import SEEDS

PINNED = {
    "000_80ebed28bbef419f.txt": "8216be159a0e98944ce921de2966824c87e178b7ab5e962f88cf0cecb7e54cbc",
    "002_f5c7fe294e905a4b.txt": "813740432422c66beccc7ba78b06848892043f21cb74cb9cb9f87282a4673438",
}


def test_articles_are_unchanged() -> None:
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert found == PINNED
